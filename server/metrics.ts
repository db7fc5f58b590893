import { timingSafeEqual } from 'node:crypto'
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
// Remix's own route matcher (a dependency of @remix-run/server-runtime): the same matching the request handler does.
import { matchRoutes, type AgnosticRouteObject } from '@remix-run/router'
import type { ServerBuild } from '@remix-run/node'
import type { RequestHandler } from 'express'
import { Registry } from 'prom-client'
import { labelKey, METRICS, parseSeriesKey, seriesKey, type MetricName } from '#app/metrics/catalog.ts'
import type { Aggregator } from '#app/metrics/aggregator.server.ts'
import { HISTOGRAM_BOUNDS } from '#app/metrics/histogram.ts'
import { getRecorder } from '#app/metrics/process.server.ts'
import { SOCKET_PATH } from '#app/realtime/events.ts'

/**
 * The web process's metrics plumbing: per-request recording (rate, 5xx, latency by Remix route id, in flight) at the
 * HTTP server itself — so the `/healthz` fast path, express and Remix are all measured the same way — and the
 * token-protected Prometheus endpoint `/metrics` (prom-client's registry and text format over the cluster-wide
 * running totals of the aggregator).
 */

/** Names requests by the Remix route that answers them (`routes/orders._index`), never by raw URL. */
export function createRouteResolver(build: Pick<ServerBuild, 'routes'>) {
  const ids = new Set(Object.keys(build.routes))
  const children = new Map<string | undefined, AgnosticRouteObject[]>()
  for (const route of Object.values(build.routes)) {
    const list = children.get(route.parentId) ?? []
    list.push({ id: route.id, path: route.path, index: route.index, caseSensitive: route.caseSensitive } as AgnosticRouteObject)
    children.set(route.parentId, list)
  }
  const attach = (route: AgnosticRouteObject): AgnosticRouteObject =>
    route.index ? route : ({ ...route, children: (children.get(route.id!) ?? []).map(attach) } as AgnosticRouteObject)
  const tree = (children.get(undefined) ?? []).map(attach)
  const cache = new Map<string, string>()

  return (url: string): string => {
    const query = url.indexOf('?')
    const pathname = query < 0 ? url : url.slice(0, query)
    // A loader/action fetch names its route: `?_data=routes%2Forders._index`.
    if (query >= 0 && url.includes('_data=', query)) {
      const data = new URLSearchParams(url.slice(query + 1)).get('_data')
      if (data && ids.has(data)) return data
    }
    const cached = cache.get(pathname)
    if (cached) return cached
    let id: string
    if (pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics') id = pathname.slice(1)
    else if (pathname.startsWith('/build/') || /\.[a-z0-9]{2,5}$/i.test(pathname)) id = 'static'
    else if (pathname.startsWith('/webhooks/')) id = 'webhooks'
    else id = matchRoutes(tree, pathname)?.at(-1)?.route.id ?? 'unmatched'
    // Bounded: a scan of random URLs must not grow memory.
    if (cache.size >= 10_000) cache.clear()
    cache.set(pathname, id)
    return id
  }
}

/**
 * Records every HTTP request of `server` (not Socket.IO's long-polling requests: those are sockets, counted as
 * such). Its listener replaces the server's `request` listeners and calls them itself: an EventEmitter with one
 * listener emits without copying its listener array, so instrumenting costs a closure, a `close` listener and three
 * adds to accumulators held per route (no string or Map work once a route was seen). bench/instrumentation measures it.
 */
export function instrumentHttpServer(server: HttpServer, resolveRoute: (url: string) => string) {
  let inFlight = 0
  const recorder = getRecorder()
  if (!recorder.enabled) return () => {}
  const removeSampler = recorder.addSampler(() => recorder.gauge('http_requests_in_flight', inFlight))
  const socketPrefix = `${SOCKET_PATH}/`
  type Series = { requests: { add: () => void }; errors: { add: () => void }; duration: { record: (seconds: number) => void } }
  const series = new Map<string, Series>()
  const seriesOf = (route: string) => {
    let found = series.get(route)
    if (!found) {
      const labels = labelKey({ route })
      found = {
        requests: recorder.counter(seriesKey('http_requests', labels)),
        errors: recorder.counter(seriesKey('http_errors', labels)),
        duration: recorder.histogram(seriesKey('http_request_duration_seconds', labels)),
      }
      series.set(route, found)
    }
    return found
  }
  const listeners = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>
  const only = listeners.length === 1 ? listeners[0]! : null
  const listener = function (this: HttpServer, req: IncomingMessage, res: ServerResponse) {
    const url = req.url ?? '/'
    if (!url.startsWith(socketPrefix)) {
      const started = performance.now()
      inFlight += 1
      res.on('close', () => {
        inFlight -= 1
        const route = seriesOf(resolveRoute(url))
        route.requests.add()
        if (res.statusCode >= 500) route.errors.add()
        route.duration.record((performance.now() - started) / 1000)
      })
    }
    if (only) only.call(this, req, res)
    else for (const original of listeners) original.call(this, req, res)
  }
  server.removeAllListeners('request')
  server.on('request', listener)
  return () => {
    removeSampler()
    server.off('request', listener)
    for (const original of listeners) server.on('request', original)
  }
}

// ── /metrics ────────────────────────────────────────────────────────────────────────────────────────────────────

/** Prometheus `le` bounds exposed: every 5th histogram bound (1, 1.58, 2.51, 3.98, 6.31 per decade; 1 ms … ~63 s). */
const EXPOSED_BOUNDS = HISTOGRAM_BOUNDS.filter((_, index) => index % 5 === 0)

const promName = (metric: string) => `opsdeck_${metric}`
const labelsOf = (labels: string) =>
  Object.fromEntries(
    labels
      .split(',')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  )

/** What prom-client's registry reads from a metric (`get()`): its text format is written from this. */
export type PromMetric = {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  aggregator: 'sum'
  values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>
}

/** The cluster-wide running totals as prom-client metric objects (one per catalog metric with data). */
export function prometheusMetrics(totals: ReturnType<Aggregator['totals']>): PromMetric[] {
  const grouped = new Map<string, PromMetric>()
  const entry = (metric: string): PromMetric => {
    const definition = METRICS[metric as MetricName]
    let found = grouped.get(metric)
    if (!found) {
      const type = definition.type
      found = { name: promName(metric) + (type === 'counter' ? '_total' : ''), help: definition.help, type, aggregator: 'sum', values: [] }
      grouped.set(metric, found)
    }
    return found
  }
  for (const [key, value] of totals.counters) {
    const { metric, labels } = parseSeriesKey(key)
    if (metric in METRICS) entry(metric).values.push({ value, labels: labelsOf(labels) })
  }
  for (const [key, value] of totals.gauges) {
    const { metric, labels } = parseSeriesKey(key)
    if (metric in METRICS) entry(metric).values.push({ value, labels: labelsOf(labels) })
  }
  for (const [key, histogram] of totals.histograms) {
    const { metric, labels } = parseSeriesKey(key)
    if (!(metric in METRICS)) continue
    const base = labelsOf(labels)
    const name = promName(metric)
    const values = entry(metric).values
    let cumulative = 0
    let boundIndex = 0
    for (const bound of EXPOSED_BOUNDS) {
      while (boundIndex < HISTOGRAM_BOUNDS.length && HISTOGRAM_BOUNDS[boundIndex]! <= bound) cumulative += histogram.counts[boundIndex++]!
      values.push({ metricName: `${name}_bucket`, value: cumulative, labels: { ...base, le: bound } })
    }
    values.push({ metricName: `${name}_bucket`, value: histogram.count, labels: { ...base, le: '+Inf' } })
    values.push({ metricName: `${name}_sum`, value: histogram.sum, labels: base })
    values.push({ metricName: `${name}_count`, value: histogram.count, labels: base })
  }
  return [...grouped.values()].sort((a, b) => a.name.localeCompare(b.name))
}

function tokenMatches(header: string | undefined, token: string) {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '')
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * `GET /metrics`: 404 when no token is configured (never open), 401 without the right `Authorization: Bearer`,
 * else the Prometheus text of the cluster-wide totals since this web process started.
 */
export function metricsEndpoint(options: { token: string | undefined; aggregator: () => Aggregator | null }): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store')
    if (!options.token) {
      res.status(404).type('text/plain').send('Not found')
      return
    }
    if (!tokenMatches(req.get('authorization'), options.token)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('Unauthorized: send Authorization: Bearer <METRICS_TOKEN>')
      return
    }
    const aggregator = options.aggregator()
    const registry = new Registry()
    if (aggregator) {
      for (const metric of prometheusMetrics(aggregator.totals())) {
        registry.registerMetric({ name: metric.name, help: metric.help, get: () => metric } as never)
      }
    }
    res.set('Content-Type', registry.contentType).send(await registry.metrics())
  }
}
