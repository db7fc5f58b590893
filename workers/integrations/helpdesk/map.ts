import type { HelpdeskMessageInput } from '#app/models/ticket.server.ts'
import type { HelpdeskMessage } from './schemas.ts'

export function toMessageInput(message: HelpdeskMessage): HelpdeskMessageInput {
  return {
    externalId: message.id,
    threadId: message.thread_id,
    fromEmail: message.from.email,
    fromName: message.from.name.trim(),
    subject: message.subject.trim(),
    body: message.body,
    orderNumber: message.order_number,
    attachments: message.attachments.map((file) => ({ name: file.name, contentType: file.content_type, size: file.size, url: file.url })),
    receivedAt: new Date(message.received_at),
  }
}

/** Mail clients thread on the subject too: a reply keeps it, with one "Re: ". */
export function replySubject(subject: string) {
  // A subject that already carries a reply token ("… [OD-…]") is answered without it; the caller adds the current one.
  const trimmed = subject.replace(/\s*\[OD-[a-f0-9]{12}\]/gi, '').trim() || '(no subject)'
  return /^re:/i.test(trimmed) ? trimmed : `Re: ${trimmed}`
}
