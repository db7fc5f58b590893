import { beforeAll, describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createInventoryLevel, createLocation, createOrder, createProduct, createReturn, createTicket, DAY, HOUR } from '#test/factories/index.ts'
import { getHomeFigures } from './dashboard.server.ts'

const now = new Date('2026-11-25T15:00:00.000Z')
const midnight = new Date('2026-11-25T00:00:00.000Z')

describe('getHomeFigures', () => {
  beforeAll(async () => {
    // Today: five orders (one cancelled, one in EUR); two of them await fulfilment.
    await createOrder(prisma, { now, placedAt: midnight, currency: 'GBP', totalAmount: 1000, status: 'confirmed', paymentStatus: 'paid' })
    await createOrder(prisma, {
      now,
      placedAt: new Date(midnight.getTime() + 2 * HOUR),
      currency: 'GBP',
      totalAmount: 2500,
      status: 'processing',
      paymentStatus: 'paid',
      fulfillmentStatus: 'partially_shipped',
    })
    await createOrder(prisma, {
      now,
      placedAt: new Date(now.getTime() - HOUR),
      currency: 'GBP',
      totalAmount: 500,
      status: 'completed',
      paymentStatus: 'paid',
      fulfillmentStatus: 'delivered',
    })
    await createOrder(prisma, { now, placedAt: new Date(now.getTime() - 1000), currency: 'EUR', totalAmount: 700, status: 'pending' })
    await createOrder(prisma, { now, placedAt: new Date(now.getTime() - 2 * HOUR), currency: 'GBP', totalAmount: 9999, status: 'cancelled', paymentStatus: 'voided' })
    // Not today: one millisecond before midnight (awaits fulfilment), and last week (on hold: not awaiting).
    await createOrder(prisma, {
      now,
      placedAt: new Date(midnight.getTime() - 1),
      currency: 'GBP',
      totalAmount: 1234,
      status: 'processing',
      paymentStatus: 'paid',
      fulfillmentStatus: 'fulfilled',
    })
    await createOrder(prisma, { now, placedAt: new Date(now.getTime() - 7 * DAY), totalAmount: 4321, status: 'on_hold', paymentStatus: 'paid' })

    for (const status of ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const) await createTicket(prisma, { now, status })
    for (const status of ['requested', 'in_transit', 'received', 'resolved', 'rejected', 'cancelled'] as const) await createReturn(prisma, { now, status })

    // Low stock: v1 at one of two locations, v2 exactly at its threshold (available 5 <= 5); v3 fine everywhere.
    const [a, b] = [await createLocation(prisma), await createLocation(prisma)]
    const { variants } = await createProduct(prisma, { variants: [{}, {}, {}] })
    const [v1, v2, v3] = variants as [(typeof variants)[0], (typeof variants)[0], (typeof variants)[0]]
    await createInventoryLevel(prisma, { variantId: v1.id, locationId: a.id, onHand: 5, lowStockThreshold: 10 })
    await createInventoryLevel(prisma, { variantId: v1.id, locationId: b.id, onHand: 100, lowStockThreshold: 10 })
    await createInventoryLevel(prisma, { variantId: v2.id, locationId: a.id, onHand: 20, reserved: 15, lowStockThreshold: 5 })
    await createInventoryLevel(prisma, { variantId: v3.id, locationId: a.id, onHand: 50, reserved: 30, lowStockThreshold: 10 })
  })

  test('counts today from UTC midnight and sums revenue per currency without cancelled orders', async () => {
    expect(await getHomeFigures(now)).toEqual({
      ordersToday: 5,
      revenueToday: [
        { currency: 'EUR', amount: 700 },
        { currency: 'GBP', amount: 4000 },
      ],
      openTickets: 4,
      returnsWaiting: 3,
      ordersAwaitingFulfilment: 3,
      lowStockVariants: 2,
    })
  })

  test('a day with no orders has zero orders and no revenue rows', async () => {
    const figures = await getHomeFigures(new Date('2026-12-25T12:00:00.000Z'))
    expect(figures.ordersToday).toBe(0)
    expect(figures.revenueToday).toEqual([])
  })

  test('the awaiting-fulfilment and low-stock counts use their partial indexes', async () => {
    // One transaction, so the setting and the EXPLAINs share a connection of the pool.
    const [awaiting, lowStock] = await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('set local enable_seqscan = off')
      const plan = async (sql: string) =>
        (await tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`explain ${sql}`)).map((r) => r['QUERY PLAN']).join('\n')
      return [
        await plan(`select count(*) from "Order" where "status" in ('confirmed', 'processing')
          and "fulfillmentStatus" in ('unfulfilled', 'partially_fulfilled', 'fulfilled', 'partially_shipped')`),
        await plan(`select count(distinct "variantId") from "InventoryLevel" where "onHand" - "reserved" <= "lowStockThreshold"`),
      ]
    })
    expect(awaiting).toContain('Order_awaiting_fulfillment_idx')
    expect(lowStock).toContain('InventoryLevel_low_stock_idx')
  })
})
