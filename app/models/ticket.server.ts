import type { TicketStatus } from '#app/generated/prisma/enums.ts'
import { Prisma } from '#app/generated/prisma/client.ts'
import type { Db } from '#app/utils/db.server.ts'
import { recordTicketSlaEvent } from './sla/ticket-sla.server.ts'
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
  /** Attachment metadata (the files stay in the mailbox): stored on the message as [{ name, contentType, size, url }]. */
  attachments?: { name: string; contentType: string | null; size: number | null; url: string | null }[]
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
  /** The mail answered the satisfaction survey with this rating (stored on the ticket). */
  csatRating: number | null
}

/**
 * The customer behind an email address: the oldest Customer with it (lower-cased), else a new one. Email is not
 * unique on Customer (storefront guests), so two first mails from one address arriving at once would each create a
 * customer: creation is serialised on the address for the rest of the caller's transaction.
 */
export async function findOrCreateRequester(tx: Prisma.TransactionClient, input: { email: string; name: string; source: string }) {
  const email = input.email.trim().toLowerCase()
  await tx.$queryRaw`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`customer-email:${email}`}, 0))`
  const customer =
    (await tx.customer.findFirst({ where: { email }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true, name: true } })) ??
    (await tx.customer.create({ data: { email, name: input.name || email, source: input.source }, select: { id: true, name: true } }))
  return { ...customer, email }
}

/** `[OD-<replyToken>]`: carried by every mail OpsDeck sends on a ticket (subject and body). */
export const replyTokenTag = (token: string) => `[OD-${token}]`
const REPLY_TOKEN_PATTERN = /\[OD-([a-f0-9]{12})\]/i

/** "Re: Fwd: Where is my order?" → "where is my order?" (for sender + subject threading). */
export function normalizeSubject(subject: string) {
  return subject
    .replace(REPLY_TOKEN_PATTERN, '')
    .replace(/^\s*((re|fw|fwd|aw|sv)\s*:\s*)+/i, '')
    .trim()
    .toLowerCase()
}

/** An order number a mail mentions ("#100234"), when the helpdesk did not extract one. */
export function extractOrderNumber(text: string): string | null {
  return /(?:^|[^\w#])(#\d{4,9})\b/.exec(text)?.[1] ?? null
}

/** Sender + subject threading looks back this far (a new mail with an old subject after that is a new ticket). */
const SUBJECT_THREAD_DAYS = 30

/**
 * The ticket a mail on an unknown thread belongs to: the one whose reply token it carries (from the same address:
 * a token alone must not let a stranger write into someone else's ticket), else the newest not-closed ticket from
 * the same address with the same subject (ignoring "Re:"/"Fwd:") active in the last SUBJECT_THREAD_DAYS days.
 */
export async function findThreadTicket(tx: Prisma.TransactionClient, input: { email: string; subject: string; body: string; receivedAt: Date }) {
  const token = REPLY_TOKEN_PATTERN.exec(input.subject)?.[1] ?? REPLY_TOKEN_PATTERN.exec(input.body)?.[1]
  if (token) {
    const byToken = await tx.ticket.findFirst({ where: { replyToken: token.toLowerCase(), requesterEmail: input.email }, select: { id: true } })
    if (byToken) return { id: byToken.id, matchedBy: 'token' as const }
  }
  const subject = normalizeSubject(input.subject)
  if (!subject || subject === '(no subject)') return null
  const since = new Date(input.receivedAt.getTime() - SUBJECT_THREAD_DAYS * 24 * 3600_000)
  const candidates = await tx.ticket.findMany({
    where: { requesterEmail: input.email, status: { not: 'closed' }, OR: [{ lastMessageAt: { gte: since } }, { createdAt: { gte: since } }] },
    orderBy: [{ createdAt: 'desc' }],
    take: 20,
    select: { id: true, subject: true },
  })
  const match = candidates.find((ticket) => normalizeSubject(ticket.subject) === subject)
  return match ? { id: match.id, matchedBy: 'subject' as const } : null
}

/** The satisfaction survey mailed after a solve; the marker lets the mailbox (and the sandbox's customers) answer. */
export function csatSurveyBody(ticket: { number: number; requesterName: string }) {
  return [
    `Hi ${ticket.requesterName.split(' ')[0] || 'there'}, your request #${ticket.number} has been solved.`,
    'How would you rate our support? Reply with a number from 1 (poor) to 5 (excellent).',
    CSAT_MARKER,
  ].join('\n\n')
}
export const CSAT_MARKER = '[csat-survey]'
export const isCsatSurvey = (body: string) => body.includes(CSAT_MARKER)

/** A customer's answer to the survey: its first line starts with a rating ("5", "4 - quick and kind", "3/5"). */
export function parseCsatRating(body: string): number | null {
  const first = body.trim().split('\n')[0] ?? ''
  const match = /^\s*([1-5])(\s*\/\s*5)?(\s|[-–—.!,:]|$)/.exec(first)
  return match ? Number(match[1]) : null
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
  const customer = await findOrCreateRequester(tx, { email: input.fromEmail, name: input.fromName, source: HELPDESK_SOURCE })
  const email = customer.email
  const orderNumber = input.orderNumber ?? extractOrderNumber(`${input.subject}\n${input.body}`)
  const order = orderNumber ? await tx.order.findUnique({ where: { number: orderNumber }, select: { id: true } }) : null

  // Locked until the transaction ends: a second copy of this mail (webhook and pull at once) waits here and then
  // finds the message, so the code-level uniqueness check below holds (TicketMessage.externalId has no unique index).
  const lockBy = (where: Prisma.Sql) => tx.$queryRaw<
    { id: string; status: TicketStatus; orderId: string | null; lastMessageAt: Date | null; solvedAt: Date | null; closedAt: Date | null; updatedAt: Date }[]
  >`select id, status, "orderId", "lastMessageAt", "solvedAt", "closedAt", "updatedAt" from "Ticket" where ${where} for update`
  const byThread = Prisma.sql`source = ${HELPDESK_SOURCE} and "externalId" = ${input.threadId}`
  let [ticket] = await lockBy(byThread)
  let isNew = false
  if (!ticket) {
    // A mail on a thread OpsDeck has not seen: a customer answering one of our mails from a new thread carries the
    // reply token, or writes again with the same subject.
    const thread = await findThreadTicket(tx, { email, subject: input.subject, body: input.body, receivedAt: input.receivedAt })
    if (thread) [ticket] = await lockBy(Prisma.sql`id = ${thread.id}`)
  }
  if (!ticket) {
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
    isNew = created.count === 1
    ;[ticket] = await lockBy(byThread)
  }
  if (!ticket) throw new Error(`helpdesk ticket for thread ${input.threadId} vanished during the import`)

  const existing = await tx.ticketMessage.findFirst({ where: { ticketId: ticket.id, externalId: input.externalId }, select: { id: true } })
  if (existing) {
    return { outcome: 'unchanged', ticketId: ticket.id, customerId: customer.id, orderId: ticket.orderId, ticketMessageId: existing.id, reopened: false, csatRating: null }
  }
  const message = await tx.ticketMessage.create({
    data: {
      ticketId: ticket.id,
      kind: 'public_reply',
      fromCustomer: true,
      body: input.body,
      attachments: input.attachments ?? [],
      externalId: input.externalId,
      createdAt: input.receivedAt,
    },
    select: { id: true },
  })

  // A mail sent before the ticket was last solved/closed (a late copy found by reconciliation) does not reopen it.
  const stateSince = ticket.closedAt ?? ticket.solvedAt ?? ticket.updatedAt
  const newerThanState = input.receivedAt.getTime() > stateSince.getTime()
  // The answer to the satisfaction survey rates the solved ticket instead of reopening it.
  const csatRating = !isNew && (ticket.status === 'solved' || ticket.status === 'closed') ? parseCsatRating(input.body) : null
  const reopen = !isNew && csatRating === null && REOPEN_ON_CUSTOMER_MAIL.includes(ticket.status) && newerThanState
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
        ...(csatRating !== null ? { csatRating, csatAt: input.receivedAt } : {}),
        version: { increment: 1 },
      },
      select: { id: true },
    })
  }
  // SLA: a new ticket starts its clocks; a customer message (re)starts next response and applies the status it left.
  await recordTicketSlaEvent(tx, { ticketId: ticket.id, kind: isNew ? 'created' : 'customer_message', at: input.receivedAt })
  return { outcome: isNew ? 'created' : 'updated', ticketId: ticket.id, customerId: customer.id, orderId, ticketMessageId: message.id, reopened: reopen, csatRating }
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
      ticket: { select: { id: true, number: true, subject: true, source: true, externalId: true, requesterEmail: true, requesterId: true, replyToken: true } },
    },
  })
}

/** The helpdesk sent the reply: keep its id on the message (idempotent). */
export async function recordHelpdeskReply(db: Db, input: { ticketMessageId: string; externalId: string }) {
  await db.ticketMessage.updateMany({ where: { id: input.ticketMessageId, externalId: null }, data: { externalId: input.externalId } })
}
