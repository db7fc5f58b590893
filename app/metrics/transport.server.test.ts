import { spawn } from 'node:child_process'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { createAggregator } from './aggregator.server.ts'
import { MinuteRollup } from './rollup.ts'
import { createTransport, type MetricsTransport } from './transport.server.ts'
import type { MergedSecond } from './window.ts'

/**
 * Two real recording processes (child processes, each with its own recorder and transport connection) and an
 * aggregator here: their per-second windows must merge into one value per second, through Redis pub/sub and through
 * PostgreSQL NOTIFY (the embedded default).
 */

const FIXTURE = path.resolve('app/metrics/fixtures/recording-process.ts')
let transport: MetricsTransport | undefined
afterEach(async () => {
  await transport?.close()
  transport = undefined
})

function recordingProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: process.env.DATABASE_URL!,
      SESSION_SECRET: 'test-session-secret-0123456789abcdef',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += String(chunk)))
  child.stderr.on('data', (chunk: Buffer) => (output += String(chunk)))
  return new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`recording process exited ${code}:\n${output}`))))
  })
}

for (const backend of ['postgres', 'redis'] as const) {
  describe(`through ${backend === 'redis' ? 'Redis pub/sub' : 'PostgreSQL NOTIFY'}`, () => {
    test('the windows of two recording processes merge into one value per second (counts add, p99 from the merged histogram)', async () => {
      const prefix = `metrics${backend}${Date.now().toString(36)}`
      const redisUrl = backend === 'redis' ? process.env.TEST_REDIS_URL : undefined
      transport = createTransport({ redisUrl, databaseUrl: process.env.DATABASE_URL!, prefix })
      expect(transport.kind).toBe(backend)
      const aggregator = createAggregator({ graceMs: 900 })
      const rollup = new MinuteRollup()
      const seconds: MergedSecond[] = []
      aggregator.onSecond((second) => {
        seconds.push(second)
        rollup.addSecond(second)
      })
      aggregator.onWindow((window) => rollup.addWindow(window))
      await transport.subscribe((payload) => aggregator.receive(payload))

      const env = { QUEUE_PREFIX: prefix, ...(redisUrl ? { REDIS_URL: redisUrl } : {}), FIXTURE_SECONDS: '3' }
      // Fast process: 40 requests/s at 10 ms; slow one: 10 requests/s at 800 ms (20 % of the merged requests).
      await Promise.all([
        recordingProcess({ ...env, FIXTURE_COUNT: '40', FIXTURE_LATENCY: '0.01' }),
        recordingProcess({ ...env, FIXTURE_COUNT: '10', FIXTURE_LATENCY: '0.8' }),
      ])
      await new Promise((resolve) => setTimeout(resolve, 1_200))
      aggregator.closeDue(Date.now() + 5_000)
      aggregator.stop()

      const busy = seconds.filter((second) => second.counters.has('http_requests{route=fixture}'))
      expect(busy.length).toBeGreaterThanOrEqual(3)
      // On a loaded machine one process may start (or finish) a second after the other: those edge seconds hold one
      // process's figures, alone and whole (40 or 10), never a half-merged value.
      for (const second of busy.filter((candidate) => candidate.processes.size === 1)) {
        expect(second.gauges.get('processes{kind=web}')).toBe(1)
        expect([40, 10]).toContain(second.counters.get('http_requests{route=fixture}'))
      }
      const both = busy.filter((second) => second.processes.size === 2)
      expect(both.length).toBeGreaterThanOrEqual(1)
      for (const second of both) {
        expect(second.gauges.get('processes{kind=web}')).toBe(2)
        expect(second.counters.get('http_requests{route=fixture}')).toBe(50)
        const histogram = second.histograms.get('http_request_duration_seconds{route=fixture}')!
        expect(histogram.count).toBe(50)
        // Merged: p50 is the fast process's, p99 the slow one's (an average of per-process p99s would be ~0.4 s).
        expect(histogram.quantile(0.5)!).toBeLessThan(0.011)
        expect(histogram.quantile(0.99)!).toBeGreaterThan(0.75)
      }
      expect(aggregator.stats().invalid).toBe(0)
      // The minute rollup of the same windows counts every request once.
      const rows = rollup.peekAll().filter((row) => row.metric === 'http_requests' && row.labels === '')
      expect(rows.reduce((sum, row) => sum + row.sum, 0)).toBe(150)
    }, 30_000)
  })
}
