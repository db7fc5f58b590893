import type { Prisma } from '#app/generated/prisma/client.ts'
import { applyShipment, type ApplyShipmentResult, type CarrierShipmentInput } from '#app/models/fulfillment.server.ts'
import { commitShippedStock, completeOrderIfDelivered } from '#app/models/order-actions.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { defineResource, type JobContext, type PullPage, type WebhookHandler } from '../shared/connector.ts'
import { SHIPMENTS_LIST_PATH } from './client.ts'
import { toShipmentInput } from './map.ts'
import { ShipmentSchema, type Shipment } from './schemas.ts'

/** A page of 100 shipments is a few hundred statements; Prisma's 5 s default is too tight on a busy database. */
const PAGE_TRANSACTION_TIMEOUT_MS = 30_000

/**
 * A carrier shipment applied to its fulfilment, plus what follows for the order in the same transaction: the parcel's
 * reserved stock is committed when it first ships, and an order whose every item is delivered is completed.
 */
export async function applyCarrierShipment(tx: Prisma.TransactionClient, input: CarrierShipmentInput): Promise<ApplyShipmentResult> {
  const result = await applyShipment(tx, input)
  if (result.outcome !== 'updated' || !result.orderId || !result.fulfillmentId) return result
  if (result.shippedNow) await commitShippedStock(tx, { orderId: result.orderId, fulfillmentIds: [result.fulfillmentId], actorId: null })
  await completeOrderIfDelivered(tx, result.orderId)
  return result
}

/**
 * Applies carrier shipments in ONE transaction, sorted by reference (the fulfilment) so concurrent pages lock the
 * same rows in the same order, then by time so a page holding two states of one shipment ends on the newest.
 */
export async function applyShipments(shipments: Shipment[], ctx: JobContext): Promise<PullPage> {
  const sorted = [...shipments].sort(
    (a, b) => a.reference.localeCompare(b.reference) || a.updated_at.localeCompare(b.updated_at) || a.id.localeCompare(b.id),
  )
  const results = await prisma.$transaction(
    async (tx) => {
      const out: Array<{ shipment: Shipment; result: ApplyShipmentResult }> = []
      for (const shipment of sorted) out.push({ shipment, result: await applyCarrierShipment(tx, toShipmentInput(shipment)) })
      return out
    },
    { timeout: PAGE_TRANSACTION_TIMEOUT_MS },
  )

  const page: PullPage = { seen: shipments.length, created: 0, updated: 0, skipped: 0 }
  const notes: string[] = []
  let events = 0
  for (const { result } of results) {
    if (result.outcome === 'created') page.created++
    else if (result.outcome === 'updated') page.updated++
    else page.skipped++
    if (result.outcome === 'skipped' && result.reason) notes.push(result.reason)
    events += result.newEvents
    if (result.outcome === 'created' || result.outcome === 'updated') {
      if (result.fulfillmentId) ctx.link('fulfillment', result.fulfillmentId)
      if (result.orderId) ctx.link('order', result.orderId)
    }
  }
  // Shipments OpsDeck did not buy (another system's labels on the same account) are normal: info, not a failure.
  if (notes.length > 0) ctx.log.info({ integration: ctx.key, skipped: notes }, `carrier: ${notes.length} shipment(s) skipped`)
  ctx.summarize(
    `${shipments.length} shipment(s): ${page.updated} updated (${events} new tracking events), ${page.skipped} unchanged/older/skipped` +
      (notes.length > 0 ? `; ${notes.slice(0, 3).join('; ')}${notes.length > 3 ? '; …' : ''}` : ''),
  )
  return page
}

export const shipmentsResource = defineResource({
  listPath: SHIPMENTS_LIST_PATH,
  itemSchema: ShipmentSchema,
  applyPage: applyShipments,
})

/** tracking.updated: the data is the whole shipment, applied like a pulled one; older than stored → ignored. */
export const onTrackingUpdated: WebhookHandler = async (data, _event, ctx) => {
  const page = await applyShipments([ShipmentSchema.parse(data)], ctx)
  return page.created + page.updated > 0 ? 'processed' : 'ignored'
}
