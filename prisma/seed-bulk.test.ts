import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { bulkSizes, seedBulk } from './seed-bulk.ts'

/** The bulk path at 1/500 scale: same SQL, same invariants. */
describe('seedBulk', () => {
  test('loads the scaled volumes, leaves every index and constraint in place, and derived statuses consistent', async () => {
    const schema = async () =>
      prisma.$queryRaw<{ indexes: number; constraints: number }[]>`
        select (select count(*) from pg_indexes where schemaname = 'public')::int as indexes,
               (select count(*) from pg_constraint c join pg_namespace n on n.oid = c.connamespace
                 where n.nspname = 'public' and c.convalidated)::int as constraints`
    const before = await schema()
    const orders = 2000
    const result = await seedBulk({ connectionString: process.env.DATABASE_URL!, orders, now: new Date('2026-11-25T12:00:00Z') })
    expect(await schema()).toEqual(before)

    const sizes = bulkSizes(orders)
    expect(result.counts).toMatchObject({
      Order: orders,
      Customer: sizes.customers,
      ProductVariant: sizes.variants,
      Product: sizes.products,
      InventoryLevel: sizes.variants * 3,
      Ticket: sizes.tickets,
    })
    expect(result.counts.OrderLine! / orders).toBeGreaterThan(2.3)
    expect(result.counts.OrderLine! / orders).toBeLessThan(2.7)
    expect(result.timings.map((t) => t.step)).toContain('analyze')

    // Payment status from payments (same rules as derivePaymentStatus), fulfilment status from counters + shipments.
    const [inconsistent] = await prisma.$queryRaw<{ payment: number; fulfillment: number; totals: number }[]>`
      with lines as (
        select "orderId", sum("quantityOrdered" - "quantityCancelled") as active, sum("quantityFulfilled") as f,
               sum("quantityShipped") as s, sum("quantityReturned") as r, sum("totalAmount") as subtotal
          from "OrderLine" group by 1
      ), pays as (
        select "orderId", count(*) filter (where status not in ('failed', 'pending')) as live,
               bool_and(status = 'voided') filter (where status not in ('failed', 'pending')) as all_voided,
               sum("capturedAmount") as captured, sum("refundedAmount") as refunded,
               sum(amount) filter (where status = 'authorized') as authorized
          from "Payment" group by 1
      ), ships as (
        select "orderId", bool_and(status = 'delivered') filter (where "shippedAt" is not null and status <> 'cancelled') as all_delivered
          from "Fulfillment" group by 1
      ), derived as (
        select o.id, o."paymentStatus"::text as stored_payment, o."fulfillmentStatus"::text as stored_fulfillment,
               o."subtotalAmount" = l.subtotal and o."totalAmount" = o."subtotalAmount" - o."discountAmount" + o."shippingAmount" + o."taxAmount" as totals_ok,
               case when coalesce(p.live, 0) = 0 then 'unpaid'
                    when p.all_voided then 'voided'
                    when p.captured > 0 and p.refunded >= p.captured then 'refunded'
                    when p.refunded > 0 then 'partially_refunded'
                    when p.captured >= o."totalAmount" and p.captured > 0 then 'paid'
                    when p.captured > 0 then 'partially_paid'
                    when coalesce(p.authorized, 0) >= o."totalAmount" then 'authorized'
                    else 'unpaid' end as payment,
               case when l.active <= 0 then 'unfulfilled'
                    when l.r > 0 then case when l.r >= l.active then 'returned' else 'partially_returned' end
                    when l.s >= l.active then case when coalesce(sh.all_delivered, false) then 'delivered' else 'shipped' end
                    when l.s > 0 then 'partially_shipped'
                    when l.f >= l.active then 'fulfilled'
                    when l.f > 0 then 'partially_fulfilled'
                    else 'unfulfilled' end as fulfillment
          from "Order" o join lines l on l."orderId" = o.id
          left join pays p on p."orderId" = o.id left join ships sh on sh."orderId" = o.id
      )
      select count(*) filter (where payment <> stored_payment)::int as payment,
             count(*) filter (where fulfillment <> stored_fulfillment)::int as fulfillment,
             count(*) filter (where not totals_ok)::int as totals
        from derived`
    expect(inconsistent).toEqual({ payment: 0, fulfillment: 0, totals: 0 })

    // Fulfilment lines add up to the lines' fulfilled counters; every status combination appears.
    const [{ mismatched }] = await prisma.$queryRaw<{ mismatched: number }[]>`
      select count(*)::int as mismatched from "OrderLine" ol
        left join (select "orderLineId", sum(quantity) as q from "FulfillmentLine" group by 1) fl on fl."orderLineId" = ol.id
       where ol."quantityFulfilled" <> coalesce(fl.q, 0)`
    expect(mismatched).toBe(0)
    expect((await prisma.order.groupBy({ by: ['status', 'paymentStatus', 'fulfillmentStatus'], _count: true })).length).toBeGreaterThanOrEqual(15)

    await expect(seedBulk({ connectionString: process.env.DATABASE_URL!, orders })).rejects.toThrow(/already holds bulk data/)
  }, 60_000)
})
