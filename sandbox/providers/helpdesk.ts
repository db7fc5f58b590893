import { z } from 'zod'
import { HttpError, iso, listPage, newId } from '../http.ts'
import { StoredRecord } from '../state.ts'
import type { ProviderModule, SandboxContext } from './types.ts'

/**
 * The helpdesk mailbox: inbound customer messages (about a third mention an order: one the storefront created, or
 * one of OpsDeck's demo orders #100001–#101500) and outbound replies on a thread. A reply carrying OpsDeck's
 * satisfaction survey is answered by the customer shortly after, on the same thread, with a rating 1–5.
 */

export type Message = {
  id: string
  thread_id: string
  from: { email: string; name: string }
  subject: string
  body: string
  order_number: string | null
  /** Metadata of attached files (the damaged-item mails carry photos). */
  attachments?: { name: string; content_type: string | null; size: number | null; url: string | null }[]
  received_at: string
  updated_at: string
}
export type Reply = { id: string; thread_id: string; reference: string; sent_at: string }

const ReplySchema = z
  .object({
    thread_id: z.string().min(1).max(64),
    to: z.string().email('must be an email address'),
    subject: z.string().min(1).max(300),
    body: z.string().min(1).max(20_000),
    reference: z.string().min(1).max(255),
  })
  .strict()

const ABOUT_ORDER = [
  ['Where is my order {n}?', 'Hi, I ordered a while ago ({n}) and have not had a shipping update yet. Could you check?'],
  ['Wrong size in {n}', 'Hello, the item in order {n} is the wrong size. Can I swap it for a larger one?'],
  ['Cancel {n} please', 'Hi, please cancel order {n}, I ordered the wrong colour.'],
  ['Damaged item ({n})', 'One of the items in {n} arrived damaged. Photos attached. What are my options?'],
  ['Change address for {n}', 'Could you send order {n} to my work address instead? Thanks.'],
] as const
const GENERAL = [
  ['Question about sizing', 'Do your tops run small? I am usually a medium.'],
  ['Gift cards', 'Do you sell gift cards, and can they be used online?'],
  ['Delivery to Ireland', 'How long does delivery to Dublin usually take?'],
  ['Returns policy', 'How many days do I have to return something?'],
] as const

const SnapshotSchema = z.object({
  messages: z.array(StoredRecord),
  /** [thread id, replies] */
  threads: z.array(z.tuple([z.string(), z.array(z.object({ id: z.string() }).passthrough())])),
})

/**
 * OpsDeck's satisfaction survey carries this marker (app/models/ticket.server.ts CSAT_MARKER); the sandbox's customer
 * answers it on the thread with a rating, as a person would by replying "5".
 */
const CSAT_MARKER = '[csat-survey]'
/** How soon the simulated customer answers a survey (after the reply's own answer has gone back). */
const CSAT_ANSWER_DELAY_MS = 200
const CSAT_ANSWERS = ['5', '5 - quick and friendly, thank you', '4', '4 - sorted, thanks', '3', '2 - took a while', '1'] as const

export type HelpdeskProvider = ProviderModule & {
  messages: Map<string, Message>
  /** A new inbound message (webhook sent). `orderNumber`: force that order number; null: about no order. */
  receive(options?: { orderNumber?: string | null }): Message
}

export function createHelpdesk(ctx: SandboxContext, storefrontNumbers: () => string[]): HelpdeskProvider {
  const { faker } = ctx.world
  const messages = new Map<string, Message>()
  const threads = new Map<string, { replies: Reply[] }>()

  function pickOrderNumber(): string | null {
    if (faker.number.float() >= 1 / 3) return null
    const ours = storefrontNumbers()
    if (ours.length > 0 && faker.number.float() < 0.6) return faker.helpers.arrayElement(ours)
    return `#${faker.number.int({ min: 100_001, max: 101_500 })}`
  }

  /** The customer answers OpsDeck's survey on the same thread (webhook sent), keeping the subject's reply token. */
  function answerSurvey(threadId: string, subject: string) {
    const first = [...messages.values()].find((message) => message.thread_id === threadId)
    if (!first) return
    const at = iso(ctx.now())
    const answer = faker.helpers.weightedArrayElement(CSAT_ANSWERS.map((value, index) => ({ value, weight: [5, 3, 3, 2, 1, 1, 1][index]! })))
    const message: Message = {
      id: newId('msg'),
      thread_id: threadId,
      from: first.from,
      subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`,
      body: `${answer}\n\n${first.from.name}`,
      order_number: null,
      received_at: at,
      updated_at: at,
    }
    messages.set(message.id, message)
    ctx.emit('helpdesk', 'message.received', message)
  }

  return {
    name: 'helpdesk',
    messages,
    snapshot: () => ({ messages: [...messages.values()], threads: [...threads].map(([id, thread]) => [id, thread.replies]) }),
    restore(data) {
      const snapshot = SnapshotSchema.parse(data)
      messages.clear()
      for (const message of snapshot.messages as Message[]) messages.set(message.id, message)
      threads.clear()
      for (const [id, replies] of snapshot.threads) threads.set(id, { replies: replies as Reply[] })
    },
    receive(options = {}) {
      const orderNumber = options.orderNumber !== undefined ? options.orderNumber : pickOrderNumber()
      const customer = faker.helpers.arrayElement(ctx.world.customers)
      const [subject, body] = orderNumber ? faker.helpers.arrayElement(ABOUT_ORDER) : faker.helpers.arrayElement(GENERAL)
      const at = iso(ctx.now())
      const threadId = newId('thr')
      const message: Message = {
        id: newId('msg'),
        thread_id: threadId,
        from: { email: customer.email, name: customer.name },
        subject: subject.replaceAll('{n}', orderNumber ?? ''),
        body: `${body.replaceAll('{n}', orderNumber ?? '')}\n\n${customer.name}`,
        order_number: orderNumber,
        ...(body.includes('Photos attached')
          ? {
              attachments: [1, 2].map((n) => ({
                name: `photo-${n}.jpg`,
                content_type: 'image/jpeg',
                // Not drawn from the seeded faker: adding attachments must not shift the simulation's other draws.
                size: 80_000 + ((threadId.charCodeAt(threadId.length - 1) * 7919 * n) % 2_000_000),
                url: `https://helpdesk.example/attachments/${threadId}/photo-${n}.jpg`,
              })),
            }
          : {}),
        received_at: at,
        updated_at: at,
      }
      messages.set(message.id, message)
      threads.set(threadId, { replies: [] })
      ctx.emit('helpdesk', 'message.received', message)
      return message
    },
    routes: [
      { method: 'GET', path: '/messages', handle: ({ query }) => ({ status: 200, body: listPage(messages.values(), query) }) },
      {
        method: 'POST',
        path: '/replies',
        mutation: { kind: 'reply', schema: ReplySchema, reference: (body: z.infer<typeof ReplySchema>) => body.reference },
        handle: ({ body }) => {
          const input = body as z.infer<typeof ReplySchema>
          const thread = threads.get(input.thread_id)
          if (!thread) throw new HttpError(404, 'not_found', `no thread ${input.thread_id}`)
          const reply: Reply = { id: newId('rpl'), thread_id: input.thread_id, reference: input.reference, sent_at: iso(ctx.now()) }
          thread.replies.push(reply)
          if (input.body.includes(CSAT_MARKER)) setTimeout(() => answerSurvey(input.thread_id, input.subject), CSAT_ANSWER_DELAY_MS).unref()
          return { status: 201, body: reply }
        },
      },
    ],
  }
}
