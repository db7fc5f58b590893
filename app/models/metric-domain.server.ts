import { pgPool } from '#app/utils/db.server.ts'

/**
 * The domain figures the metrics collector samples (workers/metrics/collector.ts). Each read is one round trip
 * answered from indexes: "Order" (placedAt) for the trailing minute, the ticket/return status indexes and the
 * AppliedSla ticket index for the slower counts. The status lists repeat app/models/dashboard.server.ts's
 * (OPEN_TICKET_STATUSES, WAITING_RETURN_STATUSES) as SQL literals, like the home page's figures.
 */

export type TrailingOrders = { orders: number; revenue: Array<{ currency: string; amount: number }> }

/** Orders placed in the 60 s before `now` (by `placedAt`), and their non-cancelled revenue per currency. */
export async function readTrailingOrders(now = new Date()): Promise<TrailingOrders> {
  const from = new Date(now.getTime() - 60_000).toISOString()
  const { rows } = await pgPool.query<{ currency: string | null; orders: number; amount: string | null }>(
    `select trim("currency") as currency, count(*)::int as orders, sum(case when "status" <> 'cancelled' then "totalAmount" else 0 end)::text as amount
       from "Order" where "placedAt" > $1 and "placedAt" <= $2
      group by rollup (trim("currency"))`,
    [from, now.toISOString()],
  )
  const total = rows.find((row) => row.currency === null)
  return {
    orders: total?.orders ?? 0,
    revenue: rows.filter((row) => row.currency !== null).map((row) => ({ currency: row.currency!, amount: Number(row.amount ?? 0) })),
  }
}

export type BacklogFigures = { openTickets: number; slaBreaches: number; returnsWaiting: number; stockouts: number }

export async function readBacklogFigures(): Promise<BacklogFigures> {
  const { rows } = await pgPool.query<BacklogFigures>(
    `select
       (select count(*) from "Ticket" where "status" in ('new', 'open', 'pending', 'on_hold'))::int as "openTickets",
       (select count(*) from "AppliedSla" s join "Ticket" t on t."id" = s."ticketId"
         where s."breachedAt" is not null and s."satisfiedAt" is null and t."status" in ('new', 'open', 'pending', 'on_hold'))::int as "slaBreaches",
       (select count(*) from "Return"
         where "status" in ('requested', 'approved', 'label_created', 'in_transit', 'received'))::int as "returnsWaiting",
       (select count(*) from "InventoryLevel" where "onHand" - "reserved" <= 0)::int as "stockouts"`,
  )
  return rows[0]!
}

/**
 * Orders OpsDeck accepted (row created) after `cursor` and at least `settleMs` ago — so a transaction that commits a
 * little after its `createdAt` is still seen exactly once — with their checkout → accepted delay (createdAt −
 * placedAt, seconds). Returns the new cursor. Only orders placed in the last 15 minutes are looked at: the placedAt
 * index bounds the scan ("Order" has no createdAt index), and an old order found by a reconciliation is not a checkout.
 */
export async function readAcceptedOrders(cursor: Date, now = new Date(), settleMs = 2_000, limit = 5_000) {
  const until = new Date(now.getTime() - settleMs)
  if (until <= cursor) return { delays: [] as number[], cursor }
  const { rows } = await pgPool.query<{ createdAt: Date; delay: number }>(
    `select "createdAt", greatest(extract(epoch from "createdAt" - "placedAt"), 0)::float8 as delay
       from "Order" where "placedAt" > $2::timestamptz - interval '15 minutes' and "createdAt" > $1 and "createdAt" <= $2 and "source" <> 'manual'
      order by "createdAt" limit $3`,
    [cursor.toISOString(), until.toISOString(), limit],
  )
  return { delays: rows.map((row) => row.delay), cursor: rows.length === limit ? rows.at(-1)!.createdAt : until }
}
