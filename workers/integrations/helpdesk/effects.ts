import { UnrecoverableError } from 'bullmq'
import { getTicketMessageForReply, HELPDESK_SOURCE, recordHelpdeskReply, replyTokenTag } from '#app/models/ticket.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { EffectHandler } from '../shared/connector.ts'
import { sendReply } from './client.ts'
import { replySubject } from './map.ts'
import { ReplyPayloadSchema } from './schemas.ts'

/**
 * helpdesk.reply { ticketMessageId }: mails an agent's public reply (or OpsDeck's satisfaction survey) on the ticket's helpdesk thread and keeps the
 * helpdesk's reply id on the message. The body comes from the stored message, so a retry sends the same body and
 * the helpdesk replays its first answer instead of mailing the customer twice.
 */
export const reply: EffectHandler = async (payload, ctx) => {
  const { ticketMessageId } = ReplyPayloadSchema.parse(payload)
  const message = await getTicketMessageForReply(prisma, ticketMessageId)
  if (!message) throw new UnrecoverableError(`ticket message ${ticketMessageId} not found`)
  const { ticket } = message
  ctx.link('ticket', ticket.id)
  if (ticket.requesterId) ctx.link('customer', ticket.requesterId)
  // Never mail an internal note, or the customer's own words back to them. (A survey has no author: OpsDeck wrote it.)
  if (message.kind !== 'public_reply' || message.fromCustomer) {
    throw new UnrecoverableError(`ticket message ${message.id} is ${message.fromCustomer ? "the customer's" : 'an internal note'}; only agent replies are sent`)
  }
  if (ticket.source !== HELPDESK_SOURCE || !ticket.externalId) {
    throw new UnrecoverableError(`ticket #${ticket.number} did not come from the helpdesk (no thread to reply on)`)
  }
  if (message.externalId) {
    ctx.summarize(`reply ${message.id} already sent (${message.externalId})`)
    return
  }
  const sent = await sendReply(
    ctx.client,
    // The ticket's reply token rides in the subject and the body, so an answer from a new thread still finds
    // its ticket (app/models/ticket.server.ts findThreadTicket).
    {
      thread_id: ticket.externalId,
      to: ticket.requesterEmail,
      subject: `${replySubject(ticket.subject)} ${replyTokenTag(ticket.replyToken)}`,
      body: `${message.body}\n\n${replyTokenTag(ticket.replyToken)}`,
      reference: message.id,
    },
    ctx.idempotencyKey,
  )
  await recordHelpdeskReply(prisma, { ticketMessageId: message.id, externalId: sent.id })
  ctx.summarize(`reply on ticket #${ticket.number} sent to ${ticket.requesterEmail} (${sent.id})`)
}
