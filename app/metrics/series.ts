import type { MetricsTick } from './tick.ts'

/**
 * One point of the /live charts, the same shape for the live 5 minutes (from ticks, 1 s) and for history (from
 * downsampled minute rollups): the charts never know where a point came from. Isomorphic.
 */
export type ChartPoint = {
  t: number
  requestsPerSecond: number | null
  /** Percent of requests answered 5xx. */
  errorPercent: number | null
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  ordersPerMinute: number | null
  /** Minor units per currency. */
  revenuePerMinute: Record<string, number>
  sockets: number | null
  eventLoopLagMs: number | null
  dbP95Ms: number | null
  /** Jobs waiting over every queue. */
  queueDepth: number | null
  /** Worst queue lag, seconds. */
  queueLagSeconds: number | null
}

const round = (value: number | null, digits = 2) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits)

export function tickToPoint(tick: MetricsTick): ChartPoint {
  const depths = tick.queues.map((queue) => queue.depth).filter((depth): depth is number => depth !== null)
  const lags = tick.queues.map((queue) => queue.lagSeconds).filter((lag): lag is number => lag !== null)
  return {
    t: tick.t,
    requestsPerSecond: tick.http.rate,
    errorPercent: tick.http.errorRatio === null ? null : round(tick.http.errorRatio * 100),
    p50Ms: tick.http.p50Ms,
    p95Ms: tick.http.p95Ms,
    p99Ms: tick.http.p99Ms,
    ordersPerMinute: tick.domain.ordersPerMinute,
    revenuePerMinute: Object.fromEntries(tick.domain.revenuePerMinute.map(({ currency, amount }) => [currency, amount])),
    sockets: tick.system.sockets,
    eventLoopLagMs: tick.system.eventLoopLagMs,
    dbP95Ms: tick.system.dbP95Ms,
    queueDepth: depths.length > 0 ? depths.reduce((a, b) => a + b, 0) : null,
    queueLagSeconds: lags.length > 0 ? Math.max(...lags) : null,
  }
}
