import { UnrecoverableError } from 'bullmq'
import { getFulfillmentForShipment, getReturnForLabel } from '#app/models/fulfillment.server.ts'
import { applyReturnLabel } from '#app/models/return.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { EffectHandler } from '../shared/connector.ts'
import { createReturnLabel, createShipment } from './client.ts'
import { CARRIER_NAME, carrierService, parcelWeightGrams, toCarrierAddress, toShipmentInput } from './map.ts'
import { CreateShipmentPayloadSchema, ReturnLabelPayloadSchema } from './schemas.ts'
import { applyCarrierShipment } from './sync-shipments.ts'

/**
 * Outbound carrier effects: buying labels. Each sends the outbox row's idempotency key with a body built only from
 * stored rows, so a retried job gets the carrier's first answer back instead of a second label.
 */

/** carrier.create-shipment { fulfillmentId }: buys the label and stores tracking number, URLs and status. */
export const createShipmentEffect: EffectHandler = async (payload, ctx) => {
  const { fulfillmentId } = CreateShipmentPayloadSchema.parse(payload)
  const fulfillment = await getFulfillmentForShipment(prisma, fulfillmentId)
  if (!fulfillment) throw new UnrecoverableError(`fulfilment ${fulfillmentId} not found`)
  ctx.link('fulfillment', fulfillment.id)
  ctx.link('order', fulfillment.order.id)
  if (fulfillment.externalId) {
    ctx.summarize(`fulfilment ${fulfillment.id} already has shipment ${fulfillment.externalId} (${fulfillment.trackingNumber})`)
    return
  }
  // The order was cancelled while its label request waited in the outbox: nothing to buy, nothing failed.
  if (fulfillment.status === 'cancelled') {
    ctx.summarize(`fulfilment ${fulfillment.id} was cancelled before its label was bought; no label bought`)
    return
  }
  const shipTo = toCarrierAddress(fulfillment.order.shippingAddress, fulfillment.order.customerName, `order ${fulfillment.order.number}`)
  const weight = parcelWeightGrams(fulfillment.lines.map((line) => ({ quantity: line.quantity, weightGrams: line.orderLine.variant?.weightGrams ?? null })))
  const shipment = await createShipment(
    ctx.client,
    { reference: fulfillment.id, service: carrierService(fulfillment.service), ship_to: shipTo, parcels: [{ weight_grams: weight }] },
    ctx.idempotencyKey,
  )
  const result = await prisma.$transaction((tx) => applyCarrierShipment(tx, toShipmentInput(shipment)))
  ctx.summarize(`label ${shipment.tracking_number} (${shipment.id}) for fulfilment ${fulfillment.id}: ${result.outcome}`)
}

/** carrier.return-label { returnId }: buys a return label from the order's delivery address and stores it. */
export const returnLabelEffect: EffectHandler = async (payload, ctx) => {
  const { returnId } = ReturnLabelPayloadSchema.parse(payload)
  const ret = await getReturnForLabel(prisma, returnId)
  if (!ret) throw new UnrecoverableError(`return ${returnId} not found`)
  ctx.link('return', ret.id)
  ctx.link('order', ret.order.id)
  // Cancelled (or rejected) while its label request waited in the outbox: nothing to buy, nothing failed.
  if (ret.status === 'rejected' || ret.status === 'cancelled') {
    ctx.summarize(`return ${ret.number} was ${ret.status} before its label was bought; no label bought`)
    return
  }
  const shipFrom = toCarrierAddress(ret.order.shippingAddress, ret.order.customerName, `return ${ret.number} (order ${ret.order.number})`)
  const label = await createReturnLabel(ctx.client, { reference: ret.id, ship_from: shipFrom }, ctx.idempotencyKey)
  // Stored with an audit entry by the system, so the return's timeline shows when the label arrived.
  const { status } = await prisma.$transaction((tx) =>
    applyReturnLabel(tx, { returnId: ret.id, carrier: CARRIER_NAME, trackingNumber: label.tracking_number, labelUrl: label.label_url }),
  )
  ctx.summarize(`return label ${label.tracking_number} (${label.id}) for ${ret.number}; return ${status}`)
}
