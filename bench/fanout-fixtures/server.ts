/**
 * The web side of bench/fanout.ts and bench/fanout-under-load.ts (a child process, started by it with an IPC channel): the real Socket.IO server of
 * server/realtime.ts (in-memory adapter, or the Redis adapter when REDIS_URL is set) with the real metrics pipeline —
 * recorder → transport (Postgres NOTIFY or Redis) → aggregator → `metrics.tick` to METRICS_ROOM — fed with synthetic
 * figures of a busy store (20 routes, 8 queues, 5 integrations) so the tick is full-size. Sign-in is stubbed (every
 * handshake is a manager); everything after it is the production code.
 *
 * IPC: { type: 'direct', on } starts/stops the baseline — `io.emit` of a same-size payload once a second (with
 * FANOUT_DIRECT_PAYLOAD=tiny: only `{ t, sentAt }`, to separate the cost of the payload from that of the fan-out);
 * { type: 'cpu' } answers this process's CPU time (µs); { type: 'emits' } the duration of each direct `io.emit`
 * call (ms) since the last ask.
 */
import '#app/utils/env-check.server.ts'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { startAggregation, startProcessMetrics } from '#app/metrics/process.server.ts'
import { buildTick, type MetricsTick } from '#app/metrics/tick.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { createRealtime } from '#server/realtime.ts'

const env = getEnv()
const metrics = await startProcessMetrics({ kind: 'web' })
const aggregator = await startAggregation()
const recorder = metrics.recorder

// A busy store's second.
const routes = Array.from({ length: 20 }, (_, i) => `routes/bench.route-${i}`)
const queues = ['system', 'bulk', 'alerts', 'sync-storefront', 'sync-payments', 'sync-carrier', 'sync-warehouse', 'sync-helpdesk']
let seed = 1
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
recorder.addSampler(() => {
  for (const route of routes) {
    for (let i = 0; i < 20; i++) {
      recorder.count('http_requests', { route })
      recorder.observe('http_request_duration_seconds', 0.005 + random() * random() * 0.5, { route })
    }
  }
  for (const queue of queues) {
    recorder.gauge('queue_depth', Math.floor(random() * 50), { queue })
    recorder.gauge('queue_lag_seconds', random() * 3, { queue })
    recorder.count('jobs_completed', { queue }, 10)
    recorder.observe('job_duration_seconds', random() * 0.2, { queue })
  }
  for (const integration of ['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk']) {
    recorder.gauge('integration_status', 0, { integration })
    recorder.gauge('integration_up', 1, { integration })
    recorder.gauge('integration_error_rate', random() * 0.05, { integration })
  }
  recorder.gauge('orders_per_minute', 120)
  recorder.gauge('revenue_per_minute', 1_234_500, { currency: 'EUR' })
  recorder.gauge('open_tickets', 42)
})

const server = http.createServer((_req, res) => res.end('fanout bench'))
const realtime = await createRealtime({
  httpServer: server,
  logger: pino({ level: 'warn' }),
  allowedOrigins: ['http://localhost'],
  redisUrl: env.REDIS_URL,
  keyPrefix: env.QUEUE_PREFIX,
  authenticate: async () => ({ id: 'bench-manager', email: 'bench@opsdeck.test', name: 'Bench', role: 'manager', sessionId: 'bench' }),
  countWorkers: async () => 1,
  findEndedSessions: async () => [],
  integrationsHealth: async () => ({ at: new Date().toISOString(), integrations: [] }),
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

// The baseline's payload: a real tick, built once the aggregator has a few seconds, re-stamped at each emit.
let directPayload: MetricsTick | null = null
let directTimer: NodeJS.Timeout | undefined
let emitMs: number[] = []
const tinyDirect = process.env.FANOUT_DIRECT_PAYLOAD === 'tiny'
const stopListening = aggregator.onSecond(() => {
  if (aggregator.seconds().length >= 3) {
    directPayload = buildTick(aggregator.seconds().slice(-60))
    stopListening()
  }
})

process.on('message', (message: { type: string; on?: boolean }) => {
  if (message.type === 'cpu') {
    const usage = process.cpuUsage()
    process.send!({ type: 'cpu', micros: usage.user + usage.system })
  } else if (message.type === 'direct') {
    if (directTimer) clearInterval(directTimer)
    directTimer = undefined
    if (message.on) {
      directTimer = setInterval(() => {
        if (!directPayload) return
        const started = performance.now()
        const stamp = { t: Date.now(), sentAt: performance.timeOrigin + started }
        realtime.io.emit('metrics.tick', tinyDirect ? (stamp as unknown as MetricsTick) : { ...directPayload, ...stamp })
        emitMs.push(performance.now() - started)
      }, 1000)
    }
    process.send!({ type: 'direct', on: Boolean(message.on) })
  } else if (message.type === 'emits') {
    process.send!({ type: 'emits', ms: emitMs })
    emitMs = []
  } else if (message.type === 'size') {
    process.send!({ type: 'size', bytes: directPayload ? Buffer.byteLength(JSON.stringify(directPayload)) : 0 })
  }
})
process.on('disconnect', () => process.exit(0))
process.send!({ type: 'ready', port: (server.address() as AddressInfo).port })
