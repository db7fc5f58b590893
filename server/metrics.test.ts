import http from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, describe, expect, test } from 'vitest'
import { createAggregator } from '#app/metrics/aggregator.server.ts'
import { startAggregation, startProcessMetrics, stopProcessMetrics } from '#app/metrics/process.server.ts'
import { createRecorder } from '#app/metrics/recorder.server.ts'
import type { MetricsTransport } from '#app/metrics/transport.server.ts'
import type { WindowJSON } from '#app/metrics/window.ts'
import type { MetricsTick } from '#app/metrics/tick.ts'
import { prisma } from '#app/utils/db.server.ts'
import { parseEnv } from '#app/utils/env.server.ts'
import { createUser } from '#test/factories/users.ts'
import { realtimeHarness } from '#test/helpers/realtime.ts'
import { createRouteResolver, instrumentHttpServer, metricsEndpoint } from './metrics.ts'

const harness = realtimeHarness()
afterAll(() => stopProcessMetrics())

function windowAt(t: number, id = 'p1'): WindowJSON {
  let published: WindowJSON | null = null
  const recorder = createRecorder({ processId: id, kind: 'web', publish: (w) => (published = w), now: () => t + 1000, timer: false })
  recorder.count('http_requests', { route: 'routes/orders._index' }, 3)
  recorder.count('http_errors', { route: 'routes/orders._index' })
  recorder.observe('http_request_duration_seconds', 0.05, { route: 'routes/orders._index' })
  recorder.gauge('queue_depth', 4, { queue: 'system' })
  recorder.flush()
  recorder.stop()
  return published!
}

describe('route ids', () => {
  const resolve = createRouteResolver({
    routes: {
      root: { id: 'root', path: '' },
      'routes/_index': { id: 'routes/_index', parentId: 'root', index: true },
      'routes/orders._index': { id: 'routes/orders._index', parentId: 'root', path: 'orders', index: true },
      'routes/orders.$id': { id: 'routes/orders.$id', parentId: 'root', path: 'orders/:id' },
      'routes/$': { id: 'routes/$', parentId: 'root', path: '*' },
    } as never,
  })
  test('requests are named by the Remix route that answers them, never by the raw URL', () => {
    expect(resolve('/orders?status=open')).toBe('routes/orders._index')
    expect(resolve('/orders/cm123')).toBe('routes/orders.$id')
    expect(resolve('/orders/cm456')).toBe('routes/orders.$id')
    expect(resolve('/')).toBe('routes/_index')
    expect(resolve('/nothing/here')).toBe('routes/$')
    expect(resolve('/orders/cm1?_data=routes%2Forders.%24id')).toBe('routes/orders.$id')
    expect(resolve('/orders?_data=not-a-route')).toBe('routes/orders._index')
    expect(resolve('/healthz')).toBe('healthz')
    expect(resolve('/build/entry.client-ABC.js')).toBe('static')
    expect(resolve('/webhooks/storefront')).toBe('webhooks')
  })
})

describe('/metrics', () => {
  async function serve(token: string | undefined) {
    const aggregator = createAggregator({ timer: false })
    aggregator.receive(windowAt(Date.UTC(2026, 10, 25, 12)))
    aggregator.closeDue(Date.UTC(2026, 10, 25, 13))
    const app = express()
    app.get('/metrics', metricsEndpoint({ token, aggregator: () => aggregator }))
    const server = http.createServer(app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, close: () => server.close() }
  }

  test('404 without a configured token, 401 without or with a wrong bearer, Prometheus text with it', async () => {
    const closed = await serve(undefined)
    expect((await fetch(closed.url)).status).toBe(404)
    closed.close()

    const token = 'metrics-token-0123456789'
    const open = await serve(token)
    expect((await fetch(open.url)).status).toBe(401)
    expect((await fetch(open.url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
    const response = await fetch(open.url, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/)
    const text = await response.text()
    expect(text).toContain('# TYPE opsdeck_http_requests_total counter')
    expect(text).toContain('opsdeck_http_requests_total{route="routes/orders._index"} 3')
    expect(text).toContain('opsdeck_http_errors_total{route="routes/orders._index"} 1')
    expect(text).toContain('# TYPE opsdeck_http_request_duration_seconds histogram')
    expect(text).toContain('opsdeck_http_request_duration_seconds_bucket{route="routes/orders._index",le="0.0630957"} 1')
    expect(text).toContain('opsdeck_http_request_duration_seconds_bucket{route="routes/orders._index",le="0.01"} 0')
    expect(text).toContain('opsdeck_http_request_duration_seconds_count{route="routes/orders._index"} 1')
    expect(text).toContain('opsdeck_queue_depth{queue="system"} 4')
    open.close()
  })
})

describe('configuration', () => {
  const base = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/x', SESSION_SECRET: 'x'.repeat(32) }
  test('an empty METRICS_TOKEN means no /metrics (never an open endpoint); a short one is refused; retention is validated', () => {
    expect(parseEnv({ ...base, METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined()
    expect(() => parseEnv({ ...base, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/)
    expect(parseEnv(base).METRICS_RETENTION_DAYS).toBe(30)
    expect(() => parseEnv({ ...base, METRICS_RETENTION_DAYS: '0' })).toThrow(/METRICS_RETENTION_DAYS/)
    expect(parseEnv({ ...base, METRICS_RECORDING: 'false' }).METRICS_RECORDING).toBe(false)
  })
})

describe('HTTP recording and the live tick over Socket.IO', () => {
  test('an instrumented server counts requests by route; read:metric subscribers get ticks, others are refused', async () => {
    let deliver: ((payload: string) => void) | undefined
    const published: string[] = []
    const transport: MetricsTransport = {
      kind: 'redis',
      publish: async (payload) => {
        published.push(payload)
        deliver?.(payload)
      },
      subscribe: async (onMessage) => {
        deliver = onMessage
      },
      close: async () => {},
    }
    const metrics = await startProcessMetrics({ kind: 'web', transport, recording: true })
    await startAggregation()

    // A plain HTTP server instrumented the way server/index.ts does it.
    const server = http.createServer((req, res) => res.writeHead(req.url === '/boom' ? 500 : 200).end('ok'))
    instrumentHttpServer(server, (url) => (url === '/boom' ? 'routes/boom' : 'routes/ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    await Promise.all([fetch(`${base}/a`), fetch(`${base}/b`), fetch(`${base}/boom`)])
    // The requests may straddle a second boundary (the recorder publishes a window every second): add them all up.
    const windows = [...published.map((payload) => JSON.parse(payload) as WindowJSON), metrics.recorder.flush()].filter((window) => window !== null)
    server.close()
    const total = (pick: (window: WindowJSON) => number | undefined) => windows.reduce((sum, window) => sum + (pick(window) ?? 0), 0)
    expect(total((window) => window.counters['http_requests{route=routes/ok}'])).toBe(2)
    expect(total((window) => window.counters['http_errors{route=routes/boom}'])).toBe(1)
    expect(total((window) => window.histograms['http_request_duration_seconds{route=routes/boom}']?.h['+Inf'])).toBe(1)

    const url = await harness.startNode()
    const { user: manager } = await createUser(prisma, { role: 'manager' })
    const { user: support } = await createUser(prisma, { role: 'support' })
    const refused = await (await harness.connectAs(url, support)).emitWithAck('metrics.subscribe', {})
    expect(refused).toEqual({ ok: false, error: 'forbidden: needs read:metric' })

    const client = await harness.connectAs(url, manager)
    const answer = await client.emitWithAck('metrics.subscribe', {})
    expect(answer.ok).toBe(true)
    const tick = await new Promise<MetricsTick>((resolve) => client.once('metrics.tick', resolve))
    expect(tick.processes.web).toBeGreaterThanOrEqual(1)
    expect(tick.t % 1000).toBe(0)
    // Catch-up: ticks after `since`.
    const again = await client.emitWithAck('metrics.subscribe', { since: tick.t - 1000 })
    expect(again.ok && again.ticks.every((t) => t.t > tick.t - 1000)).toBe(true)
    expect(again.ok && again.ticks.length).toBeGreaterThanOrEqual(1)
    await stopProcessMetrics()
  })
})
