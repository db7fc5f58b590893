import { z } from 'zod'
import {
  OrderFulfillmentStatus,
  OrderPaymentStatus,
  OrderStatus,
  Prisma,
  SalesChannel,
} from '#app/generated/prisma/client.ts'
import { OPEN_TICKET_STATUSES, WAITING_RETURN_STATUSES } from '#app/models/dashboard.server.ts'
import { pgPool, prisma } from '#app/utils/db.server.ts'

/**
 * The orders list (`/orders`) at 1,000,000 orders: URL query ⇄ typed query, keyset pages, capped counts, and every
 * matching id for bulk work. All SQL is raw (Prisma.sql) so each filter maps onto the index made for it
 * (prisma/migrations/*_domain and *_orders_workspace):
 *
 * | filter / sort                     | index                                                                  |
 * | --------------------------------- | ---------------------------------------------------------------------- |
 * | sort placedAt (+ id)              | Order_placedAt_id_idx (placedAt desc, id desc)                         |
 * | sort totalAmount (+ id)           | Order_totalAmount_id_idx                                               |
 * | sort number                       | Order_number_key (unique, so no tiebreak is needed in SQL)             |
 * | status / payment / fulfilment     | (status|paymentStatus|fulfillmentStatus, placedAt desc)                |
 * | channel                           | (channel, placedAt desc)                                               |
 * | country                           | ((shippingAddress->>'country'), placedAt desc)                         |
 * | tags (any of)                     | GIN Order_tags_gin_idx (`&&`)                                          |
 * | q = order number prefix           | Order_number_pattern_idx (text_pattern_ops, `LIKE 'prefix%'`)          |
 * | q = email / name fragment         | GIN trigram Order_customerEmail_trgm_idx / Order_customerName_trgm_idx |
 * | has open return / ticket          | EXISTS on Return_orderId_idx / Ticket_orderId_idx                      |
 *
 * Pages are keysets on (sort key, id) — never OFFSET — so page 20,000 costs what page 1 costs. Cursors are opaque
 * (base64url of the sort key's value and the row id); they carry no authority (any position is harmless to read
 * from), so they need no signature, only validation: a cursor that does not decode, or was made for another sort,
 * is a field error (400), never a 500.
 */

// ─── Query shape ────────────────────────────────────────────────────────────────────────────────────────────────

/** Column ids of the list (the route's columns.tsx defines one column per id). */
export const ORDER_LIST_COLUMNS = ['number', 'placedAt', 'customer', 'status', 'payment', 'fulfillment', 'channel', 'total', 'country', 'tags', 'assignee'] as const
export type OrderListColumn = (typeof ORDER_LIST_COLUMNS)[number]
export const ORDER_LIST_SORTS = ['placedAt', 'totalAmount', 'number'] as const
export type OrderListSort = (typeof ORDER_LIST_SORTS)[number]

export type OrderListQuery = {
  status?: OrderStatus[]
  payment?: OrderPaymentStatus[]
  fulfillment?: OrderFulfillmentStatus[]
  channel?: SalesChannel[]
  /** `YYYY-MM-DD` (UTC), inclusive. */
  from?: string
  /** `YYYY-MM-DD` (UTC), inclusive (the whole day). */
  to?: string
  /** Order total in major units (what a person types: 49.99), inclusive. */
  minTotal?: number
  maxTotal?: number
  /** ISO 3166 alpha-2, upper case (shipping address). */
  country?: string[]
  /** Orders with any of these tags. */
  tags?: string[]
  hasOpenReturn?: boolean
  hasOpenTicket?: boolean
  q?: string
  sort: OrderListSort
  dir: 'asc' | 'desc'
  after?: string
  before?: string
  limit: number
  cols?: string[]
  density?: 'compact' | 'comfortable'
}

export type OrderListRow = {
  id: string
  number: string
  placedAt: Date
  status: OrderStatus
  paymentStatus: OrderPaymentStatus
  fulfillmentStatus: OrderFulfillmentStatus
  channel: SalesChannel
  currency: string
  /** Minor units. */
  totalAmount: number
  customerName: string
  customerEmail: string
  country: string | null
  tags: string[]
  assigneeName: string | null
}

export const ORDER_LIST_DEFAULT_LIMIT = 50
export const ORDER_LIST_MAX_LIMIT = 200
/** Counts are exact up to this many matches, then an estimate (the planner's row estimate), labelled "about". */
export const ORDER_COUNT_CAP = 10_000
/** Shortest email/name fragment the trigram indexes can answer (a trigram is 3 characters). */
export const MIN_TEXT_SEARCH = 3
/** Shortest order-number prefix (digits after '#') worth an index range scan. */
export const MIN_NUMBER_SEARCH = 3

/** How a search box value is answered (and why a short one is refused). */
export type OrderSearch = { kind: 'number'; prefix: string } | { kind: 'email'; fragment: string } | { kind: 'text'; fragment: string }

export function classifyOrderSearch(q: string): OrderSearch | { error: string } {
  const value = q.trim()
  const number = /^#(\S+)$/.exec(value) ?? /^(\d+)$/.exec(value)
  if (number) {
    const rest = number[1]!
    if (rest.length < MIN_NUMBER_SEARCH) return { error: `Type at least ${MIN_NUMBER_SEARCH} digits of an order number (e.g. #1001)` }
    return { kind: 'number', prefix: `#${rest}` }
  }
  if (value.length < MIN_TEXT_SEARCH) {
    return { error: `Type at least ${MIN_TEXT_SEARCH} characters of a name or email, or an order number like #1001` }
  }
  if (value.includes('@')) return { kind: 'email', fragment: value.toLowerCase() }
  return { kind: 'text', fragment: value }
}

// ─── Cursors ────────────────────────────────────────────────────────────────────────────────────────────────────

type CursorValue = string | number
const SORT_CODE: Record<OrderListSort, string> = { placedAt: 'p', totalAmount: 't', number: 'n' }
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

function encodeCursor(sort: OrderListSort, value: CursorValue, id: string) {
  return Buffer.from(JSON.stringify([SORT_CODE[sort], value, id])).toString('base64url')
}

const CURSOR_INVALID = 'This page link is not valid (it may have been cut short). Go back to the first page.'
const CODE_SORT = Object.fromEntries(Object.entries(SORT_CODE).map(([sort, code]) => [code, sort])) as Record<string, OrderListSort>

/** A cursor's sort and position, if it is well-formed (whatever the current sort). */
function parseCursor(cursor: string): { sort: OrderListSort; value: CursorValue; id: string } | { error: string } {
  const invalid = { error: CURSOR_INVALID }
  if (cursor.length > 400 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return invalid
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return invalid
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return invalid
  const [code, value, id] = parsed as unknown[]
  const sort = typeof code === 'string' ? CODE_SORT[code] : undefined
  if (!sort || typeof id !== 'string' || !ID_PATTERN.test(id)) return invalid
  switch (sort) {
    case 'placedAt':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(value) && !Number.isNaN(Date.parse(value)) ? { sort, value, id } : invalid
    case 'totalAmount':
      return typeof value === 'number' && Number.isSafeInteger(value) ? { sort, value, id } : invalid
    case 'number':
      return typeof value === 'string' && value.length > 0 && value.length <= 64 ? { sort, value, id } : invalid
  }
}

/** The cursor's position, or a reason it cannot be used with this sort. */
export function decodeCursor(cursor: string, sort: OrderListSort): { value: CursorValue; id: string } | { error: string } {
  const parsed = parseCursor(cursor)
  if ('error' in parsed) return parsed
  if (parsed.sort !== sort) return { error: 'This page link was made for another sort order. Go back to the first page.' }
  return { value: parsed.value, id: parsed.id }
}

// ─── Parsing URL search params ──────────────────────────────────────────────────────────────────────────────────

/** A multi-value param: repeated (`status=a&status=b`) or comma-separated (`status=a,b`); empty → absent. */
function list<T extends z.ZodTypeAny>(item: T, max = 20, tooMany = `Choose at most ${max}`) {
  return z.preprocess(
    (input) => {
      const values = (Array.isArray(input) ? input : input === undefined || input === null ? [] : [input])
        .flatMap((value) => String(value).split(','))
        .map((value) => value.trim())
        .filter((value) => value.length > 0)
      const unique = [...new Set(values)]
      return unique.length > 0 ? unique : undefined
    },
    z.array(item).max(max, tooMany).optional(),
  )
}

function enumList<T extends Record<string, string>>(values: T, label: string) {
  const options = Object.values(values) as [T[keyof T], ...T[keyof T][]]
  return list(z.enum(options, { errorMap: () => ({ message: `Unknown ${label}; choose from ${options.join(', ')}` }) }))
}

/** A single-value param: the last one wins when repeated; blank → absent. */
function single<T extends z.ZodTypeAny>(schema: T) {
  return z.preprocess((input) => {
    const value = Array.isArray(input) ? input.at(-1) : input
    if (value === undefined || value === null) return undefined
    const text = String(value).trim()
    return text.length > 0 ? text : undefined
  }, schema)
}

const flag = single(
  z
    .enum(['1', 'true', 'on', 'yes', '0', 'false', 'off', 'no'], { errorMap: () => ({ message: 'Use 1 or 0' }) })
    .transform((value) => (['1', 'true', 'on', 'yes'].includes(value) ? true : undefined))
    .optional(),
)

const day = single(
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like 2026-11-25')
    .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value), 'That date does not exist')
    .optional(),
)

const money = single(
  z.coerce
    .number({ invalid_type_error: 'Enter an amount like 49.99' })
    .min(0, 'Enter an amount of 0 or more')
    .max(10_000_000, 'That amount is too large')
    .refine((value) => Math.round(value * 100) === Math.round(value * 100 * 1000) / 1000, 'Use at most 2 decimals')
    .optional(),
)

const cursorParam = single(
  z
    .string()
    .superRefine((value, ctx) => {
      const parsed = parseCursor(value)
      if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error })
    })
    .optional(),
)

/**
 * NOTE: field checks (every field's own rules, the search pattern, a cursor's form) all report at once; the checks
 * across fields (date and total ranges, a cursor made for another sort) run only once every field is valid (zod
 * runs an object's refinements only after its fields parse).
 */
export const OrderListQuerySchema = z
  .object({
    status: enumList(OrderStatus, 'status'),
    payment: enumList(OrderPaymentStatus, 'payment status'),
    fulfillment: enumList(OrderFulfillmentStatus, 'fulfilment status'),
    channel: enumList(SalesChannel, 'channel'),
    from: day,
    to: day,
    minTotal: money,
    maxTotal: money,
    country: list(
      z
        .string()
        .regex(/^[A-Za-z]{2}$/, 'Use 2-letter country codes (GB, IE, …)')
        .transform((value) => value.toUpperCase()),
    ),
    tags: list(z.string().max(50, 'Tags are at most 50 characters')),
    hasOpenReturn: flag,
    hasOpenTicket: flag,
    q: single(
      z
        .string()
        .max(100, 'Search for at most 100 characters')
        .superRefine((value, ctx) => {
          const search = classifyOrderSearch(value)
          if ('error' in search) ctx.addIssue({ code: 'custom', message: search.error })
        })
        .optional(),
    ),
    sort: single(z.enum(ORDER_LIST_SORTS, { errorMap: () => ({ message: 'Sort by date, total or number' }) }).default('placedAt')),
    dir: single(z.enum(['asc', 'desc'], { errorMap: () => ({ message: 'Use asc or desc' }) }).default('desc')),
    after: cursorParam,
    before: cursorParam,
    limit: single(
      z.coerce
        .number({ invalid_type_error: 'Rows per page must be a number' })
        .int('Rows per page must be a whole number')
        .min(1, 'Show at least 1 row per page')
        .max(ORDER_LIST_MAX_LIMIT, `Show at most ${ORDER_LIST_MAX_LIMIT} rows per page`)
        .default(ORDER_LIST_DEFAULT_LIMIT),
    ),
    cols: list(z.enum(ORDER_LIST_COLUMNS, { errorMap: () => ({ message: `Unknown column; choose from ${ORDER_LIST_COLUMNS.join(', ')}` }) }), ORDER_LIST_COLUMNS.length),
    density: single(z.enum(['compact', 'comfortable'], { errorMap: () => ({ message: 'Use compact or comfortable' }) }).optional()),
  })
  .superRefine((query, ctx) => {
    if (query.from && query.to && query.from > query.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'The end date is before the start date' })
    if (query.minTotal !== undefined && query.maxTotal !== undefined && query.minTotal > query.maxTotal) {
      ctx.addIssue({ code: 'custom', path: ['maxTotal'], message: 'The maximum is below the minimum' })
    }
    if (query.after !== undefined && query.before !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['before'], message: 'Use either a next-page or a previous-page link, not both' })
    }
    for (const key of ['after', 'before'] as const) {
      const cursor = query[key]
      if (cursor === undefined) continue
      const decoded = decodeCursor(cursor, query.sort)
      if ('error' in decoded) ctx.addIssue({ code: 'custom', path: [key], message: decoded.error })
    }
  }) as unknown as z.ZodType<OrderListQuery, z.ZodTypeDef, unknown>

/** URLSearchParams as the object the schema parses (repeated keys become arrays). */
function paramsObject(params: URLSearchParams) {
  const object: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    object[key] = values.length === 1 ? values[0]! : values
  }
  return object
}

export function parseOrderListQuery(params: URLSearchParams): { query: OrderListQuery } | { errors: Record<string, string> } {
  const parsed = OrderListQuerySchema.safeParse(paramsObject(params))
  if (parsed.success) return { query: parsed.data }
  const errors: Record<string, string> = {}
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'query')
    errors[key] ??= issue.message
  }
  return { errors }
}

/** The inverse of parseOrderListQuery: the canonical URL for a query (defaults left out), for links and saved views. */
export function orderListSearchParams(query: Partial<OrderListQuery>): URLSearchParams {
  const params = new URLSearchParams()
  const many = (key: string, values: readonly string[] | undefined) => {
    for (const value of values ?? []) params.append(key, value)
  }
  many('status', query.status)
  many('payment', query.payment)
  many('fulfillment', query.fulfillment)
  many('channel', query.channel)
  if (query.from) params.set('from', query.from)
  if (query.to) params.set('to', query.to)
  if (query.minTotal !== undefined) params.set('minTotal', String(query.minTotal))
  if (query.maxTotal !== undefined) params.set('maxTotal', String(query.maxTotal))
  many('country', query.country)
  many('tags', query.tags)
  if (query.hasOpenReturn) params.set('hasOpenReturn', '1')
  if (query.hasOpenTicket) params.set('hasOpenTicket', '1')
  if (query.q) params.set('q', query.q)
  if (query.sort && query.sort !== 'placedAt') params.set('sort', query.sort)
  if (query.dir && query.dir !== 'desc') params.set('dir', query.dir)
  if (query.after) params.set('after', query.after)
  if (query.before) params.set('before', query.before)
  if (query.limit !== undefined && query.limit !== ORDER_LIST_DEFAULT_LIMIT) params.set('limit', String(query.limit))
  if (query.cols?.length) params.set('cols', query.cols.join(','))
  if (query.density) params.set('density', query.density)
  return params
}

// ─── SQL ────────────────────────────────────────────────────────────────────────────────────────────────────────

const SORT_COLUMN: Record<OrderListSort, Prisma.Sql> = {
  placedAt: Prisma.sql`o."placedAt"`,
  totalAmount: Prisma.sql`o."totalAmount"`,
  number: Prisma.sql`o."number"`,
}

/** `%`, `_` and `\` typed by a person are literal characters, not LIKE wildcards. */
const likeLiteral = (value: string) => value.replace(/[\\%_]/g, '\\$&')

/** The WHERE conditions of a query's filters (not its page position). */
function filterConditions(query: OrderListQuery): Prisma.Sql[] {
  const where: Prisma.Sql[] = []
  if (query.status?.length) where.push(Prisma.sql`o."status" = ANY(${query.status}::"OrderStatus"[])`)
  if (query.payment?.length) where.push(Prisma.sql`o."paymentStatus" = ANY(${query.payment}::"OrderPaymentStatus"[])`)
  if (query.fulfillment?.length) where.push(Prisma.sql`o."fulfillmentStatus" = ANY(${query.fulfillment}::"OrderFulfillmentStatus"[])`)
  if (query.channel?.length) where.push(Prisma.sql`o."channel" = ANY(${query.channel}::"SalesChannel"[])`)
  if (query.from) where.push(Prisma.sql`o."placedAt" >= ${new Date(`${query.from}T00:00:00.000Z`)}`)
  if (query.to) where.push(Prisma.sql`o."placedAt" < ${new Date(Date.parse(`${query.to}T00:00:00.000Z`) + 86_400_000)}`)
  if (query.minTotal !== undefined) where.push(Prisma.sql`o."totalAmount" >= ${Math.round(query.minTotal * 100)}`)
  if (query.maxTotal !== undefined) where.push(Prisma.sql`o."totalAmount" <= ${Math.round(query.maxTotal * 100)}`)
  if (query.country?.length) where.push(Prisma.sql`(o."shippingAddress" ->> 'country') = ANY(${query.country}::text[])`)
  if (query.tags?.length) where.push(Prisma.sql`o."tags" && ${query.tags}::text[]`)
  if (query.hasOpenReturn) {
    where.push(Prisma.sql`EXISTS (SELECT 1 FROM "Return" r WHERE r."orderId" = o."id" AND r."status" = ANY(${[...WAITING_RETURN_STATUSES]}::"ReturnStatus"[]))`)
  }
  if (query.hasOpenTicket) {
    where.push(Prisma.sql`EXISTS (SELECT 1 FROM "Ticket" t WHERE t."orderId" = o."id" AND t."status" = ANY(${[...OPEN_TICKET_STATUSES]}::"TicketStatus"[]))`)
  }
  if (query.q) {
    const search = classifyOrderSearch(query.q)
    if ('error' in search) throw new OrderListQueryError('q', search.error)
    switch (search.kind) {
      case 'number':
        where.push(Prisma.sql`o."number" LIKE ${`${likeLiteral(search.prefix)}%`}`)
        break
      case 'email':
        where.push(Prisma.sql`o."customerEmail" LIKE ${`%${likeLiteral(search.fragment)}%`}`)
        break
      case 'text': {
        const pattern = `%${likeLiteral(search.fragment)}%`
        // NOTE: pg_trgm splits text into words, so "olivia jones" also hits every "olivia.jones1@…" address in the
        // email index (only to be thrown away by the recheck). An address never holds a space: search names only.
        if (/\s/.test(search.fragment)) where.push(Prisma.sql`o."customerName" ILIKE ${pattern}`)
        else where.push(Prisma.sql`(o."customerName" ILIKE ${pattern} OR o."customerEmail" ILIKE ${pattern})`)
        break
      }
    }
  }
  return where
}

/** A query that did not come through the schema (bulk callers) and is invalid: say which field and why. */
export class OrderListQueryError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'OrderListQueryError'
  }
}

function whereSql(conditions: Prisma.Sql[]) {
  return conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty
}

/** The keyset condition "after (value, id) in `direction` order". */
function keysetCondition(sort: OrderListSort, direction: 'asc' | 'desc', position: { value: CursorValue; id: string }) {
  const column = SORT_COLUMN[sort]
  const value = sort === 'placedAt' ? new Date(position.value as string) : position.value
  if (sort === 'number') {
    // Order numbers are unique: the number alone is the position (and Order_number_key answers it).
    return direction === 'desc' ? Prisma.sql`${column} < ${value}` : Prisma.sql`${column} > ${value}`
  }
  // The row comparison is exact and is an index condition on (sort key, id); the plain bound beside it lets the
  // filter indexes that lead with a different column but contain the sort key (status, placedAt desc) bound it too.
  return direction === 'desc'
    ? Prisma.sql`(${column}, o."id") < (${value}, ${position.id}) AND ${column} <= ${value}`
    : Prisma.sql`(${column}, o."id") > (${value}, ${position.id}) AND ${column} >= ${value}`
}

function orderBy(sort: OrderListSort, direction: 'asc' | 'desc') {
  const column = SORT_COLUMN[sort]
  const dir = direction === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`
  return sort === 'number' ? Prisma.sql`ORDER BY ${column} ${dir}` : Prisma.sql`ORDER BY ${column} ${dir}, o."id" ${dir}`
}

function decodeOrThrow(cursor: string, sort: OrderListSort, field: string) {
  const decoded = decodeCursor(cursor, sort)
  if ('error' in decoded) throw new OrderListQueryError(field, decoded.error)
  return decoded
}

/**
 * The statement for one page: `limit + 1` rows (the extra one says whether there is another page), in display
 * order for `after`/no cursor, in reverse for `before`. Exported for bench/orders-query.ts, which runs this exact
 * SQL through Prisma and through bare node-postgres.
 */
export function orderListPageSql(query: OrderListQuery) {
  const backwards = query.before !== undefined
  const direction: 'asc' | 'desc' = backwards ? (query.dir === 'desc' ? 'asc' : 'desc') : query.dir
  const conditions = filterConditions(query)
  const cursor = query.before ?? query.after
  if (cursor !== undefined) conditions.push(keysetCondition(query.sort, direction, decodeOrThrow(cursor, query.sort, backwards ? 'before' : 'after')))
  const outerOrder = query.sort === 'number' ? Prisma.sql`ORDER BY p."number" ${direction === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`}` : Prisma.sql`ORDER BY p.${Prisma.raw(`"${query.sort}"`)} ${direction === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`}, p."id" ${direction === 'desc' ? Prisma.sql`DESC` : Prisma.sql`ASC`}`
  // The page is chosen on "Order" alone, then joined to its assignee: the join never runs for rows not shown.
  return Prisma.sql`
    SELECT p.*, u."name" AS "assigneeName"
      FROM (
        SELECT o."id", o."number", o."placedAt", o."status"::text AS "status", o."paymentStatus"::text AS "paymentStatus",
               o."fulfillmentStatus"::text AS "fulfillmentStatus", o."channel"::text AS "channel", o."currency"::text AS "currency",
               o."totalAmount", o."customerName", o."customerEmail", (o."shippingAddress" ->> 'country') AS "country", o."tags",
               o."assigneeId"
          FROM "Order" o
          ${whereSql(conditions)}
          ${orderBy(query.sort, direction)}
          LIMIT ${query.limit + 1}
      ) p
      LEFT JOIN "User" u ON u."id" = p."assigneeId"
     ${outerOrder}`
}

type PageRow = Omit<OrderListRow, 'assigneeName'> & { assigneeId: string | null; assigneeName: string | null }

function cursorOf(sort: OrderListSort, row: OrderListRow) {
  const value = sort === 'placedAt' ? row.placedAt.toISOString() : sort === 'totalAmount' ? row.totalAmount : row.number
  return encodeCursor(sort, value, row.id)
}

/**
 * NOTE: the list's three statements (page, estimate, capped count) run on node-postgres directly (`pgPool`), with the
 * same Prisma.sql text and values: they are raw SQL already, so Prisma would only add its per-call cost (~1 ms of CPU
 * each on a loaded machine, ~0.4 ms quiet; bench/orders-query, bench/orders-ssr) on every /orders request.
 */
async function rawQuery<T extends object>(sql: Prisma.Sql): Promise<T[]> {
  return (await pgPool.query<T>(sql.text, sql.values)).rows
}

export async function listOrders(query: OrderListQuery): Promise<{ rows: OrderListRow[]; nextCursor: string | null; prevCursor: string | null }> {
  const fetched = await rawQuery<PageRow>(orderListPageSql(query))
  const more = fetched.length > query.limit
  const page = fetched.slice(0, query.limit)
  const backwards = query.before !== undefined
  if (backwards) page.reverse()
  const rows: OrderListRow[] = page.map(({ assigneeId: _assigneeId, ...row }) => ({
    ...row,
    placedAt: row.placedAt instanceof Date ? row.placedAt : new Date(row.placedAt),
    totalAmount: Number(row.totalAmount),
  }))
  const first = rows[0]
  const last = rows.at(-1)
  // Going forward: there is a previous page whenever we came from a cursor. Going back: there is a next page
  // (the one we came from), and a previous one when the reversed read found more than a page.
  const hasNext = backwards ? true : more
  const hasPrev = backwards ? more : query.after !== undefined
  return {
    rows,
    nextCursor: hasNext && last ? cursorOf(query.sort, last) : null,
    prevCursor: hasPrev && first ? cursorOf(query.sort, first) : null,
  }
}

/** The statement counting matches up to the cap (the inner LIMIT stops the scan at cap + 1 rows). */
function cappedCountSql(query: OrderListQuery, cap: number) {
  return Prisma.sql`SELECT count(*)::int AS "n" FROM (SELECT 1 FROM "Order" o ${whereSql(filterConditions(query))} LIMIT ${cap + 1}) s`
}

/** The planner's row estimate for the filters (EXPLAIN reads statistics; it never scans). */
async function estimateOrders(query: OrderListQuery) {
  const plan = await rawQuery<{ 'QUERY PLAN': unknown }>(Prisma.sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM "Order" o ${whereSql(filterConditions(query))}`)
  const json = plan[0]?.['QUERY PLAN']
  const document = (typeof json === 'string' ? JSON.parse(json) : json) as { Plan: { 'Plan Rows': number } }[]
  return Math.round(document[0]?.Plan['Plan Rows'] ?? 0)
}

/** Above this many estimated matches the capped exact count is skipped: it would only confirm "more than the cap". */
const ESTIMATE_FIRST_FACTOR = 10

/**
 * How many orders match the filters (page position ignored): exact up to ORDER_COUNT_CAP, above it the planner's
 * row estimate for the same WHERE clause, `exact: false` (the page says "about N").
 *
 * The estimate comes first (~0.2 ms): when it is ten times the cap or more (the whole table, one common status),
 * counting cap + 1 rows would only confirm what the estimate says, so it is skipped. Otherwise the capped count
 * decides; an estimate never claims fewer matches than the count has seen.
 */
export async function countOrders(query: OrderListQuery, cap = ORDER_COUNT_CAP): Promise<{ count: number; exact: boolean }> {
  const estimate = await estimateOrders(query)
  if (estimate >= cap * ESTIMATE_FIRST_FACTOR) return { count: estimate, exact: false }
  const [row] = await rawQuery<{ n: number }>(cappedCountSql(query, cap))
  const n = Number(row?.n ?? 0)
  if (n <= cap) return { count: n, exact: true }
  return { count: Math.max(estimate, cap + 1), exact: false }
}

/** For bulk actions / export: every matching id in keyset order, `batchSize` at a time (constant memory). */
export async function* iterateOrderIds(query: OrderListQuery, batchSize = 1000): AsyncGenerator<string[]> {
  const filters = filterConditions(query)
  const { sort, dir } = query
  let position: { value: CursorValue; id: string } | null = null
  for (;;) {
    const conditions = position ? [...filters, keysetCondition(sort, dir, position)] : filters
    const rows: { id: string; key: Date | number | string }[] = await prisma.$queryRaw<{ id: string; key: Date | number | string }[]>(Prisma.sql`
      SELECT o."id", ${SORT_COLUMN[sort]} AS "key" FROM "Order" o ${whereSql(conditions)} ${orderBy(sort, dir)} LIMIT ${batchSize}`)
    if (rows.length === 0) return
    yield rows.map((row) => row.id)
    if (rows.length < batchSize) return
    const last = rows.at(-1)!
    position = { value: last.key instanceof Date ? last.key.toISOString() : typeof last.key === 'string' ? last.key : Number(last.key), id: last.id }
  }
}
