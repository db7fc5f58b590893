import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { uniqueSuffix } from '#test/factories/index.ts'
import { importOrder, importOrders, type ImportedOrder } from './order-import.server.ts'

const t0 = new Date('2026-11-25T10:00:00.000Z')
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)

function storefrontOrder(overrides: Partial<ImportedOrder> = {}): ImportedOrder {
  const suffix = uniqueSuffix()
  return {
    source: 'storefront',
    externalId: `so_${suffix}`,
    number: `#T${suffix}`.slice(0, 32),
    status: 'confirmed',
    currency: 'GBP',
    subtotalAmount: 2000,
    discountAmount: 0,
    shippingAmount: 495,
    taxAmount: 400,
    totalAmount: 2895,
    customer: { externalId: `cus_${suffix}`, email: `Buyer.${suffix}@Example.test`, name: 'Ada Buyer', phone: null },
    shippingAddress: { name: 'Ada Buyer', company: null, line1: '1 Road', line2: null, city: 'Leeds', region: null, postalCode: 'LS1 1AA', country: 'GB', phone: null },
    tags: ['gift'],
    note: null,
    placedAt: at(0),
    cancelledAt: null,
    cancelReason: null,
    closedAt: null,
    externalUpdatedAt: at(0),
    lines: [
      { sku: 'NO-SUCH-SKU-1', title: 'Mug', variantTitle: null, quantity: 2, unitPriceAmount: 600, discountAmount: 0, taxAmount: 240, totalAmount: 1440 },
      { sku: 'NO-SUCH-SKU-2', title: 'Tea', variantTitle: '250 g', quantity: 1, unitPriceAmount: 800, discountAmount: 0, taxAmount: 160, totalAmount: 960 },
    ],
    ...overrides,
  }
}

const stored = (externalId: string) =>
  prisma.order.findUniqueOrThrow({
    where: { source_externalId: { source: 'storefront', externalId } },
    include: { lines: { orderBy: { position: 'asc' } }, customer: true },
  })

describe('importOrder (concurrent calls share one statement)', () => {
  test('orders imported at the same moment are each created with their lines; a shared customer is one row', async () => {
    const first = storefrontOrder()
    const second = storefrontOrder({ customer: first.customer })
    const third = storefrontOrder()
    const results = await Promise.all([first, second, third].map((order) => importOrder(order)))
    expect(results.map((result) => result.outcome)).toEqual(['created', 'created', 'created'])
    expect(new Set(results.map((result) => result.orderId)).size).toBe(3)
    expect(results[0]!.customerId).toBe(results[1]!.customerId)

    const order = await stored(first.externalId)
    expect(order).toMatchObject({ number: first.number, status: 'confirmed', paymentStatus: 'unpaid', totalAmount: 2895, tags: ['gift'] })
    expect(order.customerEmail).toBe(first.customer.email.toLowerCase())
    expect(order.customer).toMatchObject({ externalId: first.customer.externalId, email: first.customer.email.toLowerCase() })
    expect(order.lines.map((line) => [line.sku, line.quantityOrdered, line.totalAmount])).toEqual([
      ['NO-SUCH-SKU-1', 2, 1440],
      ['NO-SUCH-SKU-2', 1, 960],
    ])
    expect(await prisma.customer.count({ where: { source: 'storefront', externalId: first.customer.externalId } })).toBe(1)
  })

  test('two versions of one order in one batch: the newer is written once, the older is reported skipped', async () => {
    const older = storefrontOrder({ tags: ['old'], externalUpdatedAt: at(10) })
    const newer = { ...older, tags: ['new'], externalUpdatedAt: at(20) }
    const [a, b] = await Promise.all([importOrder(older), importOrder(newer)])
    expect(a).toMatchObject({ outcome: 'skipped', orderId: b.orderId })
    expect(b.outcome).toBe('created')
    expect((await stored(older.externalId)).tags).toEqual(['new'])

    // Later: the older version again is skipped; a newer one updates.
    expect((await importOrder(older)).outcome).toBe('skipped')
    const update = await importOrder({ ...older, tags: ['newest'], externalUpdatedAt: at(30) })
    expect(update).toMatchObject({ outcome: 'updated', orderId: b.orderId })
    expect((await stored(older.externalId)).tags).toEqual(['newest'])
  })

  test('one bad order in a batch fails alone; the others are written', async () => {
    const existing = storefrontOrder()
    await importOrder(existing)
    // A different storefront order that reuses a stored order number violates "Order_number_key".
    const clash = storefrontOrder({ number: existing.number })
    const good = storefrontOrder()
    const [bad, ok] = await Promise.allSettled([importOrder(clash), importOrder(good)])
    expect(bad.status).toBe('rejected')
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/Order_number_key|unique/)
    expect(ok).toMatchObject({ status: 'fulfilled', value: { outcome: 'created' } })
    expect(await prisma.order.count({ where: { source: 'storefront', externalId: clash.externalId } })).toBe(0)
    expect((await stored(good.externalId)).lines).toHaveLength(2)
  })

  test('changed lines replace the stored ones while nothing is fulfilled', async () => {
    const order = storefrontOrder()
    await importOrder(order)
    const changed = { ...order, externalUpdatedAt: at(60), lines: [{ ...order.lines[0]!, quantity: 3, totalAmount: 2160 }] }
    expect((await importOrder(changed)).outcome).toBe('updated')
    expect((await stored(order.externalId)).lines.map((line) => [line.sku, line.quantityOrdered])).toEqual([['NO-SUCH-SKU-1', 3]])
  })
})

describe('importOrders (a pull page, one transaction)', () => {
  test('creates new orders and skips versions not newer than stored', async () => {
    const known = storefrontOrder({ externalUpdatedAt: at(50) })
    await importOrder(known)
    const fresh = storefrontOrder()
    const results = await importOrders([{ ...known, externalUpdatedAt: at(50) }, fresh])
    expect(results.map((result) => result.outcome)).toEqual(['skipped', 'created'])
    expect((await stored(fresh.externalId)).lines).toHaveLength(2)
  })
})
