/**
 * Every metric OpsDeck records (issue 7), in one place: its type, how the per-second windows of several processes
 * combine, and its help text (Prometheus `# HELP`). Isomorphic (the dashboard reads names from here too).
 * The contract with alert rules (MetricRollup rows per metric) is /work/notes/contract-metrics.md, mirrored in the
 * README; a name here is a `MetricRollup.metric`.
 *
 * Merge across processes within one second:
 * - counter: added;
 * - histogram: bucket counts added (app/metrics/histogram.ts), never averaged percentiles;
 * - gauge `sum`: a per-process quantity whose cluster value is the total (requests in flight, sockets, memory);
 * - gauge `max`: a cluster-wide value (the domain collector's figures, sampled by one process) or a worst case
 *   (event-loop lag).
 *
 * Minute rollup (app/models/metric-rollup.server.ts): histograms keep count/sum/min/max/histogram; counters are
 * one sample per minute (count 1, sum = the minute's total); gauges are one sample per second (the merged value);
 * `rollup: 'collector'` metrics are written per minute by the domain collector from the database instead
 * (exact counts by `placedAt`, so late imports still land in their minute).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram'
export type MetricDefinition = {
  type: MetricType
  /** Gauges only: how the values of several processes in one second combine. */
  merge?: 'sum' | 'max'
  /** Label names, in canonical (sorted) order. */
  labels: readonly string[]
  help: string
  /** `collector`: the per-minute row is written by the domain collector, not from the per-second windows. */
  rollup?: 'windows' | 'collector'
  /** Also write a row with labels '' holding every label set merged (route totals). */
  total?: boolean
}

export const METRICS = {
  http_request_duration_seconds: { type: 'histogram', labels: ['route'], total: true, help: 'HTTP request duration by Remix route id, seconds' },
  http_requests: { type: 'counter', labels: ['route'], total: true, help: 'HTTP requests by Remix route id' },
  http_errors: { type: 'counter', labels: ['route'], total: true, help: 'HTTP 5xx responses by Remix route id' },
  http_requests_in_flight: { type: 'gauge', merge: 'sum', labels: [], help: 'HTTP requests being served' },
  event_loop_lag_seconds: { type: 'gauge', merge: 'max', labels: ['kind'], help: 'Event-loop delay p99 over the second, seconds (worst process)' },
  process_memory_bytes: { type: 'gauge', merge: 'sum', labels: ['kind'], help: 'Resident memory of the processes, bytes' },
  db_query_duration_seconds: { type: 'histogram', labels: ['kind'], help: 'PostgreSQL query duration through the app pool, seconds' },
  socket_connections: { type: 'gauge', merge: 'sum', labels: [], help: 'Open Socket.IO connections (concurrent users)' },
  processes: { type: 'gauge', merge: 'sum', labels: ['kind'], help: 'Processes reporting metrics' },
  job_duration_seconds: { type: 'histogram', labels: ['queue'], help: 'BullMQ job processing time, seconds' },
  jobs_completed: { type: 'counter', labels: ['queue'], help: 'BullMQ jobs completed' },
  jobs_failed: { type: 'counter', labels: ['queue'], help: 'BullMQ job attempts failed' },
  queue_depth: { type: 'gauge', merge: 'max', labels: ['queue'], help: 'Jobs waiting to run (waiting + prioritized)' },
  queue_lag_seconds: { type: 'gauge', merge: 'max', labels: ['queue'], help: 'Age of the oldest waiting job, seconds' },
  orders_per_minute: { type: 'gauge', merge: 'max', labels: [], rollup: 'collector', help: 'Orders placed in the trailing 60 s' },
  revenue_per_minute: { type: 'gauge', merge: 'max', labels: ['currency'], rollup: 'collector', help: 'Revenue placed in the trailing 60 s, minor units' },
  checkout_to_accepted_seconds: { type: 'histogram', labels: [], help: 'Storefront checkout (placedAt) to order accepted in OpsDeck (createdAt), seconds' },
  open_tickets: { type: 'gauge', merge: 'max', labels: [], help: 'Open tickets (new, open, pending, on hold)' },
  sla_breaches: { type: 'gauge', merge: 'max', labels: [], help: 'Breached SLAs on tickets still open' },
  returns_waiting: { type: 'gauge', merge: 'max', labels: [], help: 'Returns not yet resolved' },
  inventory_stockouts: { type: 'gauge', merge: 'max', labels: [], help: 'Inventory levels with nothing available (onHand - reserved <= 0)' },
  integration_up: { type: 'gauge', merge: 'max', labels: ['integration'], help: '1 when the integration is healthy or degraded, 0 when down or paused' },
  integration_status: { type: 'gauge', merge: 'max', labels: ['integration'], help: '0 healthy, 1 degraded, 2 down, 3 paused' },
  integration_error_rate: { type: 'gauge', merge: 'max', labels: ['integration'], help: 'Failed / all job attempts over the last 5 minutes (0-1)' },
} as const satisfies Record<string, MetricDefinition>

export type MetricName = keyof typeof METRICS
export type CounterName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'counter' ? K : never }[MetricName]
export type GaugeName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'gauge' ? K : never }[MetricName]
export type HistogramName = { [K in MetricName]: (typeof METRICS)[K]['type'] extends 'histogram' ? K : never }[MetricName]

/** Derived per minute from http_errors / http_requests (no per-second series). */
export const HTTP_ERROR_RATIO = 'http_error_ratio'

export const INTEGRATION_STATUS_CODES = { healthy: 0, degraded: 1, down: 2, paused: 3 } as const

export type Labels = Readonly<Record<string, string>>

/**
 * The canonical label key: `k=v` pairs sorted by key, joined by ',' ('' for none) — the format of
 * `MetricRollup.labels` and of alert fingerprints (app/models/alert.server.ts parseLabels). Characters that would
 * break the format (',', '=') are replaced by '_'.
 */
export function labelKey(labels?: Labels): string {
  if (!labels) return ''
  const keys = Object.keys(labels)
  if (keys.length === 0) return ''
  if (keys.length === 1) return `${keys[0]}=${clean(labels[keys[0]!]!)}`
  return keys
    .sort()
    .map((key) => `${key}=${clean(labels[key]!)}`)
    .join(',')
}

function clean(value: string) {
  return /[,=]/.test(value) ? value.replace(/[,=]/g, '_') : value
}

/** A series key inside a window: `metric` or `metric{labels}`. */
export function seriesKey(metric: string, labels: string) {
  return labels === '' ? metric : `${metric}{${labels}}`
}

export function parseSeriesKey(key: string): { metric: string; labels: string } {
  const at = key.indexOf('{')
  return at < 0 ? { metric: key, labels: '' } : { metric: key.slice(0, at), labels: key.slice(at + 1, -1) }
}

/** One label's value out of a canonical key (`route` of `route=routes/orders._index`). */
export function labelValue(labels: string, name: string): string | undefined {
  for (const pair of labels.split(',')) {
    const at = pair.indexOf('=')
    if (at > 0 && pair.slice(0, at) === name) return pair.slice(at + 1)
  }
  return undefined
}
