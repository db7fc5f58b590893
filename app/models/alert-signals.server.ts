import { Prisma } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'
import { ensureSystemRule, raiseAlert, resolveAlertsFor } from './alert.server.ts'
import { TOP_SKU_STOCKOUT } from './alert-rules.ts'

/**
 * Signals the alerts need that the Metrics pipeline does not record (app/metrics/catalog.ts has the store-wide
 * `inventory_stockouts`, not which SKUs matter): `top_sku_stockout{sku}` — 1 while one of the TOP_SKUS best-selling
 * SKUs (units ordered in the last 30 days, cancelled orders excluded) has nothing available in any location, else 0.
 *
 * Written by the scheduled alert evaluation just before it evaluates, as a once-a-minute gauge: the row of the
 * CURRENT minute is upserted on each tick (the last tick of the minute wins), so when the minute completes its row
 * holds the state at its end; evaluation only reads complete minutes. Every top SKU gets a row (0 or 1), so an
 * alert resolves when the SKU is back in stock. Top SKUs are recomputed at most every TOP_SKUS_TTL_MS (the ranking
 * scans 30 days of order lines; the stock check is one small query per tick).
 */

export const TOP_SKUS = 10
const TOP_SKUS_TTL_MS = 10 * 60_000
const MINUTE_MS = 60_000

let cached: { at: number; variants: Array<{ id: string; sku: string }> } | null = null

/** For tests: forget the cached ranking. */
export function forgetTopSkus() {
  cached = null
}

async function topSkus(now: Date) {
  if (cached && now.getTime() - cached.at < TOP_SKUS_TTL_MS && now.getTime() >= cached.at) return cached.variants
  const since = new Date(now.getTime() - 30 * 24 * 3600_000)
  const variants = await prisma.$queryRaw<Array<{ id: string; sku: string }>>`
    SELECT v."id", v."sku"
      FROM "OrderLine" l
      JOIN "Order" o ON o."id" = l."orderId"
      JOIN "ProductVariant" v ON v."id" = l."variantId"
     WHERE o."placedAt" >= ${since} AND o."placedAt" <= ${now} AND o."status" <> 'cancelled'::"OrderStatus"
     GROUP BY v."id", v."sku"
     ORDER BY sum(l."quantityOrdered" - l."quantityCancelled") DESC, v."sku" ASC
     LIMIT ${TOP_SKUS}`
  cached = { at: now.getTime(), variants }
  return variants
}

/** Writes this minute's `top_sku_stockout` rows; returns the SKUs that are out of stock. */
export async function recordTopSkuStockouts({ now = new Date() }: { now?: Date } = {}) {
  const variants = await topSkus(now)
  if (variants.length === 0) return { skus: [] as string[], outOfStock: [] as string[] }
  const ids = variants.map((variant) => variant.id)
  const available = await prisma.$queryRaw<Array<{ variantId: string; available: number }>>`
    SELECT "variantId", sum("onHand" - "reserved")::int AS "available"
      FROM "InventoryLevel" WHERE "variantId" IN (${Prisma.join(ids)})
     GROUP BY "variantId"`
  const availableByVariant = new Map(available.map((row) => [row.variantId, row.available]))
  const bucket = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS)
  // A SKU with no inventory level anywhere has nothing available either.
  const rows = variants.map((variant) => ({ sku: variant.sku, value: (availableByVariant.get(variant.id) ?? 0) <= 0 ? 1 : 0 }))
  const values = rows.map((row) => Prisma.sql`(${TOP_SKU_STOCKOUT}, ${`sku=${row.sku.replace(/[,=]/g, '_')}`}, ${bucket}, 1, ${row.value}, ${row.value}, ${row.value})`)
  await prisma.$executeRaw`
    INSERT INTO "MetricRollup" ("metric", "labels", "bucket", "count", "sum", "min", "max")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("metric", "labels", "bucket") DO UPDATE SET "count" = 1, "sum" = EXCLUDED."sum", "min" = EXCLUDED."min", "max" = EXCLUDED."max"`
  return { skus: rows.map((row) => row.sku), outOfStock: rows.filter((row) => row.value === 1).map((row) => row.sku) }
}

/**
 * The pipeline's own health (Grafana's "no data" alert): every rule reads minute rollups, and a rule with no data
 * for its last minute holds its state — so if the elected metrics collector (workers/metrics/collector.ts) stopped
 * writing rollups, every alert would silently freeze. The collector writes a `processes` row for every minute while
 * any process reports; when the newest is older than METRICS_STALE_AFTER_MS, the system rule "Metrics pipeline
 * stale" fires (critical), and it resolves when rollups arrive again. Before the first rollup (a fresh install's
 * first minute) there is nothing to be stale, and a worker checks only once it has run that long itself (`runningSince`):
 * after a restart following downtime, the collector first gets the chance to write.
 */
export const METRICS_STALE_RULE = { id: 'system-metrics-stale', name: 'Metrics pipeline stale', metric: 'metrics_pipeline_stale', severity: 'critical' } as const
export const METRICS_STALE_AFTER_MS = 5 * MINUTE_MS
const STALE_FINGERPRINT = 'pipeline=metrics'

export async function checkMetricsFreshness({ now = new Date(), runningSince = new Date(0) }: { now?: Date; runningSince?: Date } = {}) {
  const [newest] = await prisma.$queryRaw<Array<{ bucket: Date }>>`
    SELECT "bucket" FROM "MetricRollup" WHERE "metric" = 'processes' ORDER BY "bucket" DESC LIMIT 1`
  // A checker that started less than the limit ago (a restart after downtime) gives the collector time to catch up.
  const settled = now.getTime() - runningSince.getTime() > METRICS_STALE_AFTER_MS
  const stale = settled && newest !== undefined && now.getTime() - (newest.bucket.getTime() + MINUTE_MS) > METRICS_STALE_AFTER_MS
  if (!stale) {
    await resolveAlertsFor(prisma, { ruleIds: [METRICS_STALE_RULE.id], fingerprint: STALE_FINGERPRINT, now })
    return { stale, newest: newest?.bucket ?? null }
  }
  const minutes = Math.floor((now.getTime() - newest.bucket.getTime()) / MINUTE_MS)
  const since = `${newest.bucket.toISOString().slice(0, 16).replace('T', ' ')} UTC`
  await prisma.$transaction(async (tx) => {
    if (!(await ensureSystemRule(tx, METRICS_STALE_RULE))) return
    const message = `No metrics recorded since ${since} (${minutes} min): the metrics collector (an elected worker) may be down, and alert rules hold their state without data`
    await raiseAlert(tx, { ruleId: METRICS_STALE_RULE.id, fingerprint: STALE_FINGERPRINT, value: minutes, message, now })
  })
  return { stale, newest: newest.bucket }
}
