import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createInventoryLevel, createLocation, createOrder, createProduct, createReturn, fakeId, testFaker } from '#test/factories/index.ts'

/** The SQL-only rules of prisma/migrations/20261125010000_domain (docs/decisions/0003-data-model.md). */

async function constraintOf(work: Promise<unknown>) {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error, 'the database accepted a row it must refuse').not.toBeNull()
  return String((error as { message?: string }).message ?? error) + JSON.stringify((error as { meta?: unknown }).meta ?? {})
}

describe('inventory levels', () => {
  test('available (onHand - reserved) can never go below zero, and reserved never below zero', async () => {
    const location = await createLocation(prisma)
    const { variants } = await createProduct(prisma, { variants: [{}, {}] })
    expect(await constraintOf(createInventoryLevel(prisma, { variantId: variants[0]!.id, locationId: location.id, onHand: 3, reserved: 4 }))).toMatch(
      /InventoryLevel_quantities_check|check/i,
    )
    expect(await constraintOf(createInventoryLevel(prisma, { variantId: variants[0]!.id, locationId: location.id, onHand: 3, reserved: -1 }))).toMatch(
      /InventoryLevel_quantities_check|check/i,
    )

    // A conditional single-statement reservation: it reserves only while stock is available.
    const level = await createInventoryLevel(prisma, { variantId: variants[1]!.id, locationId: location.id, onHand: 5, reserved: 3 })
    const reserve = (quantity: number) =>
      prisma.$executeRaw`update "InventoryLevel" set "reserved" = "reserved" + ${quantity}, "version" = "version" + 1
                          where "id" = ${level.id} and "onHand" - "reserved" >= ${quantity}`
    expect(await reserve(2)).toBe(1)
    expect(await reserve(1)).toBe(0)
    // And a direct update past the limit is refused by the CHECK.
    await constraintOf(prisma.inventoryLevel.update({ where: { id: level.id }, data: { reserved: { increment: 1 } } }))
    expect(await prisma.inventoryLevel.findUniqueOrThrow({ where: { id: level.id }, select: { onHand: true, reserved: true } })).toEqual({
      onHand: 5,
      reserved: 5,
    })
  })

  test('the inventory ledger is append-only', async () => {
    const location = await createLocation(prisma)
    const { variants } = await createProduct(prisma)
    const entry = await prisma.inventoryLedgerEntry.create({
      data: { variantId: variants[0]!.id, locationId: location.id, kind: 'restock', onHandDelta: 10 },
      select: { id: true },
    })
    expect(await constraintOf(prisma.inventoryLedgerEntry.update({ where: { id: entry.id }, data: { onHandDelta: 11 } }))).toMatch(/append-only/)
    expect(await constraintOf(prisma.inventoryLedgerEntry.delete({ where: { id: entry.id } }))).toMatch(/append-only/)
  })
})

describe('order lines and returns', () => {
  test('line counters stay within the ordered quantity', async () => {
    const { lines } = await createOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'fulfilled', quantities: [2], items: [{ sku: 'X-1', title: 'X', unitPriceAmount: 100 }] })
    const id = lines[0]!.id
    for (const data of [
      { quantityFulfilled: 3 }, // more than ordered
      { quantityShipped: 3 }, // shipped > fulfilled
      { quantityCancelled: 1 }, // fulfilled + cancelled > ordered
      { quantityReturned: 1 }, // returned > shipped (nothing shipped yet)
    ]) {
      expect(await constraintOf(prisma.orderLine.update({ where: { id }, data }))).toMatch(/OrderLine_quantities_check|check/i)
    }
    await prisma.orderLine.update({ where: { id }, data: { quantityShipped: 2 } })
  })

  test('a return line cannot receive more than requested or damage more than received', async () => {
    const { lines } = await createReturn(prisma, { status: 'requested' })
    const id = lines[0]!.id!
    expect(await constraintOf(prisma.returnLine.update({ where: { id }, data: { quantityReceived: 2 } }))).toMatch(/ReturnLine_quantities_check|check/i)
    expect(await constraintOf(prisma.returnLine.update({ where: { id }, data: { quantityDamaged: 1 } }))).toMatch(/ReturnLine_quantities_check|check/i)
  })

  test('money and currency are checked', async () => {
    const order = await createOrder(prisma)
    expect(await constraintOf(prisma.order.update({ where: { id: order.order.id }, data: { totalAmount: -1 } }))).toMatch(/Order_money_check|check/i)
    expect(await constraintOf(prisma.order.update({ where: { id: order.order.id }, data: { currency: 'gbp' } }))).toMatch(/Order_money_check|check/i)
    expect(await constraintOf(prisma.order.update({ where: { id: order.order.id }, data: { customerEmail: 'Mixed@Case.test' } }))).toMatch(
      /customerEmail_lower|check/i,
    )
  })

  test('order numbers are unique and prefix-searchable; new numbers come from order_number_seq', async () => {
    const a = await createOrder(prisma, { number: '#777001' })
    await createOrder(prisma, { number: '#777002' })
    await createOrder(prisma, { number: '#778001' })
    expect(await constraintOf(createOrder(prisma, { number: '#777001' }))).toMatch(/number|unique/i)
    const found = await prisma.order.findMany({ where: { number: { startsWith: '#7770' } }, select: { number: true }, orderBy: { number: 'asc' } })
    expect(found.map((o) => o.number)).toEqual(['#777001', '#777002'])
    const [{ next }] = await prisma.$queryRaw<{ next: bigint }[]>`select nextval('order_number_seq') as next`
    expect(Number(next)).toBeGreaterThanOrEqual(100001)
    expect(a.order.number).toBe('#777001')
  })
})

describe('integration plumbing', () => {
  test('a webhook event is stored once per provider and event id', async () => {
    const data = { provider: 'payments' as const, eventId: 'evt_1', topic: 'payment.captured', payload: { id: 1 } }
    await prisma.webhookEvent.create({ data })
    expect(await constraintOf(prisma.webhookEvent.create({ data }))).toMatch(/Unique|unique|P2002/)
    await prisma.webhookEvent.create({ data: { ...data, provider: 'storefront' } })
    const inserted = await prisma.$executeRaw`insert into "WebhookEvent" ("id", "provider", "eventId", "topic", "payload")
      values (${fakeId(testFaker)}, 'payments', 'evt_1', 'payment.captured', '{}') on conflict ("provider", "eventId") do nothing`
    expect(inserted).toBe(0)
  })

  test('an alert rule has at most one unresolved alert per fingerprint', async () => {
    const rule = await prisma.alertRule.create({ data: { name: 'r', metric: 'm', condition: 'gt', threshold: 1 }, select: { id: true } })
    const alert = { ruleId: rule.id, value: 2, message: 'm > 1', firedAt: new Date() }
    const first = await prisma.alert.create({ data: alert, select: { id: true } })
    expect(await constraintOf(prisma.alert.create({ data: { ...alert, status: 'acknowledged' } }))).toMatch(/Unique|unique|P2002/)
    await prisma.alert.update({ where: { id: first.id }, data: { status: 'resolved', resolvedAt: new Date() } })
    await prisma.alert.create({ data: alert })
    await prisma.alert.create({ data: { ...alert, fingerprint: 'integration=carrier' } })
  })

  test('refund idempotency keys and outbox idempotency keys are unique', async () => {
    const { order } = await createOrder(prisma, { paymentStatus: 'paid', status: 'confirmed' })
    const refund = { orderId: order.id, amount: 100, currency: 'GBP', idempotencyKey: `refund:${order.id}:1` }
    await prisma.refund.create({ data: refund })
    expect(await constraintOf(prisma.refund.create({ data: refund }))).toMatch(/Unique|unique|P2002/)
    await prisma.outboxMessage.create({ data: { topic: 't', payload: {}, idempotencyKey: 'k1' } })
    expect(await constraintOf(prisma.outboxMessage.create({ data: { topic: 't', payload: {}, idempotencyKey: 'k1' } }))).toMatch(/Unique|unique|P2002/)
  })
})
