import type { TicketPriority, TicketStatus } from '#app/generated/prisma/enums.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { addOutboxMessage, dispatchOutbox } from '#app/models/outbox.server.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'
import { hasPermission, ROLES, type Permission, type Role } from '#app/utils/permissions.ts'
import { getActiveMacro } from './macro.server.ts'
import { teamAgentIds } from './ticket-team.server.ts'
import { recordTicketSlaEvent } from './sla/ticket-sla.server.ts'
import { csatSurveyBody, findOrCreateRequester, HELPDESK_SOURCE } from './ticket.server.ts'
import { statusChangeRefusal, TICKET_BULK_MAX, UNSOLVED_STATUSES, type TicketPriorityValue, type TicketStatusValue } from './ticket-rules.ts'

/**
 * Every change a person makes to a ticket: one transaction each, the ticket row locked (`FOR UPDATE`), a version
 * check where two people could overwrite each other (status, priority, assignee, order link), an audit entry, the
 * SLA clocks moved by the SLA engine (app/models/sla/ticket-sla.server.ts recordTicketSlaEvent), and the outbound
 * mail as an outbox row in the same transaction (app/models/outbox.server.ts). Live signals need no
 * code here: triggers on Ticket/TicketMessage NOTIFY the web processes (migration 20261126130000_support_desk).
 *
 * Replies check for collisions: the form carries the last message the agent saw; a public message someone else
 * added since is a ReplyConflictError (the page shows it and offers "Send anyway", `force`).
 */

export type Actor = { id: string; role: Role }
export type Ctx = { actor: Actor; requestId?: string | null; now?: Date }

export class TicketActionError extends Error {
  constructor(
    public status: 400 | 403 | 404 | 409,
    message: string,
    public field?: string,
  ) {
    super(message)
    this.name = 'TicketActionError'
  }
}

export type ConflictMessage = { id: string; author: string; fromCustomer: boolean; createdAt: Date; excerpt: string }
export class ReplyConflictError extends TicketActionError {
  constructor(public messages: ConflictMessage[]) {
    const who = [...new Set(messages.map((message) => message.author))].join(' and ')
    super(409, `${who} replied while you were writing. Read the new message${messages.length === 1 ? '' : 's'} before sending.`)
    this.name = 'ReplyConflictError'
  }
}

export const STALE_TICKET_MESSAGE = 'Someone changed this ticket since you opened it — reload to see their change.'

function requirePermission(actor: Actor, permission: Permission) {
  if (!hasPermission(actor.role, permission)) {
    throw new TicketActionError(403, `You need the "${permission}" permission for this. Your role (${actor.role}) does not include it.`)
  }
}

type Tx = Prisma.TransactionClient
type LockedTicket = {
  id: string
  number: number
  subject: string
  status: TicketStatusValue
  priority: TicketPriorityValue
  tags: string[]
  assigneeId: string | null
  teamId: string | null
  orderId: string | null
  requesterId: string | null
  requesterName: string
  requesterEmail: string
  source: string
  externalId: string | null
  firstResponseAt: Date | null
  csatRating: number | null
  version: number
}

async function lockTicket(tx: Tx, ticketId: string, expectedVersion?: number): Promise<LockedTicket> {
  const [ticket] = await tx.$queryRaw<LockedTicket[]>`
    SELECT "id", "number", "subject", "status"::text AS "status", "priority"::text AS "priority", "tags", "assigneeId", "teamId", "orderId",
           "requesterId", "requesterName", "requesterEmail", "source", "externalId", "firstResponseAt", "csatRating", "version"
      FROM "Ticket" WHERE "id" = ${ticketId} FOR UPDATE`
  if (!ticket) throw new TicketActionError(404, 'There is no such ticket. It may have been deleted, or the link is wrong.')
  if (expectedVersion !== undefined && ticket.version !== expectedVersion) throw new TicketActionError(409, STALE_TICKET_MESSAGE)
  return ticket
}

/** The columns a status change sets: solved/closed times, cleared when a ticket is reopened. */
function statusData(ticket: Pick<LockedTicket, 'status'>, to: TicketStatusValue, now: Date) {
  const refusal = statusChangeRefusal(ticket.status, to)
  if (refusal) throw new TicketActionError(400, refusal, 'status')
  if (to === ticket.status) return {}
  if (to === 'solved') return { status: to as TicketStatus, solvedAt: now, closedAt: null }
  if (to === 'closed') return { status: to as TicketStatus, closedAt: now, ...(ticket.status === 'solved' ? {} : { solvedAt: now }) }
  return { status: to as TicketStatus, solvedAt: null, closedAt: null }
}

/** A helpdesk ticket can be mailed: it has a thread on the mailbox to reply on. */
const hasMailThread = (ticket: Pick<LockedTicket, 'source' | 'externalId'>) => ticket.source === HELPDESK_SOURCE && ticket.externalId !== null

/**
 * After a solve: the satisfaction survey goes to the customer on the thread (once per solve while unrated). It is a
 * public message from OpsDeck itself (no author); the customer's answer comes back as a mail (ticket.server.ts).
 */
async function sendCsatSurvey(tx: Tx, ticket: LockedTicket, now: Date, outbox: bigint[]) {
  if (!hasMailThread(ticket) || ticket.csatRating !== null) return
  const survey = await tx.ticketMessage.create({
    data: { ticketId: ticket.id, kind: 'public_reply', fromCustomer: false, authorId: null, body: csatSurveyBody(ticket), createdAt: now },
    select: { id: true },
  })
  outbox.push(await addOutboxMessage(tx, { topic: 'helpdesk.reply', payload: { ticketMessageId: survey.id }, idempotencyKey: `helpdesk-reply-${survey.id}` }))
}

async function run<T>(work: (tx: Tx, outbox: bigint[]) => Promise<T>): Promise<T> {
  const outbox: bigint[] = []
  const result = await prisma.$transaction((tx) => work(tx, outbox))
  await dispatchOutbox(outbox)
  return result
}

// ─── Create ─────────────────────────────────────────────────────────────────────────────────────────────────────

export type CreateTicketInput = {
  requesterEmail: string
  requesterName: string
  subject: string
  body: string
  priority: TicketPriorityValue
  channel: 'email' | 'chat' | 'phone' | 'web' | 'social'
  tags: string[]
  orderNumber?: string | null
  assignToMe?: boolean
}

/** An agent records a request (phone, chat, walk-in): the customer's words are the first message. */
export async function createTicketFromUi(input: CreateTicketInput, ctx: Ctx): Promise<{ id: string; number: number }> {
  requirePermission(ctx.actor, 'create:ticket')
  const now = ctx.now ?? new Date()
  return run(async (tx) => {
    const order = input.orderNumber ? await tx.order.findUnique({ where: { number: input.orderNumber }, select: { id: true, customerId: true } }) : null
    if (input.orderNumber && !order) throw new TicketActionError(400, `There is no order ${input.orderNumber}.`, 'orderNumber')
    const requester = await findOrCreateRequester(tx, { email: input.requesterEmail, name: input.requesterName, source: 'manual' })
    const assigneeId = input.assignToMe && hasPermission(ctx.actor.role, 'update:ticket') ? ctx.actor.id : null
    const ticket = await tx.ticket.create({
      data: {
        subject: input.subject,
        status: assigneeId ? 'open' : 'new',
        priority: input.priority as TicketPriority,
        channel: input.channel,
        tags: input.tags,
        requesterId: requester.id,
        requesterEmail: requester.email,
        requesterName: input.requesterName || requester.name,
        assigneeId,
        orderId: order?.id ?? null,
        lastMessageAt: now,
        source: 'manual',
        createdAt: now,
      },
      select: { id: true, number: true },
    })
    await tx.ticketMessage.create({ data: { ticketId: ticket.id, kind: 'public_reply', fromCustomer: true, body: input.body, createdAt: now } })
    await recordTicketSlaEvent(tx, { ticketId: ticket.id, kind: 'created', at: now })
    await recordAudit(tx, {
      actorId: ctx.actor.id,
      action: 'create:ticket',
      entityType: 'ticket',
      entityId: ticket.id,
      after: { number: ticket.number, subject: input.subject, requesterEmail: requester.email, priority: input.priority, tags: input.tags, orderNumber: input.orderNumber ?? null, assigneeId },
      requestId: ctx.requestId,
    })
    return ticket
  })
}

// ─── Reply / note ───────────────────────────────────────────────────────────────────────────────────────────────

export type ReplyInput = {
  kind: 'public_reply' | 'internal_note'
  body: string
  /** A macro whose actions (status, tags) apply with this reply. */
  macroId?: string | null
  /** Set the status with the reply ("Send and set pending"); null keeps it (a new ticket becomes open). */
  setStatus?: TicketStatusValue | null
  /** The newest message the agent saw on the page; anything public after it by someone else is a collision. */
  lastSeenMessageId?: string | null
  /** The agent has seen the collision warning and sends anyway. */
  force?: boolean
}

export type ReplyResult = { messageId: string; status: TicketStatusValue; mailed: boolean; tagsAdded: string[] }

export async function replyToTicket(ticketId: string, input: ReplyInput, ctx: Ctx): Promise<ReplyResult> {
  requirePermission(ctx.actor, 'update:ticket')
  const now = ctx.now ?? new Date()
  return run(async (tx, outbox) => {
    const ticket = await lockTicket(tx, ticketId)
    if (ticket.status === 'closed' && input.kind === 'public_reply') {
      throw new TicketActionError(400, 'This ticket is closed; the customer will not see a reply here. Create a follow-up ticket instead.', 'body')
    }
    if (input.kind === 'public_reply' && !input.force) {
      const seen = input.lastSeenMessageId
        ? await tx.ticketMessage.findFirst({ where: { id: input.lastSeenMessageId, ticketId }, select: { createdAt: true, id: true } })
        : null
      const newer = await tx.ticketMessage.findMany({
        where: {
          ticketId,
          kind: 'public_reply',
          ...(seen ? { OR: [{ createdAt: { gt: seen.createdAt } }, { createdAt: seen.createdAt, id: { gt: seen.id } }] } : {}),
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: 5,
        select: { id: true, body: true, fromCustomer: true, createdAt: true, authorId: true, author: { select: { name: true } } },
      })
      // No "last seen" means the page showed no messages: everything public is new to this agent.
      const others = newer.filter((message) => message.authorId !== ctx.actor.id && (message.fromCustomer || message.authorId !== null))
      if (others.length > 0) {
        throw new ReplyConflictError(
          others.map((message) => ({
            id: message.id,
            author: message.fromCustomer ? `${ticket.requesterName} (customer)` : (message.author?.name ?? 'Someone'),
            fromCustomer: message.fromCustomer,
            createdAt: message.createdAt,
            excerpt: message.body.slice(0, 280),
          })),
        )
      }
    }

    const macro = input.macroId ? await getActiveMacro(tx, input.macroId) : null
    if (input.macroId && !macro) throw new TicketActionError(400, 'That macro no longer exists; choose another or write the reply yourself.', 'macroId')
    const target: TicketStatusValue | null = input.setStatus ?? macro?.setStatus ?? (ticket.status === 'new' && input.kind === 'public_reply' ? 'open' : null)
    const status = target ? statusData(ticket, target, now) : {}
    const tagsAdded = (macro?.addTags ?? []).filter((tag) => !ticket.tags.includes(tag))

    const message = await tx.ticketMessage.create({
      data: { ticketId, kind: input.kind, authorId: ctx.actor.id, fromCustomer: false, body: input.body, createdAt: now },
      select: { id: true },
    })
    const isPublic = input.kind === 'public_reply'
    await tx.ticket.update({
      where: { id: ticketId },
      data: {
        ...status,
        ...(tagsAdded.length > 0 ? { tags: [...ticket.tags, ...tagsAdded] } : {}),
        ...(isPublic ? { lastMessageAt: now, ...(ticket.firstResponseAt ? {} : { firstResponseAt: now }) } : {}),
        // Replying to an unassigned ticket takes it.
        ...(ticket.assigneeId === null && isPublic ? { assigneeId: ctx.actor.id } : {}),
        version: { increment: 1 },
      },
      select: { id: true },
    })
    // The SLA clocks move with the reply (first/next response met) and the status it leaves (one call is enough).
    if (isPublic) await recordTicketSlaEvent(tx, { ticketId, kind: 'agent_public_reply', at: now })
    else if (status.status) await recordTicketSlaEvent(tx, { ticketId, kind: 'status_changed', at: now })
    else if (tagsAdded.length > 0) await recordTicketSlaEvent(tx, { ticketId, kind: 'priority_or_tags_changed', at: now })
    const mailed = isPublic && hasMailThread(ticket)
    if (mailed) outbox.push(await addOutboxMessage(tx, { topic: 'helpdesk.reply', payload: { ticketMessageId: message.id }, idempotencyKey: `helpdesk-reply-${message.id}` }))
    if (status.status === 'solved') await sendCsatSurvey(tx, ticket, new Date(now.getTime() + 1), outbox)
    await recordAudit(tx, {
      actorId: ctx.actor.id,
      action: isPublic ? 'reply:ticket' : 'note:ticket',
      entityType: 'ticket',
      entityId: ticketId,
      before: { status: ticket.status, tags: ticket.tags },
      after: { messageId: message.id, status: status.status ?? ticket.status, tagsAdded, macroId: macro?.id ?? null, forced: input.force === true },
      requestId: ctx.requestId,
    })
    return { messageId: message.id, status: (status.status as TicketStatusValue | undefined) ?? ticket.status, mailed, tagsAdded }
  })
}

// ─── Field changes ──────────────────────────────────────────────────────────────────────────────────────────────

async function change(
  ticketId: string,
  ctx: Ctx,
  expectedVersion: number | undefined,
  action: string,
  slaEvent: 'status_changed' | 'priority_or_tags_changed' | null,
  apply: (ticket: LockedTicket, tx: Tx, now: Date, outbox: bigint[]) => Promise<{ data: Prisma.TicketUpdateInput; before: Prisma.InputJsonValue; after: Prisma.InputJsonValue } | null>,
) {
  requirePermission(ctx.actor, 'update:ticket')
  const now = ctx.now ?? new Date()
  return run(async (tx, outbox) => {
    const ticket = await lockTicket(tx, ticketId, expectedVersion)
    const changed = await apply(ticket, tx, now, outbox)
    if (!changed) return { changed: false, version: ticket.version }
    const updated = await tx.ticket.update({ where: { id: ticketId }, data: { ...changed.data, version: { increment: 1 } }, select: { version: true } })
    if (slaEvent) await recordTicketSlaEvent(tx, { ticketId, kind: slaEvent, at: now })
    await recordAudit(tx, { actorId: ctx.actor.id, action, entityType: 'ticket', entityId: ticketId, before: changed.before, after: changed.after, requestId: ctx.requestId })
    return { changed: true, version: updated.version }
  })
}

export function setTicketStatus(ticketId: string, to: TicketStatusValue, expectedVersion: number | undefined, ctx: Ctx) {
  return change(ticketId, ctx, expectedVersion, 'update:ticket.status', 'status_changed', async (ticket, tx, now, outbox) => {
    const data = statusData(ticket, to, now)
    if (!data.status) return null
    if (to === 'solved') await sendCsatSurvey(tx, ticket, now, outbox)
    return { data, before: { status: ticket.status }, after: { status: to } }
  })
}

export function setTicketPriority(ticketId: string, priority: TicketPriorityValue, expectedVersion: number | undefined, ctx: Ctx) {
  return change(ticketId, ctx, expectedVersion, 'update:ticket.priority', 'priority_or_tags_changed', async (ticket) =>
    ticket.priority === priority ? null : { data: { priority: priority as TicketPriority }, before: { priority: ticket.priority }, after: { priority } },
  )
}

/** Adds and removes tags (a delta: it cannot overwrite anyone's change, so it carries no version). */
export function setTicketTags(ticketId: string, input: { add: string[]; remove: string[] }, ctx: Ctx) {
  return change(ticketId, ctx, undefined, 'update:ticket.tags', 'priority_or_tags_changed', async (ticket) => {
    const next = [...ticket.tags.filter((tag) => !input.remove.includes(tag)), ...input.add.filter((tag) => !ticket.tags.includes(tag))]
    if (next.length > 20) throw new TicketActionError(400, 'A ticket has at most 20 tags.', 'add')
    if (next.length === ticket.tags.length && next.every((tag) => ticket.tags.includes(tag))) return null
    return { data: { tags: next }, before: { tags: ticket.tags }, after: { tags: next } }
  })
}

/** Roles that work tickets: the people a ticket can be assigned to. */
export const AGENT_ROLES = ROLES.filter((role) => hasPermission(role, 'update:ticket'))

/**
 * Who is in the automatic rotation: support agents. Admins can work tickets (and be assigned by hand) but are not
 * handed new tickets by the round-robin.
 */
export const ROUND_ROBIN_ROLES = ['support'] as const satisfies readonly Role[]

export function listTicketAgents() {
  return prisma.user.findMany({ where: { role: { in: AGENT_ROLES }, disabledAt: null }, orderBy: [{ name: 'asc' }], select: { id: true, name: true, role: true } })
}

async function requireAgent(tx: Tx, userId: string) {
  const agent = await tx.user.findFirst({ where: { id: userId, role: { in: AGENT_ROLES }, disabledAt: null }, select: { id: true, name: true } })
  if (!agent) throw new TicketActionError(400, 'Choose an active support agent or admin.', 'assigneeId')
  return agent
}

export function assignTicket(ticketId: string, assigneeId: string | null, expectedVersion: number | undefined, ctx: Ctx) {
  return change(ticketId, ctx, expectedVersion, 'assign:ticket', null, async (ticket, tx) => {
    if (assigneeId) await requireAgent(tx, assigneeId)
    if (ticket.assigneeId === assigneeId) return null
    return { data: { assignee: assigneeId ? { connect: { id: assigneeId } } : { disconnect: true } }, before: { assigneeId: ticket.assigneeId }, after: { assigneeId } }
  })
}

/**
 * Puts a ticket in a team's hands (or takes it out: null). An agent who is not a member of the new team is taken off
 * the ticket (the team's own agents work it). When the ticket ends up with a team and no agent, it goes
 * round-robin to the team's members among `onlineAgentIds` (the web process passes who is online now; none → it
 * waits in the team's queue). Returns the agent it went to, if any.
 */
export async function assignTicketTeam(
  ticketId: string,
  teamId: string | null,
  expectedVersion: number | undefined,
  ctx: Ctx,
  options: { onlineAgentIds?: string[] } = {},
): Promise<{ changed: boolean; version: number; autoAssignedTo: string | null }> {
  const result = await change(ticketId, ctx, expectedVersion, 'assign:ticket.team', null, async (ticket, tx) => {
    if (ticket.teamId === teamId) return null
    let dropAgent = false
    if (teamId) {
      const team = await tx.team.findUnique({ where: { id: teamId }, select: { id: true } })
      if (!team) throw new TicketActionError(400, 'There is no such team; it may have been deleted. Choose another.', 'teamId')
      if (ticket.assigneeId) dropAgent = !(await teamAgentIds(tx, teamId)).includes(ticket.assigneeId)
    }
    return {
      data: { team: teamId ? { connect: { id: teamId } } : { disconnect: true }, ...(dropAgent ? { assignee: { disconnect: true } } : {}) },
      before: { teamId: ticket.teamId, assigneeId: ticket.assigneeId },
      after: { teamId, assigneeId: dropAgent ? null : ticket.assigneeId },
    }
  })
  let autoAssignedTo: string | null = null
  if (result.changed && teamId && options.onlineAgentIds?.length) {
    const made = await autoAssignTickets([ticketId], options.onlineAgentIds, { actorId: ctx.actor.id, requestId: ctx.requestId })
    autoAssignedTo = made[0]?.assigneeId ?? null
  }
  return { ...result, version: result.version + (autoAssignedTo ? 1 : 0), autoAssignedTo }
}

export function linkTicketOrder(ticketId: string, orderNumber: string, expectedVersion: number | undefined, ctx: Ctx) {
  return change(ticketId, ctx, expectedVersion, 'link:ticket.order', null, async (ticket, tx) => {
    const order = await tx.order.findUnique({ where: { number: orderNumber }, select: { id: true, number: true } })
    if (!order) throw new TicketActionError(400, `There is no order ${orderNumber}.`, 'orderNumber')
    if (ticket.orderId === order.id) return null
    return { data: { order: { connect: { id: order.id } } }, before: { orderId: ticket.orderId }, after: { orderId: order.id, orderNumber: order.number } }
  })
}

export function unlinkTicketOrder(ticketId: string, expectedVersion: number | undefined, ctx: Ctx) {
  return change(ticketId, ctx, expectedVersion, 'unlink:ticket.order', null, async (ticket) =>
    ticket.orderId ? { data: { order: { disconnect: true } }, before: { orderId: ticket.orderId }, after: { orderId: null } } : null,
  )
}

// ─── Bulk ───────────────────────────────────────────────────────────────────────────────────────────────────────

export type BulkTicketAction =
  | { kind: 'assign'; assigneeId: string | null }
  | { kind: 'team'; teamId: string | null }
  | { kind: 'close' }
  | { kind: 'solve' }
  | { kind: 'tag'; add: string[]; remove: string[] }
export type BulkTicketResult = { succeeded: number; unchanged: number; skipped: { id: string; number: number | null; reason: string }[] }

/**
 * A bulk action on a page selection (at most TICKET_BULK_MAX tickets): each ticket is changed in its own
 * transaction by the same function as the ticket page (same rules, same audit); a ticket the rules refuse (closing
 * a closed one) is skipped with the reason, and the others still change.
 */
export async function bulkUpdateTickets(ids: string[], action: BulkTicketAction, ctx: Ctx): Promise<BulkTicketResult> {
  requirePermission(ctx.actor, 'update:ticket')
  const unique = [...new Set(ids)]
  if (unique.length === 0) throw new TicketActionError(400, 'Select at least one ticket.', 'ids')
  if (unique.length > TICKET_BULK_MAX) throw new TicketActionError(400, `Select at most ${TICKET_BULK_MAX} tickets at once.`, 'ids')
  if (action.kind === 'assign' && action.assigneeId) await prisma.$transaction((tx) => requireAgent(tx, action.assigneeId!))
  const numbers = new Map((await prisma.ticket.findMany({ where: { id: { in: unique } }, select: { id: true, number: true } })).map((row) => [row.id, row.number]))
  const result: BulkTicketResult = { succeeded: 0, unchanged: 0, skipped: [] }
  for (const id of unique) {
    if (!numbers.has(id)) {
      result.skipped.push({ id, number: null, reason: 'not found' })
      continue
    }
    try {
      const outcome =
        action.kind === 'assign'
          ? await assignTicket(id, action.assigneeId, undefined, ctx)
          : action.kind === 'team'
            ? await assignTicketTeam(id, action.teamId, undefined, ctx)
          : action.kind === 'tag'
            ? await setTicketTags(id, { add: action.add, remove: action.remove }, ctx)
            : await setTicketStatus(id, action.kind === 'close' ? 'closed' : 'solved', undefined, ctx)
      if (outcome.changed) result.succeeded++
      else result.unchanged++
    } catch (error) {
      if (!(error instanceof TicketActionError)) throw error
      result.skipped.push({ id, number: numbers.get(id) ?? null, reason: error.message })
    }
  }
  return result
}

// ─── Round-robin ────────────────────────────────────────────────────────────────────────────────────────────────

const ROUND_ROBIN_LOCK = 'ticket-round-robin'

/**
 * The agent the previous automatic assignment in this rotation went to: the newest `auto_assign:ticket` audit entry
 * of the same pool (a team's rotation, or the desk-wide one: entries without a teamId). The rotation continues
 * across restarts and web nodes.
 */
async function lastInRotation(tx: Tx, teamId: string | null): Promise<string | undefined> {
  const [row] = await tx.$queryRaw<Array<{ assigneeId: string | null }>>`
    SELECT "after" ->> 'assigneeId' AS "assigneeId" FROM "AuditLog"
     WHERE "action" = 'auto_assign:ticket' AND coalesce("after" ->> 'teamId', '') = ${teamId ?? ''}
     ORDER BY "id" DESC LIMIT 1`
  return row?.assigneeId ?? undefined
}

/** A rotation over a sorted pool: the next agent after the last one, wrapping around. */
class Rotation {
  private index: number
  constructor(
    readonly pool: string[],
    last: string | undefined,
  ) {
    const at = last ? pool.findIndex((id) => id > last) : 0
    this.index = at < 0 ? 0 : at
  }
  peek() {
    return this.pool[this.index % this.pool.length]!
  }
  advance() {
    this.index++
  }
}

/**
 * The rotation pools for tickets, from the agents online (`agentIds`): a team's ticket goes to the team's members
 * among them (any role that works tickets: membership is the opt-in); a ticket without a team to the desk-wide pool
 * (ROUND_ROBIN_ROLES). Built once per pool per run, under the round-robin lock.
 */
function rotations(tx: Tx, agentIds: readonly string[], generalRoles: readonly Role[]) {
  const agents = [...new Set(agentIds)].sort()
  const cache = new Map<string, Promise<Rotation>>()
  return (teamId: string | null) => {
    const key = teamId ?? ''
    let rotation = cache.get(key)
    if (!rotation) {
      rotation = (async () => {
        const allowed = teamId
          ? new Set(await teamAgentIds(tx, teamId))
          : new Set((await tx.user.findMany({ where: { id: { in: agents }, role: { in: [...generalRoles] }, disabledAt: null }, select: { id: true } })).map((u) => u.id))
        return new Rotation(agents.filter((id) => allowed.has(id)), await lastInRotation(tx, teamId))
      })()
      cache.set(key, rotation)
    }
    return rotation
  }
}

/**
 * Assigns unassigned, unsolved tickets round-robin among `agentIds` (the agents online now: the web process reads
 * them from socket presence, app/realtime/presence.server.ts): a team's ticket among the team's members online, any
 * other among the online support agents (see `rotations`). An advisory lock serialises concurrent runs, and
 * `assigneeId IS NULL` in the update means a ticket someone took meanwhile is left alone. A ticket whose pool has
 * nobody online stays unassigned (in its team's queue). Returns the assignments made.
 */
export async function autoAssignTickets(ticketIds: string[], agentIds: string[], ctx: { actorId?: string | null; requestId?: string | null } = {}) {
  if (agentIds.length === 0 || ticketIds.length === 0) return []
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${ROUND_ROBIN_LOCK}, 0))`
    const poolFor = rotations(tx, agentIds, ROUND_ROBIN_ROLES)
    const tickets = await tx.ticket.findMany({
      where: { id: { in: ticketIds }, assigneeId: null, status: { in: [...UNSOLVED_STATUSES] } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: { id: true, teamId: true },
    })
    const made: { ticketId: string; assigneeId: string }[] = []
    for (const ticket of tickets) {
      const rotation = await poolFor(ticket.teamId)
      if (rotation.pool.length === 0) continue
      const assigneeId = rotation.peek()
      const { count } = await tx.ticket.updateMany({ where: { id: ticket.id, assigneeId: null }, data: { assigneeId, version: { increment: 1 } } })
      if (count === 0) continue
      rotation.advance()
      made.push({ ticketId: ticket.id, assigneeId })
      await recordAudit(tx, {
        actorId: ctx.actorId ?? null,
        action: 'auto_assign:ticket',
        entityType: 'ticket',
        entityId: ticket.id,
        after: { assigneeId, pool: rotation.pool, ...(ticket.teamId ? { teamId: ticket.teamId } : {}) },
        requestId: ctx.requestId,
      })
    }
    return made
  })
}

/**
 * Bulk "assign round-robin": (re)assigns one unsolved ticket to the next agent of its rotation among `agentIds` (the
 * agents online when the bulk started), whoever had it. The pools are the automatic assignment's: a team's ticket goes
 * to the team's members among them, any other ticket to the support agents among them; same rotation pointer and
 * lock, so consecutive tickets alternate. A ticket whose pool is empty is refused with the reason.
 */
export async function assignTicketRoundRobin(ticketId: string, agentIds: string[], ctx: Ctx): Promise<{ changed: boolean; assigneeId: string }> {
  requirePermission(ctx.actor, 'update:ticket')
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${ROUND_ROBIN_LOCK}, 0))`
    const ticket = await lockTicket(tx, ticketId)
    if (!(UNSOLVED_STATUSES as readonly string[]).includes(ticket.status)) throw new TicketActionError(400, 'A solved or closed ticket is not reassigned.')
    const rotation = await rotations(tx, agentIds, ROUND_ROBIN_ROLES)(ticket.teamId)
    if (rotation.pool.length === 0) {
      throw new TicketActionError(400, ticket.teamId ? 'None of the agents online is a member of this ticket’s team.' : 'None of the agents online is a support agent in the rotation.')
    }
    const assigneeId = rotation.peek()
    const changed = ticket.assigneeId !== assigneeId
    if (changed) await tx.ticket.update({ where: { id: ticketId }, data: { assigneeId, version: { increment: 1 } }, select: { id: true } })
    await recordAudit(tx, {
      actorId: ctx.actor.id,
      action: 'auto_assign:ticket',
      entityType: 'ticket',
      entityId: ticketId,
      before: { assigneeId: ticket.assigneeId },
      after: { assigneeId, pool: rotation.pool, ...(ticket.teamId ? { teamId: ticket.teamId } : {}) },
      requestId: ctx.requestId,
    })
    return { changed, assigneeId }
  })
}
