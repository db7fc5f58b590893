import type { FulfillmentStatus } from '#app/generated/prisma/enums.ts'
import type { Db, Prisma } from '#app/utils/db.server.ts'
import { deriveFulfillmentStatus } from './order-status.ts'
import type { ApplyOutcome } from './payment.server.ts'

/**
 * Shipments as the carrier reports them (labels, tracking, delivery) and the order's derived `fulfillmentStatus`.
 * Writes lock the order row first, then the fulfilment, so a webhook and a pull of the same shipment (or two
 * shipments of one order) are serialised and the derivation always sees the committed state.
 */

export type CarrierShipmentInput = {
  /** The carrier's shipment id (stored as Fulfillment.externalId). */
  externalId: string
  /** What OpsDeck sent when it bought the label: the Fulfillment.id. */
  reference: string
  carrier: string
  service: string
  trackingNumber: string
  trackingUrl: string
  labelUrl: string
  status: FulfillmentStatus
  events: CarrierTrackingEventInput[]
  /** The carrier's `updated_at`: a state as old as or older than the stored one is not applied again. */
  externalUpdatedAt: Date
}

export type CarrierTrackingEventInput = {
  externalId: string
  status: FulfillmentStatus
  description: string
  location: string | null
  occurredAt: Date
}

export type ApplyShipmentResult = {
  outcome: ApplyOutcome
  reason?: string
  fulfillmentId?: string
  orderId?: string
  /** Tracking events stored by this change. */
  newEvents: number
  /** This change is the one that first marked the parcel shipped (its stock is committed by the caller). */
  shippedNow?: boolean
}

/** Carrier statuses that mean the parcel has left the building. */
const SHIPPED_STATUSES: FulfillmentStatus[] = ['in_transit', 'out_for_delivery', 'delivered']

/**
 * Applies a carrier shipment to its fulfilment (found by the shipment id, or by id = reference for the first
 * answer/webhook after the label was bought): label and tracking fields, status, shippedAt/deliveredAt, new tracking
 * events; when it first ships, the order lines' shipped counters; then the order's fulfillmentStatus.
 * Call inside a transaction.
 */
export async function applyShipment(tx: Prisma.TransactionClient, input: CarrierShipmentInput): Promise<ApplyShipmentResult> {
  const [found] = await tx.$queryRaw<{ id: string; orderId: string }[]>`
    select id, "orderId" from "Fulfillment" where "externalId" = ${input.externalId} or id = ${input.reference}
    order by ("externalId" = ${input.externalId}) desc nulls last limit 1`
  if (!found) return { outcome: 'skipped', reason: `no fulfilment for shipment ${input.externalId} (reference ${input.reference})`, newEvents: 0 }

  await tx.$queryRaw`select id from "Order" where id = ${found.orderId} for update`
  const [current] = await tx.$queryRaw<{ externalId: string | null; externalUpdatedAt: Date | null; shippedAt: Date | null; deliveredAt: Date | null }[]>`
    select "externalId", "externalUpdatedAt", "shippedAt", "deliveredAt" from "Fulfillment" where id = ${found.id} for update`
  const base = { fulfillmentId: found.id, orderId: found.orderId }
  if (!current) return { outcome: 'skipped', reason: `fulfilment ${found.id} was deleted`, newEvents: 0 }
  if (current.externalId && current.externalId !== input.externalId) {
    return { outcome: 'skipped', reason: `fulfilment ${found.id} belongs to shipment ${current.externalId}`, newEvents: 0, ...base }
  }
  if (current.externalUpdatedAt && current.externalUpdatedAt.getTime() >= input.externalUpdatedAt.getTime()) {
    const same = current.externalUpdatedAt.getTime() === input.externalUpdatedAt.getTime()
    return { outcome: same ? 'unchanged' : 'stale', newEvents: 0, ...base }
  }

  const shipped = SHIPPED_STATUSES.includes(input.status) || input.events.some((event) => SHIPPED_STATUSES.includes(event.status))
  const firstEventAt = (statuses: FulfillmentStatus[]) =>
    input.events
      .filter((event) => statuses.includes(event.status))
      .map((event) => event.occurredAt)
      .sort((a, b) => a.getTime() - b.getTime())[0]
  const shippedAt = current.shippedAt ?? (shipped ? (firstEventAt(SHIPPED_STATUSES) ?? input.externalUpdatedAt) : null)
  const deliveredAt = current.deliveredAt ?? (input.status === 'delivered' ? (firstEventAt(['delivered']) ?? input.externalUpdatedAt) : null)

  await tx.fulfillment.update({
    where: { id: found.id },
    data: {
      externalId: input.externalId,
      externalUpdatedAt: input.externalUpdatedAt,
      status: input.status,
      carrier: input.carrier,
      service: input.service,
      trackingNumber: input.trackingNumber,
      trackingUrl: input.trackingUrl,
      labelUrl: input.labelUrl,
      shippedAt,
      deliveredAt,
      version: { increment: 1 },
    },
    select: { id: true },
  })
  const events = await tx.trackingEvent.createMany({
    data: input.events.map((event) => ({
      fulfillmentId: found.id,
      externalId: event.externalId,
      status: event.status,
      description: event.description,
      location: event.location,
      occurredAt: event.occurredAt,
    })),
    skipDuplicates: true,
  })

  if (!current.shippedAt && shippedAt) {
    // deriveFulfillmentStatus reads the lines' counters: the units of this fulfilment are shipped now. The CHECK
    // keeps shipped <= fulfilled; a fulfilment whose units were never counted as fulfilled is a bug elsewhere, and
    // clamping keeps one such row from failing every page of the carrier sync.
    await tx.$executeRaw`
      update "OrderLine" ol
      set "quantityShipped" = least(ol."quantityShipped" + fl.quantity, ol."quantityFulfilled"), "updatedAt" = now()
      from "FulfillmentLine" fl
      where fl."fulfillmentId" = ${found.id} and fl."orderLineId" = ol.id`
  }
  await rederiveOrderFulfillmentStatus(tx, found.orderId)
  return { outcome: 'updated', newEvents: events.count, shippedNow: !current.shippedAt && shippedAt !== null, ...base }
}

/** Recomputes Order.fulfillmentStatus from the line counters and fulfilments (call with the order row locked). */
export async function rederiveOrderFulfillmentStatus(tx: Prisma.TransactionClient, orderId: string) {
  const order = await tx.order.findUniqueOrThrow({
    where: { id: orderId },
    select: {
      fulfillmentStatus: true,
      lines: { select: { quantityOrdered: true, quantityFulfilled: true, quantityShipped: true, quantityReturned: true, quantityCancelled: true } },
      fulfillments: { select: { shippedAt: true, status: true } },
    },
  })
  const fulfillmentStatus = deriveFulfillmentStatus(order.lines, order.fulfillments)
  // A derived column, never edited by a person: no version bump, so nobody's open edit form goes stale over it.
  if (fulfillmentStatus !== order.fulfillmentStatus) {
    await tx.order.update({ where: { id: orderId }, data: { fulfillmentStatus }, select: { id: true } })
  }
  return fulfillmentStatus
}

/** What buying a label needs: the destination, the service and the parcel weight. */
export async function getFulfillmentForShipment(db: Db, fulfillmentId: string) {
  return db.fulfillment.findUnique({
    where: { id: fulfillmentId },
    select: {
      id: true,
      status: true,
      service: true,
      externalId: true,
      trackingNumber: true,
      order: { select: { id: true, number: true, customerName: true, shippingAddress: true } },
      lines: { select: { quantity: true, orderLine: { select: { sku: true, variant: { select: { weightGrams: true } } } } } },
    },
  })
}

/** What buying a return label needs: where the parcel comes from (the order's delivery address). */
export async function getReturnForLabel(db: Db, returnId: string) {
  return db.return.findUnique({
    where: { id: returnId },
    select: {
      id: true,
      number: true,
      status: true,
      trackingNumber: true,
      order: { select: { id: true, number: true, customerName: true, shippingAddress: true } },
    },
  })
}

/**
 * Stores the carrier's return label on the return; a return waiting for its label (requested/approved) moves to
 * label_created, a later status is left alone (the label may be stored again by a retried job).
 */
export async function recordReturnLabel(
  tx: Prisma.TransactionClient,
  input: { returnId: string; carrier: string; trackingNumber: string; labelUrl: string },
) {
  // One statement, so a person changing the status at the same moment is not overwritten with a stale value.
  const [row] = await tx.$queryRaw<{ status: string }[]>`
    update "Return"
    set carrier = ${input.carrier}, "trackingNumber" = ${input.trackingNumber}, "labelUrl" = ${input.labelUrl},
        status = case when status in ('requested', 'approved') then 'label_created'::"ReturnStatus" else status end,
        version = version + 1, "updatedAt" = now()
    where id = ${input.returnId}
    returning status::text`
  if (!row) throw new Error(`return ${input.returnId} not found`)
  const status = row.status
  return { status }
}
