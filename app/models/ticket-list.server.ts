import { z } from 'zod'
import { Prisma } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'
import {
  BREACHING_SOON_MINUTES,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_VIEWS,
  UNSOLVED_STATUSES,
  normalizeTag,
  type TicketPriorityValue,
  type TicketStatusValue,
  type TicketView,
} from './ticket-rules.ts'

/**
 * The tickets list (`/tickets`): URL query ⇄ typed query, views (queues) as presets of filters, keyset pages,
 * capped counts per view, search. All SQL is raw (Prisma.sql) so each filter lands on the index made for it
 * (migrations *_domain and 20261126130000_support_desk):
 *
 * | view / filter                     | index                                                              |
 * | --------------------------------- | ------------------------------------------------------------------ |
 * | sort updated / created (+ id)     | Ticket_updatedAt_id_idx / Ticket_createdAt_id_idx                  |
 * | mine (assignee + unsolved)        | Ticket_assigneeId_status_updatedAt_id_idx                          |
 * | team / my teams (team + unsolved) | Ticket_teamId_status_updatedAt_id_idx (TeamMember_pkey for mine)   |
 * | unassigned (unsolved)             | partial Ticket_unassigned_updatedAt_idx                            |
 * | status / pending                  | Ticket_status_updatedAt_id_idx                                     |
 * | priority                          | Ticket_status_priority_updatedAt_idx                               |
 * | tag                               | GIN Ticket_tags_gin_idx (`@>`); unsolved: partial GIN (tag counts) |
 * | breaching (rare)                  | AppliedSla_running_due_idx (IN over the clocks due within the hour) |
 * | breached (common)                 | AppliedSla_ticketId_idx (a probe per candidate ticket, stops early) |
 * | q = ticket or order number        | Ticket_number_key / Order_number_pattern_idx then Ticket_orderId   |
 * | q = email fragment                | GIN trigram Ticket_requesterEmail_trgm_idx                         |
 * | q = words                         | GIN trigram Ticket_subject_trgm_idx ∪ TicketMessage_body_trgm_idx  |
 *
 * Pages are keysets on (sort key, id), never OFFSET. Counts are exact up to TICKET_COUNT_CAP ("1,000+" above).
 */

export const TICKET_LIST_SORTS = ['updated', 'created'] as const
export type TicketListSort = (typeof TICKET_LIST_SORTS)[number]
export const TICKET_LIST_DEFAULT_LIMIT = 50
/**
 * Queue counts are exact up to this many ("1,000+" above): every page load and every live signal recounts every
 * queue, so each count stops scanning at the cap (bench/ticket-views: the whole sidebar at 200,000 tickets).
 */
export const TICKET_COUNT_CAP = 1_000
const MIN_TEXT_SEARCH = 3

export type TicketListQuery = {
  view: TicketView
  status?: TicketStatusValue[]
  priority?: TicketPriorityValue[]
  tag?: string[]
  /** A user id, or 'none' (unassigned). */
  assignee?: string
  /** A team id, or 'none' (no team). */
  team?: string
  q?: string
  sort: TicketListSort
  dir: 'asc' | 'desc'
  limit: number
  /** Keyset cursors: the page after / before a row (the "Next" / "Previous" links). */
  after?: string
  before?: string
}

export type TicketViewer = { id: string }

// ─── Parsing ────────────────────────────────────────────────────────────────────────────────────────────────────

const last = (input: unknown) => (Array.isArray(input) ? input.at(-1) : input)
const blankToUndefined = (input: unknown) => {
  const value = last(input)
  if (value === undefined || value === null) return undefined
  const text = String(value).trim()
  return text.length > 0 ? text : undefined
}
function multi<T extends z.ZodTypeAny>(item: T) {
  return z.preprocess((input) => {
    const values = (Array.isArray(input) ? input : input === undefined ? [] : [input])
      .flatMap((value) => String(value).split(','))
      .map((value) => value.trim())
      .filter(Boolean)
    return values.length > 0 ? [...new Set(values)] : undefined
  }, z.array(item).max(20, 'Choose at most 20').optional())
}

const CURSOR_INVALID = 'This page link is not valid (it may have been cut short). Go back to the first page.'

export const TicketListQuerySchema = z.object({
  view: z.preprocess(blankToUndefined, z.enum(TICKET_VIEWS, { errorMap: () => ({ message: `Unknown view; choose from ${TICKET_VIEWS.join(', ')}` }) }).default('open')),
  status: multi(z.enum(TICKET_STATUSES, { errorMap: () => ({ message: `Unknown status; choose from ${TICKET_STATUSES.join(', ')}` }) })),
  priority: multi(z.enum(TICKET_PRIORITIES, { errorMap: () => ({ message: `Unknown priority; choose from ${TICKET_PRIORITIES.join(', ')}` }) })),
  tag: multi(z.string().max(40, 'Tags are at most 40 characters').transform(normalizeTag)),
  assignee: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Choose an assignee from the list').optional()),
  team: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Choose a team from the list').optional()),
  q: z.preprocess(blankToUndefined, z.string().max(200, 'Search for at most 200 characters').optional()),
  sort: z.preprocess(blankToUndefined, z.enum(TICKET_LIST_SORTS, { errorMap: () => ({ message: 'Sort by updated or created' }) }).default('updated')),
  dir: z.preprocess(blankToUndefined, z.enum(['asc', 'desc'], { errorMap: () => ({ message: 'Use asc or desc' }) }).default('desc')),
  limit: z.preprocess(blankToUndefined, z.coerce.number({ invalid_type_error: 'Choose 25, 50 or 100' }).int().refine((n) => [25, 50, 100].includes(n), 'Choose 25, 50 or 100').default(TICKET_LIST_DEFAULT_LIMIT)),
  after: z.preprocess(blankToUndefined, z.string().max(200).refine((value) => decodeCursor(value) !== null, CURSOR_INVALID).optional()),
  before: z.preprocess(blankToUndefined, z.string().max(200).refine((value) => decodeCursor(value) !== null, CURSOR_INVALID).optional()),
})

export function parseTicketListQuery(params: URLSearchParams): { query: TicketListQuery } | { errors: Record<string, string> } {
  const raw: Record<string, string[]> = {}
  for (const key of new Set(params.keys())) raw[key] = params.getAll(key)
  const parsed = TicketListQuerySchema.safeParse(raw)
  if (!parsed.success) {
    const errors: Record<string, string> = {}
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message
    return { errors }
  }
  const query = parsed.data as TicketListQuery
  if (query.q !== undefined) {
    const search = classifyTicketSearch(query.q)
    if ('error' in search) return { errors: { q: search.error } }
  }
  return { query }
}

// ─── Search ─────────────────────────────────────────────────────────────────────────────────────────────────────

export type TicketSearch = { kind: 'number'; digits: string } | { kind: 'email'; fragment: string } | { kind: 'text'; fragment: string }

/** `#1234` / `1234`: a ticket number or an order number prefix; `a@b`: requester email; words: subject and bodies. */
export function classifyTicketSearch(q: string): TicketSearch | { error: string } {
  const value = q.trim()
  const number = /^#?(\d+)$/.exec(value)
  if (number) {
    if (number[1]!.length < 3) return { error: 'Type at least 3 digits of a ticket or order number (e.g. #1001)' }
    return { kind: 'number', digits: number[1]! }
  }
  if (value.length < MIN_TEXT_SEARCH) return { error: `Type at least ${MIN_TEXT_SEARCH} characters: words from the subject or messages, an email, or a number` }
  if (value.includes('@')) return { kind: 'email', fragment: value.toLowerCase() }
  return { kind: 'text', fragment: value }
}

const likeLiteral = (value: string) => value.replace(/[\\%_]/g, '\\$&')

// ─── Cursors ────────────────────────────────────────────────────────────────────────────────────────────────────

type Cursor = { at: Date; id: string }
function encodeCursor(at: Date, id: string) {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url')
}
function decodeCursor(value: string): Cursor | null {
  let text: string
  try {
    text = Buffer.from(value, 'base64url').toString('utf8')
  } catch {
    return null
  }
  const match = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|([A-Za-z0-9_-]{1,64})$/.exec(text)
  if (!match) return null
  const at = new Date(match[1]!)
  return Number.isNaN(at.getTime()) ? null : { at, id: match[2]! }
}

// ─── SQL ────────────────────────────────────────────────────────────────────────────────────────────────────────

const statusList = (statuses: readonly string[]) => Prisma.join(statuses.map((status) => Prisma.sql`${status}::"TicketStatus"`))

/**
 * Tickets with a running SLA clock matching `condition` (the SLA engine's AppliedSla rows, app/models/sla/), as an
 * `IN (…)` over the clocks, so a rare condition is answered from the engine's partial index
 * AppliedSla_running_due_idx (running, unpaused, unbreached, by dueAt) instead of a probe per ticket.
 */
function ticketsWithClock(condition: Prisma.Sql) {
  // `= ANY(ARRAY(…))`: the clocks are read first and the tickets fetched by primary key; as `IN (…)` the planner
  // hash-joins against every unsolved ticket instead (bench/ticket-views: 58 ms vs a few ms at 200,000 tickets).
  return Prisma.sql`t."id" = ANY(ARRAY(SELECT a."ticketId" FROM "AppliedSla" a WHERE a."ticketId" IS NOT NULL AND a."satisfiedAt" IS NULL AND ${condition}))`
}

export function viewConditions(view: TicketView, viewer: TicketViewer, now: Date): Prisma.Sql[] {
  const unsolved = Prisma.sql`t."status" IN (${statusList(UNSOLVED_STATUSES)})`
  switch (view) {
    case 'mine':
      return [Prisma.sql`t."assigneeId" = ${viewer.id}`, unsolved]
    case 'team':
      // The viewer's teams are few: an IN list the planner turns into index scans on the team index.
      return [Prisma.sql`t."teamId" IN (SELECT tm."teamId" FROM "TeamMember" tm WHERE tm."userId" = ${viewer.id})`, unsolved]
    case 'unassigned':
      return [Prisma.sql`t."assigneeId" IS NULL`, unsolved]
    case 'open':
      return [unsolved]
    case 'pending':
      return [Prisma.sql`t."status" = 'pending'::"TicketStatus"`]
    case 'breaching': {
      const soon = new Date(now.getTime() + BREACHING_SOON_MINUTES * 60_000)
      // Paused clocks (pending / on hold) cannot breach while paused.
      return [
        Prisma.sql`t."status" IN ('new'::"TicketStatus", 'open'::"TicketStatus")`,
        ticketsWithClock(Prisma.sql`a."pausedAt" IS NULL AND a."breachedAt" IS NULL AND a."dueAt" > ${now} AND a."dueAt" <= ${soon}`),
      ]
    }
    case 'breached':
      // Marked breached by the engine's timer, or past due and not marked yet (the timer is about to fire): one index
      // probe per candidate ticket (AppliedSla_ticketId_idx), so a page or a capped count stops early. NOTE: written
      // as a LIMIT 1 scalar subquery on purpose — an EXISTS is turned into a hash semi-join over every clock ever
      // recorded (bench/ticket-views: 26 ms vs 0.4 ms for a page at 200,000 tickets).
      return [
        unsolved,
        Prisma.sql`(SELECT true FROM "AppliedSla" a WHERE a."ticketId" = t."id" AND a."satisfiedAt" IS NULL AND (a."breachedAt" IS NOT NULL OR (a."pausedAt" IS NULL AND a."dueAt" <= ${now})) LIMIT 1) IS NOT NULL`,
      ]
    case 'all':
      return []
  }
}

function filterConditions(query: TicketListQuery, viewer: TicketViewer, now: Date): Prisma.Sql[] {
  const conditions = viewConditions(query.view, viewer, now)
  if (query.status) conditions.push(Prisma.sql`t."status" IN (${statusList(query.status)})`)
  if (query.priority) conditions.push(Prisma.sql`t."priority" IN (${Prisma.join(query.priority.map((p) => Prisma.sql`${p}::"TicketPriority"`))})`)
  if (query.tag) conditions.push(Prisma.sql`t."tags" @> ${query.tag}::text[]`)
  if (query.assignee === 'none') conditions.push(Prisma.sql`t."assigneeId" IS NULL`)
  else if (query.assignee) conditions.push(Prisma.sql`t."assigneeId" = ${query.assignee === 'me' ? viewer.id : query.assignee}`)
  if (query.team === 'none') conditions.push(Prisma.sql`t."teamId" IS NULL`)
  else if (query.team) conditions.push(Prisma.sql`t."teamId" = ${query.team}`)
  if (query.q) {
    const search = classifyTicketSearch(query.q)
    if ('error' in search) throw new Error(search.error)
    if (search.kind === 'number') {
      conditions.push(Prisma.sql`(t."number" = ${Number(search.digits.slice(0, 9))} OR t."orderId" IN (SELECT o."id" FROM "Order" o WHERE o."number" LIKE ${`#${search.digits}%`}))`)
    } else if (search.kind === 'email') {
      conditions.push(Prisma.sql`t."requesterEmail" LIKE ${`%${likeLiteral(search.fragment)}%`}`)
    } else {
      const pattern = `%${likeLiteral(search.fragment)}%`
      conditions.push(
        Prisma.sql`t."id" IN (SELECT s."id" FROM "Ticket" s WHERE s."subject" ILIKE ${pattern} UNION SELECT m."ticketId" FROM "TicketMessage" m WHERE m."body" ILIKE ${pattern})`,
      )
    }
  }
  return conditions
}

const whereSql = (conditions: Prisma.Sql[]) => (conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty)
const SORT_COLUMN: Record<TicketListSort, Prisma.Sql> = { updated: Prisma.sql`t."updatedAt"`, created: Prisma.sql`t."createdAt"` }

/** The page statement (exported for the benchmark, which runs the same SQL raw). */
export function ticketListPageSql(query: TicketListQuery, viewer: TicketViewer, now: Date) {
  const conditions = filterConditions(query, viewer, now)
  const column = SORT_COLUMN[query.sort]
  // "Previous" reads backwards from the page's first row (then the caller reverses the rows).
  const backward = !query.after && Boolean(query.before)
  const dir = backward ? (query.dir === 'desc' ? 'asc' : 'desc') : query.dir
  const cursor = query.after ? decodeCursor(query.after) : query.before ? decodeCursor(query.before) : null
  if (cursor) {
    conditions.push(dir === 'desc' ? Prisma.sql`(${column}, t."id") < (${cursor.at}, ${cursor.id})` : Prisma.sql`(${column}, t."id") > (${cursor.at}, ${cursor.id})`)
  }
  const direction = dir === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`
  return Prisma.sql`
    SELECT t."id", t."number", t."subject", t."status"::text AS "status", t."priority"::text AS "priority", t."tags",
           t."requesterName", t."requesterEmail", t."assigneeId", u."name" AS "assigneeName", t."teamId", tm."name" AS "teamName", o."number" AS "orderNumber",
           t."csatRating", t."createdAt", t."updatedAt", t."lastMessageAt"
      FROM "Ticket" t
      LEFT JOIN "User" u ON u."id" = t."assigneeId"
      LEFT JOIN "Team" tm ON tm."id" = t."teamId"
      LEFT JOIN "Order" o ON o."id" = t."orderId"
      ${whereSql(conditions)}
     ORDER BY ${column} ${direction}, t."id" ${direction}
     LIMIT ${query.limit + 1}`
}

export type TicketListRow = {
  id: string
  number: number
  subject: string
  status: TicketStatusValue
  priority: TicketPriorityValue
  tags: string[]
  requesterName: string
  requesterEmail: string
  assigneeId: string | null
  assigneeName: string | null
  teamId: string | null
  teamName: string | null
  orderNumber: string | null
  csatRating: number | null
  createdAt: Date
  updatedAt: Date
  lastMessageAt: Date | null
}

export async function listTickets(
  query: TicketListQuery,
  viewer: TicketViewer,
  now = new Date(),
): Promise<{ rows: TicketListRow[]; nextCursor: string | null; prevCursor: string | null }> {
  const rows = await prisma.$queryRaw<TicketListRow[]>(ticketListPageSql(query, viewer, now))
  const backward = !query.after && Boolean(query.before)
  const more = rows.length > query.limit
  const page = rows.slice(0, query.limit)
  if (backward) page.reverse()
  const cursorOf = (row: TicketListRow | undefined) => (row ? encodeCursor(query.sort === 'created' ? row.createdAt : row.updatedAt, row.id) : null)
  return {
    rows: page,
    nextCursor: backward || more ? cursorOf(page.at(-1)) : null,
    prevCursor: backward ? (more ? cursorOf(page[0]) : null) : query.after ? cursorOf(page[0]) : null,
  }
}

export type TicketCount = { count: number; exact: boolean }

/** The statement counting a view's matches up to the cap (the inner LIMIT stops the scan at cap + 1 rows). */
export function ticketCountSql(query: Omit<TicketListQuery, 'sort' | 'dir' | 'limit' | 'after' | 'before'>, viewer: TicketViewer, now: Date, cap = TICKET_COUNT_CAP) {
  const full = { sort: 'updated', dir: 'desc', limit: 1, ...query } as TicketListQuery
  return Prisma.sql`SELECT count(*)::int AS "n" FROM (SELECT 1 FROM "Ticket" t ${whereSql(filterConditions(full, viewer, now))} LIMIT ${cap + 1}) s`
}

const asCount = (n: number, cap: number): TicketCount => (n > cap ? { count: cap, exact: false } : { count: n, exact: true })

export async function countTickets(query: TicketListQuery, viewer: TicketViewer, now = new Date(), cap = TICKET_COUNT_CAP): Promise<TicketCount> {
  const [row] = await prisma.$queryRaw<{ n: number }[]>(ticketCountSql(query, viewer, now, cap))
  return asCount(Number(row?.n ?? 0), cap)
}

export type ViewCounts = {
  views: Record<TicketView, TicketCount>
  priorities: Record<TicketPriorityValue, TicketCount>
  /** The most used tags on unsolved tickets, with their counts (exact up to the cap). */
  tags: { tag: string; count: TicketCount }[]
  /** Saved views (by id), counted with their own filters. */
  custom: Record<string, TicketCount>
  /** Every team (by name) with its unsolved tickets. */
  teams: { id: string; name: string; count: TicketCount }[]
}

/** How many tags the "By tag" group lists. */
export const TAG_VIEWS_LIMIT = 8

/**
 * Every queue's count for the sidebar, in ONE round trip: each count is its own capped scalar subquery on the index
 * its view uses. Tags: the TAG_VIEWS_LIMIT most used on unsolved tickets among the newest TAG_SAMPLE unsolved
 * tickets (what is busy now), then each counted exactly (GIN) up to the cap. Saved views add one subquery each.
 */
export async function countTicketViews(viewer: TicketViewer, custom: { id: string; search: string }[] = [], now = new Date(), cap = TICKET_COUNT_CAP): Promise<ViewCounts> {
  const sql = viewCountsSql(viewer, custom, now, cap)
  const [row] = await prisma.$queryRaw<Record<string, unknown>[]>(sql.statement)
  return sql.read(row ?? {})
}

const TAG_SAMPLE = 2_000

export function viewCountsSql(viewer: TicketViewer, custom: { id: string; search: string }[], now: Date, cap = TICKET_COUNT_CAP) {
  const parts: Prisma.Sql[] = []
  const add = (key: string, query: Partial<TicketListQuery>) => {
    parts.push(Prisma.sql`(${ticketCountSql({ view: 'all', ...query }, viewer, now, cap)}) AS ${Prisma.raw(`"${key}"`)}`)
  }
  for (const view of TICKET_VIEWS) add(`v_${view}`, { view })
  for (const priority of TICKET_PRIORITIES) add(`p_${priority}`, { view: 'open', priority: [priority] })
  const customQueries: { id: string; key: string }[] = []
  custom.forEach((view, index) => {
    const parsed = parseTicketListQuery(new URLSearchParams(view.search))
    if ('errors' in parsed) return
    const key = `c_${index}`
    customQueries.push({ id: view.id, key })
    add(key, parsed.query)
  })
  // The busiest tags, counted with the GIN index; the sample keeps the tag scan bounded at any table size.
  const tags = Prisma.sql`(
    SELECT coalesce(json_agg(json_build_object('tag', x.tag, 'n', (
             SELECT count(*) FROM (SELECT 1 FROM "Ticket" t2 WHERE t2."tags" @> ARRAY[x.tag] AND t2."status" IN (${statusList(UNSOLVED_STATUSES)}) LIMIT ${cap + 1}) c
           )) ORDER BY x.uses DESC, x.tag), '[]'::json)
      FROM (SELECT tag, count(*) AS uses
              FROM (SELECT t."tags" FROM "Ticket" t WHERE t."status" IN (${statusList(UNSOLVED_STATUSES)}) ORDER BY t."updatedAt" DESC LIMIT ${TAG_SAMPLE}) recent,
                   unnest(recent."tags") AS tag
             GROUP BY tag ORDER BY uses DESC, tag LIMIT ${TAG_VIEWS_LIMIT}) x
  ) AS "tags"`
  // Teams are few (a desk has a handful): each counted on the team index up to the cap.
  const teams = Prisma.sql`(
    SELECT coalesce(json_agg(json_build_object('id', tm."id", 'name', tm."name", 'n', (
             SELECT count(*) FROM (SELECT 1 FROM "Ticket" t2 WHERE t2."teamId" = tm."id" AND t2."status" IN (${statusList(UNSOLVED_STATUSES)}) LIMIT ${cap + 1}) c
           )) ORDER BY tm."name"), '[]'::json)
      FROM "Team" tm
  ) AS "teams"`
  const statement = Prisma.sql`SELECT ${Prisma.join([...parts, tags, teams], ', ')}`
  const read = (row: Record<string, unknown>): ViewCounts => {
    const n = (key: string) => asCount(Number(row[key] ?? 0), cap)
    const tagRows = (typeof row.tags === 'string' ? JSON.parse(row.tags) : (row.tags ?? [])) as { tag: string; n: number }[]
    const teamRows = (typeof row.teams === 'string' ? JSON.parse(row.teams) : (row.teams ?? [])) as { id: string; name: string; n: number }[]
    return {
      views: Object.fromEntries(TICKET_VIEWS.map((view) => [view, n(`v_${view}`)])) as ViewCounts['views'],
      priorities: Object.fromEntries(TICKET_PRIORITIES.map((priority) => [priority, n(`p_${priority}`)])) as ViewCounts['priorities'],
      tags: tagRows.map((item) => ({ tag: item.tag, count: asCount(Number(item.n), cap) })),
      custom: Object.fromEntries(customQueries.map(({ id, key }) => [id, n(key)])),
      teams: teamRows.map((team) => ({ id: team.id, name: team.name, count: asCount(Number(team.n), cap) })),
    }
  }
  return { statement, read }
}

/**
 * Every ticket matching `query` (as `viewer` sees it at `now`), `size` ids at a time, for bulk actions on "all N
 * matching" (app/models/ticket-bulk.server.ts). Keyset by id, not by the list's sort: a row the action changes
 * (its updatedAt moves) is never met twice and none is skipped; tickets created meanwhile with a later id join in.
 */
export async function* iterateTicketIds(query: TicketListQuery, viewer: TicketViewer, now: Date, size = 500): AsyncGenerator<string[]> {
  let after: string | null = null
  for (;;) {
    const conditions = filterConditions({ ...query, after: undefined, before: undefined }, viewer, now)
    if (after !== null) conditions.push(Prisma.sql`t."id" > ${after}`)
    const rows = await prisma.$queryRaw<{ id: string }[]>(Prisma.sql`SELECT t."id" FROM "Ticket" t ${whereSql(conditions)} ORDER BY t."id" LIMIT ${size}`)
    if (rows.length === 0) return
    yield rows.map((row) => row.id)
    if (rows.length < size) return
    after = rows.at(-1)!.id
  }
}
