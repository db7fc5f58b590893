import { randomBytes } from 'node:crypto'
import type { PoolClient, QueryResultRow } from 'pg'
import type { OrderStatus } from '#app/generated/prisma/enums.ts'
import { batched } from '#app/utils/batch.server.ts'
import { pgPool, prisma, type Db } from '#app/utils/db.server.ts'
import { applyImportedOrdersStock, reserveImportedOrders, type RunSql } from './inventory-stock.server.ts'
import { deriveFulfillmentStatus, derivePaymentStatus } from './order-status.ts'

/**
 * Orders that come from a sales channel's system (the storefront): the upsert every import path uses (pull page,
 * reconciliation, webhook, the `import-order` job). Rules (CONTRACTS-3.md section D):
 * - the order is keyed by (source, externalId); a version older than or equal to the stored `externalUpdatedAt` is
 *   skipped (out-of-order webhooks, an old page after a newer webhook);
 * - the customer is upserted by (source, externalId);
 * - lines are written when the order is created, and replaced later only while nothing of it is fulfilled;
 * - a person's progress is kept: a storefront "open" does not move an order that is already being processed back.
 * - the stock follows in the same transaction (an accepted order reserves, a cancelled one releases): an order is
 *   never committed without its reservation.
 * The common case (new orders) is ONE transaction of two statements for any number of orders — the upsert
 * (customers, orders and lines in CTEs) and the batch's reservations — and concurrent imports share it: the
 * storefront import is on the benchmark (bench/sync-throughput).
 */

export type ImportedOrderLine = {
  sku: string
  title: string
  variantTitle: string | null
  quantity: number
  unitPriceAmount: number
  discountAmount: number
  taxAmount: number
  totalAmount: number
}

export type ImportedOrder = {
  source: string
  externalId: string
  number: string
  status: OrderStatus
  currency: string
  subtotalAmount: number
  discountAmount: number
  shippingAmount: number
  taxAmount: number
  totalAmount: number
  customer: { externalId: string; email: string; name: string; phone: string | null }
  shippingAddress: Record<string, string | null>
  tags: string[]
  note: string | null
  placedAt: Date
  cancelledAt: Date | null
  cancelReason: string | null
  closedAt: Date | null
  externalUpdatedAt: Date
  lines: ImportedOrderLine[]
}

export type ImportOutcome = { orderId: string; customerId: string | null; outcome: 'created' | 'updated' | 'skipped' }

/**
 * Upserts one order. Orders imported at the same moment by this process's concurrent jobs (the `import-order`
 * burst of a backfill, webhooks) share ONE transaction (app/utils/batch.server.ts); each caller gets its own outcome,
 * after it has committed. A batch that fails is retried order by order, so one bad order fails alone.
 * The common case — new orders, header or status changes (a payment turning "pending" into "confirmed") — is
 * importNewOrders; a batch in which the channel changed an order's lines or cancelled one that holds stock takes the
 * general path (importOrders).
 */
export const importOrder = batched<ImportedOrder, ImportOutcome>(async (inputs) => (await importNewOrders(inputs)) ?? importOrders(inputs), {
  isolateFailures: true,
})

/**
 * Upserts a page of orders in ONE transaction (one statement for the headers, customers and new lines), with their
 * stock: acceptance happens here for orders the channel sends already accepted (paid → `confirmed`: they reserve),
 * cancellation for orders it cancels (they release) — app/models/inventory-stock.server.ts. Same transaction, so no
 * order is ever committed without its reservation (a crash loses both, and the retry imports the order anew).
 */
export async function importOrders(inputs: readonly ImportedOrder[]): Promise<ImportOutcome[]> {
  if (inputs.length === 0) return []
  return prisma.$transaction(
    async (tx) => {
      const sql = inTransaction(tx)
      const results = await upsertOrders(sql, inputs)
      const { linesChanged } = await updatesNeed(sql, inputs, results)
      for (const [index, result] of results.entries()) {
        if (linesChanged.has(result.orderId)) await replaceLines(tx, result.orderId, inputs[index]!)
      }
      await applyImportedOrdersStock(tx, written(results))
      return results
    },
    // A busy pool (a burst of jobs) delays the start rather than failing the import after Prisma's default 2 s.
    { maxWait: 10_000, timeout: 30_000 },
  )
}

/**
 * importOrder's common case on node-postgres directly (named statements; Prisma's per-call cost would be most of the
 * work, bench/sync-throughput): BEGIN, the upsert, the orders' reservations (reserveImportedOrders: one round trip for
 * the batch), COMMIT. That is all a new order needs, and all a changed one needs unless its lines changed or the
 * channel cancelled it while it holds stock (updatesNeed): then it rolls back and returns undefined, and the batch
 * takes the general path (line replacement, release).
 */
async function importNewOrders(inputs: readonly ImportedOrder[]): Promise<ImportOutcome[] | undefined> {
  const client = await pgPool.connect()
  let broken: Error | undefined
  // A connection lost while checked out (server restart, terminated backend) fails the query in flight; without a
  // listener its 'error' event would also crash the process.
  const onError = (error: Error) => void (broken = error)
  client.on('error', onError)
  try {
    await client.query('BEGIN')
    const sql = onClient(client)
    const results = await upsertOrders(sql, inputs)
    const { linesChanged, releases } = await updatesNeed(sql, inputs, results)
    if (linesChanged.size > 0 || releases) {
      await client.query('ROLLBACK')
      return undefined
    }
    await reserveImportedOrders(sql, written(results))
    await client.query('COMMIT')
    return results
  } catch (error) {
    // A connection that cannot even roll back is dropped from the pool, not reused.
    await client.query('ROLLBACK').catch((rollbackError: Error) => void (broken = rollbackError))
    throw error
  } finally {
    client.off('error', onError)
    client.release(broken)
  }
}

/**
 * What the batch's updated orders need beyond the upsert and the reservation call: the lines to replace (the
 * channel's lines differ from the stored ones: SKU, quantity or amounts, by position) and whether a channel cancel
 * must release stock (a cancelled order with open reservations). One statement; nothing when nothing was updated.
 */
async function updatesNeed(sql: RunSql, inputs: readonly ImportedOrder[], results: ImportOutcome[]) {
  const updated = results.flatMap((result, index) =>
    result.outcome === 'updated'
      ? [{ order_id: result.orderId, lines: inputs[index]!.lines.map((l) => [l.sku, l.quantity, l.unitPriceAmount, l.discountAmount, l.taxAmount, l.totalAmount]) }]
      : [],
  )
  const linesChanged = new Set<string>()
  if (updated.length === 0) return { linesChanged, releases: false }
  const rows = await sql<{ orderId: string; linesDiffer: boolean; releases: boolean }>({
    name: 'opsdeck.import-updates-need',
    text: UPDATES_NEED_SQL,
    values: [JSON.stringify(updated)],
  })
  for (const row of rows) if (row.linesDiffer) linesChanged.add(row.orderId)
  return { linesChanged, releases: rows.some((row) => row.releases) }
}

const UPDATES_NEED_SQL = `
SELECT i."order_id" AS "orderId",
       (SELECT coalesce(jsonb_agg(jsonb_build_array(ol."sku", ol."quantityOrdered", ol."unitPriceAmount", ol."discountAmount", ol."taxAmount", ol."totalAmount")
                                  ORDER BY ol."position"), '[]'::jsonb)
          FROM "OrderLine" ol WHERE ol."orderId" = i."order_id") IS DISTINCT FROM i."lines" AS "linesDiffer",
       EXISTS (SELECT 1 FROM "Order" o JOIN "OrderLine" ol ON ol."orderId" = o."id" JOIN "Reservation" r ON r."orderLineId" = ol."id"
                WHERE o."id" = i."order_id" AND o."status" = 'cancelled' AND r."status" = 'open') AS "releases"
  FROM jsonb_to_recordset($1::jsonb) AS i("order_id" text, "lines" jsonb)`

/** The orders an import wrote (created or updated), each once. */
function written(results: ImportOutcome[]) {
  return [...new Set(results.filter((result) => result.outcome !== 'skipped').map((result) => result.orderId))]
}

function newId() {
  return `c${randomBytes(12).toString('hex')}`
}

function lineRows(lines: ImportedOrderLine[]) {
  return lines.map((line, position) => ({
    id: newId(),
    position,
    sku: line.sku,
    title: line.title,
    variant_title: line.variantTitle,
    quantity: line.quantity,
    unit_price: line.unitPriceAmount,
    discount: line.discountAmount,
    tax: line.taxAmount,
    total: line.totalAmount,
  }))
}

/**
 * The set-based upsert: customers, orders and the lines of new orders for any number of orders in one statement
 * (atomic by itself). Results come back in input order. Within one call the same order (or customer) may appear
 * more than once (a webhook and an import job of one order): its newest version is written once, and the older
 * copies are reported as skipped. Rows are written in key order, so concurrent batches lock in the same order.
 */
async function upsertOrders(sql: RunSql, inputs: readonly ImportedOrder[]): Promise<ImportOutcome[]> {
  const newest = new Map<string, ImportedOrder>()
  for (const input of inputs) {
    const key = `${input.source}\u0000${input.externalId}`
    const seen = newest.get(key)
    if (!seen || seen.externalUpdatedAt < input.externalUpdatedAt) newest.set(key, input)
  }
  const orders = [...newest.values()].sort((a, b) => compareKeys(a.source, a.externalId, b.source, b.externalId))
  const customers = new Map<string, ImportedOrder>()
  for (const order of orders) customers.set(`${order.source}\u0000${order.customer.externalId}`, order)
  const customerRows = [...customers.values()]
    .sort((a, b) => compareKeys(a.source, a.customer.externalId, b.source, b.customer.externalId))
    .map((order) => ({
      id: newId(),
      source: order.source,
      external_id: order.customer.externalId,
      email: order.customer.email.toLowerCase(),
      name: order.customer.name,
      phone: order.customer.phone,
    }))
  const orderRows = orders.map((input) => ({
    id: newId(),
    source: input.source,
    external_id: input.externalId,
    number: input.number,
    status: input.status,
    // A new order has no payments or fulfilments yet: the payments/carrier sync re-derives these when theirs arrive.
    payment_status: derivePaymentStatus(input.totalAmount, []),
    fulfillment_status: deriveFulfillmentStatus(input.lines.map((line) => ({ quantityOrdered: line.quantity })), []),
    currency: input.currency,
    subtotal: input.subtotalAmount,
    discount: input.discountAmount,
    shipping: input.shippingAmount,
    tax: input.taxAmount,
    total: input.totalAmount,
    customer_external_id: input.customer.externalId,
    email: input.customer.email.toLowerCase(),
    name: input.customer.name,
    shipping_address: input.shippingAddress,
    tags: input.tags,
    note: input.note,
    placed_at: input.placedAt.toISOString(),
    cancelled_at: input.cancelledAt?.toISOString() ?? null,
    cancel_reason: input.cancelReason,
    closed_at: input.closedAt?.toISOString() ?? null,
    external_updated_at: input.externalUpdatedAt.toISOString(),
    lines: lineRows(input.lines),
  }))

  const rows = await sql<UpsertRow>({ name: 'opsdeck.upsert-orders', text: UPSERT_ORDERS_SQL, values: [JSON.stringify(customerRows), JSON.stringify(orderRows)] })
  const byKey = new Map(rows.map((row) => [`${row.source}\u0000${row.externalId}`, row]))
  return inputs.map((input) => {
    const key = `${input.source}\u0000${input.externalId}`
    const row = byKey.get(key)
    if (!row) throw new Error(`order ${input.source}/${input.externalId} neither written nor found`)
    // An older copy of an order written in this same call: it changed nothing itself.
    if (newest.get(key) !== input) return { orderId: row.id, customerId: row.customerId, outcome: 'skipped' }
    return { orderId: row.id, customerId: row.customerId, outcome: row.inserted === null ? 'skipped' : row.inserted ? 'created' : 'updated' }
  })
}

type UpsertRow = { id: string; source: string; externalId: string; customerId: string | null; inserted: boolean | null }
/** A node-postgres client in a transaction: statements are named (parsed and planned once per connection). */
const onClient =
  (client: PoolClient): RunSql =>
  async <Row>(statement: { name: string; text: string; values: unknown[] }) =>
    (await client.query<Row & QueryResultRow>(statement)).rows
/** A Prisma transaction (a pull page, the general path). */
const inTransaction =
  (db: Db): RunSql =>
  (statement) =>
    db.$queryRawUnsafe(statement.text, ...statement.values)

/** $1: customers, $2: orders with their lines (JSON arrays built by upsertOrders). */
const UPSERT_ORDERS_SQL = `
WITH ci AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb)
    AS r("id" text, "source" text, "external_id" text, "email" text, "name" text, "phone" text)
), c AS (
  INSERT INTO "Customer" ("id", "email", "name", "phone", "source", "externalId", "updatedAt")
  SELECT "id", "email", "name", "phone", "source", "external_id", now() FROM ci
  ON CONFLICT ("source", "externalId") DO UPDATE
    SET "email" = EXCLUDED."email", "name" = EXCLUDED."name", "phone" = EXCLUDED."phone", "updatedAt" = now(),
        "version" = "Customer"."version" + 1
    WHERE ("Customer"."email", "Customer"."name", "Customer"."phone") IS DISTINCT FROM (EXCLUDED."email", EXCLUDED."name", EXCLUDED."phone")
  RETURNING "id", "source", "externalId"
), cid AS (
  -- Written just now, or already stored unchanged (a sibling CTE's insert is not visible to this snapshot).
  SELECT ci."source", ci."external_id", COALESCE(c."id", stored."id") AS "id"
    FROM ci
    LEFT JOIN c ON c."source" = ci."source" AND c."externalId" = ci."external_id"
    LEFT JOIN "Customer" stored ON stored."source" = ci."source" AND stored."externalId" = ci."external_id"
), oi AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb)
    AS r("id" text, "source" text, "external_id" text, "number" text, "status" "OrderStatus",
         "payment_status" "OrderPaymentStatus", "fulfillment_status" "OrderFulfillmentStatus", "currency" text,
         "subtotal" int, "discount" int, "shipping" int, "tax" int, "total" int, "customer_external_id" text,
         "email" text, "name" text, "shipping_address" jsonb, "tags" text[], "note" text, "placed_at" timestamptz,
         "cancelled_at" timestamptz, "cancel_reason" text, "closed_at" timestamptz, "external_updated_at" timestamptz,
         "lines" jsonb)
), o AS (
  INSERT INTO "Order" ("id", "number", "status", "paymentStatus", "fulfillmentStatus", "channel", "currency",
                       "subtotalAmount", "discountAmount", "shippingAmount", "taxAmount", "totalAmount",
                       "customerId", "customerEmail", "customerName", "shippingAddress", "tags", "note",
                       "placedAt", "cancelledAt", "cancelReason", "closedAt", "source", "externalId", "externalUpdatedAt", "updatedAt")
  SELECT oi."id", oi."number", oi."status", oi."payment_status", oi."fulfillment_status", 'online_store', oi."currency",
         oi."subtotal", oi."discount", oi."shipping", oi."tax", oi."total",
         cid."id", oi."email", oi."name", oi."shipping_address", oi."tags", oi."note",
         oi."placed_at", oi."cancelled_at", oi."cancel_reason", oi."closed_at", oi."source", oi."external_id", oi."external_updated_at", now()
    FROM oi
    LEFT JOIN cid ON cid."source" = oi."source" AND cid."external_id" = oi."customer_external_id"
   ORDER BY oi."source", oi."external_id"
  ON CONFLICT ("source", "externalId") DO UPDATE SET
    -- The channel's cancel/close always applies; its "open" only while OpsDeck has not moved the order on.
    "status" = CASE WHEN EXCLUDED."status" IN ('cancelled', 'completed') OR "Order"."status" IN ('pending', 'confirmed')
                    THEN EXCLUDED."status" ELSE "Order"."status" END,
    "currency" = EXCLUDED."currency",
    "subtotalAmount" = EXCLUDED."subtotalAmount", "discountAmount" = EXCLUDED."discountAmount",
    "shippingAmount" = EXCLUDED."shippingAmount", "taxAmount" = EXCLUDED."taxAmount", "totalAmount" = EXCLUDED."totalAmount",
    "customerId" = COALESCE("Order"."customerId", EXCLUDED."customerId"),
    "customerEmail" = EXCLUDED."customerEmail", "customerName" = EXCLUDED."customerName",
    "shippingAddress" = EXCLUDED."shippingAddress", "tags" = EXCLUDED."tags", "note" = EXCLUDED."note",
    "cancelledAt" = EXCLUDED."cancelledAt", "cancelReason" = EXCLUDED."cancelReason",
    "closedAt" = COALESCE("Order"."closedAt", EXCLUDED."closedAt"),
    "externalUpdatedAt" = EXCLUDED."externalUpdatedAt", "updatedAt" = now(), "version" = "Order"."version" + 1
    WHERE "Order"."externalUpdatedAt" IS NULL OR "Order"."externalUpdatedAt" < EXCLUDED."externalUpdatedAt"
  RETURNING "id", "source", "externalId", "customerId", (xmax = 0) AS "inserted"
), l AS (
  INSERT INTO "OrderLine" ("id", "orderId", "position", "variantId", "sku", "title", "variantTitle",
                           "unitPriceAmount", "discountAmount", "taxAmount", "totalAmount", "quantityOrdered", "updatedAt")
  SELECT r."id", o."id", r."position", v."id", r."sku", r."title", r."variant_title",
         r."unit_price", r."discount", r."tax", r."total", r."quantity", now()
    FROM o
    JOIN oi ON oi."source" = o."source" AND oi."external_id" = o."externalId"
    CROSS JOIN jsonb_to_recordset(oi."lines")
         AS r("id" text, "position" int, "sku" text, "title" text, "variant_title" text, "quantity" int,
              "unit_price" int, "discount" int, "tax" int, "total" int)
    LEFT JOIN "ProductVariant" v ON v."sku" = r."sku"
   WHERE o."inserted"
  RETURNING 1
)
SELECT "id", "source", "externalId", "customerId", "inserted" FROM o
UNION ALL
SELECT stored."id", stored."source", stored."externalId", stored."customerId", NULL
  FROM oi JOIN "Order" stored ON stored."source" = oi."source" AND stored."externalId" = oi."external_id"
 WHERE NOT EXISTS (SELECT 1 FROM o WHERE o."source" = oi."source" AND o."externalId" = oi."external_id")`

function compareKeys(sourceA: string, idA: string, sourceB: string, idB: string) {
  if (sourceA !== sourceB) return sourceA < sourceB ? -1 : 1
  return idA < idB ? -1 : idA > idB ? 1 : 0
}

/** Replaces the lines unless any is already fulfilled, shipped or reserved (then the stored lines stay). */
async function replaceLines(db: Db, orderId: string, input: ImportedOrder) {
  await db.$queryRaw`SELECT 1 FROM "Order" WHERE "id" = ${orderId} FOR UPDATE`
  const started = await db.orderLine.count({
    where: {
      orderId,
      OR: [{ quantityFulfilled: { gt: 0 } }, { quantityShipped: { gt: 0 } }, { reservations: { some: {} } }],
    },
  })
  if (started > 0) return false
  await db.orderLine.deleteMany({ where: { orderId } })
  await db.$executeRaw`
    INSERT INTO "OrderLine" ("id", "orderId", "position", "variantId", "sku", "title", "variantTitle",
                             "unitPriceAmount", "discountAmount", "taxAmount", "totalAmount", "quantityOrdered", "updatedAt")
    SELECT r."id", ${orderId}, r."position", v."id", r."sku", r."title", r."variant_title",
           r."unit_price", r."discount", r."tax", r."total", r."quantity", now()
      FROM jsonb_to_recordset(${JSON.stringify(lineRows(input.lines))}::jsonb)
           AS r("id" text, "position" int, "sku" text, "title" text, "variant_title" text, "quantity" int,
                "unit_price" int, "discount" int, "tax" int, "total" int)
      LEFT JOIN "ProductVariant" v ON v."sku" = r."sku"`
  return true
}
