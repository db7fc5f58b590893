import { z } from 'zod'
import { Prisma, ReturnReasonCode, ReturnStatus } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'
import { INSIGHT_WEEKS, RETURN_AGE_OPTIONS, RETURN_REFUND_SLA_MINUTES } from './return-rules.ts'
import { addBusinessTime, ALWAYS_OPEN } from './sla/business-hours.ts'
import { getClocks, type ClockView } from './sla/clock.server.ts'

/**
 * The returns queue (`/returns`) and its insights: URL query ⇄ typed query, keyset pages on (createdAt desc, id desc)
 * (index Return_createdAt_id_idx; never OFFSET), a capped count, and the SLA clock "received but not refunded for
 * 48 h". The clock is the SLA engine's (app/models/sla/clock.server.ts: started when the return is received, stopped when
 * it is resolved, breach events and timers by the engine) on `ALWAYS_OPEN` (48 h of wall time, weekends included —
 * money owed does not wait for Monday). Returns received before they had a clock fall back to 48 h from receivedAt.
 */

export const RETURN_PAGE_SIZES = [25, 50, 100] as const
const COUNT_CAP = 10_000

const list = <T extends [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)))
    .pipe(z.array(z.enum(values, { errorMap: () => ({ message: `Choose from ${values.join(', ')}` }) })))

const single = (schema: z.ZodTypeAny) => z.union([z.string(), z.array(z.string())]).optional().transform((v) => (Array.isArray(v) ? v[0] : v)).pipe(schema)

const CURSOR_MESSAGE = 'This page link is not valid (it may have been cut short). Go back to the first page.'

export const ReturnListQuerySchema = z.object({
  status: list(Object.values(ReturnStatus) as [ReturnStatus, ...ReturnStatus[]]),
  reason: list(Object.values(ReturnReasonCode) as [ReturnReasonCode, ...ReturnReasonCode[]]),
  /** Requested at least this many days ago. */
  age: single(z.enum(RETURN_AGE_OPTIONS, { errorMap: () => ({ message: 'Choose 1, 3, 7 or 14 days' }) }).optional()),
  /** `overdue`: received, not resolved, for longer than the SLA. */
  sla: single(z.enum(['overdue'], { errorMap: () => ({ message: 'Only "overdue" is a filter' }) }).optional()),
  /** RMA number or order number prefix. */
  q: single(
    z
      .string()
      .trim()
      .max(40, 'At most 40 characters')
      .optional()
      .transform((v) => v || undefined),
  ),
  after: single(z.string().max(400).optional()),
  before: single(z.string().max(400).optional()),
  limit: single(
    z.coerce
      .number()
      .int()
      .refine((n) => (RETURN_PAGE_SIZES as readonly number[]).includes(n), 'Choose 25, 50 or 100 rows')
      .optional()
      .transform((n) => n ?? 50),
  ),
})
export type ReturnListQuery = z.infer<typeof ReturnListQuerySchema>

type Position = { createdAt: string; id: string }

function encodeCursor(position: Position) {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url')
}

function decodeCursor(cursor: string): Position | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return null
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (!Array.isArray(parsed) || parsed.length !== 2) return null
    const [createdAt, id] = parsed as unknown[]
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)) || typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return null
    return { createdAt, id }
  } catch {
    return null
  }
}

/** The URL's params as a query, or a message per field (the page shows them above the table, status 400). */
export function parseReturnListQuery(params: URLSearchParams): { query: ReturnListQuery } | { errors: Record<string, string> } {
  const raw: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key)
    raw[key] = values.length === 1 ? values[0]! : values
  }
  const parsed = ReturnListQuerySchema.safeParse(raw)
  if (!parsed.success) {
    const errors = Object.fromEntries(Object.entries(parsed.error.flatten().fieldErrors).map(([key, messages]) => [key, (messages as string[] | undefined)?.[0] ?? 'Invalid']))
    return { errors }
  }
  for (const key of ['after', 'before'] as const) {
    const cursor = parsed.data[key]
    if (cursor !== undefined && !decodeCursor(cursor)) return { errors: { [key]: CURSOR_MESSAGE } }
  }
  return { query: parsed.data }
}

function conditions(query: ReturnListQuery, now: Date) {
  const out: Prisma.Sql[] = []
  if (query.status.length) out.push(Prisma.sql`r."status"::text = ANY(${query.status}::text[])`)
  if (query.reason.length) {
    out.push(Prisma.sql`EXISTS (SELECT 1 FROM "ReturnLine" rl WHERE rl."returnId" = r."id" AND rl."reasonCode"::text = ANY(${query.reason}::text[]))`)
  }
  if (query.age) out.push(Prisma.sql`r."requestedAt" <= ${new Date(now.getTime() - Number(query.age) * 86_400_000)}`)
  if (query.sla === 'overdue') out.push(overdueSql(now))
  if (query.q) {
    const prefix = `${query.q.replace(/[\\%_]/g, (c: string) => `\\${c}`)}%`
    out.push(Prisma.sql`(r."number" ILIKE ${prefix} OR r."orderId" IN (SELECT o2."id" FROM "Order" o2 WHERE o2."number" LIKE ${prefix.startsWith('#') ? prefix : `#${prefix}`}))`)
  }
  return out
}

/**
 * Received and past the refund deadline: the SLA engine's clock when the return has one (started on receipt), else
 * (returns received before clocks existed, e.g. demo data) 48 h from receivedAt.
 */
function overdueSql(now: Date) {
  return Prisma.sql`r."status" = 'received' AND (
    EXISTS (SELECT 1 FROM "AppliedSla" a WHERE a."subjectType" = 'return' AND a."subjectId" = r."id" AND a."metric" = 'resolution'
              AND a."satisfiedAt" IS NULL AND a."dueAt" <= ${now})
    OR (NOT EXISTS (SELECT 1 FROM "AppliedSla" a WHERE a."subjectType" = 'return' AND a."subjectId" = r."id" AND a."metric" = 'resolution')
        AND r."receivedAt" <= ${new Date(now.getTime() - RETURN_REFUND_SLA_MINUTES * 60_000)}))`
}

const where = (parts: Prisma.Sql[]) => (parts.length ? Prisma.sql`WHERE ${Prisma.join(parts, ' AND ')}` : Prisma.empty)

export type ReturnSla = { dueAt: Date; overdue: boolean } | null

/**
 * The refund clock of one return while it runs (received, not resolved): the SLA engine's clock when there is one,
 * else 48 h from receipt by the same calendar (`addBusinessTime` on ALWAYS_OPEN). Null when not running.
 */
export function returnSla(ret: { status: string; receivedAt: Date | null }, now: Date, clock?: Pick<ClockView, 'dueAt' | 'breachedAt' | 'satisfiedAt'> | null): ReturnSla {
  if (ret.status !== 'received' || !ret.receivedAt) return null
  if (clock && !clock.satisfiedAt) return { dueAt: clock.dueAt, overdue: clock.breachedAt !== null || now.getTime() >= clock.dueAt.getTime() }
  const dueAt = addBusinessTime(ret.receivedAt, RETURN_REFUND_SLA_MINUTES, ALWAYS_OPEN)!
  return { dueAt, overdue: now.getTime() >= dueAt.getTime() }
}

/** The engine's refund clocks of these returns, by return id. */
export async function refundClocks(returnIds: string[], now: Date) {
  const clocks = await getClocks(prisma, 'return', returnIds, now)
  return new Map([...clocks].map(([id, list]) => [id, list.find((clock) => clock.metric === 'resolution') ?? null]))
}

export type ReturnListRow = {
  id: string
  number: string
  status: ReturnStatus
  resolution: string | null
  orderId: string
  orderNumber: string
  customerName: string
  reasonCodes: ReturnReasonCode[]
  units: number
  requestedAt: Date
  receivedAt: Date | null
  createdAt: Date
  sla: ReturnSla
}

export async function listReturns(query: ReturnListQuery, now = new Date()) {
  const backwards = query.before !== undefined
  const cursor = query.before ?? query.after
  const parts = conditions(query, now)
  const position = cursor ? decodeCursor(cursor) : null
  if (position) {
    const at = new Date(position.createdAt)
    parts.push(backwards ? Prisma.sql`(r."createdAt", r."id") > (${at}, ${position.id})` : Prisma.sql`(r."createdAt", r."id") < (${at}, ${position.id})`)
  }
  const direction = backwards ? Prisma.sql`ASC` : Prisma.sql`DESC`
  const fetched = await prisma.$queryRaw<Omit<ReturnListRow, 'sla'>[]>(Prisma.sql`
    SELECT p.*, o."number" AS "orderNumber", o."customerName",
           (SELECT array_agg(DISTINCT rl."reasonCode"::text) FROM "ReturnLine" rl WHERE rl."returnId" = p."id") AS "reasonCodes",
           (SELECT coalesce(sum(rl."quantityRequested"), 0)::int FROM "ReturnLine" rl WHERE rl."returnId" = p."id") AS "units"
      FROM (
        SELECT r."id", r."number", r."status"::text AS "status", r."resolution"::text AS "resolution", r."orderId",
               r."requestedAt", r."receivedAt", r."createdAt"
          FROM "Return" r ${where(parts)}
         ORDER BY r."createdAt" ${direction}, r."id" ${direction}
         LIMIT ${query.limit + 1}
      ) p JOIN "Order" o ON o."id" = p."orderId"
     ORDER BY p."createdAt" ${direction}, p."id" ${direction}`)
  const more = fetched.length > query.limit
  const page = fetched.slice(0, query.limit)
  if (backwards) page.reverse()
  const clocks = await refundClocks(page.filter((row) => row.status === 'received').map((row) => row.id), now)
  const rows: ReturnListRow[] = page.map((row) => ({ ...row, reasonCodes: row.reasonCodes ?? [], sla: returnSla(row, now, clocks.get(row.id)) }))
  const hasNext = backwards ? true : more
  const hasPrev = backwards ? more : query.after !== undefined
  const first = rows[0]
  const last = rows.at(-1)
  return {
    rows,
    nextCursor: hasNext && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id }) : null,
    prevCursor: hasPrev && first ? encodeCursor({ createdAt: first.createdAt.toISOString(), id: first.id }) : null,
  }
}

/** Matches for the filters (page ignored), exact up to 10,000. */
export async function countReturns(query: ReturnListQuery, now = new Date()) {
  const [row] = await prisma.$queryRaw<{ n: number }[]>(
    Prisma.sql`SELECT count(*)::int AS "n" FROM (SELECT 1 FROM "Return" r ${where(conditions(query, now))} LIMIT ${COUNT_CAP + 1}) s`,
  )
  const n = Number(row?.n ?? 0)
  return { count: Math.min(n, COUNT_CAP), exact: n <= COUNT_CAP }
}

/** How many returns are overdue on the refund clock right now (the queue's banner). */
export async function countOverdueReturns(now = new Date()) {
  const [row] = await prisma.$queryRaw<{ n: number }[]>(Prisma.sql`SELECT count(*)::int AS "n" FROM "Return" r WHERE ${overdueSql(now)}`)
  return Number(row?.n ?? 0)
}

// ─── Insights ───────────────────────────────────────────────────────────────────────────────────────────────────

const TOP_PRODUCTS = 10
const TREND_PRODUCTS = 5

/**
 * Over the last `weeks` weeks: units asked back per ISO week by reason; and the return rate (units on returns ÷ units
 * shipped, for orders placed in the window, cancelled and rejected returns left out) overall per week, per product
 * (the ten with most returned units) and per product per week (the five with most). Aggregated in SQL to one row per
 * (product, week); the rest is summing those few rows.
 */
export async function getReturnInsights(now = new Date(), weeks = INSIGHT_WEEKS) {
  const since = new Date(now.getTime() - weeks * 7 * 86_400_000)
  const [reasonRows, productWeekRows] = await Promise.all([
    prisma.$queryRaw<{ week: string; reason: ReturnReasonCode; units: number }[]>`
      SELECT to_char(date_trunc('week', r."requestedAt" AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week, rl."reasonCode"::text AS reason, sum(rl."quantityRequested")::int AS units
        FROM "Return" r JOIN "ReturnLine" rl ON rl."returnId" = r."id"
       WHERE r."requestedAt" >= ${startOfIsoWeek(since)} AND r."status" NOT IN ('cancelled', 'rejected')
       GROUP BY 1, 2 ORDER BY 1`,
    prisma.$queryRaw<{ product: string; week: string; shipped: number; returned: number }[]>`
      SELECT coalesce(p.title, ol.title) AS product,
             to_char(date_trunc('week', o."placedAt" AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week,
             sum(ol."quantityShipped")::int AS shipped,
             coalesce(sum((SELECT sum(rl."quantityRequested") FROM "ReturnLine" rl JOIN "Return" r ON r.id = rl."returnId"
                            WHERE rl."orderLineId" = ol.id AND r.status NOT IN ('cancelled', 'rejected'))), 0)::int AS returned
        FROM "OrderLine" ol JOIN "Order" o ON o.id = ol."orderId"
        LEFT JOIN "ProductVariant" v ON v.id = ol."variantId" LEFT JOIN "Product" p ON p.id = v."productId"
       WHERE o."placedAt" >= ${since} AND ol."quantityShipped" > 0
       GROUP BY 1, 2`,
  ])
  const weekKeys: string[] = []
  for (let t = startOfIsoWeek(since).getTime(); t <= now.getTime(); t += 7 * 86_400_000) weekKeys.push(new Date(t).toISOString().slice(0, 10))
  const byWeek = new Map(weekKeys.map((week) => [week, { week } as Record<string, number | string>]))
  for (const row of reasonRows) {
    const point = byWeek.get(row.week)
    if (point) point[row.reason] = (Number(point[row.reason]) || 0) + Number(row.units)
  }
  const sum = (rows: Array<{ shipped: number; returned: number }>) => rows.reduce((acc, row) => ({ shipped: acc.shipped + row.shipped, returned: acc.returned + row.returned }), { shipped: 0, returned: 0 })
  const rate = (t: { shipped: number; returned: number }) => (t.shipped > 0 ? round1((100 * t.returned) / t.shipped) : 0)
  const products = [...groupBy(productWeekRows, (row) => row.product)]
    .map(([product, rows]) => ({ product, ...sum(rows), rows }))
    .filter((p) => p.returned > 0)
    .sort((a, b) => b.returned - a.returned || a.product.localeCompare(b.product))
  const weekTotals = groupBy(productWeekRows, (row) => row.week)
  const trend = products.slice(0, TREND_PRODUCTS)
  return {
    since,
    reasonsByWeek: weekKeys.map((week) => ({ ...byWeek.get(week)!, ratePercent: rate(sum(weekTotals.get(week) ?? [])) })),
    reasons: [...new Set(reasonRows.map((row) => row.reason))],
    products: products.slice(0, TOP_PRODUCTS).map(({ product, shipped, returned }) => ({ product, shipped, returned, ratePercent: rate({ shipped, returned }) })),
    /** One point per week: `{ week, [product]: rate % }` for the five products with most returned units. */
    productTrend: {
      products: trend.map((p) => p.product),
      points: weekKeys.map((week) => {
        const point: Record<string, number | string | null> = { week }
        for (const p of trend) {
          const cell = p.rows.find((row) => row.week === week)
          point[p.product] = cell && cell.shipped > 0 ? rate(cell) : null
        }
        return point
      }),
    },
  }
}

function groupBy<T>(rows: T[], key: (row: T) => string) {
  const out = new Map<string, T[]>()
  for (const row of rows) {
    const list = out.get(key(row)) ?? []
    list.push(row)
    out.set(key(row), list)
  }
  return out
}

const round1 = (n: number) => Math.round(n * 10) / 10

function startOfIsoWeek(date: Date) {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()))
  const day = (d.getUTCDay() + 6) % 7
  return new Date(d.getTime() - day * 86_400_000)
}

/** The order id for a typed order number ("100234" or "#100234"), for the request form's lookup. */
export async function findOrderIdByNumber(number: string) {
  const wanted = number.trim().startsWith('#') ? number.trim() : `#${number.trim()}`
  const order = await prisma.order.findUnique({ where: { number: wanted }, select: { id: true } })
  return order?.id ?? null
}
