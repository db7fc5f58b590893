import { PrismaPg } from '@prisma/adapter-pg'
import { beforeAll, describe, expect, test } from 'vitest'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'
import { verifyPassword } from '#app/utils/password.server.ts'
import { deriveFulfillmentStatus, derivePaymentStatus } from '#app/models/order-status.ts'
import { ORDER_SCENARIOS, RETURN_STATUSES, TICKET_STATUSES } from '#test/factories/index.ts'
import { createTestDatabase } from '#test/setup/test-db.ts'
import { DEMO_PASSWORD, DEMO_USERS } from './demo-users.ts'
import { seedDemo } from './seed.ts'

const now = new Date('2026-11-25T10:30:00.000Z')

/** A digest of the seeded business data (ids included), to compare two seeded databases. */
async function fingerprint(client: PrismaClient) {
  const [row] = await client.$queryRaw<{ digest: string }[]>`
    select md5(
      (select string_agg(concat_ws('|', id, number, status, "paymentStatus", "fulfillmentStatus", "totalAmount", "placedAt", "customerEmail"), ',' order by id) from "Order") ||
      (select string_agg(concat_ws('|', id, email, name), ',' order by id) from "Customer") ||
      (select string_agg(concat_ws('|', id, "orderId", sku, "quantityOrdered", "quantityShipped"), ',' order by id) from "OrderLine") ||
      (select string_agg(concat_ws('|', id, number, status, subject, "createdAt"), ',' order by id) from "Ticket") ||
      (select string_agg(concat_ws('|', "variantId", "locationId", "onHand", reserved), ',' order by id) from "InventoryLevel")
    ) as digest`
  return row!.digest
}

describe('seedDemo', () => {
  let result: Awaited<ReturnType<typeof seedDemo>>
  beforeAll(async () => {
    result = await seedDemo(prisma, { now })
  })

  test('builds the demo store with every status and one user per role', async () => {
    expect(result.seeded).toBe(true)
    expect(result.counts).toMatchObject({ users: 4, customers: 300, products: 40, variants: 120, locations: 3, inventoryLevels: 360, orders: 1500, tickets: 200, integrations: 5 })

    const users = await prisma.user.findMany({ select: { email: true, role: true, passwordHash: true }, orderBy: { email: 'asc' } })
    expect(users.map((u) => [u.email, u.role])).toEqual(DEMO_USERS.map((u) => [u.email, u.role]).sort())
    expect(await verifyPassword(users[0]!.passwordHash, DEMO_PASSWORD)).toBe(true)

    const scenarios = await prisma.order.groupBy({ by: ['status', 'paymentStatus', 'fulfillmentStatus'], _count: true })
    expect(scenarios).toHaveLength(ORDER_SCENARIOS.length)
    expect(new Set((await prisma.return.groupBy({ by: ['status'], _count: true })).map((r) => r.status))).toEqual(new Set(RETURN_STATUSES))
    expect(new Set((await prisma.ticket.groupBy({ by: ['status'], _count: true })).map((r) => r.status))).toEqual(new Set(TICKET_STATUSES))
    expect(await prisma.ticketMessage.count({ where: { kind: 'internal_note' } })).toBeGreaterThan(0)
    expect(await prisma.order.count({ where: { placedAt: { gte: new Date('2026-11-25T00:00:00Z') } } })).toBeGreaterThanOrEqual(24)
    expect(await prisma.order.count({ where: { placedAt: { lt: new Date(now.getTime() - 91 * 86_400_000) } } })).toBe(0)
    expect(await prisma.slaPolicy.count()).toBe(5)
    expect(await prisma.alertRule.count()).toBeGreaterThan(0)
  })

  test('stored order statuses are what the payments, refunds, lines and shipments derive', async () => {
    const orders = await prisma.order.findMany({
      select: {
        number: true,
        paymentStatus: true,
        fulfillmentStatus: true,
        totalAmount: true,
        lines: { select: { quantityOrdered: true, quantityFulfilled: true, quantityShipped: true, quantityReturned: true, quantityCancelled: true } },
        payments: { select: { status: true, amount: true, capturedAmount: true, refundedAmount: true } },
        fulfillments: { select: { shippedAt: true, status: true } },
      },
    })
    const wrong = orders.filter(
      (o) =>
        derivePaymentStatus(o.totalAmount, o.payments) !== o.paymentStatus || deriveFulfillmentStatus(o.lines, o.fulfillments) !== o.fulfillmentStatus,
    )
    expect(wrong.map((o) => o.number)).toEqual([])
  })

  test('inventory: reserved equals open reservations, and the ledger adds up to every level', async () => {
    const mismatches = await prisma.$queryRaw<{ id: string }[]>`
      select l.id from "InventoryLevel" l
      left join (select ol."variantId", r."locationId", sum(r.quantity) as open from "Reservation" r
                   join "OrderLine" ol on ol.id = r."orderLineId" where r.status = 'open' group by 1, 2) o
             on o."variantId" = l."variantId" and o."locationId" = l."locationId"
      left join (select "variantId", "locationId", sum("onHandDelta") as on_hand, sum("reservedDelta") as reserved
                   from "InventoryLedgerEntry" group by 1, 2) g
             on g."variantId" = l."variantId" and g."locationId" = l."locationId"
      where l.reserved <> coalesce(o.open, 0) or l."onHand" <> coalesce(g.on_hand, 0) or l.reserved <> coalesce(g.reserved, 0)`
    expect(mismatches).toEqual([])
  })

  test('is idempotent, and the same reference time gives the same data', async () => {
    expect(await seedDemo(prisma, { now })).toEqual({ seeded: false, counts: {} })
    const other = await createTestDatabase('seed2')
    const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: other.url, max: 2 }) })
    try {
      expect((await seedDemo(client, { now })).seeded).toBe(true)
      expect(await fingerprint(client)).toBe(await fingerprint(prisma))
    } finally {
      await client.$disconnect()
      await other.drop()
    }
  }, 60_000)
})

