import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createLocation, createOrder, createStockedVariant, createUser } from '#test/factories/index.ts'
import { InventoryInputError, OutOfStockError, reserveOrderStock, restockReturnedUnits } from './inventory.server.ts'
import { cancelOrder, confirmOrder, IllegalTransitionError } from './order-actions.server.ts'

type Stocked = Awaited<ReturnType<typeof createStockedVariant>>
const item = (s: Stocked) => ({ variantId: s.variant.id, sku: s.variant.sku, title: `Item ${s.variant.sku}`, unitPriceAmount: 1000 })

/** A pending order (nothing reserved yet) with one line per item. */
function pendingOrder(items: Stocked[], quantities: number[]) {
  return createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', items: items.map(item), quantities })
}

const level = (id: string) => prisma.inventoryLevel.findUniqueOrThrow({ where: { id }, select: { onHand: true, reserved: true } })

async function ledgerSums(variantId: string) {
  const sums = await prisma.inventoryLedgerEntry.groupBy({ by: ['locationId'], where: { variantId }, _sum: { onHandDelta: true, reservedDelta: true } })
  return new Map(sums.map((s) => [s.locationId, { onHand: s._sum.onHandDelta ?? 0, reserved: s._sum.reservedDelta ?? 0 }]))
}

async function expectLedgerExplains(stocked: Stocked) {
  const sums = await ledgerSums(stocked.variant.id)
  for (const l of stocked.levels) expect(sums.get(l.locationId) ?? { onHand: 0, reserved: 0 }).toEqual(await level(l.id))
}

describe('reserveOrderStock', () => {
  test('reserves every line at one location, with a ledger row per reservation and the actor', async () => {
    const { user: actor } = await createUser(prisma, { role: 'operations' })
    const a = await createStockedVariant(prisma, { stock: [{ onHand: 5 }] })
    const b = await createStockedVariant(prisma, { stock: [{ onHand: 2, locationId: a.levels[0]!.locationId }] })
    const graph = await pendingOrder([a, b], [3, 2])
    const { reserved } = await prisma.$transaction((tx) => reserveOrderStock(tx, { orderId: graph.order.id, actorId: actor.id }))
    expect(reserved.map((r) => [r.orderLineId, r.locationId, r.quantity]).sort()).toEqual(
      [
        [graph.lines[0]!.id, a.levels[0]!.locationId, 3],
        [graph.lines[1]!.id, a.levels[0]!.locationId, 2],
      ].sort(),
    )
    expect(await level(a.levels[0]!.id)).toEqual({ onHand: 5, reserved: 3 })
    expect(await level(b.levels[0]!.id)).toEqual({ onHand: 2, reserved: 2 })
    const ledger = await prisma.inventoryLedgerEntry.findMany({ where: { orderId: graph.order.id }, orderBy: { reservedDelta: 'asc' } })
    expect(ledger.map((e) => [e.kind, e.reservedDelta, e.onHandDelta, e.actorId, e.reason])).toEqual([
      ['reserve', 2, 0, actor.id, `Order ${graph.order.number} accepted`],
      ['reserve', 3, 0, actor.id, `Order ${graph.order.number} accepted`],
    ])
    await expectLedgerExplains(a)
    await expectLedgerExplains(b)
    // Nothing left to reserve: a second call is a no-op.
    expect(await reserveOrderStock(prisma, { orderId: graph.order.id, actorId: null })).toEqual({ reserved: [] })
    expect(await level(a.levels[0]!.id)).toEqual({ onHand: 5, reserved: 3 })
  })

  test('lines that share a SKU are summed before the check (Medusa #16502): all or nothing', async () => {
    const a = await createStockedVariant(prisma, { stock: [{ onHand: 5 }] })
    const other = await createStockedVariant(prisma, { stock: [{ onHand: 10, locationId: a.levels[0]!.locationId }] })
    // 3 + 3 of the same SKU: each line alone would fit in 5, together they do not.
    const graph = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', items: [item(a), item(other), item(a)], quantities: [3, 1, 3] })
    const error = await reserveOrderStock(prisma, { orderId: graph.order.id, actorId: null }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OutOfStockError)
    expect((error as OutOfStockError).shortages).toEqual([{ variantId: a.variant.id, sku: a.variant.sku, wanted: 6, available: 5 }])
    expect((error as OutOfStockError).message).toBe(`Not enough stock: ${a.variant.sku} wanted 6, 5 available`)
    // Nothing reserved, not even the line that fits.
    expect(await level(a.levels[0]!.id)).toEqual({ onHand: 5, reserved: 0 })
    expect(await level(other.levels[0]!.id)).toEqual({ onHand: 10, reserved: 0 })
    expect(await prisma.reservation.count({ where: { orderLineId: { in: graph.lines.map((l) => l.id) } } })).toBe(0)
    expect(await prisma.inventoryLedgerEntry.count({ where: { orderId: graph.order.id } })).toBe(0)
  })

  test('location rule: one location that has everything wins; otherwise each SKU goes where most is available', async () => {
    const north = await createLocation(prisma, { code: 'RULE-A-NORTH' })
    const south = await createLocation(prisma, { code: 'RULE-B-SOUTH' })
    // South has more of A, but only north has enough of both: the whole order reserves at north.
    const a = await createStockedVariant(prisma, { stock: [{ locationId: north.id, onHand: 2 }, { locationId: south.id, onHand: 9 }] })
    const b = await createStockedVariant(prisma, { stock: [{ locationId: north.id, onHand: 4 }, { locationId: south.id, onHand: 0 }] })
    const together = await pendingOrder([a, b], [2, 1])
    const first = await reserveOrderStock(prisma, { orderId: together.order.id, actorId: null })
    expect(first.reserved.map((r) => r.locationId)).toEqual([north.id, north.id])
    // Now north has 0 of A: no single location has both, so A comes from south (most available) and B from north.
    const split = await pendingOrder([a, b], [3, 1])
    const second = await reserveOrderStock(prisma, { orderId: split.order.id, actorId: null })
    const byLine = new Map(second.reserved.map((r) => [r.orderLineId, r.locationId]))
    expect([byLine.get(split.lines[0]!.id), byLine.get(split.lines[1]!.id)]).toEqual([south.id, north.id])
    // A closed location does not count.
    await prisma.location.update({ where: { id: south.id }, data: { isActive: false } })
    const closed = await pendingOrder([a], [1])
    const error = await reserveOrderStock(prisma, { orderId: closed.order.id, actorId: null }).catch((e: unknown) => e)
    expect((error as OutOfStockError).shortages).toEqual([{ variantId: a.variant.id, sku: a.variant.sku, wanted: 1, available: 0 }])
  })

  test('a SKU stocked nowhere is out of stock with none available; untracked lines (no variant) are skipped', async () => {
    const a = await createStockedVariant(prisma, { stock: [] })
    const graph = await pendingOrder([a], [1])
    await expect(reserveOrderStock(prisma, { orderId: graph.order.id, actorId: null })).rejects.toThrow(`Not enough stock: ${a.variant.sku} wanted 1, none available`)
    const untracked = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized' })
    expect(await reserveOrderStock(prisma, { orderId: untracked.order.id, actorId: null })).toEqual({ reserved: [] })
  })
})

describe('order acceptance', () => {
  test('confirming reserves the stock; cancelling releases it; not enough stock refuses the confirmation', async () => {
    const { user: actor } = await createUser(prisma, { role: 'operations' })
    const ctx = { actor: { id: actor.id, role: 'operations' as const } }
    const a = await createStockedVariant(prisma, { stock: [{ onHand: 4 }] })
    const graph = await pendingOrder([a], [3])
    const confirmed = await confirmOrder(graph.order.id, ctx)
    expect(confirmed).toMatchObject({ status: 'confirmed', changed: true })
    expect(await level(a.levels[0]!.id)).toEqual({ onHand: 4, reserved: 3 })

    const short = await pendingOrder([a], [2])
    const error = await confirmOrder(short.order.id, ctx).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IllegalTransitionError)
    expect((error as Error).message).toBe(`This order cannot be confirmed yet. Not enough stock: ${a.variant.sku} wanted 2, 1 available`)
    expect(await prisma.order.findUniqueOrThrow({ where: { id: short.order.id }, select: { status: true, version: true } })).toEqual({ status: 'pending', version: 1 })

    await cancelOrder(graph.order.id, { reason: 'Customer changed their mind' }, ctx)
    expect(await level(a.levels[0]!.id)).toEqual({ onHand: 4, reserved: 0 })
    await confirmOrder(short.order.id, ctx)
    expect(await level(a.levels[0]!.id)).toEqual({ onHand: 4, reserved: 2 })
    await expectLedgerExplains(a)
  })
})

describe('restockReturnedUnits', () => {
  test('adds the units on hand with a restock ledger row naming the return, creating the level if needed', async () => {
    const { user: actor } = await createUser(prisma, { role: 'support' })
    const a = await createStockedVariant(prisma, { stock: [{ onHand: 1 }] })
    const elsewhere = await createLocation(prisma)
    const graph = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', items: [item(a)], quantities: [2] })
    const returnId = `ret-${graph.order.id}`
    await prisma.$executeRaw`insert into "Return" (id, number, "orderId", "requestedAt", "updatedAt") values (${returnId}, ${'RMA-' + returnId}, ${graph.order.id}, now(), now())`
    await prisma.$transaction((tx) =>
      restockReturnedUnits(tx, { variantId: a.variant.id, locationId: a.levels[0]!.locationId, quantity: 2, returnId, orderId: graph.order.id, actorId: actor.id }),
    )
    await prisma.$transaction((tx) =>
      restockReturnedUnits(tx, { variantId: a.variant.id, locationId: elsewhere.id, quantity: 1, returnId, orderId: graph.order.id, actorId: null, reason: 'Unopened' }),
    )
    expect(await level(a.levels[0]!.id)).toEqual({ onHand: 3, reserved: 0 })
    expect(await prisma.inventoryLevel.findUniqueOrThrow({ where: { variantId_locationId: { variantId: a.variant.id, locationId: elsewhere.id } }, select: { onHand: true, reserved: true } })).toEqual({ onHand: 1, reserved: 0 })
    const ledger = await prisma.inventoryLedgerEntry.findMany({ where: { variantId: a.variant.id, kind: 'restock' }, orderBy: { id: 'asc' } })
    expect(ledger.map((e) => [e.onHandDelta, e.orderId, e.returnId, e.actorId, e.reason])).toEqual([
      [2, graph.order.id, returnId, actor.id, 'Returned item restocked'],
      [1, graph.order.id, returnId, null, 'Unopened'],
    ])
    await expect(
      prisma.$transaction((tx) => restockReturnedUnits(tx, { variantId: a.variant.id, locationId: elsewhere.id, quantity: 0, returnId, orderId: graph.order.id, actorId: null })),
    ).rejects.toBeInstanceOf(InventoryInputError)
  })
})

test('a refused order of several SKUs changes no level, also when one SKU is stocked at no active location', async () => {
  // v2 of the statement raised the one stocked level's `reserved` here (no reservation, no ledger row): drift.
  const a = await createStockedVariant(prisma, { stock: [{ onHand: 5 }] })
  const b = await createStockedVariant(prisma, { stock: [{ onHand: 5 }] })
  await prisma.location.update({ where: { id: b.levels[0]!.locationId }, data: { isActive: false } })
  const graph = await pendingOrder([a, b], [1, 1])
  const error = await reserveOrderStock(prisma, { orderId: graph.order.id, actorId: null }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(OutOfStockError)
  expect((error as OutOfStockError).shortages.map((s) => [s.sku, s.wanted, s.available])).toEqual([[b.variant.sku, 1, 0]])
  expect(await level(a.levels[0]!.id)).toEqual({ onHand: 5, reserved: 0 })
  expect(await prisma.reservation.count({ where: { orderLine: { orderId: graph.order.id } } })).toBe(0)
  await expectLedgerExplains(a)
})

test('one SKU: the units taken by another order between the read and the guarded update refuse cleanly, nothing written', async () => {
  const a = await createStockedVariant(prisma, { stock: [{ onHand: 2 }] })
  const first = await pendingOrder([a], [2])
  const second = await pendingOrder([a], [2])
  // Both at once: exactly one gets the 2 units; the other is refused with no rows.
  const results = await Promise.allSettled([first, second].map((o) => reserveOrderStock(prisma, { orderId: o.order.id, actorId: null })))
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
  const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
  expect(refused.reason).toBeInstanceOf(OutOfStockError)
  expect(await level(a.levels[0]!.id)).toEqual({ onHand: 2, reserved: 2 })
  expect(await prisma.reservation.count({ where: { orderLine: { orderId: { in: [first.order.id, second.order.id] } } } })).toBe(1)
  await expectLedgerExplains(a)
})
