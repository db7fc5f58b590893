import { importHelpdeskMessage, type ImportMessageResult } from '#app/models/ticket.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { defineResource, type JobContext, type PullPage, type WebhookHandler } from '../shared/connector.ts'
import { MESSAGES_LIST_PATH } from './client.ts'
import { toMessageInput } from './map.ts'
import { MessageSchema, type HelpdeskMessage } from './schemas.ts'

/** A page of 100 messages is several hundred statements; Prisma's 5 s default is too tight on a busy database. */
const PAGE_TRANSACTION_TIMEOUT_MS = 30_000

/**
 * Imports helpdesk messages in ONE transaction, sorted by thread so concurrent pages lock tickets in the same order,
 * then by receipt time so a thread's messages arrive in the order they were written.
 */
export async function importMessages(messages: HelpdeskMessage[], ctx: JobContext): Promise<PullPage> {
  const sorted = [...messages].sort(
    (a, b) => a.thread_id.localeCompare(b.thread_id) || a.received_at.localeCompare(b.received_at) || a.id.localeCompare(b.id),
  )
  const results = await prisma.$transaction(
    async (tx) => {
      const out: ImportMessageResult[] = []
      for (const message of sorted) out.push(await importHelpdeskMessage(tx, toMessageInput(message)))
      return out
    },
    { timeout: PAGE_TRANSACTION_TIMEOUT_MS },
  )

  const page: PullPage = { seen: messages.length, created: 0, updated: 0, skipped: 0 }
  let reopened = 0
  for (const result of results) {
    if (result.outcome === 'created') page.created++
    else if (result.outcome === 'updated') page.updated++
    else page.skipped++
    if (result.reopened) reopened++
    if (result.outcome === 'created' || result.outcome === 'updated') {
      ctx.link('ticket', result.ticketId)
      ctx.link('customer', result.customerId)
      if (result.orderId) ctx.link('order', result.orderId)
    }
  }
  ctx.summarize(
    `${messages.length} message(s): ${page.created} new ticket(s), ${page.updated} added to tickets` +
      `${reopened > 0 ? ` (${reopened} reopened)` : ''}, ${page.skipped} already imported`,
  )
  return page
}

export const messagesResource = defineResource({
  listPath: MESSAGES_LIST_PATH,
  itemSchema: MessageSchema,
  applyPage: importMessages,
})

/** message.received: the data is the message, imported like a pulled one; already imported → ignored. */
export const onMessageReceived: WebhookHandler = async (data, _event, ctx) => {
  const page = await importMessages([MessageSchema.parse(data)], ctx)
  return page.created + page.updated > 0 ? 'processed' : 'ignored'
}
