import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder, createReturn, uniqueSuffix } from '#test/factories/index.ts'
import { applyShipment, recordReturnLabel, type CarrierShipmentInput } from './fulfillment.server.ts'

const t0 = new Date('2026-11-25T10:00:00.000Z')
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000)

/** An order whose units are all packed into one fulfilment waiting for its label. */
async function packedOrder() {
  const graph = await createOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'fulfilled' })
  const fulfillment = graph.fulfillments[0]!
  // The factory may have bought a label already; this one waits for the carrier.
  await prisma.trackingEvent.deleteMany({ where: { fulfillmentId: fulfillment.id } })
  await prisma.fulfillment.update({ where: { id: fulfillment.id }, data: { status: 'pending', trackingNumber: null, trackingUrl: null, carrier: null } })
  return { graph, fulfillment }
}

function shipment(reference: string, overrides: Partial<CarrierShipmentInput> = {}): CarrierShipmentInput {
  return {
    externalId: `shp_${uniqueSuffix()}`,
    reference,
    carrier: 'Shipping carrier',
    service: 'standard',
    trackingNumber: `TRK${uniqueSuffix()}`,
    trackingUrl: 'https://track.example/TRK',
    labelUrl: 'https://labels.example/TRK.pdf',
    status: 'label_created',
    events: [{ externalId: 'te_1', status: 'label_created', description: 'Label created', location: null, occurredAt: at(0) }],
    externalUpdatedAt: at(0),
    ...overrides,
  }
}

const apply = (input: CarrierShipmentInput) => prisma.$transaction((tx) => applyShipment(tx, input))
const orderOf = (id: string) =>
  prisma.order.findUniqueOrThrow({ where: { id }, select: { fulfillmentStatus: true, lines: { select: { quantityOrdered: true, quantityShipped: true } } } })

describe('applyShipment', () => {
  test('label, then in transit, then delivered: fields, events, line counters and the order status follow', async () => {
    const { graph, fulfillment } = await packedOrder()
    const label = shipment(fulfillment.id)
    expect(await apply(label)).toMatchObject({ outcome: 'updated', fulfillmentId: fulfillment.id, orderId: graph.order.id, newEvents: 1 })
    expect(await prisma.fulfillment.findUniqueOrThrow({ where: { id: fulfillment.id } })).toMatchObject({
      externalId: label.externalId,
      status: 'label_created',
      trackingNumber: label.trackingNumber,
      labelUrl: label.labelUrl,
      shippedAt: null,
    })
    expect((await orderOf(graph.order.id)).fulfillmentStatus).toBe('fulfilled')

    const moving = {
      ...label,
      status: 'in_transit' as const,
      externalUpdatedAt: at(30),
      events: [...label.events, { externalId: 'te_2', status: 'in_transit' as const, description: 'Collected', location: 'London', occurredAt: at(29) }],
    }
    expect(await apply(moving)).toMatchObject({ outcome: 'updated', newEvents: 1 })
    const shipped = await orderOf(graph.order.id)
    expect(shipped.fulfillmentStatus).toBe('shipped')
    expect(shipped.lines.every((line) => line.quantityShipped === line.quantityOrdered)).toBe(true)
    expect((await prisma.fulfillment.findUniqueOrThrow({ where: { id: fulfillment.id } })).shippedAt).toEqual(at(29))

    const delivered = {
      ...moving,
      status: 'delivered' as const,
      externalUpdatedAt: at(90),
      events: [...moving.events, { externalId: 'te_3', status: 'delivered' as const, description: 'Delivered', location: 'Leeds', occurredAt: at(88) }],
    }
    await apply(delivered)
    const done = await orderOf(graph.order.id)
    expect(done.fulfillmentStatus).toBe('delivered')
    // Shipping counted once, although three states passed.
    expect(done.lines.every((line) => line.quantityShipped === line.quantityOrdered)).toBe(true)
    expect(await prisma.trackingEvent.count({ where: { fulfillmentId: fulfillment.id } })).toBe(3)
    expect((await prisma.fulfillment.findUniqueOrThrow({ where: { id: fulfillment.id } })).deliveredAt).toEqual(at(88))

    // An older state (a late webhook) changes nothing; the same state again is unchanged.
    expect((await apply(moving)).outcome).toBe('stale')
    expect((await apply(delivered)).outcome).toBe('unchanged')
    expect((await prisma.fulfillment.findUniqueOrThrow({ where: { id: fulfillment.id } })).status).toBe('delivered')
  })

  test('a shipment with no fulfilment in OpsDeck is skipped', async () => {
    const result = await apply(shipment('not-a-fulfilment'))
    expect(result).toMatchObject({ outcome: 'skipped', newEvents: 0 })
  })

  test('a webhook and a pull of the same state at once count shipping once', async () => {
    const { graph, fulfillment } = await packedOrder()
    const input = shipment(fulfillment.id, {
      status: 'in_transit',
      events: [{ externalId: 'te_9', status: 'in_transit', description: 'Collected', location: null, occurredAt: at(5) }],
      externalUpdatedAt: at(5),
    })
    await Promise.all([apply(input), apply(input)])
    const order = await orderOf(graph.order.id)
    expect(order.lines.every((line) => line.quantityShipped === line.quantityOrdered)).toBe(true)
    expect(await prisma.trackingEvent.count({ where: { fulfillmentId: fulfillment.id } })).toBe(1)
  })
})

describe('recordReturnLabel', () => {
  test('an approved return gets its label and moves to label_created; a later status is kept', async () => {
    const { ret } = await createReturn(prisma, { status: 'approved' })
    const result = await prisma.$transaction((tx) =>
      recordReturnLabel(tx, { returnId: ret.id, carrier: 'Shipping carrier', trackingNumber: 'RT1', labelUrl: 'https://labels.example/RT1.pdf' }),
    )
    expect(result.status).toBe('label_created')
    expect(await prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).toMatchObject({ status: 'label_created', trackingNumber: 'RT1', carrier: 'Shipping carrier' })

    const later = await createReturn(prisma, { status: 'in_transit' })
    const kept = await prisma.$transaction((tx) =>
      recordReturnLabel(tx, { returnId: later.ret.id, carrier: 'Shipping carrier', trackingNumber: 'RT2', labelUrl: 'https://labels.example/RT2.pdf' }),
    )
    expect(kept.status).toBe('in_transit')
  })
})
