import type { TicketStatus } from '#app/generated/prisma/enums.ts'
import type { Db, Prisma } from '#app/utils/db.server.ts'
import type { ApplyOutcome } from './payment.server.ts'

/**
 * Support tickets fed by the helpdesk mailbox: one ticket per mail thread (Ticket.source 'helpdesk', externalId =
 * the thread id), one TicketMessage per inbound mail (externalId = the message id).
 */

export const HELPDESK_SOURCE = 'helpdesk'

/** One inbound customer mail in OpsDeck's terms (the helpdesk connector maps the provider's JSON to this). */
export type HelpdeskMessageInput = {
  externalId: string
  threadId: string
  fromEmail: string
  fromName: string
  subject: string
  body: string
  /** An order number the mail mentions ("#100234"), linked when OpsDeck has that order. */
  orderNumber: string | null
  receivedAt: Date
}

export type ImportMessageResult = {
  /** created: a new ticket; updated: a message added to an existing ticket; unchanged: the message was already in. */
  outcome: ApplyOutcome
  ticketId: string
  customerId: string
  orderId: string | null
  ticketMessageId: string
  reopened: boolean
}

/** Statuses a new customer mail brings back to an agent's queue. */
const REOPEN_ON_CUSTOMER_MAIL: TicketStatus[] = ['pending', 'solved', 'closed']

/**
 * Imports one inbound mail: the requester (an existing customer with that email, else a new one), the thread's
 * ticket (new thread → new ticket, linked to the order it mentions), the message (once: importing it again is a
 * no-op), the ticket's lastMessageAt, and reopens a pending/solved/closed ticket when the mail is newer than that
 * state. Call inside a transaction.
 */
export async function importHelpdeskMessage(tx: Prisma.TransactionClient, input: HelpdeskMessageInput): Promise<ImportMessageResult> {
  const email = input.fromEmail.trim().toLowerCase()
  // Email is not unique on Customer (storefront guests), so two first mails from one address arriving at once would
  // each create a customer: serialise on the address for the rest of this transaction.
  await tx.$queryRaw`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`customer-email:${email}`}, 0))`
  const customer =
    (await tx.customer.findFirst({ where: { email }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, name: true } })) ??
    (await tx.customer.create({ data: { email, name: input.fromName || email, source: HELPDESK_SOURCE }, select: { id: true, name: true } }))
  const order = input.orderNumber
    ? await tx.order.findUnique({ where: { number: input.orderNumber }, select: { id: true } })
    : null

  const created = await tx.ticket.createMany({
    data: [
      {
        subject: input.subject || '(no subject)',
        status: 'new',
        channel: 'email',
        requesterId: customer.id,
        requesterEmail: email,
        requesterName: input.fromName || customer.name,
        orderId: order?.id ?? null,
        lastMessageAt: input.receivedAt,
        source: HELPDESK_SOURCE,
        externalId: input.threadId,
        createdAt: input.receivedAt,
      },
    ],
    skipDuplicates: true,
  })
  // Locked until the transaction ends: a second copy of this mail (webhook and pull at once) waits here and then
  // finds the message, so the code-level uniqueness check below holds (TicketMessage.externalId has no unique index).
  const [ticket] = await tx.$queryRaw<
    { id: string; status: TicketStatus; orderId: string | null; lastMessageAt: Date | null; solvedAt: Date | null; closedAt: Date | null; updatedAt: Date }[]
  >`
    select id, status, "orderId", "lastMessageAt", "solvedAt", "closedAt", "updatedAt" from "Ticket"
    where source = ${HELPDESK_SOURCE} and "externalId" = ${input.threadId} for update`
  if (!ticket) throw new Error(`helpdesk ticket for thread ${input.threadId} vanished during the import`)

  const existing = await tx.ticketMessage.findFirst({ where: { ticketId: ticket.id, externalId: input.externalId }, select: { id: true } })
  if (existing) {
    return { outcome: 'unchanged', ticketId: ticket.id, customerId: customer.id, orderId: ticket.orderId, ticketMessageId: existing.id, reopened: false }
  }
  const message = await tx.ticketMessage.create({
    data: {
      ticketId: ticket.id,
      kind: 'public_reply',
      fromCustomer: true,
      body: input.body,
      externalId: input.externalId,
      createdAt: input.receivedAt,
    },
    select: { id: true },
  })

  const isNew = created.count === 1
  // A mail sent before the ticket was last solved/closed (a late copy found by reconciliation) does not reopen it.
  const stateSince = ticket.closedAt ?? ticket.solvedAt ?? ticket.updatedAt
  const reopen = !isNew && REOPEN_ON_CUSTOMER_MAIL.includes(ticket.status) && input.receivedAt.getTime() > stateSince.getTime()
  const orderId = ticket.orderId ?? order?.id ?? null
  if (!isNew) {
    await tx.ticket.update({
      where: { id: ticket.id },
      data: {
        lastMessageAt: ticket.lastMessageAt && ticket.lastMessageAt > input.receivedAt ? ticket.lastMessageAt : input.receivedAt,
        orderId,
        // The helpdesk keeps one thread per conversation, so a mail on a closed thread reopens it rather than
        // starting a follow-up ticket (there is no second thread id to give one).
        ...(reopen ? { status: 'open' as const, solvedAt: null, closedAt: null } : {}),
        version: { increment: 1 },
      },
      select: { id: true },
    })
  }
  return { outcome: isNew ? 'created' : 'updated', ticketId: ticket.id, customerId: customer.id, orderId, ticketMessageId: message.id, reopened: reopen }
}

/** What sending an agent's reply through the helpdesk needs. */
export async function getTicketMessageForReply(db: Db, ticketMessageId: string) {
  return db.ticketMessage.findUnique({
    where: { id: ticketMessageId },
    select: {
      id: true,
      kind: true,
      fromCustomer: true,
      body: true,
      externalId: true,
      ticket: { select: { id: true, number: true, subject: true, source: true, externalId: true, requesterEmail: true, requesterId: true } },
    },
  })
}

/** The helpdesk sent the reply: keep its id on the message (idempotent). */
export async function recordHelpdeskReply(db: Db, input: { ticketMessageId: string; externalId: string }) {
  await db.ticketMessage.updateMany({ where: { id: input.ticketMessageId, externalId: null }, data: { externalId: input.externalId } })
}
