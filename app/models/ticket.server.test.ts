import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createCustomer, createOrder, uniqueSuffix } from '#test/factories/index.ts'
import { importHelpdeskMessage, recordHelpdeskReply, type HelpdeskMessageInput } from './ticket.server.ts'

const t0 = new Date('2026-11-25T10:00:00.000Z')
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000)

function mail(overrides: Partial<HelpdeskMessageInput> = {}): HelpdeskMessageInput {
  const id = uniqueSuffix()
  return {
    externalId: `msg_${id}`,
    threadId: `thr_${id}`,
    fromEmail: `Someone-${id}@Example.com`,
    fromName: 'Sam Someone',
    subject: 'Where is my parcel?',
    body: 'It has been a week.',
    orderNumber: null,
    receivedAt: at(0),
    ...overrides,
  }
}

const importMail = (input: HelpdeskMessageInput) => prisma.$transaction((tx) => importHelpdeskMessage(tx, input))

describe('importHelpdeskMessage', () => {
  test('a new thread becomes a new ticket with a new requester, linked to the order it mentions', async () => {
    const { order } = await createOrder(prisma)
    const input = mail({ orderNumber: order.number })
    const result = await importMail(input)
    expect(result).toMatchObject({ outcome: 'created', orderId: order.id, reopened: false })
    const ticket = await prisma.ticket.findUniqueOrThrow({ where: { id: result.ticketId }, include: { messages: true, requester: true } })
    expect(ticket).toMatchObject({
      source: 'helpdesk',
      externalId: input.threadId,
      status: 'new',
      subject: 'Where is my parcel?',
      requesterEmail: input.fromEmail.toLowerCase(),
      orderId: order.id,
      lastMessageAt: at(0),
    })
    expect(ticket.requester).toMatchObject({ email: input.fromEmail.toLowerCase(), name: 'Sam Someone', source: 'helpdesk' })
    expect(ticket.messages).toMatchObject([{ externalId: input.externalId, fromCustomer: true, kind: 'public_reply', body: 'It has been a week.', createdAt: at(0) }])
  })

  test('an existing customer with that email is the requester; an unknown order number links nothing', async () => {
    const customer = await createCustomer(prisma)
    const result = await importMail(mail({ fromEmail: customer.email.toUpperCase(), orderNumber: '#100999-none' }))
    expect(result).toMatchObject({ customerId: customer.id, orderId: null })
  })

  test('the same message twice is stored once; a second message of the thread joins the ticket', async () => {
    const first = mail()
    const [a, b] = await Promise.all([importMail(first), importMail(first)])
    expect([a.outcome, b.outcome].sort()).toEqual(['created', 'unchanged'])
    const second = await importMail({ ...first, externalId: `msg_${uniqueSuffix()}`, receivedAt: at(30), body: 'Any news?' })
    expect(second).toMatchObject({ outcome: 'updated', ticketId: a.ticketId })
    expect(await prisma.ticketMessage.count({ where: { ticketId: a.ticketId } })).toBe(2)
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: a.ticketId } })).toMatchObject({ lastMessageAt: at(30) })
    expect(await prisma.customer.count({ where: { email: first.fromEmail.toLowerCase() } })).toBe(1)
  })

  test('a new customer message reopens a solved ticket; a late copy of an older one does not', async () => {
    const first = mail({ receivedAt: at(0) })
    const { ticketId } = await importMail(first)
    await prisma.ticket.update({ where: { id: ticketId }, data: { status: 'solved', solvedAt: at(60) } })

    const late = await importMail({ ...first, externalId: `msg_${uniqueSuffix()}`, receivedAt: at(30) })
    expect(late.reopened).toBe(false)
    expect((await prisma.ticket.findUniqueOrThrow({ where: { id: ticketId } })).status).toBe('solved')

    const fresh = await importMail({ ...first, externalId: `msg_${uniqueSuffix()}`, receivedAt: at(120) })
    expect(fresh.reopened).toBe(true)
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: ticketId } })).toMatchObject({ status: 'open', solvedAt: null, lastMessageAt: at(120) })
  })

  test('recordHelpdeskReply keeps the first provider id', async () => {
    const { ticketId } = await importMail(mail())
    const reply = await prisma.ticketMessage.create({ data: { ticketId, kind: 'public_reply', body: 'On its way', fromCustomer: false } })
    await recordHelpdeskReply(prisma, { ticketMessageId: reply.id, externalId: 'rpl_1' })
    await recordHelpdeskReply(prisma, { ticketMessageId: reply.id, externalId: 'rpl_2' })
    expect((await prisma.ticketMessage.findUniqueOrThrow({ where: { id: reply.id } })).externalId).toBe('rpl_1')
  })
})
