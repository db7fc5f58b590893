import { labelValue, parseSeriesKey } from './catalog.ts'
import { Histogram } from './histogram.ts'
import type { MergedSecond } from './window.ts'

/**
 * The live tick (`metrics.tick`): what the /live dashboard shows for one merged second, plus per-route and per-queue
 * latency over the trailing minute (a single second holds too few requests for a meaningful p99). Built from merged
 * seconds only when someone is subscribed. Isomorphic types; the builder is pure.
 */

export type RouteStat = { route: string; rate: number; errorRatio: number | null; p50Ms: number | null; p95Ms: number | null; p99Ms: number | null; count: number }
export type QueueStat = { queue: string; depth: number | null; lagSeconds: number | null; completedPerSecond: number; failedPerSecond: number; p95Ms: number | null }
export type IntegrationStat = { integration: string; status: 'healthy' | 'degraded' | 'down' | 'paused' | 'unknown'; up: boolean | null; errorRate: number | null }

export type MetricsTick = {
  /** Start of the second, epoch ms. */
  t: number
  /** When the server built this tick (epoch ms, fractional): delivery latency = receipt − sentAt. */
  sentAt: number
  processes: { web: number; worker: number }
  http: { rate: number; errorRatio: number | null; p50Ms: number | null; p95Ms: number | null; p99Ms: number | null; inFlight: number }
  /** The same over the trailing 60 s (steadier, for the tiles). */
  httpMinute: { rate: number; errorRatio: number | null; p50Ms: number | null; p95Ms: number | null; p99Ms: number | null }
  /** Trailing 60 s, busiest first (at most 50). */
  routes: RouteStat[]
  system: { eventLoopLagMs: number | null; memoryBytes: number | null; dbP95Ms: number | null; dbRate: number; sockets: number }
  domain: {
    ordersPerMinute: number | null
    revenuePerMinute: Array<{ currency: string; amount: number }>
    checkoutToAcceptedP95Ms: number | null
    openTickets: number | null
    slaBreaches: number | null
    returnsWaiting: number | null
    stockouts: number | null
  }
  /** Per queue: depth/lag now, throughput/failures this second, p95 over the trailing 60 s. */
  queues: QueueStat[]
  integrations: IntegrationStat[]
}

const STATUS_NAMES = ['healthy', 'degraded', 'down', 'paused'] as const
const TRAILING_SECONDS = 60
const MAX_ROUTES = 50

const ms = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 1e5) / 100)

/** Series of one metric in a map: label value (of `label`) → value. */
function byLabel<V>(map: ReadonlyMap<string, V>, metric: string, label: string) {
  const result = new Map<string, V>()
  for (const [key, value] of map) {
    const parsed = parseSeriesKey(key)
    if (parsed.metric !== metric) continue
    const labelled = labelValue(parsed.labels, label)
    if (labelled !== undefined) result.set(labelled, value)
  }
  return result
}

function sumOf(map: ReadonlyMap<string, number>, metric: string) {
  let total = 0
  for (const [key, value] of map) if (key === metric || key.startsWith(`${metric}{`)) total += value
  return total
}

function mergedHistogram(map: ReadonlyMap<string, Histogram>, metric: string) {
  const merged = new Histogram()
  for (const [key, histogram] of map) if (key === metric || key.startsWith(`${metric}{`)) merged.add(histogram)
  return merged
}

export function buildTick(seconds: readonly MergedSecond[], sentAt = performance.timeOrigin + performance.now()): MetricsTick | null {
  const last = seconds.at(-1)
  if (!last) return null
  const trailing = seconds.filter((second) => second.t > last.t - TRAILING_SECONDS * 1000)
  const span = Math.max(1, trailing.length)

  // Trailing-minute routes and queue latencies.
  const routeHistograms = new Map<string, Histogram>()
  const routeErrors = new Map<string, number>()
  const jobHistograms = new Map<string, Histogram>()
  const checkout = new Histogram()
  for (const second of trailing) {
    for (const [route, histogram] of byLabel(second.histograms, 'http_request_duration_seconds', 'route')) {
      const current = routeHistograms.get(route)
      if (current) current.add(histogram)
      else routeHistograms.set(route, new Histogram().add(histogram))
    }
    for (const [route, errors] of byLabel(second.counters, 'http_errors', 'route')) routeErrors.set(route, (routeErrors.get(route) ?? 0) + errors)
    for (const [queue, histogram] of byLabel(second.histograms, 'job_duration_seconds', 'queue')) {
      const current = jobHistograms.get(queue)
      if (current) current.add(histogram)
      else jobHistograms.set(queue, new Histogram().add(histogram))
    }
    const accepted = second.histograms.get('checkout_to_accepted_seconds')
    if (accepted) checkout.add(accepted)
  }
  const routes: RouteStat[] = [...routeHistograms]
    .map(([route, histogram]) => ({
      route,
      count: histogram.count,
      rate: Math.round((histogram.count / span) * 100) / 100,
      errorRatio: histogram.count > 0 ? (routeErrors.get(route) ?? 0) / histogram.count : null,
      p50Ms: ms(histogram.quantile(0.5)),
      p95Ms: ms(histogram.quantile(0.95)),
      p99Ms: ms(histogram.quantile(0.99)),
    }))
    .sort((a, b) => b.count - a.count || a.route.localeCompare(b.route))
    .slice(0, MAX_ROUTES)

  const minute = new Histogram()
  for (const histogram of routeHistograms.values()) minute.add(histogram)
  const minuteErrors = [...routeErrors.values()].reduce((a, b) => a + b, 0)
  const http = mergedHistogram(last.histograms, 'http_request_duration_seconds')
  const requests = sumOf(last.counters, 'http_requests')
  const errors = sumOf(last.counters, 'http_errors')
  const db = mergedHistogram(last.histograms, 'db_query_duration_seconds')
  const gauge = (key: string) => last.gauges.get(key) ?? null
  const lag = [...byLabel(last.gauges, 'event_loop_lag_seconds', 'kind').values()]
  const memory = [...byLabel(last.gauges, 'process_memory_bytes', 'kind').values()]

  const queueNames = new Set([
    ...byLabel(last.gauges, 'queue_depth', 'queue').keys(),
    ...byLabel(last.counters, 'jobs_completed', 'queue').keys(),
    ...byLabel(last.counters, 'jobs_failed', 'queue').keys(),
    ...jobHistograms.keys(),
  ])
  const depth = byLabel(last.gauges, 'queue_depth', 'queue')
  const lagSeconds = byLabel(last.gauges, 'queue_lag_seconds', 'queue')
  const completed = byLabel(last.counters, 'jobs_completed', 'queue')
  const failed = byLabel(last.counters, 'jobs_failed', 'queue')
  const queues: QueueStat[] = [...queueNames].sort().map((queue) => ({
    queue,
    depth: depth.get(queue) ?? null,
    lagSeconds: lagSeconds.get(queue) ?? null,
    completedPerSecond: completed.get(queue) ?? 0,
    failedPerSecond: failed.get(queue) ?? 0,
    p95Ms: ms(jobHistograms.get(queue)?.quantile(0.95) ?? null),
  }))

  const status = byLabel(last.gauges, 'integration_status', 'integration')
  const up = byLabel(last.gauges, 'integration_up', 'integration')
  const errorRate = byLabel(last.gauges, 'integration_error_rate', 'integration')
  const integrations: IntegrationStat[] = [...new Set([...status.keys(), ...up.keys()])].sort().map((integration) => ({
    integration,
    status: STATUS_NAMES[status.get(integration) ?? -1] ?? 'unknown',
    up: up.has(integration) ? up.get(integration)! >= 1 : null,
    errorRate: errorRate.get(integration) ?? null,
  }))

  const processes = { web: 0, worker: 0 }
  for (const kind of last.processes.values()) processes[kind] += 1

  return {
    t: last.t,
    sentAt,
    processes,
    http: {
      rate: requests,
      errorRatio: requests > 0 ? errors / requests : null,
      p50Ms: ms(http.quantile(0.5)),
      p95Ms: ms(http.quantile(0.95)),
      p99Ms: ms(http.quantile(0.99)),
      inFlight: gauge('http_requests_in_flight') ?? 0,
    },
    httpMinute: {
      rate: Math.round((minute.count / span) * 100) / 100,
      errorRatio: minute.count > 0 ? minuteErrors / minute.count : null,
      p50Ms: ms(minute.quantile(0.5)),
      p95Ms: ms(minute.quantile(0.95)),
      p99Ms: ms(minute.quantile(0.99)),
    },
    routes,
    system: {
      eventLoopLagMs: lag.length > 0 ? ms(Math.max(...lag)) : null,
      memoryBytes: memory.length > 0 ? memory.reduce((a, b) => a + b, 0) : null,
      dbP95Ms: ms(db.quantile(0.95)),
      dbRate: db.count,
      sockets: gauge('socket_connections') ?? 0,
    },
    domain: {
      ordersPerMinute: gauge('orders_per_minute'),
      revenuePerMinute: [...byLabel(last.gauges, 'revenue_per_minute', 'currency')]
        .map(([currency, amount]) => ({ currency, amount }))
        .sort((a, b) => a.currency.localeCompare(b.currency)),
      checkoutToAcceptedP95Ms: ms(checkout.quantile(0.95)),
      openTickets: gauge('open_tickets'),
      slaBreaches: gauge('sla_breaches'),
      returnsWaiting: gauge('returns_waiting'),
      stockouts: gauge('inventory_stockouts'),
    },
    queues,
    integrations,
  }
}
