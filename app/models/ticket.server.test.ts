import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createCustomer, createOrder, uniqueSuffix } from '#test/factories/index.ts'
import { importHelpdeskMessage, normalizeSubject, parseCsatRating, recordHelpdeskReply, type HelpdeskMessageInput } from './ticket.server.ts'

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

describe('threading a mail on an unknown thread, and CSAT answers', () => {
  test('a mail carrying the ticket reply token from its requester threads into that ticket; from a stranger it does not', async () => {
    const first = await importMail(mail({ subject: 'Broken zip on my jacket' }))
    const ticket = await prisma.ticket.findUniqueOrThrow({ where: { id: first.ticketId }, select: { replyToken: true, requesterEmail: true } })
    expect(ticket.replyToken).toMatch(/^[a-f0-9]{12}$/)
    const answer = await importMail(mail({ fromEmail: ticket.requesterEmail, subject: `Re: something else [OD-${ticket.replyToken}]`, receivedAt: at(5) }))
    expect(answer).toMatchObject({ outcome: 'updated', ticketId: first.ticketId })
    const stranger = await importMail(mail({ subject: `Hi [OD-${ticket.replyToken}]`, receivedAt: at(6) }))
    expect(stranger.outcome).toBe('created')
    expect(stranger.ticketId).not.toBe(first.ticketId)
  })

  test('same sender and subject (ignoring Re:/Fwd:) threads into their open ticket; a closed one or another subject does not', async () => {
    const email = `threads-${uniqueSuffix()}@example.com`
    const first = await importMail(mail({ fromEmail: email, subject: 'Refund for order' }))
    const again = await importMail(mail({ fromEmail: email, subject: 'RE: Fwd: refund for ORDER', receivedAt: at(10) }))
    expect(again).toMatchObject({ outcome: 'updated', ticketId: first.ticketId })
    const other = await importMail(mail({ fromEmail: email, subject: 'A different question', receivedAt: at(11) }))
    expect(other.ticketId).not.toBe(first.ticketId)
    await prisma.ticket.update({ where: { id: first.ticketId }, data: { status: 'closed', closedAt: at(12) } })
    const afterClose = await importMail(mail({ fromEmail: email, subject: 'Re: Refund for order', receivedAt: at(13) }))
    expect(afterClose.outcome).toBe('created')
  })

  test('an order number mentioned only in the body is linked', async () => {
    const { order } = await createOrder(prisma, { number: `#8${String(Date.now()).slice(-6)}` })
    const result = await importMail(mail({ body: `Hello, about my order ${order.number}, it is late.` }))
    expect(result.orderId).toBe(order.id)
  })

  test('an answer to the satisfaction survey on a solved ticket rates it and does not reopen it; other text reopens', async () => {
    const first = await importMail(mail())
    const ticket = await prisma.ticket.update({ where: { id: first.ticketId }, data: { status: 'solved', solvedAt: at(1) }, select: { externalId: true, requesterEmail: true } })
    const rated = await importMail(mail({ threadId: ticket.externalId!, fromEmail: ticket.requesterEmail, body: '4 - quick and kind\n\nSam', receivedAt: at(2) }))
    expect(rated).toMatchObject({ outcome: 'updated', csatRating: 4, reopened: false })
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: first.ticketId } })).toMatchObject({ status: 'solved', csatRating: 4, csatAt: at(2) })
    const more = await importMail(mail({ threadId: ticket.externalId!, fromEmail: ticket.requesterEmail, body: 'Actually, one more thing…', receivedAt: at(3) }))
    expect(more).toMatchObject({ reopened: true, csatRating: null })
  })

  test('parseCsatRating and normalizeSubject', () => {
    expect(['5', '3/5 ok', '2 - slow', '1.', ' 4\nthanks'].map(parseCsatRating)).toEqual([5, 3, 2, 1, 4])
    expect(['6', '10 out of 10', 'thanks 5', '', '0'].map(parseCsatRating)).toEqual([null, null, null, null, null])
    expect(normalizeSubject('Re: FW: Where is it? [OD-0123456789ab]')).toBe('where is it?')
  })
})

test('attachment metadata from the mailbox is kept on the message', async () => {
  const result = await importMail(mail({ attachments: [{ name: 'photo-1.jpg', contentType: 'image/jpeg', size: 123_456, url: 'https://helpdesk.example/a/photo-1.jpg' }] }))
  const message = await prisma.ticketMessage.findUniqueOrThrow({ where: { id: result.ticketMessageId } })
  expect(message.attachments).toEqual([{ name: 'photo-1.jpg', contentType: 'image/jpeg', size: 123_456, url: 'https://helpdesk.example/a/photo-1.jpg' }])
})
