import { z } from 'zod'
import type { IntegrationKey, WebhookVerification } from '#app/generated/prisma/enums.ts'
import { INTEGRATION_KEYS } from '#app/queues/integrations.server.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'

/**
 * The webhook inbox and delivery log (CONTRACTS-3.md § B). The HTTP side (signature, body limits, status codes) is
 * server/webhooks.ts; this module owns the rows: the inbox event (unique provider + event id, so a redelivery is a
 * no-op) and one WebhookDelivery per delivery attempt, whatever its outcome.
 */

/** The envelope every provider sends: `{ id, type, created_at, data }`. */
export const WebhookEnvelopeSchema = z
  .object({
    id: z.string().min(1).max(128),
    type: z.string().min(1).max(64),
    created_at: z.string().datetime({ offset: true }),
    data: z.record(z.unknown()),
  })
  .passthrough()
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

/** One row of the delivery log. Strings from the caller are clipped: an attacker chooses the URL and the body. */
export async function recordWebhookDelivery(delivery: DeliveryRecord) {
  await prisma.webhookDelivery.create({
    data: {
      provider: delivery.provider.slice(0, 64),
      verification: delivery.verification,
      statusCode: delivery.statusCode,
      bodyBytes: delivery.bodyBytes,
      eventId: delivery.eventId?.slice(0, 128) ?? null,
      topic: delivery.topic?.slice(0, 64) ?? null,
      duplicate: delivery.duplicate ?? false,
      reason: delivery.reason?.slice(0, 500) ?? null,
      webhookEventId: delivery.webhookEventId ?? null,
      remoteAddress: delivery.remoteAddress?.slice(0, 64) ?? null,
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
