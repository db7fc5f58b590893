import type { ReturnStatus, TicketStatus } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'

/** Tickets someone still has to act on. */
export const OPEN_TICKET_STATUSES = ['new', 'open', 'pending', 'on_hold'] as const satisfies readonly TicketStatus[]
/** Returns not yet resolved (rejected and cancelled ones are finished too). */
export const WAITING_RETURN_STATUSES = ['requested', 'approved', 'label_created', 'in_transit', 'received'] as const satisfies readonly ReturnStatus[]

export type HomeFigures = {
  /** Orders placed since 00:00 UTC (every status). */
  ordersToday: number
  /** Sum of today's non-cancelled order totals per currency, in minor units, sorted by currency. */
  revenueToday: { currency: string; amount: number }[]
  openTickets: number
  returnsWaiting: number
  /** Confirmed or processing orders not yet fully shipped. */
  ordersAwaitingFulfilment: number
  /** Variants with at least one location at or below its low-stock threshold (available = onHand - reserved). */
  lowStockVariants: number
}

/**
 * The home page's figures in two round trips. Every count is answered from an index: the order list index on
 * placedAt, the ticket/return status indexes, and the partial indexes "Order_awaiting_fulfillment_idx" and
 * "InventoryLevel_low_stock_idx" (prisma/migrations/20261125010000_domain), whose predicates these WHERE clauses
 * repeat exactly so the planner can use them.
 * NOTE: the status lists are SQL literals on purpose (a bound parameter cannot prove a partial index's predicate);
 * they must stay equal to OPEN_TICKET_STATUSES and WAITING_RETURN_STATUSES above.
 */
export async function getHomeFigures(now = new Date()): Promise<HomeFigures> {
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
  const to = new Date(from.getTime() + 24 * 60 * 60 * 1000)
  const [counts, revenue] = await Promise.all([
    prisma.$queryRaw<
      { ordersToday: number; openTickets: number; returnsWaiting: number; ordersAwaitingFulfilment: number; lowStockVariants: number }[]
    >`
      select
        (select count(*) from "Order" where "placedAt" >= ${from} and "placedAt" < ${to})::int as "ordersToday",
        (select count(*) from "Ticket" where "status" in ('new', 'open', 'pending', 'on_hold'))::int as "openTickets",
        (select count(*) from "Return"
          where "status" in ('requested', 'approved', 'label_created', 'in_transit', 'received'))::int as "returnsWaiting",
        (select count(*) from "Order"
          where "status" in ('confirmed', 'processing')
            and "fulfillmentStatus" in ('unfulfilled', 'partially_fulfilled', 'fulfilled', 'partially_shipped'))::int
          as "ordersAwaitingFulfilment",
        (select count(distinct "variantId") from "InventoryLevel"
          where "onHand" - "reserved" <= "lowStockThreshold")::int as "lowStockVariants"`,
    prisma.$queryRaw<{ currency: string; amount: bigint }[]>`
      select "currency", sum("totalAmount")::bigint as "amount"
        from "Order"
       where "placedAt" >= ${from} and "placedAt" < ${to} and "status" <> 'cancelled'
       group by "currency"
       order by "currency"`,
  ])
  const row = counts[0]!
  return {
    ordersToday: row.ordersToday,
    revenueToday: revenue.map((r) => ({ currency: r.currency.trim(), amount: Number(r.amount) })),
    openTickets: row.openTickets,
    returnsWaiting: row.returnsWaiting,
    ordersAwaitingFulfilment: row.ordersAwaitingFulfilment,
    lowStockVariants: row.lowStockVariants,
  }
}
