import { z } from 'zod'
import { Prisma } from '#app/generated/prisma/client.ts'
import { prisma, type Db } from '#app/utils/db.server.ts'
import { INVENTORY_PAGE_SIZES, STOCK_STATES, type StockState } from './inventory-rules.ts'

/**
 * What /inventory and /inventory/:variantId read. Every list is a keyset page in SQL (sku, location code, level id),
 * filtered in SQL; the URL holds the whole view (STYLE.md habit 11).
 *
 * Stock states (per level, available = onHand − reserved): `out` available ≤ 0; `low` 0 < available ≤ threshold;
 * `oversold` available < 0 — impossible by the CHECK, listed so anyone can see it stays 0.
 */

export { STOCK_STATES, type StockState } from './inventory-rules.ts'

const cursorSchema = z
  .string()
  .max(400)
  .transform((value, ctx) => {
    try {
      const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown
      const tuple = z.tuple([z.string(), z.string(), z.string()]).parse(parsed)
      return { sku: tuple[0], code: tuple[1], id: tuple[2] }
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'This page link is no longer valid — start from the first page' })
      return z.NEVER
    }
  })

export const InventoryListQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .max(100, 'Search for at most 100 characters')
    .optional()
    .transform((v) => v || undefined),
  location: z.string().trim().max(64).optional().transform((v) => v || undefined),
  state: z.enum(STOCK_STATES, { errorMap: () => ({ message: 'Choose low, out of stock or oversold' }) }).optional(),
  after: cursorSchema.optional(),
  before: cursorSchema.optional(),
  limit: z.coerce
    .number()
    .int()
    .refine((n) => (INVENTORY_PAGE_SIZES as readonly number[]).includes(n), 'Show 25, 50 or 100 rows')
    .optional()
    .transform((n) => n ?? 50),
})
export type InventoryListQuery = z.infer<typeof InventoryListQuerySchema>

export function parseInventoryListQuery(params: URLSearchParams): { query: InventoryListQuery } | { errors: Record<string, string> } {
  const raw = Object.fromEntries([...params.keys()].map((key) => [key, params.get(key) ?? undefined]))
  const result = InventoryListQuerySchema.safeParse(raw)
  if (result.success) return { query: result.data }
  const errors: Record<string, string> = {}
  for (const issue of result.error.issues) errors[String(issue.path[0] ?? 'query')] ??= issue.message
  return { errors }
}

export type InventoryRow = {
  levelId: string
  variantId: string
  sku: string
  productTitle: string
  variantTitle: string
  locationId: string
  locationCode: string
  locationName: string
  onHand: number
  reserved: number
  available: number
  incoming: number
  lowStockThreshold: number
  state: StockState | 'ok'
}

const encodeCursor = (row: InventoryRow) => Buffer.from(JSON.stringify([row.sku, row.locationCode, row.levelId])).toString('base64url')

function filters(query: Pick<InventoryListQuery, 'q' | 'location' | 'state'>) {
  const where: Prisma.Sql[] = [Prisma.sql`true`]
  if (query.q) {
    const prefix = `${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    const contains = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    // SKU by prefix (btree text_pattern_ops, case as typed and upper-cased), names by trigram.
    where.push(Prisma.sql`(v.sku LIKE ${prefix} OR v.sku LIKE ${prefix.toUpperCase()} OR p.title ILIKE ${contains} OR v.title ILIKE ${contains})`)
  }
  if (query.location) where.push(Prisma.sql`l."locationId" = ${query.location}`)
  if (query.state === 'out') where.push(Prisma.sql`l."onHand" - l.reserved <= 0`)
  if (query.state === 'low') where.push(Prisma.sql`l."onHand" - l.reserved > 0 AND l."onHand" - l.reserved <= l."lowStockThreshold"`)
  if (query.state === 'oversold') where.push(Prisma.sql`l."onHand" - l.reserved < 0`)
  return Prisma.join(where, ' AND ')
}

const FROM = Prisma.sql`
  FROM "InventoryLevel" l
  JOIN "ProductVariant" v ON v.id = l."variantId"
  JOIN "Product" p ON p.id = v."productId"
  JOIN "Location" loc ON loc.id = l."locationId"`

const STATE_SQL = Prisma.sql`CASE WHEN l."onHand" - l.reserved < 0 THEN 'oversold' WHEN l."onHand" - l.reserved <= 0 THEN 'out'
  WHEN l."onHand" - l.reserved <= l."lowStockThreshold" THEN 'low' ELSE 'ok' END`

/** One page of levels (variant × location), sorted by SKU then location code. */
export async function listInventory(query: InventoryListQuery) {
  const backwards = Boolean(query.before && !query.after)
  const cursor = query.after ?? query.before
  const keyset = cursor
    ? backwards
      ? Prisma.sql`AND (v.sku, loc.code, l.id) < (${cursor.sku}, ${cursor.code}, ${cursor.id})`
      : Prisma.sql`AND (v.sku, loc.code, l.id) > (${cursor.sku}, ${cursor.code}, ${cursor.id})`
    : Prisma.empty
  const order = backwards ? Prisma.sql`ORDER BY v.sku DESC, loc.code DESC, l.id DESC` : Prisma.sql`ORDER BY v.sku, loc.code, l.id`
  const rows = await prisma.$queryRaw<InventoryRow[]>`
    SELECT l.id AS "levelId", l."variantId", v.sku, p.title AS "productTitle", v.title AS "variantTitle",
           loc.id AS "locationId", loc.code AS "locationCode", loc.name AS "locationName",
           l."onHand", l.reserved, l."onHand" - l.reserved AS available, l.incoming, l."lowStockThreshold", ${STATE_SQL} AS state
    ${FROM}
    WHERE ${filters(query)} ${keyset}
    ${order} LIMIT ${query.limit + 1}`
  const more = rows.length > query.limit
  const page = rows.slice(0, query.limit)
  if (backwards) page.reverse()
  const first = page[0]
  const last = page.at(-1)
  return {
    rows: page,
    nextCursor: last && (backwards ? true : more) ? encodeCursor(last) : null,
    prevCursor: first && (backwards ? more : Boolean(cursor)) ? encodeCursor(first) : null,
  }
}

/** How many levels match the search and location, per state (the filter chips), plus the total. */
export async function countInventoryStates(query: Pick<InventoryListQuery, 'q' | 'location'>) {
  const [row] = await prisma.$queryRaw<{ total: number; low: number; out: number; oversold: number }[]>`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE l."onHand" - l.reserved > 0 AND l."onHand" - l.reserved <= l."lowStockThreshold")::int AS low,
           count(*) FILTER (WHERE l."onHand" - l.reserved <= 0)::int AS out,
           count(*) FILTER (WHERE l."onHand" - l.reserved < 0)::int AS oversold
    ${FROM}
    WHERE ${filters({ q: query.q, location: query.location })}`
  return row ?? { total: 0, low: 0, out: 0, oversold: 0 }
}

export async function listLocations() {
  return prisma.location.findMany({ orderBy: { code: 'asc' }, select: { id: true, code: true, name: true, isActive: true } })
}

/**
 * Levels at or below their low-stock threshold (`out` = nothing available, else `low`), newest change first: the
 * queryable side of the stock signal (Live ops turns stock-outs into a metric and alert). `since` = changed after.
 */
export async function listStockAlerts(db: Db = prisma, options: { since?: Date; limit?: number } = {}) {
  const since = options.since ?? new Date(0)
  return db.$queryRaw<{ levelId: string; variantId: string; sku: string; locationId: string; locationCode: string; available: number; threshold: number; state: 'low' | 'out'; updatedAt: Date }[]>`
    SELECT l.id AS "levelId", l."variantId", v.sku, l."locationId", loc.code AS "locationCode", l."onHand" - l.reserved AS available,
           l."lowStockThreshold" AS threshold, CASE WHEN l."onHand" - l.reserved <= 0 THEN 'out' ELSE 'low' END AS state, l."updatedAt"
    FROM "InventoryLevel" l JOIN "ProductVariant" v ON v.id = l."variantId" JOIN "Location" loc ON loc.id = l."locationId"
    WHERE l."onHand" - l.reserved <= l."lowStockThreshold" AND l."updatedAt" > ${since}
    ORDER BY l."updatedAt" DESC, l.id LIMIT ${options.limit ?? 500}`
}

/** Counts for a metric: levels out of stock and low (at active locations). */
export async function countStockAlerts(db: Db = prisma) {
  const [row] = await db.$queryRaw<{ out: number; low: number }[]>`
    SELECT count(*) FILTER (WHERE l."onHand" - l.reserved <= 0)::int AS out,
           count(*) FILTER (WHERE l."onHand" - l.reserved > 0)::int AS low
    FROM "InventoryLevel" l JOIN "Location" loc ON loc.id = l."locationId" AND loc."isActive"
    WHERE l."onHand" - l.reserved <= l."lowStockThreshold"`
  return row ?? { out: 0, low: 0 }
}

// ─── One SKU ────────────────────────────────────────────────────────────────────────────────────────────────────

export async function getVariantStock(variantId: string) {
  const variant = await prisma.productVariant.findUnique({
    where: { id: variantId },
    select: { id: true, sku: true, title: true, barcode: true, product: { select: { title: true, status: true } } },
  })
  if (!variant) return null
  const levels = await prisma.$queryRaw<(Omit<InventoryRow, 'sku' | 'productTitle' | 'variantTitle' | 'variantId'> & { version: number; isActive: boolean; openReservations: number })[]>`
    SELECT l.id AS "levelId", loc.id AS "locationId", loc.code AS "locationCode", loc.name AS "locationName", loc."isActive",
           l."onHand", l.reserved, l."onHand" - l.reserved AS available, l.incoming, l."lowStockThreshold", l.version, ${STATE_SQL} AS state,
           (SELECT count(*)::int FROM "Reservation" r JOIN "OrderLine" ol ON ol.id = r."orderLineId"
             WHERE r.status = 'open' AND r."locationId" = l."locationId" AND ol."variantId" = l."variantId") AS "openReservations"
    FROM "InventoryLevel" l JOIN "Location" loc ON loc.id = l."locationId"
    WHERE l."variantId" = ${variantId}
    ORDER BY loc.code`
  return { variant, levels }
}

export const LEDGER_PAGE_SIZE = 50

export type LedgerRow = {
  id: string
  createdAt: Date
  kind: string
  locationCode: string
  onHandDelta: number
  reservedDelta: number
  reason: string | null
  actorName: string | null
  orderId: string | null
  orderNumber: string | null
  returnId: string | null
  returnNumber: string | null
}

/** The SKU's ledger, newest first, keyset on id (`before` = an id from the previous page). */
export async function listVariantLedger(variantId: string, options: { before?: string; location?: string } = {}) {
  const before = options.before && /^\d{1,19}$/.test(options.before) ? BigInt(options.before) : null
  const rows = await prisma.$queryRaw<(Omit<LedgerRow, 'id'> & { id: bigint })[]>`
    SELECT e.id, e."createdAt", e.kind::text AS kind, loc.code AS "locationCode", e."onHandDelta", e."reservedDelta", e.reason,
           u.name AS "actorName", e."orderId", o.number AS "orderNumber", e."returnId", r.number AS "returnNumber"
    FROM "InventoryLedgerEntry" e
    JOIN "Location" loc ON loc.id = e."locationId"
    LEFT JOIN "User" u ON u.id = e."actorId"
    LEFT JOIN "Order" o ON o.id = e."orderId"
    LEFT JOIN "Return" r ON r.id = e."returnId"
    WHERE e."variantId" = ${variantId}
      ${before !== null ? Prisma.sql`AND e.id < ${before}` : Prisma.empty}
      ${options.location ? Prisma.sql`AND e."locationId" = ${options.location}` : Prisma.empty}
    ORDER BY e.id DESC LIMIT ${LEDGER_PAGE_SIZE + 1}`
  const page = rows.slice(0, LEDGER_PAGE_SIZE).map((row) => ({ ...row, id: row.id.toString() }))
  return { rows: page, nextBefore: rows.length > LEDGER_PAGE_SIZE ? page.at(-1)!.id : null }
}
