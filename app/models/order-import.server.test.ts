import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createLocation, createStockedVariant, uniqueSuffix } from '#test/factories/index.ts'
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

describe('stock: an accepted order is never committed without its reservation', () => {
  const line = (sku: string, quantity: number) => ({ sku, title: 'Mug', variantTitle: null, quantity, unitPriceAmount: 600, discountAmount: 0, taxAmount: 0, totalAmount: 600 * quantity })
  const level = (id: string) => prisma.inventoryLevel.findUniqueOrThrow({ where: { id }, select: { onHand: true, reserved: true } })
  const reservedUnits = async (orderId: string) =>
    (await prisma.reservation.aggregate({ where: { orderLine: { orderId }, status: 'open' }, _sum: { quantity: true } }))._sum.quantity ?? 0

  /** A failure between the order's write and its reservation: every reservation insert fails while it is installed. */
  async function withFailingReservations<T>(work: () => Promise<T>) {
    await prisma.$executeRawUnsafe(`CREATE FUNCTION test_fail_reservation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected failure after the upsert'; END $$`)
    await prisma.$executeRawUnsafe(`CREATE TRIGGER test_fail_reservation BEFORE INSERT ON "Reservation" FOR EACH ROW EXECUTE FUNCTION test_fail_reservation()`)
    try {
      return await work()
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER test_fail_reservation ON "Reservation"`)
      await prisma.$executeRawUnsafe(`DROP FUNCTION test_fail_reservation()`)
    }
  }

  test('a failure after the upsert leaves no order behind (job and page paths); the retry creates it with its reservation', async () => {
    const mug = await createStockedVariant(prisma, { stock: [{ onHand: 10 }] })
    const byJob = storefrontOrder({ lines: [line(mug.variant.sku, 2)] })
    const byPage = storefrontOrder({ lines: [line(mug.variant.sku, 3)] })
    await withFailingReservations(async () => {
      await expect(importOrder(byJob)).rejects.toThrow(/injected failure/)
      await expect(importOrders([byPage])).rejects.toThrow(/injected failure/)
    })
    // Before this was one transaction the orders stayed, unreserved, and a retry saw them as "skipped".
    expect(await prisma.order.count({ where: { source: 'storefront', externalId: { in: [byJob.externalId, byPage.externalId] } } })).toBe(0)
    expect(await level(mug.levels[0]!.id)).toEqual({ onHand: 10, reserved: 0 })

    const [job, [page]] = await Promise.all([importOrder(byJob), importOrders([byPage])])
    expect([job.outcome, page!.outcome]).toEqual(['created', 'created'])
    expect(await reservedUnits(job.orderId)).toBe(2)
    expect(await reservedUnits(page!.orderId)).toBe(3)
    expect(await level(mug.levels[0]!.id)).toEqual({ onHand: 10, reserved: 5 })
  })

  test('a connection killed between the upsert and the reservation leaves no order behind; the retry reserves', async () => {
    const mug = await createStockedVariant(prisma, { stock: [{ onHand: 4 }] })
    const order = storefrontOrder({ lines: [line(mug.variant.sku, 1)] })
    // The reservation waits (the upsert is done, not committed) until the test kills its connection, like a crash.
    await prisma.$executeRawUnsafe(`CREATE FUNCTION test_stall_reservation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$`)
    await prisma.$executeRawUnsafe(`CREATE TRIGGER test_stall_reservation BEFORE INSERT ON "Reservation" FOR EACH ROW EXECUTE FUNCTION test_stall_reservation()`)
    try {
      const importing = importOrder(order)
      const settled = importing.then(
        () => 'committed',
        () => 'failed',
      )
      let killed = 0
      while (killed === 0) {
        const [row] = await prisma.$queryRaw<{ killed: bigint }[]>`
          select count(*) filter (where pg_terminate_backend(pid)) as killed from pg_stat_activity
          where datname = current_database() and query like '%inventory_reserve_orders%' and wait_event = 'PgSleep'`
        killed = Number(row!.killed)
        if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(await settled).toBe('failed')
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER test_stall_reservation ON "Reservation"`)
      await prisma.$executeRawUnsafe(`DROP FUNCTION test_stall_reservation()`)
    }
    expect(await prisma.order.count({ where: { source: 'storefront', externalId: order.externalId } })).toBe(0)

    const retry = await importOrder(order)
    expect(retry.outcome).toBe('created')
    expect(await reservedUnits(retry.orderId)).toBe(1)
    expect(await level(mug.levels[0]!.id)).toEqual({ onHand: 4, reserved: 1 })
  })

  test('a pending order the channel then sends paid reserves on that update; a changed line list is replaced first', async () => {
    const mug = await createStockedVariant(prisma, { stock: [{ onHand: 10 }] })
    const unpaid = storefrontOrder({ status: 'pending', lines: [line(mug.variant.sku, 2)] })
    const created = await importOrder(unpaid)
    expect(await reservedUnits(created.orderId)).toBe(0)
    const paid = await importOrder({ ...unpaid, status: 'confirmed', externalUpdatedAt: at(10) })
    expect(paid.outcome).toBe('updated')
    expect(await reservedUnits(created.orderId)).toBe(2)

    const other = storefrontOrder({ status: 'pending', lines: [line(mug.variant.sku, 1)] })
    const second = await importOrder(other)
    // Paid with one more unit: the lines are replaced before the reservation, which covers the new quantity.
    await importOrder({ ...other, status: 'confirmed', externalUpdatedAt: at(10), lines: [line(mug.variant.sku, 3)] })
    expect((await stored(other.externalId)).lines.map((l) => l.quantityOrdered)).toEqual([3])
    expect(await reservedUnits(second.orderId)).toBe(3)
    expect(await level(mug.levels[0]!.id)).toEqual({ onHand: 10, reserved: 5 })
  })

  test('a burst of orders for scarce stock: each reserves all or nothing, no oversell, the short ones on their timeline', async () => {
    const lamp = await createStockedVariant(prisma, { stock: [{ onHand: 5 }] })
    // Earliest placed first within a batch.
    const orders = [0, 1, 2, 3].map((n) => storefrontOrder({ placedAt: at(n), lines: [line(lamp.variant.sku, 2)] }))
    const results = await Promise.all(orders.map((order) => importOrder(order)))
    expect(await level(lamp.levels[0]!.id)).toEqual({ onHand: 5, reserved: 4 })
    expect(await Promise.all(results.map((result) => reservedUnits(result.orderId)))).toEqual([2, 2, 0, 0])
    const audits = await prisma.auditLog.findMany({
      where: { action: 'reserve:order', entityType: 'order', entityId: { in: results.map((result) => result.orderId) } },
      select: { entityId: true, actorId: true, after: true },
    })
    expect(audits.map((audit) => audit.entityId).sort()).toEqual([results[2]!.orderId, results[3]!.orderId].sort())
    for (const audit of audits) {
      expect(audit.actorId).toBeNull()
      expect(audit.after).toMatchObject({ reserved: false, reason: `Not enough stock: ${lamp.variant.sku} wanted 2, 1 available` })
    }
  })

  test('concurrent import transactions whose orders share SKUs in opposite orders both complete', async () => {
    const location = await createLocation(prisma)
    const a = await createStockedVariant(prisma, { stock: [{ locationId: location.id, onHand: 100 }] })
    const b = await createStockedVariant(prisma, { stock: [{ locationId: location.id, onHand: 100 }] })
    for (let round = 0; round < 5; round += 1) {
      // Each page reserves its first order's SKU first: without the up-front lock in id order they could deadlock.
      const pageOne = [storefrontOrder({ placedAt: at(0), lines: [line(a.variant.sku, 1)] }), storefrontOrder({ placedAt: at(1), lines: [line(b.variant.sku, 1)] })]
      const pageTwo = [storefrontOrder({ placedAt: at(0), lines: [line(b.variant.sku, 1)] }), storefrontOrder({ placedAt: at(1), lines: [line(a.variant.sku, 1)] })]
      await Promise.all([importOrders(pageOne), importOrders(pageTwo)])
    }
    expect(await level(a.levels[0]!.id)).toEqual({ onHand: 100, reserved: 10 })
    expect(await level(b.levels[0]!.id)).toEqual({ onHand: 100, reserved: 10 })
  })
})
