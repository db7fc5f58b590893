import { Histogram, HISTOGRAM_BOUNDS } from '#app/metrics/histogram.ts'
import { chooseStep, downsample, HISTORY_RANGES, mean, perMinute, quantileMs, type Bin, type HistoryRange, type RollupLike } from '#app/metrics/downsample.ts'
import { MINUTE_MS, minuteOf, type RollupRow } from '#app/metrics/rollup.ts'
import type { ChartPoint } from '#app/metrics/series.ts'
import { pgPool } from '#app/utils/db.server.ts'

/**
 * MetricRollup: minute rows written by the elected worker (workers/metrics/collector.ts), read by the /live history
 * charts and by alert rules (app/models/alert.server.ts readRollupMetric). Row semantics per metric: catalog.ts and
 * /work/notes/contract-metrics.md. Plain SQL on the pool: batch upserts of a few hundred rows a minute and grouped
 * reads that Prisma cannot express (date_bin, jsonb_each).
 */

/** Writes rows (insert or replace: a minute is written once, and re-writing it is idempotent). */
export async function upsertRollups(rows: readonly RollupRow[]) {
  if (rows.length === 0) return 0
  await pgPool.query(
    `insert into "MetricRollup" ("metric", "labels", "bucket", "count", "sum", "min", "max", "histogram")
     select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::float8[], $6::float8[], $7::float8[], $8::jsonb[])
     on conflict ("metric", "labels", "bucket") do update
       set "count" = excluded."count", "sum" = excluded."sum", "min" = excluded."min", "max" = excluded."max", "histogram" = excluded."histogram"`,
    [
      rows.map((row) => row.metric),
      rows.map((row) => row.labels),
      rows.map((row) => row.bucket.toISOString()),
      rows.map((row) => Math.round(row.count)),
      rows.map((row) => row.sum),
      rows.map((row) => row.min),
      rows.map((row) => row.max),
      rows.map((row) => (row.histogram ? JSON.stringify(row.histogram) : null)),
    ],
  )
  return rows.length
}

/**
 * Exact orders and revenue per minute by `placedAt` for [from, to) (whole minutes): `orders_per_minute` (0 for a
 * minute without orders, so "no orders" is a value alerts can see) and `revenue_per_minute{currency}` (non-cancelled
 * totals, minor units). Re-run for the last few minutes every minute so orders imported late still land in the
 * minute they were placed in; the "Order" (placedAt) index answers it.
 */
export async function writeOrderMinutes(from: Date, to: Date) {
  await pgPool.query(
    `with minutes as (select generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') as bucket),
          placed as (select date_trunc('minute', "placedAt") as bucket, "currency", "status", "totalAmount"
                       from "Order" where "placedAt" >= $1 and "placedAt" < $2),
          orders as (select m.bucket, count(p.bucket) as n from minutes m left join placed p on p.bucket = m.bucket group by m.bucket),
          revenue as (select bucket, trim("currency") as currency, sum("totalAmount")::float8 as amount
                        from placed where "status" <> 'cancelled' group by bucket, trim("currency")),
          rows as (select 'orders_per_minute' as metric, '' as labels, bucket, n::float8 as value from orders
                   union all select 'revenue_per_minute', 'currency=' || currency, bucket, amount from revenue)
     insert into "MetricRollup" ("metric", "labels", "bucket", "count", "sum", "min", "max")
     select metric, labels, bucket, 1, value, value, value from rows
     on conflict ("metric", "labels", "bucket") do update
       set "count" = 1, "sum" = excluded."sum", "min" = excluded."min", "max" = excluded."max"`,
    [from.toISOString(), to.toISOString()],
  )
}

/** Deletes rollups older than `days` days; returns how many. */
export async function pruneRollups(days: number, now = new Date()) {
  const result = await pgPool.query(`delete from "MetricRollup" where "bucket" < $1`, [new Date(now.getTime() - days * 24 * 60 * MINUTE_MS).toISOString()])
  return result.rowCount ?? 0
}

type ScalarBinRow = { metric: string; labels: string; bin: Date; count: number; sum: number; min: number | null; max: number | null }

const SCALAR_METRICS = [
  'http_requests',
  'http_errors',
  'orders_per_minute',
  'revenue_per_minute',
  'socket_connections',
  'event_loop_lag_seconds',
  'queue_depth',
  'queue_lag_seconds',
]

/**
 * Histogram bins merged in SQL: each row's cumulative map becomes per-bucket counts (difference to the previous
 * bound), which add up per bin; the result is a few dozen rows per bin instead of every minute's JSON.
 */
async function histogramBins(metric: string, labels: string | null, from: Date, to: Date, stepMs: number) {
  const { rows } = await pgPool.query<{ bin: Date; bound: number; n: string; sum: number; min: number | null; max: number | null }>(
    `with r as (select id, date_bin(make_interval(secs => $4::float8 / 1000), "bucket", $2::timestamptz) as bin, "histogram", "sum", "min", "max"
                  from "MetricRollup"
                 where "metric" = $1 and "bucket" >= $2 and "bucket" < $3 and "histogram" is not null and ($5::text is null or "labels" = $5)),
          e as (select r.id, r.bin, case when j.key = '+Inf' then 'Infinity'::float8 else j.key::float8 end as bound, j.value::text::bigint as cum
                  from r, jsonb_each(r."histogram") j),
          d as (select bin, bound, cum - coalesce(lag(cum) over (partition by id order by bound), 0) as n from e),
          s as (select bin, sum("sum") as sum, min("min") as min, max("max") as max from r group by bin)
     select d.bin, d.bound, sum(d.n)::text as n, s.sum, s.min, s.max from d join s on s.bin = d.bin group by d.bin, d.bound, s.sum, s.min, s.max
      order by d.bin, d.bound`,
    [metric, from.toISOString(), to.toISOString(), stepMs, labels],
  )
  const byBin = new Map<number, { cumulative: Record<string, number>; running: number; sum: number; min: number | null; max: number | null }>()
  for (const row of rows) {
    const t = row.bin.getTime()
    let entry = byBin.get(t)
    if (!entry) byBin.set(t, (entry = { cumulative: {}, running: 0, sum: row.sum, min: row.min, max: row.max }))
    entry.running += Number(row.n)
    entry.cumulative[Number.isFinite(row.bound) ? String(HISTOGRAM_BOUNDS.find((b) => b === row.bound) ?? row.bound) : '+Inf'] = entry.running
  }
  return [...byBin].map(([t, entry]) => ({
    bucket: t,
    count: entry.running,
    sum: entry.sum,
    min: entry.min,
    max: entry.max,
    histogram: Histogram.fromJSON(entry.cumulative, { sum: entry.sum, min: entry.min, max: entry.max }),
  })) satisfies RollupLike[]
}

export type History = { range: HistoryRange; from: number; to: number; stepMs: number; points: ChartPoint[] }

/** The /live history: every chart's series over the range, downsampled to at most a few hundred bins. */
export async function getMetricHistory(range: HistoryRange, now = new Date()): Promise<History> {
  const to = minuteOf(now.getTime())
  const from = to - HISTORY_RANGES[range]
  const stepMs = chooseStep(to - from)
  const [scalars, latency, db] = await Promise.all([
    pgPool.query<ScalarBinRow>(
      `select "metric", "labels", date_bin(make_interval(secs => $4::float8 / 1000), "bucket", $1::timestamptz) as bin,
              sum("count")::float8 as count, sum("sum")::float8 as sum, min("min") as min, max("max") as max
         from "MetricRollup"
        where "bucket" >= $1 and "bucket" < $2 and "metric" = any($3::text[])
        group by 1, 2, 3`,
      [new Date(from).toISOString(), new Date(to).toISOString(), SCALAR_METRICS, stepMs],
    ),
    histogramBins('http_request_duration_seconds', '', new Date(from), new Date(to), stepMs),
    histogramBins('db_query_duration_seconds', null, new Date(from), new Date(to), stepMs),
  ])
  const series = new Map<string, RollupLike[]>()
  for (const row of scalars.rows) {
    const key = `${row.metric}|${row.labels}`
    const list = series.get(key) ?? []
    list.push({ bucket: row.bin, count: row.count, sum: row.sum, min: row.min, max: row.max })
    series.set(key, list)
  }
  const bins = (key: string) => downsample(series.get(key) ?? [], from, to, stepMs)
  const labelled = (metric: string) => [...series.keys()].filter((key) => key.startsWith(`${metric}|`) && key !== `${metric}|`)
  const requests = bins('http_requests|')
  const errors = bins('http_errors|')
  const orders = bins('orders_per_minute|')
  const sockets = bins('socket_connections|')
  const latencyBins = downsample(latency, from, to, stepMs)
  const dbBins = downsample(db, from, to, stepMs)
  const revenue = labelled('revenue_per_minute').map((key) => [key.split('currency=')[1]!, bins(key)] as const)
  const lag = labelled('event_loop_lag_seconds').map(bins)
  const depth = labelled('queue_depth').map(bins)
  const queueLag = labelled('queue_lag_seconds').map(bins)
  const seconds = stepMs / 1000

  const worst = (list: Bin[][], index: number) => {
    const values = list.map((b) => (b[index]!.max ?? null)).filter((value): value is number => value !== null)
    return values.length > 0 ? Math.max(...values) : null
  }
  const total = (list: Bin[][], index: number) => {
    const values = list.map((b) => mean(b[index]!)).filter((value): value is number => value !== null)
    return values.length > 0 ? values.reduce((a, b) => a + b, 0) : null
  }

  const points: ChartPoint[] = requests.map((bin, index) => {
    const hadData = bin.rows > 0 || latencyBins[index]!.rows > 0
    return {
      t: bin.t,
      requestsPerSecond: hadData ? Math.round((bin.sum / seconds) * 100) / 100 : null,
      errorPercent: bin.sum > 0 ? Math.round((errors[index]!.sum / bin.sum) * 10_000) / 100 : null,
      p50Ms: quantileMs(latencyBins[index]!, 0.5),
      p95Ms: quantileMs(latencyBins[index]!, 0.95),
      p99Ms: quantileMs(latencyBins[index]!, 0.99),
      ordersPerMinute: orders[index]!.rows > 0 ? Math.round(perMinute(orders[index]!, stepMs) * 100) / 100 : null,
      revenuePerMinute: Object.fromEntries(revenue.filter(([, b]) => b[index]!.rows > 0).map(([currency, b]) => [currency, Math.round(perMinute(b[index]!, stepMs))])),
      sockets: mean(sockets[index]!),
      eventLoopLagMs: lag.length > 0 && worst(lag, index) !== null ? Math.round(worst(lag, index)! * 1e5) / 100 : null,
      dbP95Ms: quantileMs(dbBins[index]!, 0.95),
      queueDepth: total(depth, index),
      queueLagSeconds: worst(queueLag, index),
    }
  })
  return { range, from, to, stepMs, points }
}
