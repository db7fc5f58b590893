import { randomBytes } from 'node:crypto'
import type { OrderStatus } from '#app/generated/prisma/enums.ts'
import { prisma, type Db } from '#app/utils/db.server.ts'
import { deriveFulfillmentStatus, derivePaymentStatus } from './order-status.ts'

/**
 * Orders that come from a sales channel's system (the storefront): the upsert every import path uses (pull page,
 * reconciliation, webhook, the `import-order` job). Rules (CONTRACTS-3.md section D):
 * - the order is keyed by (source, externalId); a version older than or equal to the stored `externalUpdatedAt` is
 *   skipped (out-of-order webhooks, an old page after a newer webhook);
 * - the customer is upserted by (source, externalId);
 * - lines are written when the order is created, and replaced later only while nothing of it is fulfilled;
 * - a person's progress is kept: a storefront "open" does not move an order that is already being processed back.
 * The common case (a new order, or a header change) is ONE SQL statement (customer, order and lines in CTEs,
 * atomic by itself): the storefront import is on the benchmark (bench/sync-throughput).
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

/** Upserts one order (its own transaction only when lines must be replaced). */
export async function importOrder(input: ImportedOrder): Promise<ImportOutcome> {
  const result = await upsertOrder(prisma, input)
  if (result.outcome !== 'updated') return result
  if (!(await linesDiffer(prisma, result.orderId, input.lines))) return result
  await prisma.$transaction((tx) => replaceLines(tx, result.orderId, input))
  return result
}

/** Upserts a page of orders in ONE transaction. */
export async function importOrders(inputs: ImportedOrder[]): Promise<ImportOutcome[]> {
  if (inputs.length === 0) return []
  return prisma.$transaction(async (tx) => {
    const results: ImportOutcome[] = []
    for (const input of inputs) {
      const result = await upsertOrder(tx, input)
      if (result.outcome === 'updated' && (await linesDiffer(tx, result.orderId, input.lines))) await replaceLines(tx, result.orderId, input)
      results.push(result)
    }
    return results
  }, { timeout: 30_000 })
}

function newId() {
  return `c${randomBytes(12).toString('hex')}`
}

function linesJson(lines: ImportedOrderLine[]) {
  return JSON.stringify(
    lines.map((line, position) => ({
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
    })),
  )
}

async function upsertOrder(db: Db, input: ImportedOrder): Promise<ImportOutcome> {
  const counters = input.lines.map((line) => ({ quantityOrdered: line.quantity }))
  // A new order has no payments or fulfilments yet: the payments/carrier sync re-derives these when theirs arrive.
  const paymentStatus = derivePaymentStatus(input.totalAmount, [])
  const fulfillmentStatus = deriveFulfillmentStatus(counters, [])
  const email = input.customer.email.toLowerCase()
  const rows = await db.$queryRaw<Array<{ id: string; customerId: string | null; inserted: boolean | null }>>`
    WITH c AS (
      INSERT INTO "Customer" ("id", "email", "name", "phone", "source", "externalId", "updatedAt")
      VALUES (${newId()}, ${email}, ${input.customer.name}, ${input.customer.phone}, ${input.source}, ${input.customer.externalId}, now())
      ON CONFLICT ("source", "externalId") DO UPDATE
        SET "email" = EXCLUDED."email", "name" = EXCLUDED."name", "phone" = EXCLUDED."phone", "updatedAt" = now(),
            "version" = "Customer"."version" + 1
        WHERE ("Customer"."email", "Customer"."name", "Customer"."phone") IS DISTINCT FROM (EXCLUDED."email", EXCLUDED."name", EXCLUDED."phone")
      RETURNING "id"
    ), cid AS (
      SELECT COALESCE((SELECT "id" FROM c),
                      (SELECT "id" FROM "Customer" WHERE "source" = ${input.source} AND "externalId" = ${input.customer.externalId})) AS "id"
    ), o AS (
      INSERT INTO "Order" ("id", "number", "status", "paymentStatus", "fulfillmentStatus", "channel", "currency",
                           "subtotalAmount", "discountAmount", "shippingAmount", "taxAmount", "totalAmount",
                           "customerId", "customerEmail", "customerName", "shippingAddress", "tags", "note",
                           "placedAt", "cancelledAt", "cancelReason", "closedAt", "source", "externalId", "externalUpdatedAt", "updatedAt")
      SELECT ${newId()}, ${input.number}, ${input.status}::"OrderStatus", ${paymentStatus}::"OrderPaymentStatus",
             ${fulfillmentStatus}::"OrderFulfillmentStatus", 'online_store', ${input.currency},
             ${input.subtotalAmount}, ${input.discountAmount}, ${input.shippingAmount}, ${input.taxAmount}, ${input.totalAmount},
             cid."id", ${email}, ${input.customer.name}, ${JSON.stringify(input.shippingAddress)}::jsonb,
             ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(input.tags)}::jsonb)), ${input.note},
             ${input.placedAt}::timestamptz, ${input.cancelledAt}::timestamptz, ${input.cancelReason}, ${input.closedAt}::timestamptz,
             ${input.source}, ${input.externalId}, ${input.externalUpdatedAt}::timestamptz, now()
        FROM cid
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
      RETURNING "id", "customerId", (xmax = 0) AS "inserted"
    ), l AS (
      INSERT INTO "OrderLine" ("id", "orderId", "position", "variantId", "sku", "title", "variantTitle",
                               "unitPriceAmount", "discountAmount", "taxAmount", "totalAmount", "quantityOrdered", "updatedAt")
      SELECT r."id", o."id", r."position", v."id", r."sku", r."title", r."variant_title",
             r."unit_price", r."discount", r."tax", r."total", r."quantity", now()
        FROM o
        CROSS JOIN jsonb_to_recordset(${linesJson(input.lines)}::jsonb)
             AS r("id" text, "position" int, "sku" text, "title" text, "variant_title" text, "quantity" int,
                  "unit_price" int, "discount" int, "tax" int, "total" int)
        LEFT JOIN "ProductVariant" v ON v."sku" = r."sku"
       WHERE o."inserted"
      RETURNING 1
    )
    SELECT "id", "customerId", "inserted" FROM o
    UNION ALL
    SELECT "id", "customerId", NULL FROM "Order"
     WHERE "source" = ${input.source} AND "externalId" = ${input.externalId} AND NOT EXISTS (SELECT 1 FROM o)`
  const row = rows[0]
  if (!row) throw new Error(`order ${input.source}/${input.externalId} neither written nor found`)
  return { orderId: row.id, customerId: row.customerId, outcome: row.inserted === null ? 'skipped' : row.inserted ? 'created' : 'updated' }
}

async function linesDiffer(db: Db, orderId: string, lines: ImportedOrderLine[]) {
  const stored = await db.orderLine.findMany({
    where: { orderId },
    orderBy: { position: 'asc' },
    select: { sku: true, quantityOrdered: true, unitPriceAmount: true, discountAmount: true, taxAmount: true, totalAmount: true },
  })
  if (stored.length !== lines.length) return true
  return stored.some((line, index) => {
    const next = lines[index]!
    return (
      line.sku !== next.sku ||
      line.quantityOrdered !== next.quantity ||
      line.unitPriceAmount !== next.unitPriceAmount ||
      line.discountAmount !== next.discountAmount ||
      line.taxAmount !== next.taxAmount ||
      line.totalAmount !== next.totalAmount
    )
  })
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
      FROM jsonb_to_recordset(${linesJson(input.lines)}::jsonb)
           AS r("id" text, "position" int, "sku" text, "title" text, "variant_title" text, "quantity" int,
                "unit_price" int, "discount" int, "tax" int, "total" int)
      LEFT JOIN "ProductVariant" v ON v."sku" = r."sku"`
  return true
}
