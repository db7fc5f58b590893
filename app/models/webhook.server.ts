import { z } from 'zod'
import type { IntegrationKey, WebhookVerification } from '#app/generated/prisma/enums.ts'
import { INTEGRATION_KEYS } from '#app/queues/integrations.server.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'

/**
 * The webhook inbox and delivery log (CONTRACTS-3.md § B). The HTTP side (signature, body limits, status codes) is
 * server/webhooks.ts; this module owns the rows: the inbox event (unique provider + event id, so a redelivery is a
 * no-op) and one WebhookDelivery per delivery attempt, whatever its outcome.
 */

/**
 * Postgres `text` and `jsonb` cannot hold U+0000 (and `jsonb` refuses an unpaired surrogate escape): an insert of such
 * a string fails, which would be a 503 for bad input. Found by server/webhooks.fuzz.test.ts.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/**
 * Provider events are a few levels deep. Deeper bodies are refused as malformed: Prisma's JSON serialiser gives up
 * long before the 256 KiB body limit does (an envelope nested 250 deep was a 503; found by the fuzz test).
 */
const MAX_PAYLOAD_DEPTH = 64
const storableString = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !UNSTORABLE.test(value), 'contains a NUL character or an unpaired surrogate')

/** The envelope every provider sends: `{ id, type, created_at, data }`. */
export const WebhookEnvelopeSchema = z
  .object({
    id: storableString(128),
    type: storableString(64),
    created_at: z.string().datetime({ offset: true }),
    data: z.record(z.unknown()),
  })
  .passthrough()
  .superRefine((envelope, ctx) => {
    // The whole envelope is stored as the inbox payload (jsonb): every key and string in it must be storable, and
    // its depth bounded (serialising it recurses). Iterative, so a hostile depth cannot overflow the stack here.
    const stack: Array<[unknown, number]> = [[envelope, 0]]
    while (stack.length > 0) {
      const [value, depth] = stack.pop()!
      if (typeof value === 'string') {
        if (UNSTORABLE.test(value)) return void ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'contains a NUL character or an unpaired surrogate' })
      } else if (value && typeof value === 'object') {
        if (depth >= MAX_PAYLOAD_DEPTH) return void ctx.addIssue({ code: z.ZodIssueCode.custom, message: `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels` })
        for (const [key, child] of Object.entries(value)) {
          if (UNSTORABLE.test(key)) return void ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'has a key with a NUL character or an unpaired surrogate' })
          stack.push([child, depth + 1])
        }
      }
    }
  })
export type WebhookEnvelope = z.infer<typeof WebhookEnvelopeSchema>

export function isIntegrationKey(value: string): value is IntegrationKey {
  return (INTEGRATION_KEYS as readonly string[]).includes(value)
}

export type DeliveryRecord = {
  provider: string
  verification: WebhookVerification
  statusCode: number
  bodyBytes: number
  eventId?: string | null
  topic?: string | null
  duplicate?: boolean
  reason?: string | null
  webhookEventId?: string | null
  remoteAddress?: string | null
}

/**
 * A caller's string as Postgres `text` can hold it: clipped to `max`, U+0000 dropped, an unpaired surrogate (also one
 * left by the clipping) replaced by U+FFFD.
 */
function storable(value: string, max: number): string
function storable(value: string | null | undefined, max: number): string | null
function storable(value: string | null | undefined, max: number) {
  if (value == null) return null
  return value
    .replace(/\u0000/g, '')
    .slice(0, max)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

/**
 * One row of the delivery log. Strings from the caller are clipped and made storable: an attacker chooses the URL
 * (`/webhooks/%00` must not make the log insert fail) and the body.
 */
export async function recordWebhookDelivery(delivery: DeliveryRecord) {
  await prisma.webhookDelivery.create({
    data: {
      provider: storable(delivery.provider, 64),
      verification: delivery.verification,
      statusCode: delivery.statusCode,
      bodyBytes: delivery.bodyBytes,
      eventId: storable(delivery.eventId, 128),
      topic: storable(delivery.topic, 64),
      duplicate: delivery.duplicate ?? false,
      reason: storable(delivery.reason, 500),
      webhookEventId: delivery.webhookEventId ?? null,
      remoteAddress: storable(delivery.remoteAddress, 64),
    },
    select: { id: true },
  })
}

/**
 * Writes a verified event to the inbox. A second delivery of the same provider + event id hits the unique index and
 * changes nothing: `{ duplicate: true }` with the stored event's id.
 */
export async function storeWebhookEvent(provider: IntegrationKey, envelope: WebhookEnvelope): Promise<{ id: string; duplicate: boolean }> {
  try {
    const event = await prisma.webhookEvent.create({
      data: { provider, eventId: envelope.id, topic: envelope.type, payload: envelope as Prisma.InputJsonValue, status: 'received' },
      select: { id: true },
    })
    return { id: event.id, duplicate: false }
  } catch (error) {
    if ((error as { code?: string }).code !== 'P2002') throw error
    const existing = await prisma.webhookEvent.findUniqueOrThrow({
      where: { provider_eventId: { provider, eventId: envelope.id } },
      select: { id: true },
    })
    return { id: existing.id, duplicate: true }
  }
}

// ─── Delivery log (drill-down) ──────────────────────────────────────────────────────────────────────────────────

export const DELIVERY_FILTERS = ['all', 'verified', 'rejected', 'duplicate'] as const
export type DeliveryFilter = (typeof DELIVERY_FILTERS)[number]

export type DeliveryRow = {
  id: string
  receivedAt: string
  topic: string | null
  eventId: string | null
  verification: WebhookVerification
  statusCode: number
  duplicate: boolean
  bodyBytes: number
  reason: string | null
}

/** Newest first, keyset on the autoincrement id (`before` = the last id of the previous page). */
export async function listWebhookDeliveries(input: { provider: IntegrationKey; filter: DeliveryFilter; before?: string; take: number }) {
  const where: Prisma.WebhookDeliveryWhereInput = {
    provider: input.provider,
    ...(input.filter === 'verified' ? { verification: 'verified', duplicate: false } : {}),
    ...(input.filter === 'rejected' ? { verification: { not: 'verified' } } : {}),
    ...(input.filter === 'duplicate' ? { duplicate: true } : {}),
    ...(input.before ? { id: { lt: BigInt(input.before) } } : {}),
  }
  const rows = await prisma.webhookDelivery.findMany({
    where,
    orderBy: { id: 'desc' },
    take: input.take + 1,
    select: { id: true, receivedAt: true, topic: true, eventId: true, verification: true, statusCode: true, duplicate: true, bodyBytes: true, reason: true },
  })
  const page = rows.slice(0, input.take)
  return {
    rows: page.map((row): DeliveryRow => ({ ...row, id: String(row.id), receivedAt: row.receivedAt.toISOString() })),
    nextCursor: rows.length > input.take ? String(page.at(-1)!.id) : null,
  }
}
