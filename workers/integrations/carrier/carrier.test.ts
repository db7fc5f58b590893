import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { fulfilOrder, shipOrder } from '#app/models/order-actions.server.ts'
import { createOrder, createReturn, createStockedOrder, createUser } from '#test/factories/index.ts'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'
import { startConnectorEngine } from '#test/helpers/connector-harness.ts'
import { carrierConnector } from './index.ts'
import { CARRIER_NAME } from './map.ts'
import { ShipmentSchema, type Shipment } from './schemas.ts'

let sandbox: TestSandbox
let engine: Awaited<ReturnType<typeof startConnectorEngine>>
let api: ReturnType<typeof sandboxApi>

const ADDRESS = { name: 'Ada Lovelace', line1: '12 Analytical Row', line2: null, city: 'London', postalCode: 'N1 9GU', country: 'GB' }

/** An order whose units are packed into one fulfilment that waits for its label. */
async function packedOrder(shippingAddress: Record<string, string | null> | null = ADDRESS) {
  const graph = await createOrder(prisma, {
    status: 'processing',
    paymentStatus: 'paid',
    fulfillmentStatus: 'fulfilled',
    ...(shippingAddress ? { shippingAddress } : {}),
  })
  const fulfillment = graph.fulfillments[0]!
  await prisma.trackingEvent.deleteMany({ where: { fulfillmentId: fulfillment.id } })
  await prisma.fulfillment.update({
    where: { id: fulfillment.id },
    data: { status: 'pending', carrier: null, trackingNumber: null, trackingUrl: null, service: 'express' },
  })
  return { order: graph.order, fulfillmentId: fulfillment.id }
}

async function remoteShipment(id: string): Promise<Shipment> {
  return ShipmentSchema.parse(await (await api.get(`/carrier/shipments/${id}`)).json())
}

const fulfillmentOf = (id: string) => prisma.fulfillment.findUniqueOrThrow({ where: { id }, include: { trackingEvents: { orderBy: { occurredAt: 'asc' } } } })
const orderStatus = async (id: string) => (await prisma.order.findUniqueOrThrow({ where: { id }, select: { fulfillmentStatus: true } })).fulfillmentStatus

beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
  engine = await startConnectorEngine(carrierConnector, sandbox)
})

afterAll(async () => {
  await closeQueues()
  await sandbox?.close()
})

describe('carrier connector', () => {
  let order: Awaited<ReturnType<typeof packedOrder>>['order']
  let fulfillmentId: string
  let labelled: Shipment

  test('probe is an authenticated list call', async () => {
    await expect(carrierConnector.probe(engine.client)).resolves.toBeUndefined()
  })

  test('create-shipment buys one label with the outbox key and stores tracking, even when the effect runs again', async () => {
    ;({ order, fulfillmentId } = await packedOrder())
    const key = `shipment-${fulfillmentId}`
    const job = await engine.effect('carrier.create-shipment', { fulfillmentId }, key)
    expect(job).toMatchObject({ status: 'completed', outbox: { status: 'sent' } })

    const stored = await fulfillmentOf(fulfillmentId)
    expect(stored).toMatchObject({ status: 'label_created', carrier: CARRIER_NAME, service: 'express', shippedAt: null })
    labelled = await remoteShipment(stored.externalId!)
    expect(labelled).toMatchObject({ reference: fulfillmentId, service: 'express' })
    expect(stored).toMatchObject({ trackingNumber: labelled.tracking_number, trackingUrl: labelled.tracking_url, labelUrl: labelled.label_url })
    expect(stored.trackingEvents.map((event) => event.status)).toEqual(['label_created'])
    expect(await engine.links(job.jobId)).toEqual(expect.arrayContaining([{ entityType: 'fulfillment', entityId: fulfillmentId }, { entityType: 'order', entityId: order.id }]))

    // The answer was lost (worker killed before the commit): the job runs again with the same key and body.
    await prisma.trackingEvent.deleteMany({ where: { fulfillmentId } })
    await prisma.fulfillment.update({ where: { id: fulfillmentId }, data: { externalId: null, externalUpdatedAt: null, trackingNumber: null, status: 'pending' } })
    await engine.rerunEffect('carrier.create-shipment', { fulfillmentId }, key)
    expect(await fulfillmentOf(fulfillmentId)).toMatchObject({ externalId: labelled.id, trackingNumber: labelled.tracking_number, status: 'label_created' })

    const { effects, duplicates } = await sandbox.control.effects({ provider: 'carrier', kind: 'shipment' })
    expect(effects.filter((effect) => effect.reference === fulfillmentId)).toEqual([expect.objectContaining({ idempotencyKey: key })])
    expect(duplicates).toEqual([])
  })

  test('a pull maps tracking: status, events, shippedAt, the lines shipped and the order shipped', async () => {
    await sandbox.control.advanceCarrier(labelled.id)
    const job = await engine.pull('shipments')
    expect(job).toMatchObject({ status: 'completed', attempt: 1 })
    const moving = await remoteShipment(labelled.id)
    const stored = await fulfillmentOf(fulfillmentId)
    expect(stored).toMatchObject({ status: 'in_transit', shippedAt: new Date(moving.events[1]!.occurred_at), externalUpdatedAt: new Date(moving.updated_at) })
    expect(stored.trackingEvents.map((event) => [event.externalId, event.status, event.location])).toEqual(
      moving.events.map((event) => [event.id, event.status, event.location]),
    )
    expect(await orderStatus(order.id)).toBe('shipped')
    const lines = await prisma.orderLine.findMany({ where: { orderId: order.id }, select: { quantityOrdered: true, quantityShipped: true } })
    expect(lines.every((line) => line.quantityShipped === line.quantityOrdered)).toBe(true)
  })

  test('a webhook older than the stored state is ignored', async () => {
    const job = await engine.webhook('tracking.updated', labelled as unknown as Record<string, unknown>)
    expect(job).toMatchObject({ status: 'completed', event: { status: 'ignored' } })
    expect((await fulfillmentOf(fulfillmentId)).status).toBe('in_transit')
  })

  test('tracking.updated webhooks carry it to delivered', async () => {
    for (let step = 0; step < 4; step++) {
      const [moved] = (await sandbox.control.advanceCarrier(labelled.id)).shipments
      if (!moved) break
      const job = await engine.webhook('tracking.updated', await remoteShipment(labelled.id))
      expect(job.event.status).toBe('processed')
    }
    const delivered = await remoteShipment(labelled.id)
    expect(delivered.status).toBe('delivered')
    const stored = await fulfillmentOf(fulfillmentId)
    expect(stored).toMatchObject({ status: 'delivered', deliveredAt: new Date(delivered.events.at(-1)!.occurred_at) })
    expect(stored.trackingEvents).toHaveLength(delivered.events.length)
    expect(await orderStatus(order.id)).toBe('delivered')
  })

  test('return-label buys one label and moves an approved return to label_created', async () => {
    const { ret, order: graph } = await createReturn(prisma, { status: 'approved' })
    await prisma.order.update({ where: { id: graph.order.id }, data: { shippingAddress: ADDRESS } })
    const key = `return-label-${ret.id}`
    const job = await engine.effect('carrier.return-label', { returnId: ret.id }, key)
    expect(job).toMatchObject({ status: 'completed' })
    const stored = await prisma.return.findUniqueOrThrow({ where: { id: ret.id } })
    expect(stored).toMatchObject({ status: 'label_created', carrier: CARRIER_NAME, trackingNumber: expect.stringMatching(/^OD\d+GB$/), labelUrl: expect.stringContaining('/labels/rl_') })

    await engine.rerunEffect('carrier.return-label', { returnId: ret.id }, key)
    const { effects, duplicates } = await sandbox.control.effects({ provider: 'carrier', kind: 'return_label' })
    expect(effects.filter((effect) => effect.reference === ret.id)).toHaveLength(1)
    expect(duplicates).toEqual([])
  })

  test('an order without a delivery address fails for good before any call', async () => {
    const { fulfillmentId: id } = await packedOrder(null)
    const before = (await sandbox.control.requests('carrier')).length
    const job = await engine.effect('carrier.create-shipment', { fulfillmentId: id }, `shipment-${id}`)
    expect(job).toMatchObject({ status: 'failed', attempt: 1, outbox: { status: 'failed' } })
    expect(job.error).toMatch(/cannot buy a label \(no address\)/)
    expect((await sandbox.control.requests('carrier')).length).toBe(before)
  })

  test("an address the carrier refuses (400) fails for good with the carrier's message", async () => {
    const { fulfillmentId: id } = await packedOrder({ ...ADDRESS, postalCode: 'X'.repeat(40) })
    const job = await engine.effect('carrier.create-shipment', { fulfillmentId: id }, `shipment-${id}`)
    expect(job).toMatchObject({ status: 'failed', attempt: 1 })
    expect(job.error).toMatch(/POST \/carrier\/shipments → 400 .*postal_code/)
    expect((await fulfillmentOf(id)).externalId).toBeNull()
  })
})

describe('carrier shipments and the order', () => {
  const actor = async () => {
    const user = await prisma.user.findFirst({ where: { role: 'operations', disabledAt: null }, select: { id: true } })
    return { id: user?.id ?? (await createUser(prisma, { role: 'operations' })).user.id, role: 'operations' as const }
  }
  const levels = (orderId: string) =>
    prisma.inventoryLevel.findMany({
      where: { variant: { orderLines: { some: { orderId } } } },
      select: { onHand: true, reserved: true },
      orderBy: { id: 'asc' },
    })

  test('a parcel packed in OpsDeck and shipped through the carrier commits its stock when it ships and completes the order when delivered', async () => {
    const { order } = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const ctx = { actor: await actor() }
    const fulfillmentId = (await fulfilOrder(order.id, {}, ctx)).fulfillmentId!
    await shipOrder(order.id, {}, ctx)
    const before = await levels(order.id)

    const outbox = await prisma.outboxMessage.findFirstOrThrow({ where: { topic: 'carrier.create-shipment', payload: { equals: { fulfillmentId } } } })
    const job = await engine.effect('carrier.create-shipment', { fulfillmentId }, outbox.idempotencyKey)
    expect(job).toMatchObject({ status: 'completed' })
    const { externalId } = await fulfillmentOf(fulfillmentId)
    expect(await levels(order.id)).toEqual(before) // a label is not a shipment

    for (let step = 0; step < 4; step++) {
      const [moved] = (await sandbox.control.advanceCarrier(externalId!)).shipments
      if (!moved) break
      expect((await engine.webhook('tracking.updated', await remoteShipment(externalId!))).event.status).toBe('processed')
      if (step === 0) {
        // In transit: the reserved units leave both onHand and reserved.
        const shipped = await levels(order.id)
        const units = await prisma.fulfillmentLine.aggregate({ where: { fulfillmentId }, _sum: { quantity: true } })
        expect(shipped.reduce((sum, level) => sum + level.onHand, 0)).toBe(before.reduce((sum, level) => sum + level.onHand, 0) - units._sum.quantity!)
        expect(shipped.reduce((sum, level) => sum + level.reserved, 0)).toBe(before.reduce((sum, level) => sum + level.reserved, 0) - units._sum.quantity!)
      }
    }
    expect(await prisma.order.findUniqueOrThrow({ where: { id: order.id }, select: { status: true, fulfillmentStatus: true } })).toEqual({
      status: 'completed',
      fulfillmentStatus: 'delivered',
    })
  })

  test('a parcel cancelled while its label waited in the outbox: no label is bought and the job completes', async () => {
    const { fulfillmentId } = await packedOrder()
    await prisma.fulfillment.update({ where: { id: fulfillmentId }, data: { status: 'cancelled' } })
    const before = (await sandbox.control.requests('carrier')).length
    const job = await engine.effect('carrier.create-shipment', { fulfillmentId }, `shipment-${fulfillmentId}`)
    expect(job).toMatchObject({ status: 'completed', outbox: { status: 'sent' } })
    expect(job.summary).toMatch(/cancelled before its label was bought/)
    expect((await sandbox.control.requests('carrier')).length).toBe(before)
  })
})
