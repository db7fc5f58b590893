import { beforeAll, describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { ALWAYS_OPEN } from './sla/business-hours.ts'
import { getTicketSlaSummary } from './ticket-sla.server.ts'
import { createCustomer, createOrder, createTicket, createUser } from '#test/factories/index.ts'
import {
  assignTicket,
  autoAssignTickets,
  bulkUpdateTickets,
  createTicketFromUi,
  linkTicketOrder,
  ReplyConflictError,
  replyToTicket,
  setTicketPriority,
  setTicketStatus,
  setTicketTags,
  TicketActionError,
  unlinkTicketOrder,
  type Actor,
} from './ticket-actions.server.ts'

let sam: Actor
let ana: Actor
let mia: Actor
let ops: Actor

beforeAll(async () => {
  const make = async (role: Actor['role'], name: string) => ({ id: (await createUser(prisma, { role, name })).user.id, role })
  ;[sam, ana, mia, ops] = await Promise.all([make('support', 'Sam Agent'), make('support', 'Ana Agent'), make('manager', 'Mia Manager'), make('operations', 'Oli Ops')])
})

const ctx = (actor: Actor) => ({ actor })
const open = (overrides: Parameters<typeof createTicket>[1] = {}) => createTicket(prisma, { status: 'open', assigneeId: sam.id, ...overrides }).then((graph) => graph.ticket)
const lastMessageId = async (ticketId: string) => (await prisma.ticketMessage.findFirstOrThrow({ where: { ticketId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] })).id

describe('permissions', () => {
  test('only roles with update:ticket change tickets; create needs create:ticket', async () => {
    const ticket = await open()
    for (const actor of [mia, ops]) {
      await expect(setTicketPriority(ticket.id, 'urgent', undefined, ctx(actor))).rejects.toMatchObject({ status: 403 })
      await expect(replyToTicket(ticket.id, { kind: 'internal_note', body: 'x' }, ctx(actor))).rejects.toMatchObject({ status: 403 })
      await expect(bulkUpdateTickets([ticket.id], { kind: 'close' }, ctx(actor))).rejects.toMatchObject({ status: 403 })
    }
    await expect(createTicketFromUi({ requesterEmail: 'a@example.com', requesterName: 'A', subject: 's', body: 'b', priority: 'normal', channel: 'phone', tags: [] }, ctx(mia))).rejects.toMatchObject({ status: 403 })
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id }, select: { priority: true } })).toEqual({ priority: ticket.priority })
  })
})

describe('replies', () => {
  test('a public reply on a helpdesk ticket is mailed through the outbox with a key per message; a note is never mailed', async () => {
    const ticket = await open({ status: 'new', assigneeId: null })
    const reply = await replyToTicket(ticket.id, { kind: 'public_reply', body: 'On its way', lastSeenMessageId: await lastMessageId(ticket.id) }, ctx(sam))
    expect(reply).toMatchObject({ mailed: true, status: 'open' })
    const stored = await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })
    // Replying to an unassigned ticket takes it; the first public reply is the first response.
    expect(stored).toMatchObject({ status: 'open', assigneeId: sam.id, version: 2 })
    expect(stored.firstResponseAt).not.toBeNull()
    expect(await prisma.outboxMessage.findMany({ where: { idempotencyKey: `helpdesk-reply-${reply.messageId}` }, select: { topic: true, payload: true } })).toEqual([
      { topic: 'helpdesk.reply', payload: { ticketMessageId: reply.messageId } },
    ])
    const note = await replyToTicket(ticket.id, { kind: 'internal_note', body: 'VIP' }, ctx(sam))
    expect(note.mailed).toBe(false)
    expect(await prisma.outboxMessage.count({ where: { idempotencyKey: `helpdesk-reply-${note.messageId}` } })).toBe(0)
  })

  test('a reply that collides with another agent’s reply sent meanwhile is refused with it; "send anyway" sends', async () => {
    const ticket = await open()
    const seen = await lastMessageId(ticket.id)
    await replyToTicket(ticket.id, { kind: 'public_reply', body: 'Ana here: refunded you.', lastSeenMessageId: seen }, ctx(ana))
    const attempt = replyToTicket(ticket.id, { kind: 'public_reply', body: 'Sam here: sending a new one.', lastSeenMessageId: seen }, ctx(sam))
    await expect(attempt).rejects.toBeInstanceOf(ReplyConflictError)
    const error = (await attempt.catch((e: unknown) => e)) as ReplyConflictError
    expect(error.status).toBe(409)
    expect(error.messages).toEqual([expect.objectContaining({ author: 'Ana Agent', excerpt: 'Ana here: refunded you.' })])
    expect(await prisma.ticketMessage.count({ where: { ticketId: ticket.id, body: 'Sam here: sending a new one.' } })).toBe(0)
    // Notes never collide; "send anyway" sends; and having seen Ana's reply, Sam's next reply passes.
    await replyToTicket(ticket.id, { kind: 'internal_note', body: 'note', lastSeenMessageId: seen }, ctx(sam))
    await replyToTicket(ticket.id, { kind: 'public_reply', body: 'Sam anyway', lastSeenMessageId: seen, force: true }, ctx(sam))
    await replyToTicket(ticket.id, { kind: 'public_reply', body: 'Sam again', lastSeenMessageId: await lastMessageId(ticket.id) }, ctx(sam))
    // A customer message after what the agent saw is a collision too.
    const seenNow = await lastMessageId(ticket.id)
    await prisma.ticketMessage.create({ data: { ticketId: ticket.id, kind: 'public_reply', fromCustomer: true, body: 'Never mind, found it' } })
    await expect(replyToTicket(ticket.id, { kind: 'public_reply', body: 'x', lastSeenMessageId: seenNow }, ctx(sam))).rejects.toBeInstanceOf(ReplyConflictError)
  })

  test('a macro applies its status and tags with the reply; a retired macro is refused', async () => {
    const ticket = await open({ status: 'open' })
    const macro = await prisma.macro.create({ data: { name: `Waiting ${ticket.id}`, body: 'Waiting on you', setStatus: 'pending', addTags: ['awaiting-photos'] } })
    const result = await replyToTicket(ticket.id, { kind: 'public_reply', body: 'Please send photos', macroId: macro.id, lastSeenMessageId: await lastMessageId(ticket.id) }, ctx(sam))
    expect(result).toMatchObject({ status: 'pending', tagsAdded: ['awaiting-photos'] })
    await prisma.macro.update({ where: { id: macro.id }, data: { isActive: false } })
    await expect(replyToTicket(ticket.id, { kind: 'internal_note', body: 'x', macroId: macro.id }, ctx(sam))).rejects.toMatchObject({ status: 400, field: 'macroId' })
  })

  test('solving a helpdesk ticket sends the satisfaction survey through the outbox (once per solve while unrated)', async () => {
    const ticket = await open()
    await setTicketStatus(ticket.id, 'solved', 1, ctx(sam))
    const survey = await prisma.ticketMessage.findFirstOrThrow({ where: { ticketId: ticket.id, authorId: null, fromCustomer: false } })
    expect(survey.body).toContain('[csat-survey]')
    expect(await prisma.outboxMessage.count({ where: { idempotencyKey: `helpdesk-reply-${survey.id}` } })).toBe(1)
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id }, select: { status: true, solvedAt: true } })).toMatchObject({ status: 'solved', solvedAt: expect.any(Date) })
  })
})

describe('field changes', () => {
  test('stale versions are refused; illegal status changes explain why; closed is final', async () => {
    const ticket = await open()
    await setTicketPriority(ticket.id, 'urgent', 1, ctx(sam))
    await expect(setTicketPriority(ticket.id, 'low', 1, ctx(ana))).rejects.toMatchObject({ status: 409 })
    await expect(setTicketStatus(ticket.id, 'new', undefined, ctx(sam))).rejects.toMatchObject({ status: 400, message: expect.stringContaining('“New” is only') })
    await setTicketStatus(ticket.id, 'closed', undefined, ctx(sam))
    await expect(setTicketStatus(ticket.id, 'open', undefined, ctx(sam))).rejects.toMatchObject({ status: 400, message: expect.stringContaining('closed') })
    await expect(replyToTicket(ticket.id, { kind: 'public_reply', body: 'hello?' }, ctx(sam))).rejects.toMatchObject({ status: 400 })
    const audit = await prisma.auditLog.findMany({ where: { entityType: 'ticket', entityId: ticket.id }, orderBy: { id: 'asc' }, select: { action: true } })
    expect(audit.map((entry) => entry.action)).toEqual(['update:ticket.priority', 'update:ticket.status'])
  })

  test('assign only to active agents; tags as a delta; link and unlink an order by number', async () => {
    const ticket = await open({ assigneeId: null })
    await expect(assignTicket(ticket.id, mia.id, undefined, ctx(sam))).rejects.toMatchObject({ status: 400, field: 'assigneeId' })
    await assignTicket(ticket.id, ana.id, undefined, ctx(sam))
    await setTicketTags(ticket.id, { add: ['vip', 'damaged'], remove: [] }, ctx(sam))
    await setTicketTags(ticket.id, { add: [], remove: ['damaged'] }, ctx(sam))
    const { order } = await createOrder(prisma, { number: `#6${String(Date.now()).slice(-6)}` })
    await expect(linkTicketOrder(ticket.id, '#000000001', undefined, ctx(sam))).rejects.toMatchObject({ status: 400, field: 'orderNumber' })
    await linkTicketOrder(ticket.id, order.number, undefined, ctx(sam))
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id }, select: { assigneeId: true, tags: true, orderId: true } })).toEqual({
      assigneeId: ana.id,
      tags: expect.arrayContaining(['vip']),
      orderId: order.id,
    })
    await unlinkTicketOrder(ticket.id, undefined, ctx(sam))
    expect((await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id }, select: { orderId: true, tags: true } })).orderId).toBeNull()
  })

  test('a ticket created from the UI: requester found by email, order linked, first message from the customer', async () => {
    const customer = await createCustomer(prisma, { email: `phone-${Date.now()}@example.com`, name: 'Phone Caller' })
    const { order } = await createOrder(prisma, { number: `#5${String(Date.now()).slice(-6)}`, customer })
    await expect(
      createTicketFromUi({ requesterEmail: customer.email, requesterName: '', subject: 'Call', body: 'b', priority: 'high', channel: 'phone', tags: [], orderNumber: '#nope' }, ctx(sam)),
    ).rejects.toMatchObject({ status: 400, field: 'orderNumber' })
    const created = await createTicketFromUi(
      { requesterEmail: customer.email.toUpperCase(), requesterName: '', subject: 'Wants to swap', body: 'Called about a swap', priority: 'high', channel: 'phone', tags: ['swap'], orderNumber: order.number, assignToMe: true },
      ctx(sam),
    )
    const ticket = await prisma.ticket.findUniqueOrThrow({ where: { id: created.id }, include: { messages: true } })
    expect(ticket).toMatchObject({ requesterId: customer.id, orderId: order.id, status: 'open', assigneeId: sam.id, priority: 'high', source: 'manual', tags: ['swap'] })
    expect(ticket.messages).toMatchObject([{ fromCustomer: true, body: 'Called about a swap', kind: 'public_reply' }])
  })
})

describe('bulk and round-robin', () => {
  test('bulk close changes each ticket by the rules and skips what they refuse, with the reason', async () => {
    const a = await open()
    const b = await open()
    await prisma.ticket.update({ where: { id: b.id }, data: { status: 'closed' } })
    const result = await bulkUpdateTickets([a.id, b.id, 'missing-id'], { kind: 'close' }, ctx(sam))
    // a closes; b was already closed (unchanged); the unknown id is skipped.
    expect(result).toMatchObject({ succeeded: 1, unchanged: 1 })
    expect(result.skipped).toEqual([{ id: 'missing-id', number: null, reason: 'not found' }])
    expect((await prisma.ticket.findUniqueOrThrow({ where: { id: a.id } })).status).toBe('closed')
    await expect(bulkUpdateTickets(Array.from({ length: 201 }, (_, i) => `id${i}`), { kind: 'close' }, ctx(sam))).rejects.toBeInstanceOf(TicketActionError)
  })

  test('round-robin hands unassigned tickets to online support agents in turn, continuing where the last run stopped', async () => {
    const tickets = await Promise.all([1, 2, 3].map(() => open({ status: 'new', assigneeId: null })))
    const agents = [sam.id, ana.id].sort()
    const first = await autoAssignTickets(tickets.slice(0, 2).map((ticket) => ticket.id), [...agents, mia.id])
    // The manager is online but not in the rotation.
    expect(new Set(first.map((made) => made.assigneeId))).toEqual(new Set(agents))
    const next = await autoAssignTickets([tickets[2]!.id], agents)
    const lastOfFirst = first.at(-1)!.assigneeId
    expect(next).toEqual([{ ticketId: tickets[2]!.id, assigneeId: agents.find((id) => id !== lastOfFirst) }])
    // Already assigned: nothing to do.
    expect(await autoAssignTickets([tickets[0]!.id], agents)).toEqual([])
    expect(await autoAssignTickets([tickets[0]!.id], [])).toEqual([])
  })
})

describe('SLA clocks move with the actions (the SLA engine, app/models/sla)', () => {
  test('created starts first response and resolution; a public reply meets first response; pending pauses; the summary shows it', async () => {
    await prisma.slaPolicy.create({
      data: { name: 'Everything', priority: null, tag: null, firstResponseMinutes: 60, nextResponseMinutes: 120, resolutionMinutes: 24 * 60, calendar: ALWAYS_OPEN as object, position: 0 },
    })
    const at = new Date()
    const created = await createTicketFromUi({ requesterEmail: `sla-${Date.now()}@example.com`, requesterName: 'Sla Person', subject: 'Clock', body: 'tick', priority: 'normal', channel: 'phone', tags: [] }, { actor: sam, now: at })
    let summary = (await getTicketSlaSummary([created.id], at)).get(created.id)!
    expect(summary).toMatchObject({ metric: 'first_response', paused: false, breached: false })
    expect(summary.dueAt!.getTime()).toBe(at.getTime() + 60 * 60_000)

    const later = new Date(at.getTime() + 5 * 60_000)
    await replyToTicket(created.id, { kind: 'public_reply', body: 'Hello', setStatus: 'pending', lastSeenMessageId: await lastMessageId(created.id) }, { actor: sam, now: later })
    const clocks = await prisma.appliedSla.findMany({ where: { ticketId: created.id }, select: { metric: true, satisfiedAt: true, pausedAt: true } })
    expect(clocks.find((clock) => clock.metric === 'first_response')?.satisfiedAt).toEqual(later)
    expect(clocks.find((clock) => clock.metric === 'resolution')?.pausedAt).toEqual(later)
    summary = (await getTicketSlaSummary([created.id], later)).get(created.id)!
    expect(summary).toMatchObject({ paused: true, dueAt: null })
  })
})
