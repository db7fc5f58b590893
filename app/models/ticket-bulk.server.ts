import { z } from 'zod'
import {
  MAX_SELECTED_IDS,
  recordAndEnqueueBulkOperation,
  searchParamsToSelectionQuery,
  selectionSearchParams,
  type BulkActor,
  type BulkItemResult,
  type CreateBulkOperationInput,
} from '#app/models/bulk-operation.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { assignTicket, assignTicketRoundRobin, assignTicketTeam, setTicketStatus, setTicketTags, TicketActionError } from './ticket-actions.server.ts'
import { countTickets, iterateTicketIds, parseTicketListQuery, type TicketListQuery } from './ticket-list.server.ts'
import { normalizeTag, TICKET_TAG_MAX, TICKET_TAGS_MAX } from './ticket-rules.ts'

/**
 * Bulk actions on tickets as tracked jobs, on the orders' bulk machinery (app/models/bulk-operation.server.ts): the
 * same BulkOperation row (area `tickets`), `bulk` queue, per-row BulkOperationItem results with resumable counters
 * (recordBulkItems), progress signal, cancel and progress page components. What is ticket-specific lives here: the
 * kinds and their params, the permission (`update:ticket`), resolving "all N matching" a tickets-list URL (as the
 * person who started it sees the view: "My open" is theirs), and the per-row action — the ticket page's own
 * functions (ticket-actions.server.ts: one transaction, row lock, rules, audit and SLA events per ticket).
 *
 * The worker side is workers/bulk/tickets.ts.
 */

export const TICKET_BULK_KINDS = ['tag', 'assign', 'close', 'round_robin'] as const
export type TicketBulkKind = (typeof TICKET_BULK_KINDS)[number]

const tagName = z
  .string()
  .max(200)
  .transform(normalizeTag)
  .pipe(z.string().min(1, 'A tag cannot be empty').max(TICKET_TAG_MAX, `Tags are at most ${TICKET_TAG_MAX} characters`))
const id = z.string().min(1).max(64)

export const TicketBulkParamsSchemas = {
  tag: z
    .object({ add: z.array(tagName).max(TICKET_TAGS_MAX).default([]), remove: z.array(tagName).max(TICKET_TAGS_MAX).default([]) })
    .strict()
    .refine((value) => value.add.length + value.remove.length > 0, { message: 'Add or remove at least one tag', path: ['add'] }),
  /** An agent, a team, or both; null takes the ticket off (agent) or out of its team. */
  assign: z
    .object({ assigneeId: id.nullable().optional(), teamId: id.nullable().optional() })
    .strict()
    .refine((value) => value.assigneeId !== undefined || value.teamId !== undefined, { message: 'Choose an agent or a team', path: ['assigneeId'] }),
  close: z.object({}).strict(),
  /** The agents to rotate over (the agents online when the bulk was started, or the ones chosen). */
  round_robin: z.object({ agentIds: z.array(id).min(1, 'No agent to assign to: nobody who works tickets is online').max(500) }).strict(),
} as const satisfies Record<TicketBulkKind, z.ZodTypeAny>

export type TicketBulkParams<K extends TicketBulkKind = TicketBulkKind> = z.infer<(typeof TicketBulkParamsSchemas)[K]>

export const TicketBulkSelectionSchema = z.union([
  z.object({ ids: z.array(id).min(1, 'Select at least one ticket').max(MAX_SELECTED_IDS, `Select at most ${MAX_SELECTED_IDS} tickets, or use “all matching”`) }).strict(),
  /** The tickets list's URL search params, resolved when the job runs. */
  z.object({ query: z.record(z.union([z.string().max(500), z.array(z.string().max(500)).max(100)])) }).strict(),
])
export type TicketBulkSelection = z.infer<typeof TicketBulkSelectionSchema>

/** No cap on "all matching": the exact count (one index scan), shown in the confirmation and the progress bar. */
const EXACT_COUNT_CAP = 10_000_000

function parseStoredQuery(query: Record<string, string | string[]>): { query: TicketListQuery } | { error: string } {
  const parsed = parseTicketListQuery(selectionSearchParams(query))
  return 'errors' in parsed ? { error: `The filter is not valid: ${Object.values(parsed.errors).join('; ')}` } : parsed
}

export type CreateTicketBulkResult =
  | { ok: true; operation: { id: string; kind: TicketBulkKind; total: number } }
  | { ok: false; status: 400 | 403 | 503; message: string }

/** How many tickets a `{ query }` selection matches for `viewer` now (the bar's "all N matching"). */
export async function countTicketSelection(query: TicketListQuery, viewer: BulkActor, now = new Date()) {
  return (await countTickets(query, viewer, now, EXACT_COUNT_CAP)).count
}

/**
 * Validates and starts a bulk action on tickets; returns at once (the work happens in the `bulk` job). Permission:
 * `update:ticket`. Records the operation and an audit entry in one transaction, then enqueues; a queue that cannot be
 * reached fails the operation with the reason (nothing changed) and answers 503 (recordAndEnqueueBulkOperation).
 */
export async function createTicketBulkOperation(input: CreateBulkOperationInput & { now?: Date }): Promise<CreateTicketBulkResult> {
  const kind = z.enum(TICKET_BULK_KINDS).safeParse(input.kind)
  if (!kind.success) return { ok: false, status: 400, message: `Unknown bulk action "${String(input.kind)}".` }
  if (!hasPermission(input.actor.role, 'update:ticket')) {
    return { ok: false, status: 403, message: `You need the "update:ticket" permission for this; your role (${input.actor.role}) does not include it.` }
  }
  const params = TicketBulkParamsSchemas[kind.data].safeParse(input.params ?? {})
  if (!params.success) return { ok: false, status: 400, message: params.error.issues[0]?.message ?? 'Check the form.' }
  const selection = TicketBulkSelectionSchema.safeParse(input.selection)
  if (!selection.success) return { ok: false, status: 400, message: selection.error.issues[0]?.message ?? 'Nothing selected.' }

  let stored: TicketBulkSelection
  let total: number
  if ('ids' in selection.data) {
    stored = { ids: [...new Set(selection.data.ids)] }
    total = stored.ids.length
  } else {
    const query = searchParamsToSelectionQuery(selectionSearchParams(selection.data.query))
    const parsed = parseStoredQuery(query)
    if ('error' in parsed) return { ok: false, status: 400, message: parsed.error }
    stored = { query }
    total = await countTicketSelection(parsed.query, input.actor, input.now)
    if (total === 0) return { ok: false, status: 400, message: 'No tickets match this view.' }
  }
  const refusal = await checkTargets(kind.data, params.data)
  if (refusal) return { ok: false, status: 400, message: refusal }

  return recordAndEnqueueBulkOperation(input, { area: 'tickets', kind: kind.data, auditAction: `bulk-${kind.data}:ticket`, selection: stored, params: params.data, total })
}

/** The agents and team named in the params exist (the rows re-check; this answers the form at once). */
async function checkTargets(kind: TicketBulkKind, params: TicketBulkParams): Promise<string | null> {
  if (kind === 'assign') {
    const { assigneeId, teamId } = params as TicketBulkParams<'assign'>
    if (assigneeId && !(await prisma.user.findFirst({ where: { id: assigneeId, disabledAt: null }, select: { id: true } }))) return 'Choose an agent with an active account.'
    if (teamId && !(await prisma.team.findUnique({ where: { id: teamId }, select: { id: true } }))) return 'There is no such team.'
  }
  return null
}

// ─── Worker side ────────────────────────────────────────────────────────────────────────────────────────────────

export type TicketBulkToRun = { id: string; kind: TicketBulkKind; actor: BulkActor | null; selection: TicketBulkSelection; params: unknown }

/**
 * Claims a queued/running tickets operation for the job (first start or a retry); null when it is not one (an orders
 * operation, claimed by startBulkOperation) or there is nothing to do (finished, cancelled, deleted).
 */
export async function startTicketBulkOperation(operationId: string): Promise<TicketBulkToRun | null> {
  const { count } = await prisma.bulkOperation.updateMany({
    where: { id: operationId, area: 'tickets', kind: { in: [...TICKET_BULK_KINDS] }, status: { in: ['queued', 'running'] } },
    data: { status: 'running', error: null },
  })
  if (count === 0) return null
  await prisma.bulkOperation.updateMany({ where: { id: operationId, startedAt: null }, data: { startedAt: new Date() } })
  const row = await prisma.bulkOperation.findUniqueOrThrow({
    where: { id: operationId },
    select: { id: true, kind: true, selection: true, params: true, actor: { select: { id: true, role: true, disabledAt: true } } },
  })
  return {
    id: row.id,
    kind: row.kind as TicketBulkKind, // the claim matched only these
    actor: row.actor && !row.actor.disabledAt ? { id: row.actor.id, role: row.actor.role } : null,
    selection: row.selection as TicketBulkSelection,
    params: row.params,
  }
}

/** The selection's ticket ids, `size` at a time: the stored ids, or every ticket matching the stored view for its starter. */
export async function* ticketSelectionChunks(operation: Pick<TicketBulkToRun, 'selection' | 'actor'>, size: number, now = new Date()): AsyncGenerator<string[]> {
  const { selection } = operation
  if ('ids' in selection) {
    for (let start = 0; start < selection.ids.length; start += size) yield selection.ids.slice(start, start + size)
    return
  }
  const parsed = parseStoredQuery(selection.query)
  if ('error' in parsed) throw new TicketBulkUnrecoverable(parsed.error)
  yield* iterateTicketIds(parsed.query, { id: operation.actor?.id ?? '' }, now, size)
}

/** A bulk run that retrying cannot help (the worker turns it into BullMQ's UnrecoverableError). */
export class TicketBulkUnrecoverable extends Error {
  name = 'TicketBulkUnrecoverable'
}

/** Why a row was left as it was when the action had nothing to change. */
const UNCHANGED_REASON: Record<TicketBulkKind, string> = {
  tag: 'Already tagged like that',
  assign: 'Already assigned like that',
  close: 'Already closed',
  round_robin: 'Already with the next agent in turn',
}

/**
 * The per-row action of an operation: the ticket page's own functions with no expected version (a bulk action
 * applies to the ticket as it is now). Returns one row's result: succeeded; skipped with the rule's own words (a
 * closed ticket cannot be tagged…, nothing to change, deleted meanwhile); failed with the error for anything else.
 */
export function ticketBulkRow(operation: TicketBulkToRun): (ticketId: string) => Promise<BulkItemResult> {
  const actor = operation.actor
  if (!actor) throw new TicketBulkUnrecoverable('The person who started this no longer has an active account.')
  if (!hasPermission(actor.role, 'update:ticket')) throw new TicketBulkUnrecoverable(`Their role (${actor.role}) may no longer change tickets.`)
  const ctx = { actor, requestId: `bulk-${operation.id}` }
  const apply = (() => {
    switch (operation.kind) {
      case 'tag': {
        const params = TicketBulkParamsSchemas.tag.parse(operation.params)
        return (ticketId: string) => setTicketTags(ticketId, { add: params.add, remove: params.remove }, ctx)
      }
      case 'assign': {
        const params = TicketBulkParamsSchemas.assign.parse(operation.params)
        return async (ticketId: string) => {
          // Team first: moving a ticket to a team drops an agent who is not in it, then the chosen agent is set.
          const team = params.teamId !== undefined ? await assignTicketTeam(ticketId, params.teamId, undefined, ctx) : { changed: false }
          const agent = params.assigneeId !== undefined ? await assignTicket(ticketId, params.assigneeId, undefined, ctx) : { changed: false }
          return { changed: team.changed || agent.changed }
        }
      }
      case 'close':
        return (ticketId: string) => setTicketStatus(ticketId, 'closed', undefined, ctx)
      case 'round_robin': {
        const params = TicketBulkParamsSchemas.round_robin.parse(operation.params)
        return (ticketId: string) => assignTicketRoundRobin(ticketId, params.agentIds, ctx)
      }
    }
  })()
  return async (ticketId) => {
    try {
      const result = await apply(ticketId)
      return result.changed ? { entityId: ticketId, outcome: 'succeeded' } : { entityId: ticketId, outcome: 'skipped', reason: UNCHANGED_REASON[operation.kind] }
    } catch (error) {
      if (error instanceof TicketActionError) return { entityId: ticketId, outcome: 'skipped', reason: error.status === 404 ? 'The ticket no longer exists' : error.message }
      return { entityId: ticketId, outcome: 'failed', reason: error instanceof Error ? error.message || error.name : String(error) }
    }
  }
}

/** Ticket numbers for the progress page's per-row results. */
export async function ticketNumbers(ids: readonly string[]) {
  const rows = await prisma.ticket.findMany({ where: { id: { in: [...ids] } }, select: { id: true, number: true } })
  return new Map(rows.map((row) => [row.id, row.number]))
}
