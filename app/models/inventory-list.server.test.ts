import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createLocation, createOrder, createStockedVariant } from '#test/factories/index.ts'
import { countInventoryStates, countStockAlerts, getVariantStock, listInventory, listStockAlerts, listVariantLedger, parseInventoryListQuery } from './inventory-list.server.ts'
import { listReconciliations } from './inventory-reconcile.server.ts'
import { reserveOrderStock } from './inventory-stock.server.ts'

const query = (search: string) => {
  const parsed = parseInventoryListQuery(new URLSearchParams(search))
  if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors))
  return parsed.query
}

test('lists levels by SKU and location with keyset pages, search, location and state filters', async () => {
  const north = await createLocation(prisma, { code: 'LST-N' })
  const south = await createLocation(prisma, { code: 'LST-S' })
  const tag = `LST${Date.now()}`
  const made = []
  for (let i = 0; i < 5; i++) {
    made.push(
      await createStockedVariant(prisma, {
        sku: `${tag}-${i}`,
        title: i === 3 ? `Walnut lamp ${tag}` : `Item ${tag}`,
        stock: [
          { locationId: north.id, onHand: i, lowStockThreshold: 2 },
          { locationId: south.id, onHand: 10 },
        ],
      }),
    )
  }
  const all = await listInventory(query(`q=${tag}&limit=25`))
  expect(all.rows.map((r) => `${r.sku}@${r.locationCode}`)).toEqual(made.flatMap((m) => [`${m.variant.sku}@LST-N`, `${m.variant.sku}@LST-S`]))
  expect(all.rows[0]).toMatchObject({ onHand: 0, reserved: 0, available: 0, state: 'out' })
  expect(all.nextCursor).toBeNull()

  // Keyset pages of 25 over 10 rows → one page; of 4 via limit is not allowed (25/50/100 only).
  expect(parseInventoryListQuery(new URLSearchParams('limit=4'))).toEqual({ errors: { limit: 'Show 25, 50 or 100 rows' } })
  expect(parseInventoryListQuery(new URLSearchParams('after=garbage'))).toMatchObject({ errors: { after: expect.stringContaining('no longer valid') } })

  const north0 = await listInventory(query(`q=${tag}&location=${north.id}&limit=25`))
  expect(north0.rows).toHaveLength(5)
  expect((await listInventory(query(`q=${tag}&state=out`))).rows.map((r) => r.sku)).toEqual([`${tag}-0`])
  expect((await listInventory(query(`q=${tag}&state=low`))).rows.map((r) => r.sku)).toEqual([`${tag}-1`, `${tag}-2`])
  expect((await listInventory(query(`q=${tag}&state=oversold`))).rows).toEqual([])
  expect(await countInventoryStates(query(`q=${tag}`))).toEqual({ total: 10, low: 2, out: 1, oversold: 0 })
  // Name search (product title).
  expect((await listInventory(query(`q=Walnut lamp ${tag}`))).rows.map((r) => r.sku)).toEqual([`${tag}-3`, `${tag}-3`])
  // Lower-case SKU prefix finds the upper-case SKU.
  expect((await listInventory(query(`q=${tag.toLowerCase()}-4`))).rows).toHaveLength(2)

  // Paging: 60 more levels with the same prefix → 70 rows, pages of 25 forward and back.
  for (let i = 5; i < 35; i++) await createStockedVariant(prisma, { sku: `${tag}-${String(i).padStart(2, '0')}`, stock: [{ locationId: north.id, onHand: 5 }, { locationId: south.id, onHand: 5 }] })
  const p1 = await listInventory(query(`q=${tag}&limit=25`))
  const p2 = await listInventory(query(`q=${tag}&limit=25&after=${p1.nextCursor}`))
  const p3 = await listInventory(query(`q=${tag}&limit=25&after=${p2.nextCursor}`))
  expect([p1.rows.length, p2.rows.length, p3.rows.length]).toEqual([25, 25, 20])
  expect(p3.nextCursor).toBeNull()
  const back = await listInventory(query(`q=${tag}&limit=25&before=${p3.prevCursor}`))
  expect(back.rows.map((r) => r.levelId)).toEqual(p2.rows.map((r) => r.levelId))
  const ids = new Set([...p1.rows, ...p2.rows, ...p3.rows].map((r) => r.levelId))
  expect(ids.size).toBe(70)
})

test('SKU page data: levels, ledger linked to its order, stock alerts queryable', async () => {
  const a = await createStockedVariant(prisma, { stock: [{ onHand: 3, lowStockThreshold: 1 }] })
  const order = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', items: [{ variantId: a.variant.id, sku: a.variant.sku, title: 'x', unitPriceAmount: 100 }], quantities: [2] })
  const before = new Date(Date.now() - 1000)
  await reserveOrderStock(prisma, { orderId: order.order.id, actorId: null })
  const stock = await getVariantStock(a.variant.id)
  expect(stock!.levels).toEqual([expect.objectContaining({ onHand: 3, reserved: 2, available: 1, state: 'low', openReservations: 1 })])
  const ledger = await listVariantLedger(a.variant.id)
  expect(ledger.rows.map((r) => [r.kind, r.reservedDelta, r.orderNumber])).toEqual([
    ['reserve', 2, order.order.number],
    ['adjust', 0, null],
  ])
  const alerts = await listStockAlerts(prisma, { since: before })
  expect(alerts.find((x) => x.variantId === a.variant.id)).toMatchObject({ state: 'low', available: 1, threshold: 1 })
  expect((await countStockAlerts()).low).toBeGreaterThanOrEqual(1)
  expect(await listReconciliations()).toEqual([])
  expect(await getVariantStock('nope')).toBeNull()
})
