/**
 * bench/fanout — the live metrics tick delivered to 1,000 Socket.IO clients (issue 7).
 *
 * - candidate ("ours"): the real pipeline in a web process (bench/fanout-fixtures/server.ts: server/realtime.ts and
 *   the metrics recorder → transport → aggregator → `metrics.tick` to the room of subscribers);
 * - baseline ("direct"): the same server doing a bare `io.emit` of a same-size payload once a second.
 * 1,000 clients in a separate process (bench/fanout-fixtures/clients.ts) record receipt − `sentAt` for every tick.
 * Each adapter (in-memory, then Redis with REDIS_URL → Redis adapter and Redis transport) gets ROUNDS rounds of
 * SECONDS per side, alternating which side goes first. Reports p50/p99 delivery latency, server CPU per tick, the
 * p99 ratio ours/direct and Redis vs in-memory. Goals: p99 ≤ 15 ms; ours ≤ 1.3 × direct.
 *
 *   npx tsx bench/fanout.ts          (needs the local Postgres and Redis; no build needed)
 *
 * Options (env): CLIENTS (1000), ROUNDS (2), SECONDS (5), ADAPTERS (memory,redis).
 */
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, ensureTemplate, TEST_REDIS_URL, uniquePrefix } from '#test/setup/test-db.ts'

const CLIENTS = Number(process.env.CLIENTS ?? 1000)
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const SECONDS = Number(process.env.SECONDS ?? 5)
const ADAPTERS = (process.env.ADAPTERS ?? 'memory,redis').split(',') as Array<'memory' | 'redis'>
const GOAL_P99_MS = 15
const GOAL_RATIO = 1.3
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fanout-fixtures')

export type Side = 'ours' | 'direct'
export type Measured = { latencies: number[]; cpuMicros: number; ticks: number }

export function quantile(values: number[], q: number) {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

export function child(file: string, env: Record<string, string>) {
  const process_ = fork(path.join(DIR, file), [], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const waiting = new Map<string, Array<{ resolve: (message: Record<string, unknown>) => void; reject: (error: Error) => void }>>()
  process_.on('message', (message: Record<string, unknown>) => {
    const queue = waiting.get(String(message.type))
    queue?.shift()?.resolve(message)
  })
  process_.once('exit', (code) => {
    for (const [type, list] of waiting) for (const { reject } of list.splice(0)) reject(new Error(`${file} exited (${code}) while waiting for ${type}`))
  })
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const list = waiting.get(type) ?? []
      list.push({ resolve, reject })
      waiting.set(type, list)
    })
  const ask = (message: Record<string, unknown>) => {
    const answer = next(String(message.type))
    process_.send(message)
    return answer
  }
  return { process: process_, next, ask }
}

export type FanoutRig = Awaited<ReturnType<typeof startRig>>

/** Server + clients for one adapter; `measure(side)` runs one phase. */
export async function startRig(adapter: 'memory' | 'redis', extraServerEnv: Record<string, string> = {}) {
  await ensureTemplate()
  const db = await createTestDatabase('fanout')
  const prefix = uniquePrefix('fanout')
  const server = child('server.ts', {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '4',
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef-fanout',
    PROVIDER_API_KEY: 'bench-provider-api-key',
    WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
    QUEUE_PREFIX: prefix,
    ...(adapter === 'redis' ? { REDIS_URL: TEST_REDIS_URL } : {}),
    ...extraServerEnv,
  })
  const ready = await server.next('ready')
  const url = `http://127.0.0.1:${ready.port as number}`
  const clients = child('clients.ts', { FANOUT_URL: url, CLIENTS: String(CLIENTS) })
  const connected = (await clients.next('ready')).connected as number
  if (connected !== CLIENTS) throw new Error(`only ${connected} of ${CLIENTS} clients connected`)
  // The direct payload is built from the pipeline's first seconds.
  await new Promise((resolve) => setTimeout(resolve, 4_000))
  const bytes = (await server.ask({ type: 'size' })).bytes as number

  async function measure(side: Side, seconds = SECONDS): Promise<Measured> {
    if (side === 'ours') await clients.ask({ type: 'subscribe' })
    else await server.ask({ type: 'direct', on: true })
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await clients.ask({ type: 'collect' })
    const cpu0 = (await server.ask({ type: 'cpu' })).micros as number
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    const latencies = (await clients.ask({ type: 'collect' })).latencies as number[]
    const cpu1 = (await server.ask({ type: 'cpu' })).micros as number
    if (side === 'ours') await clients.ask({ type: 'unsubscribe' })
    else await server.ask({ type: 'direct', on: false })
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    return { latencies, cpuMicros: cpu1 - cpu0, ticks: Math.max(1, Math.round(latencies.length / CLIENTS)) }
  }

  return {
    url,
    bytes,
    measure,
    async stop() {
      clients.process.kill('SIGTERM')
      server.process.kill('SIGTERM')
      await Promise.all([clients.process, server.process].map((p: ChildProcess) => (p.exitCode !== null ? null : new Promise((resolve) => p.once('exit', resolve)))))
      await db.drop()
    },
  }
}

export function summarize(results: Measured[]) {
  const latencies = results.flatMap((result) => result.latencies)
  const ticks = results.reduce((sum, result) => sum + result.ticks, 0)
  const cpu = results.reduce((sum, result) => sum + result.cpuMicros, 0)
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), cpuMsPerTick: cpu / 1000 / Math.max(1, ticks), samples: latencies.length }
}

const fmt = (value: number) => value.toFixed(2)

if (import.meta.url === `file://${process.argv[1]}`) {
  const p99ByAdapter: Partial<Record<'memory' | 'redis', number>> = {}
  const lines: string[] = []
  for (const adapter of ADAPTERS) {
    const rig = await startRig(adapter)
    try {
      const results: Record<Side, Measured[]> = { ours: [], direct: [] }
      for (let round = 1; round <= ROUNDS; round++) {
        const order: Side[] = round % 2 === 1 ? ['ours', 'direct'] : ['direct', 'ours']
        for (const side of order) {
          const measured = await rig.measure(side)
          results[side].push(measured)
          const s = summarize([measured])
          console.log(`${adapter} round ${round} ${side}: p50=${fmt(s.p50)} ms p99=${fmt(s.p99)} ms cpu/tick=${fmt(s.cpuMsPerTick)} ms (${s.samples} deliveries)`)
        }
      }
      const ours = summarize(results.ours)
      const direct = summarize(results.direct)
      p99ByAdapter[adapter] = ours.p99
      const ratio = ours.p99 / direct.p99
      lines.push(
        `fanout ${adapter} (${CLIENTS} clients, ${rig.bytes} B tick): candidate p50=${fmt(ours.p50)} ms p99=${fmt(ours.p99)} ms cpu/tick=${fmt(ours.cpuMsPerTick)} ms ` +
          `baseline p50=${fmt(direct.p50)} ms p99=${fmt(direct.p99)} ms cpu/tick=${fmt(direct.cpuMsPerTick)} ms ratio=${ratio.toFixed(2)} ` +
          `(goals: p99 ≤ ${GOAL_P99_MS} ms: ${ours.p99 <= GOAL_P99_MS ? 'met' : 'NOT met'}; ratio ≤ ${GOAL_RATIO}: ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'})`,
      )
    } finally {
      await rig.stop()
    }
  }
  for (const line of lines) console.log(line)
  if (p99ByAdapter.memory && p99ByAdapter.redis) console.log(`fanout redis adapter vs in-memory (ours, p99): ratio=${(p99ByAdapter.redis / p99ByAdapter.memory).toFixed(2)}`)
}
