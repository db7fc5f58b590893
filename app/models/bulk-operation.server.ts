import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import type { BulkItemOutcome, BulkOperationKind, BulkOperationStatus, Role, SavedViewArea } from '#app/generated/prisma/enums.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { normalizeTag, ORDER_TAG_MAX_LENGTH, ORDER_TAGS_MAX } from '#app/models/order-rules.ts'
import { countOrders, parseOrderListQuery, type OrderListQuery } from '#app/models/order-list.server.ts'
import { enqueueBulkOperation } from '#app/queues/bulk.server.ts'
import { QueueUnavailableError } from '#app/queues/connection.server.ts'
import type { BulkProgress } from '#app/realtime/events.ts'
import { pgPool, prisma, type Prisma } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'

/**
 * Bulk actions and exports on orders as tracked jobs (issue 4, "Bulk actions", "CSV export").
 *
 * The web request only validates, writes the BulkOperation row (+ an audit entry) and enqueues `{ operationId }` on
 * the `bulk` queue (app/queues/bulk.server.ts): it returns at once, however many rows are selected. The worker
 * (workers/bulk/) resolves the selection, applies the per-row action (app/models/order-actions.server.ts) and
 * records one BulkOperationItem per row. Items are unique on (operationId, entityId), and counters only move by the
 * items actually inserted, so a retried or crashed job resumes where it stopped and never counts a row twice.
 */

export const BULK_KINDS = ['tag', 'assign', 'fulfil', 'ship', 'cancel', 'export'] as const satisfies readonly BulkOperationKind[]
export type BulkKind = (typeof BULK_KINDS)[number]
export const BULK_OUTCOMES = ['succeeded', 'skipped', 'failed'] as const satisfies readonly BulkItemOutcome[]
export type BulkActor = { id: string; role: Role }
/** The list a bulk operation works on (BulkOperation.area): orders here, tickets in ticket-bulk.server.ts. */
export type BulkArea = Extract<SavedViewArea, 'orders' | 'tickets'>
/** Who may see an area's operations at all (their own; admins everyone's). */
const BULK_AREA_READ = { orders: 'read:order', tickets: 'read:ticket' } as const satisfies Record<BulkArea, string>

/** Kinds that change orders; everything but `export` (which only reads). */
export const DESTRUCTIVE_KINDS: readonly BulkKind[] = ['cancel', 'ship', 'fulfil']

/** Most rows one `{ ids }` selection may name; "all N matching" (`{ query }`) has no such limit. */
export const MAX_SELECTED_IDS = 5_000

/** Same normalisation as the order page's tag action (order-rules.ts), so a bulk tag and a single tag agree. */
const tagName = z
  .string()
  .max(200)
  .transform(normalizeTag)
  .pipe(z.string().min(1, 'A tag cannot be empty').max(ORDER_TAG_MAX_LENGTH, `Tags are at most ${ORDER_TAG_MAX_LENGTH} characters`))

export const BulkParamsSchemas = {
  tag: z
    .object({ add: z.array(tagName).max(ORDER_TAGS_MAX).default([]), remove: z.array(tagName).max(ORDER_TAGS_MAX).default([]) })
    .strict()
    .refine((value) => value.add.length + value.remove.length > 0, { message: 'Add or remove at least one tag', path: ['add'] }),
  assign: z.object({ assigneeId: z.string().min(1).max(64).nullable() }).strict(),
  fulfil: z.object({}).strict(),
  ship: z.object({}).strict(),
  cancel: z.object({ reason: z.string().trim().min(3, 'Say why (at least 3 characters)').max(500) }).strict(),
  export: z.object({}).strict(),
} as const satisfies Record<BulkKind, z.ZodTypeAny>

export type BulkParams<Kind extends BulkKind = BulkKind> = z.infer<(typeof BulkParamsSchemas)[Kind]>

/** List URL params that do not select rows (pagination, presentation): dropped from a stored `{ query }` selection. */
const NON_SELECTING_PARAMS = new Set(['after', 'before', 'limit', 'cols', 'density'])

export const BulkSelectionSchema = z.union([
  z.object({ ids: z.array(z.string().min(1).max(64)).min(1, 'Select at least one order').max(MAX_SELECTED_IDS, `Select at most ${MAX_SELECTED_IDS.toLocaleString('en-GB')} orders, or use "all matching"`) }).strict(),
  /** The list page's URL search params (as `key → value | values`), resolved by the worker. */
  z.object({ query: z.record(z.union([z.string().max(500), z.array(z.string().max(500)).max(100)])) }).strict(),
])
export type BulkSelection = z.infer<typeof BulkSelectionSchema>

export function selectionSearchParams(query: Record<string, string | string[]>) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (NON_SELECTING_PARAMS.has(key)) continue
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item)
  }
  return params
}

/** A stored selection as pages show it: how many rows were chosen, or the list filter (search params, to link back). */
export function describeSelection(stored: BulkSelection): { kind: 'ids'; count: number } | { kind: 'query'; search: string } {
  return 'ids' in stored ? { kind: 'ids', count: stored.ids.length } : { kind: 'query', search: selectionSearchParams(stored.query).toString() }
}

/** `?status=pending&status=on_hold&q=x` → `{ status: ['pending','on_hold'], q: 'x' }`, without pagination params. */
export function searchParamsToSelectionQuery(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    if (NON_SELECTING_PARAMS.has(key)) continue
    const values = params.getAll(key)
    query[key] = values.length === 1 ? values[0]! : values
  }
  return query
}

/** The stored `{ query }` selection as the list model's parsed query; throws a readable error if it no longer parses. */
export function resolveSelectionQuery(query: Record<string, string | string[]>): OrderListQuery {
  const parsed = parseOrderListQuery(selectionSearchParams(query))
  if ('errors' in parsed) throw new Error(`the saved filter is not valid any more: ${Object.values(parsed.errors).join('; ')}`)
  return parsed.query
}

export type CreateBulkOperationInput = {
  kind: string
  selection: unknown
  params: unknown
  actor: BulkActor
  requestId?: string | null
  ip?: string | null
}

export type CreateBulkOperationResult =
  | { ok: true; operation: { id: string; kind: BulkKind; total: number } }
  | { ok: false; status: 400 | 403 | 503; message: string; fieldErrors?: Record<string, string> }

function firstErrors(error: z.ZodError) {
  return Object.fromEntries(error.issues.map((issue) => [issue.path.join('.') || 'form', issue.message]))
}

/**
 * Validates and starts a bulk operation. Permission: `update:order` for actions, `read:order` for an export (the
 * route checked the lesser one already; this is the model's own rule). Returns at once: the work happens in a job.
 */
export async function createBulkOperation(input: CreateBulkOperationInput): Promise<CreateBulkOperationResult> {
  const kind = z.enum(BULK_KINDS).safeParse(input.kind)
  if (!kind.success) return { ok: false, status: 400, message: `Unknown bulk action "${String(input.kind)}".` }
  const needed = kind.data === 'export' ? 'read:order' : 'update:order'
  if (!hasPermission(input.actor.role, needed)) {
    return { ok: false, status: 403, message: `You need the "${needed}" permission for this; your role (${input.actor.role}) does not include it.` }
  }
  const params = BulkParamsSchemas[kind.data].safeParse(input.params ?? {})
  if (!params.success) return { ok: false, status: 400, message: 'Check the highlighted fields.', fieldErrors: firstErrors(params.error) }
  const selection = BulkSelectionSchema.safeParse(input.selection)
  if (!selection.success) return { ok: false, status: 400, message: selection.error.issues[0]?.message ?? 'Nothing selected.' }

  let stored: BulkSelection
  let total: number
  if ('ids' in selection.data) {
    const ids = [...new Set(selection.data.ids)]
    stored = { ids }
    total = ids.length
  } else {
    const query = searchParamsToSelectionQuery(selectionSearchParams(selection.data.query))
    const parsed = parseOrderListQuery(selectionSearchParams(query))
    if ('errors' in parsed) return { ok: false, status: 400, message: `The filter is not valid: ${Object.values(parsed.errors).join('; ')}` }
    stored = { query }
    // An estimate above the list's cap; the job replaces it with the exact number as it goes.
    total = (await countOrders(parsed.query)).count
    if (total === 0) return { ok: false, status: 400, message: 'No orders match this filter.' }
  }

  if (kind.data === 'assign') {
    const assigneeId = (params.data as BulkParams<'assign'>).assigneeId
    if (assigneeId) {
      const assignee = await prisma.user.findUnique({ where: { id: assigneeId }, select: { id: true, disabledAt: true } })
      if (!assignee || assignee.disabledAt) return { ok: false, status: 400, message: 'Choose someone with an active account.', fieldErrors: { assigneeId: 'No such active user' } }
    }
  }

  const auditAction = kind.data === 'export' ? 'export:order' : `bulk-${kind.data}:order`
  return recordAndEnqueueBulkOperation(input, { area: 'orders', kind: kind.data, auditAction, selection: stored, params: params.data, total })
}

/**
 * Records a validated operation (orders or tickets) and its audit entry in one transaction, then enqueues
 * `{ operationId }`; a queue that cannot be reached fails the operation with the reason (nothing changed) and answers
 * 503. Shared by createBulkOperation and createTicketBulkOperation (ticket-bulk.server.ts).
 */
export async function recordAndEnqueueBulkOperation<Kind extends BulkOperationKind>(
  by: Pick<CreateBulkOperationInput, 'actor' | 'requestId' | 'ip'>,
  input: { area: BulkArea; kind: Kind; auditAction: string; selection: BulkSelection; params: unknown; total: number },
): Promise<{ ok: true; operation: { id: string; kind: Kind; total: number } } | { ok: false; status: 503; message: string }> {
  const { selection, total } = input
  const operation = await prisma.$transaction(async (tx) => {
    const row = await tx.bulkOperation.create({
      data: { area: input.area, kind: input.kind, actorId: by.actor.id, selection: selection as Prisma.InputJsonValue, params: input.params as Prisma.InputJsonValue, total },
      select: { id: true, total: true },
    })
    await recordAudit(tx, {
      actorId: by.actor.id,
      action: input.auditAction,
      entityType: 'bulk_operation',
      entityId: row.id,
      after: {
        kind: input.kind,
        params: input.params as Prisma.InputJsonValue,
        selection: 'ids' in selection ? { ids: selection.ids.slice(0, 50), count: selection.ids.length } : { query: selection.query },
        total,
      },
      requestId: by.requestId,
      ip: by.ip,
    })
    return row
  })

  try {
    await enqueueBulkOperation(operation.id)
  } catch (error) {
    const reason = error instanceof QueueUnavailableError ? error.message : 'the job queue could not be reached'
    await finishBulkOperation(operation.id, { status: 'failed', error: `Not started: ${reason}` })
    return { ok: false, status: 503, message: `The job queue is unavailable (${reason}); nothing was changed. Try again in a moment.` }
  }
  return { ok: true, operation: { id: operation.id, kind: input.kind, total: operation.total } }
}

const OPERATION_SELECT = {
  id: true,
  area: true,
  kind: true,
  status: true,
  actorId: true,
  actor: { select: { name: true, email: true } },
  selection: true,
  params: true,
  total: true,
  processed: true,
  succeeded: true,
  skipped: true,
  failed: true,
  fileBytes: true,
  filePath: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
} as const satisfies Prisma.BulkOperationSelect

/** Who may see an operation, its results and its file: whoever started it, and admins. */
export function canViewBulkOperation(operation: { actorId: string | null }, viewer: BulkActor) {
  return hasPermission(viewer.role, 'read:order') && (operation.actorId === viewer.id || viewer.role === 'admin')
}

/**
 * The operation if `viewer` may see it (and it is one of `area`'s, when given), else null (callers answer 404 either
 * way: no existence leak).
 */
export async function getBulkOperation(id: string, viewer: BulkActor, area?: BulkArea) {
  const operation = await prisma.bulkOperation.findUnique({ where: { id }, select: OPERATION_SELECT })
  if (!operation || (area && operation.area !== area) || !canViewBulkOperation(operation, viewer)) return null
  const { filePath, selection, ...rest } = operation
  return {
    ...rest,
    fileBytes: rest.fileBytes === null ? null : Number(rest.fileBytes),
    hasFile: rest.kind === 'export' && rest.status === 'completed' && filePath !== null,
    selection: describeSelection(selection as BulkSelection),
    /** The live figures as the page starts with them (then `bulk.progress` pushes the same shape). */
    progress: toBulkProgress(operation),
  }
}

/** The finished export's file for a viewer allowed to download it, else null. */
export async function getExportFile(id: string, viewer: BulkActor) {
  const operation = await prisma.bulkOperation.findUnique({
    where: { id },
    select: { id: true, kind: true, status: true, actorId: true, filePath: true, fileBytes: true, createdAt: true },
  })
  if (!operation || operation.kind !== 'export' || !canViewBulkOperation(operation, viewer)) return null
  if (operation.status !== 'completed' || !operation.filePath) return { ready: false as const, status: operation.status }
  return { ready: true as const, filePath: operation.filePath, fileBytes: Number(operation.fileBytes ?? 0), createdAt: operation.createdAt }
}

// ─── History ────────────────────────────────────────────────────────────────────────────────────────────────────

export const BULK_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const satisfies readonly BulkOperationStatus[]
export const BULK_HISTORY_PAGE_SIZE = 25

/** Keyset position of a history row: base64url of `[createdAt ISO, id]` (no authority: any position is harmless). */
function encodeHistoryCursor(row: { createdAt: Date; id: string }) {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url')
}

function decodeHistoryCursor(cursor: string): { createdAt: Date; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (!Array.isArray(value) || value.length !== 2) return null
    const [at, id] = value as [unknown, unknown]
    if (typeof at !== 'string' || typeof id !== 'string' || id.length > 64 || Number.isNaN(Date.parse(at))) return null
    return { createdAt: new Date(at), id }
  } catch {
    return null
  }
}

export type BulkHistoryQuery = {
  /** Whose list: `orders` (the default) or `tickets`; the viewer needs that area's read permission. */
  area?: BulkArea
  viewer: BulkActor
  /** Admins may list everyone's; anyone else always sees their own (the same rule as an operation's page). */
  everyone?: boolean
  /** One of the area's kinds (the route validates against its list). */
  kind?: BulkOperationKind
  status?: BulkOperationStatus
  /** An opaque cursor from a previous page (`nextCursor`); a malformed one reads as the first page. */
  after?: string
  take?: number
}

export type BulkHistoryRow = {
  id: string
  kind: BulkOperationKind
  status: BulkOperationStatus
  actorName: string | null
  /** `ids`: how many rows were chosen; `query`: the list filter (search params, for a link back to that view). */
  scope: { kind: 'ids'; count: number } | { kind: 'query'; search: string }
  params: Prisma.JsonValue
  /** For an assignment: the assignee's name (null = unassign, or someone deleted). */
  assigneeName: string | null
  total: number
  processed: number
  succeeded: number
  skipped: number
  failed: number
  error: string | null
  downloadable: boolean
  createdAt: Date
  startedAt: Date | null
  finishedAt: Date | null
}

/**
 * Past and running bulk operations of one area (orders unless told), newest first, keyset-paged on (createdAt, id): a person's own by
 * BulkOperation_actorId_createdAt_idx, everyone's (admins) by BulkOperation_area_createdAt_id_idx.
 */
export async function listBulkOperations(query: BulkHistoryQuery): Promise<{ rows: BulkHistoryRow[]; nextCursor: string | null }> {
  const take = Math.min(Math.max(query.take ?? BULK_HISTORY_PAGE_SIZE, 1), 100)
  const everyone = query.everyone === true && query.viewer.role === 'admin'
  const area = query.area ?? 'orders'
  if (!hasPermission(query.viewer.role, BULK_AREA_READ[area])) return { rows: [], nextCursor: null }
  const position = query.after ? decodeHistoryCursor(query.after) : null
  const found = await prisma.bulkOperation.findMany({
    where: {
      area,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(everyone ? {} : { actorId: query.viewer.id }),
      ...(query.status ? { status: query.status } : {}),
      ...(position ? { OR: [{ createdAt: { lt: position.createdAt } }, { createdAt: position.createdAt, id: { lt: position.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: take + 1,
    select: OPERATION_SELECT,
  })
  const page = found.slice(0, take)
  const assigneeIds = page.map((row) => (row.kind === 'assign' ? (row.params as { assigneeId?: unknown }).assigneeId : null)).filter((id): id is string => typeof id === 'string')
  const names = assigneeIds.length
    ? new Map((await prisma.user.findMany({ where: { id: { in: [...new Set(assigneeIds)] } }, select: { id: true, name: true } })).map((user) => [user.id, user.name]))
    : new Map<string, string>()
  const rows = page.map((row): BulkHistoryRow => {
    const assigneeId = row.kind === 'assign' ? (row.params as { assigneeId?: unknown }).assigneeId : null
    return {
      id: row.id,
      kind: row.kind,
      status: row.status,
      actorName: row.actor?.name ?? null,
      scope: describeSelection(row.selection as BulkSelection),
      params: row.params,
      assigneeName: typeof assigneeId === 'string' ? (names.get(assigneeId) ?? null) : null,
      total: row.total,
      processed: row.processed,
      succeeded: row.succeeded,
      skipped: row.skipped,
      failed: row.failed,
      error: row.error,
      downloadable: row.kind === 'export' && row.status === 'completed' && row.filePath !== null,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
    }
  })
  return { rows, nextCursor: found.length > take ? encodeHistoryCursor(page.at(-1)!) : null }
}

export type BulkItemRow = { id: string; entityId: string; number: string | null; outcome: BulkItemOutcome; reason: string | null }

/** Per-row results, newest-recorded last, keyset-paginated by item id; `outcome` filters. */
export async function listBulkItems(input: { operationId: string; outcome?: BulkItemOutcome; after?: string; take?: number }) {
  const take = Math.min(input.take ?? 50, 200)
  const after = input.after && /^\d+$/.test(input.after) ? BigInt(input.after) : undefined
  const items = await prisma.bulkOperationItem.findMany({
    where: { operationId: input.operationId, ...(input.outcome ? { outcome: input.outcome } : {}), ...(after ? { id: { gt: after } } : {}) },
    orderBy: { id: 'asc' },
    take: take + 1,
    select: { id: true, entityId: true, outcome: true, reason: true },
  })
  const page = items.slice(0, take)
  const numbers = new Map(
    (await prisma.order.findMany({ where: { id: { in: page.map((item) => item.entityId) } }, select: { id: true, number: true } })).map((order) => [order.id, order.number]),
  )
  const rows: BulkItemRow[] = page.map((item) => ({ id: String(item.id), entityId: item.entityId, number: numbers.get(item.entityId) ?? null, outcome: item.outcome, reason: item.reason }))
  return { rows, nextCursor: items.length > take ? String(page.at(-1)!.id) : null }
}

/** Stops an operation that has not finished: the job sees it at its next chunk and ends; rows done so far stay done. */
export async function cancelBulkOperation(id: string, viewer: BulkActor, meta: { requestId?: string | null; ip?: string | null } = {}) {
  const operation = await prisma.bulkOperation.findUnique({ where: { id }, select: { id: true, actorId: true, status: true } })
  if (!operation || !canViewBulkOperation(operation, viewer)) return { ok: false as const, status: 404 as const, message: 'No such bulk operation.' }
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.bulkOperation.updateMany({
      where: { id, status: { in: ['queued', 'running'] } },
      data: { status: 'cancelled', finishedAt: new Date() },
    })
    if (count === 0) return { ok: false as const, status: 409 as const, message: 'This operation has already finished.' }
    await recordAudit(tx, { actorId: viewer.id, action: 'cancel:bulk_operation', entityType: 'bulk_operation', entityId: id, before: { status: operation.status }, after: { status: 'cancelled' }, ...meta })
    await notifyBulkProgress(tx, id)
    return { ok: true as const }
  })
}

// ─── Worker side ────────────────────────────────────────────────────────────────────────────────────────────────

/** NOTIFY channel the web process listens on (server/realtime.order-feed.ts) to push `bulk.progress`. */
export const BULK_PROGRESS_CHANNEL = 'opsdeck_bulk_progress'

/** Inside the transaction that changed the counters: Postgres delivers it on commit, to every web process. */
async function notifyBulkProgress(db: Prisma.TransactionClient | typeof prisma, id: string) {
  await db.$executeRaw`select pg_notify(${BULK_PROGRESS_CHANNEL}, ${id})`
}

export type BulkOperationToRun = {
  id: string
  kind: BulkKind
  actor: BulkActor | null
  selection: BulkSelection
  params: unknown
  total: number
  processed: number
}

/**
 * Marks the operation running (first start or a retry) and returns what the job needs, or null when there is nothing
 * to do (finished, cancelled, deleted, or not an orders operation: other areas' kinds are run by their own code).
 */
export async function startBulkOperation(id: string): Promise<BulkOperationToRun | null> {
  const { count } = await prisma.bulkOperation.updateMany({
    where: { id, area: 'orders', kind: { in: [...BULK_KINDS] }, status: { in: ['queued', 'running'] } },
    data: { status: 'running', error: null },
  })
  if (count === 0) return null
  await prisma.bulkOperation.updateMany({ where: { id, startedAt: null }, data: { startedAt: new Date() } })
  const row = await prisma.bulkOperation.findUniqueOrThrow({
    where: { id },
    select: { id: true, kind: true, selection: true, params: true, total: true, processed: true, actor: { select: { id: true, role: true, disabledAt: true } } },
  })
  await notifyBulkProgress(prisma, id)
  return {
    id: row.id,
    kind: row.kind as BulkKind, // one of BULK_KINDS: the claim above matched only those
    actor: row.actor && !row.actor.disabledAt ? { id: row.actor.id, role: row.actor.role } : null,
    selection: row.selection as BulkSelection,
    params: row.params,
    total: row.total,
    processed: row.processed,
  }
}

/** Which of `entityIds` already have a result (a retried job skips them). */
export async function recordedEntityIds(operationId: string, entityIds: readonly string[]) {
  if (entityIds.length === 0) return new Set<string>()
  const rows = await prisma.bulkOperationItem.findMany({ where: { operationId, entityId: { in: [...entityIds] } }, select: { entityId: true } })
  return new Set(rows.map((row) => row.entityId))
}

export type BulkItemResult = { entityId: string; outcome: BulkItemOutcome; reason?: string | null }

/**
 * Records one chunk's results and moves the counters by the rows actually inserted (a row recorded by an earlier
 * attempt is neither inserted nor counted again), in one transaction with the progress signal. Returns the
 * operation's status afterwards, so the job notices a cancellation.
 */
export async function recordBulkItems(operationId: string, results: readonly BulkItemResult[]): Promise<BulkOperationStatus> {
  return prisma.$transaction(async (tx) => {
    let inserted: Array<{ outcome: BulkItemOutcome }> = []
    if (results.length > 0) {
      inserted = await tx.$queryRaw<Array<{ outcome: BulkItemOutcome }>>`
        insert into "BulkOperationItem" ("operationId", "entityId", "outcome", "reason")
        select ${operationId}, item."entityId", item."outcome"::"BulkItemOutcome", item."reason"
        from jsonb_to_recordset(${JSON.stringify(results.map((result) => ({ entityId: result.entityId, outcome: result.outcome, reason: result.reason?.slice(0, 1000) ?? null })))}::jsonb)
          as item("entityId" text, "outcome" text, "reason" text)
        on conflict ("operationId", "entityId") do nothing
        returning "outcome"`
    }
    const count = (outcome: BulkItemOutcome) => inserted.filter((row) => row.outcome === outcome).length
    const row = await tx.bulkOperation.update({
      where: { id: operationId },
      data: {
        processed: { increment: inserted.length },
        succeeded: { increment: count('succeeded') },
        skipped: { increment: count('skipped') },
        failed: { increment: count('failed') },
      },
      select: { status: true, processed: true, total: true },
    })
    // "All N matching" starts from the list's (possibly estimated) count: never show more done than there is.
    if (row.processed > row.total) await tx.bulkOperation.update({ where: { id: operationId }, data: { total: row.processed }, select: { id: true } })
    await notifyBulkProgress(tx, operationId)
    return row.status
  })
}

/** Export progress (no items): rows written so far, the file's size, and the total when it becomes known. */
export async function updateExportProgress(operationId: string, progress: { processed: number; fileBytes: number }): Promise<BulkOperationStatus> {
  // `total` may be the list's estimate: it grows with what was written rather than show more than 100 %.
  const [row] = await prisma.$queryRaw<Array<{ status: BulkOperationStatus }>>`
    update "BulkOperation"
       set "processed" = ${progress.processed}, "succeeded" = ${progress.processed}, "fileBytes" = ${BigInt(progress.fileBytes)},
           "total" = greatest("total", ${progress.processed}), "updatedAt" = now()
     where "id" = ${operationId}
    returning "status"`
  await notifyBulkProgress(prisma, operationId)
  return row?.status ?? 'cancelled'
}

/** Sets the exact total once the job knows it (the selection is resolved). */
export async function setBulkTotal(operationId: string, total: number) {
  await prisma.bulkOperation.update({ where: { id: operationId }, data: { total }, select: { id: true } })
}

/** Resets an export's counters for a fresh attempt (the file is rewritten from the start). */
export async function resetExportProgress(operationId: string) {
  await prisma.bulkOperation.update({ where: { id: operationId }, data: { processed: 0, succeeded: 0, fileBytes: 0, filePath: null }, select: { id: true } })
}

/**
 * Ends an operation that is still queued/running (a cancelled one stays cancelled). `completed` fixes `total` to
 * what was processed (the exact number of an "all matching" selection).
 */
export async function finishBulkOperation(
  operationId: string,
  outcome: { status: 'completed'; filePath?: string; fileBytes?: number } | { status: 'failed'; error: string },
) {
  await prisma.$transaction(async (tx) => {
    const current = await tx.bulkOperation.findUnique({ where: { id: operationId }, select: { processed: true } })
    if (!current) return
    await tx.bulkOperation.updateMany({
      where: { id: operationId, status: { in: ['queued', 'running'] } },
      data:
        outcome.status === 'completed'
          ? {
              status: 'completed',
              finishedAt: new Date(),
              total: current.processed,
              error: null,
              ...(outcome.filePath ? { filePath: outcome.filePath, fileBytes: BigInt(outcome.fileBytes ?? 0) } : {}),
            }
          : { status: 'failed', finishedAt: new Date(), error: outcome.error.slice(0, 2000) },
    })
    await notifyBulkProgress(tx, operationId)
  })
}

/** The live figures of one operation, as pushed in `bulk.progress` (and read by the progress page's loader). */
export async function getBulkProgress(operationId: string): Promise<BulkProgress | null> {
  const row = await prisma.bulkOperation.findUnique({
    where: { id: operationId },
    select: { id: true, status: true, total: true, processed: true, succeeded: true, skipped: true, failed: true, fileBytes: true, error: true, finishedAt: true, filePath: true, kind: true },
  })
  return row && toBulkProgress(row)
}

type ProgressFields = Pick<
  Prisma.BulkOperationGetPayload<{ select: typeof OPERATION_SELECT }>,
  'id' | 'kind' | 'status' | 'total' | 'processed' | 'succeeded' | 'skipped' | 'failed' | 'fileBytes' | 'error' | 'finishedAt' | 'filePath'
>

function toBulkProgress(row: ProgressFields): BulkProgress {
  return {
    id: row.id,
    status: row.status,
    total: row.total,
    processed: row.processed,
    succeeded: row.succeeded,
    skipped: row.skipped,
    failed: row.failed,
    fileBytes: row.fileBytes === null ? null : Number(row.fileBytes),
    error: row.error,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    downloadable: row.kind === 'export' && row.status === 'completed' && row.filePath !== null,
  }
}

/** Whether the viewer may follow an operation's progress (socket join): same rule as the page. */
export async function canFollowBulkOperation(operationId: string, viewer: BulkActor) {
  const row = await prisma.bulkOperation.findUnique({ where: { id: operationId }, select: { actorId: true } })
  return row !== null && canViewBulkOperation(row, viewer)
}

/**
 * Where export files go. NOTE: the configuration (app/utils/env.server.ts) has no EXPORT_DIR yet, so this is the OS
 * temp directory, one folder per QUEUE_PREFIX (one per deployment/test). Web and worker must share it: true on one
 * machine; a multi-machine deployment needs a shared volume (or object storage) here.
 */
export function exportDirectory() {
  const env = getEnv()
  return env.EXPORT_DIR ?? path.join(os.tmpdir(), 'opsdeck-exports', env.QUEUE_PREFIX)
}

// ─── Export rows ────────────────────────────────────────────────────────────────────────────────────────────────

/** The export's columns, in file order (header names are stable: people build spreadsheets on them). */
export const ORDER_EXPORT_HEADER = [
  'number',
  'placed_at',
  'status',
  'payment_status',
  'fulfillment_status',
  'channel',
  'customer_name',
  'customer_email',
  'country',
  'currency',
  'total',
  'tags',
  'assignee_email',
  'id',
] as const

export type OrderExportRow = [string, string, string, string, string, string, string, string, string | null, string, string, string, string | null, string]

const EXPORT_ROWS_SQL = `
  select o."id", o."number", o."placedAt", o."status"::text as "status", o."paymentStatus"::text as "paymentStatus",
         o."fulfillmentStatus"::text as "fulfillmentStatus", o."channel"::text as "channel", o."customerName",
         o."customerEmail", o."shippingAddress" ->> 'country' as "country", o."currency", o."totalAmount", o."tags",
         u."email" as "assigneeEmail"
    from unnest($1::text[]) with ordinality as wanted("id", "position")
    join "Order" o on o."id" = wanted."id"
    left join "User" u on u."id" = o."assigneeId"
   order by wanted."position"`

const decimalsByCurrency = new Map<string, number>()
function currencyDecimals(currency: string) {
  let digits = decimalsByCurrency.get(currency)
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
    } catch {
      digits = 2
    }
    decimalsByCurrency.set(currency, digits)
  }
  return digits
}

/** Minor units → a plain decimal string in the currency's own precision (1234 GBP → "12.34", 1234 JPY → "1234"). */
export function formatMinorUnits(amount: number, currency: string) {
  const digits = currencyDecimals(currency)
  if (digits === 0) return String(amount)
  const sign = amount < 0 ? '-' : ''
  const abs = String(Math.abs(amount)).padStart(digits + 1, '0')
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`
}

/**
 * The export cells of `ids`, in the order given (ids no longer present are left out). node-postgres directly, with
 * a named prepared statement: this runs once per 1,000 rows of a 1M-row export, where Prisma's per-row cost shows
 * (see bench/orders-export.ts); the SQL is one explicit select like any model's.
 */
export async function getOrderExportRows(ids: readonly string[]): Promise<OrderExportRow[]> {
  if (ids.length === 0) return []
  const result = await pgPool.query<{
    id: string
    number: string
    placedAt: Date
    status: string
    paymentStatus: string
    fulfillmentStatus: string
    channel: string
    customerName: string
    customerEmail: string
    country: string | null
    currency: string
    totalAmount: number
    tags: string[]
    assigneeEmail: string | null
  }>({ name: 'opsdeck-order-export-rows', text: EXPORT_ROWS_SQL, values: [ids] })
  return result.rows.map((row) => [
    row.number,
    row.placedAt.toISOString(),
    row.status,
    row.paymentStatus,
    row.fulfillmentStatus,
    row.channel,
    row.customerName,
    row.customerEmail,
    row.country,
    row.currency.trim(),
    formatMinorUnits(Number(row.totalAmount), row.currency.trim()),
    row.tags.join(';'),
    row.assigneeEmail,
    row.id,
  ])
}

/** People orders can be assigned to (the bulk "Assign" menu): active operations staff and admins, by name. */
export async function listAssignableUsers() {
  return prisma.user.findMany({
    where: { disabledAt: null, role: { in: ['operations', 'admin'] } },
    orderBy: { name: 'asc' },
    take: 500,
    select: { id: true, name: true },
  })
}

/** Finished export files are kept this long, then deleted (the next export prunes them). */
export const EXPORT_RETENTION_MS = 7 * 24 * 3600 * 1000

/** Forgets the files of exports finished before `before` (their files are being deleted); returns their paths. */
export async function expireExportFiles(before: Date): Promise<string[]> {
  const rows = await prisma.bulkOperation.findMany({
    where: { kind: 'export', status: 'completed', finishedAt: { lt: before }, filePath: { not: null } },
    select: { id: true, filePath: true },
    take: 1_000,
  })
  if (rows.length === 0) return []
  await prisma.bulkOperation.updateMany({ where: { id: { in: rows.map((row) => row.id) } }, data: { filePath: null } })
  return rows.map((row) => row.filePath!)
}
