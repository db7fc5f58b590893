import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { setTicketStatus } from '#app/models/ticket-actions.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder, createTicket } from '#test/factories/index.ts'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'
import { startConnectorEngine } from '#test/helpers/connector-harness.ts'
import { helpdeskConnector } from './index.ts'
import { MessageSchema } from './schemas.ts'

let sandbox: TestSandbox
let engine: Awaited<ReturnType<typeof startConnectorEngine>>

type SandboxMessage = Awaited<ReturnType<TestSandbox['control']['createMessages']>>[number]

beforeAll(async () => {
  sandbox = await startSandbox()
  engine = await startConnectorEngine(helpdeskConnector, sandbox)
})

afterAll(async () => {
  await closeQueues()
  await sandbox?.close()
})

const ticketOfThread = (threadId: string) =>
  prisma.ticket.findUniqueOrThrow({
    where: { source_externalId: { source: 'helpdesk', externalId: threadId } },
    include: { messages: { orderBy: { createdAt: 'asc' } }, requester: true },
  })

describe('helpdesk connector', () => {
  let aboutOrder: SandboxMessage
  let general: SandboxMessage[]
  let orderId: string

  test('probe is an authenticated list call', async () => {
    await expect(helpdeskConnector.probe(engine.client)).resolves.toBeUndefined()
  })

  test('a pull turns each new thread into a ticket with its requester, linked to the order it mentions', async () => {
    orderId = (await createOrder(prisma, { number: '#100234' })).order.id
    ;[aboutOrder] = await sandbox.control.createMessages({ order_number: '#100234' })
    general = await sandbox.control.createMessages({ count: 2, order_number: null })
    const job = await engine.pull('messages')
    expect(job).toMatchObject({ status: 'completed', attempt: 1 })
    expect(job.summary).toContain('3 seen, 3 created')

    const ticket = await ticketOfThread(aboutOrder!.thread_id)
    expect(ticket).toMatchObject({
      status: 'new',
      channel: 'email',
      orderId,
      requesterEmail: aboutOrder!.from.email.toLowerCase(),
      requesterName: aboutOrder!.from.name,
      subject: expect.stringContaining('#100234'),
    })
    expect(ticket.requester).toMatchObject({ email: aboutOrder!.from.email.toLowerCase(), source: 'helpdesk' })
    expect(ticket.messages).toMatchObject([{ externalId: aboutOrder!.id, fromCustomer: true, kind: 'public_reply', body: expect.stringContaining('#100234') }])
    for (const message of general) expect((await ticketOfThread(message.thread_id)).orderId).toBeNull()
    expect(await engine.links(job.jobId)).toEqual(
      expect.arrayContaining([
        { entityType: 'ticket', entityId: ticket.id },
        { entityType: 'customer', entityId: ticket.requesterId },
        { entityType: 'order', entityId: orderId },
      ]),
    )

    // The next pull re-sees the last message (inclusive cursor): nothing is imported twice.
    const again = await engine.pull('messages')
    expect(again.summary).toMatch(/0 created, 0 updated/)
    expect(await prisma.ticketMessage.count({ where: { ticket: { source: 'helpdesk' } } })).toBe(3)
  })

  test('a message.received already imported is ignored', async () => {
    const page = (await (await sandboxApi(sandbox).get('/helpdesk/messages', { limit: 200 })).json()) as { data: unknown[] }
    const list = page.data.map((item) => MessageSchema.parse(item))
    const stored = list.find((message) => message.id === general[0]!.id)!
    const job = await engine.webhook('message.received', stored)
    expect(job).toMatchObject({ status: 'completed', event: { status: 'ignored' } })
    expect((await ticketOfThread(stored.thread_id)).messages).toHaveLength(1)
  })

  test('a new customer mail on a solved thread reopens its ticket', async () => {
    const thread = general[1]!
    const ticket = await ticketOfThread(thread.thread_id)
    await prisma.ticket.update({ where: { id: ticket.id }, data: { status: 'solved', solvedAt: new Date(Date.now() - 60_000) } })
    const now = new Date().toISOString()
    const followUp = {
      id: `msg_followup_${thread.id}`,
      thread_id: thread.thread_id,
      from: thread.from,
      subject: `Re: ${ticket.subject}`,
      body: 'Sorry, one more question.',
      order_number: null,
      received_at: now,
      updated_at: now,
    }
    const job = await engine.webhook('message.received', followUp)
    expect(job.event.status).toBe('processed')
    const after = await ticketOfThread(thread.thread_id)
    expect(after).toMatchObject({ status: 'open', solvedAt: null, lastMessageAt: new Date(now) })
    expect(after.messages.map((message) => message.externalId)).toEqual([thread.id, followUp.id])
  })

  test("reply mails the agent's answer once on the thread, even when the effect runs again", async () => {
    const ticket = await ticketOfThread(aboutOrder.thread_id)
    const reply = await prisma.ticketMessage.create({
      data: { ticketId: ticket.id, kind: 'public_reply', fromCustomer: false, body: 'It left our warehouse today.' },
    })
    const key = `reply-${reply.id}`
    const job = await engine.effect('helpdesk.reply', { ticketMessageId: reply.id }, key)
    expect(job).toMatchObject({ status: 'completed', outbox: { status: 'sent' } })
    const sent = await prisma.ticketMessage.findUniqueOrThrow({ where: { id: reply.id } })
    expect(sent.externalId).toMatch(/^rpl_/)

    // The answer was lost before it was stored: the job runs again with the same key and body.
    await prisma.ticketMessage.update({ where: { id: reply.id }, data: { externalId: null } })
    await engine.rerunEffect('helpdesk.reply', { ticketMessageId: reply.id }, key)
    expect((await prisma.ticketMessage.findUniqueOrThrow({ where: { id: reply.id } })).externalId).toBe(sent.externalId)
    const { effects, duplicates } = await sandbox.control.effects({ provider: 'helpdesk', kind: 'reply' })
    expect(effects.filter((effect) => effect.reference === reply.id)).toEqual([expect.objectContaining({ idempotencyKey: key })])
    expect(duplicates).toEqual([])
  })

  test("a thread the helpdesk does not know (404) fails for good with the helpdesk's message", async () => {
    const { ticket } = await createTicket(prisma, { status: 'open' })
    await prisma.ticket.update({ where: { id: ticket.id }, data: { source: 'helpdesk', externalId: 'thr_unknown' } })
    const reply = await prisma.ticketMessage.create({ data: { ticketId: ticket.id, kind: 'public_reply', fromCustomer: false, body: 'Hello' } })
    const job = await engine.effect('helpdesk.reply', { ticketMessageId: reply.id }, `reply-${reply.id}`)
    expect(job).toMatchObject({ status: 'failed', attempt: 1, outbox: { status: 'failed' } })
    expect(job.error).toMatch(/POST \/helpdesk\/replies → 404 not_found: no thread thr_unknown/)
  })

  test('an internal note is never mailed', async () => {
    const ticket = await ticketOfThread(aboutOrder.thread_id)
    const note = await prisma.ticketMessage.create({ data: { ticketId: ticket.id, kind: 'internal_note', fromCustomer: false, body: 'VIP, be nice' } })
    const before = (await sandbox.control.requests('helpdesk')).length
    const job = await engine.effect('helpdesk.reply', { ticketMessageId: note.id }, `reply-${note.id}`)
    expect(job).toMatchObject({ status: 'failed', attempt: 1 })
    expect(job.error).toMatch(/is an internal note; only agent replies are sent/)
    expect((await sandbox.control.requests('helpdesk')).length).toBe(before)
  })

  test('after a solve the survey goes out on the thread; the customer answers it in the sandbox mailbox and the rating lands on the ticket', async () => {
    const [mailIn] = await sandbox.control.createMessages({ order_number: null })
    await engine.pull('messages')
    const ticket = await ticketOfThread(mailIn!.thread_id)
    const agent = await prisma.user.create({ data: { email: `csat-${ticket.id}@opsdeck.test`, name: 'Csat Agent', role: 'support', passwordHash: 'x' } })
    await setTicketStatus(ticket.id, 'solved', undefined, { actor: { id: agent.id, role: 'support' } })
    const survey = await prisma.ticketMessage.findFirstOrThrow({ where: { ticketId: ticket.id, authorId: null, fromCustomer: false } })
    const job = await engine.effect('helpdesk.reply', { ticketMessageId: survey.id }, `helpdesk-reply-${survey.id}`)
    expect(job).toMatchObject({ status: 'completed' })
    // The mail carried the reply token in its subject.
    const { effects } = await sandbox.control.effects({ provider: 'helpdesk', kind: 'reply' })
    expect(effects.filter((effect) => effect.reference === survey.id)).toHaveLength(1)
    // The sandbox's customer answers shortly after; the next pull brings the rating in without reopening the ticket.
    await expect
      .poll(async () => {
        await engine.pull('messages')
        return (await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })).csatRating
      }, { timeout: 15_000, interval: 300 })
      .toEqual(expect.any(Number))
    const after = await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })
    expect(after).toMatchObject({ status: 'solved', csatAt: expect.any(Date) })
    expect(after.csatRating).toBeGreaterThanOrEqual(1)
    expect(after.csatRating).toBeLessThanOrEqual(5)
  })
})
