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
 * Options (env): CLIENTS (1000), ROUNDS (2), SECONDS (5), ADAPTERS (memory,redis), CLIENT_PROCESSES (1: the clients
 * split over N processes), FANOUT_CLIENT_DECODE (full; wire: the clients receive ticks without decoding them, see
 * fanout-fixtures/wire-parser.ts), FANOUT_DIRECT_PAYLOAD (tiny: the baseline emits `{ t, sentAt }` only — a diagnosis, not
 * the comparison the goals are about).
 *
 * NOTE what the p99 measures: the clients share one process (one event loop), which reads and decodes the 1,000
 * copies of each tick one after the other, so the last copy's latency includes the decoding of the 999 before it.
 * Each phase also prints the FIRST copy's latency (server → network → a client with nothing queued: what one
 * browser sees) and the client process's CPU per tick, to tell the server's fan-out from the clients' queue.
 */
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, ensureTemplate, TEST_REDIS_URL, uniquePrefix } from '#test/setup/test-db.ts'

const CLIENTS = Number(process.env.CLIENTS ?? 1000)
const CLIENT_PROCESSES = Math.max(1, Number(process.env.CLIENT_PROCESSES ?? 1))
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const SECONDS = Number(process.env.SECONDS ?? 5)
const ADAPTERS = (process.env.ADAPTERS ?? 'memory,redis').split(',') as Array<'memory' | 'redis'>
const GOAL_P99_MS = 15
const GOAL_RATIO = 1.3
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fanout-fixtures')

export type Side = 'ours' | 'direct'
export type Measured = {
  latencies: number[]
  cpuMicros: number
  ticks: number
  /** Latency of the first copy of each tick to reach each client process. */
  firsts: number[]
  clientCpuMicros: number
  /** Duration of each direct `io.emit` call (baseline only). */
  emitMs: number[]
  /** FANOUT_CLIENT_DECODE=wire: time to JSON-decode one copy (every 100th copy), µs. */
  decodeMicros: number[]
}

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
    ...(process.env.FANOUT_DIRECT_PAYLOAD ? { FANOUT_DIRECT_PAYLOAD: process.env.FANOUT_DIRECT_PAYLOAD } : {}),
    ...extraServerEnv,
  })
  const ready = await server.next('ready')
  const url = `http://127.0.0.1:${ready.port as number}`
  const shares = Array.from({ length: CLIENT_PROCESSES }, (_, i) => Math.floor(CLIENTS / CLIENT_PROCESSES) + (i < CLIENTS % CLIENT_PROCESSES ? 1 : 0))
  const decode: Record<string, string> = process.env.FANOUT_CLIENT_DECODE ? { FANOUT_CLIENT_DECODE: process.env.FANOUT_CLIENT_DECODE } : {}
  const clientProcesses = shares.map((share) => child('clients.ts', { FANOUT_URL: url, CLIENTS: String(share), ...decode }))
  const connected = (await Promise.all(clientProcesses.map((clients) => clients.next('ready')))).reduce((sum, ready) => sum + (ready.connected as number), 0)
  if (connected !== CLIENTS) throw new Error(`only ${connected} of ${CLIENTS} clients connected`)
  const clients = { ask: (message: Record<string, unknown>) => Promise.all(clientProcesses.map((clients) => clients.ask(message))) }
  // The direct payload is built from the pipeline's first seconds.
  await new Promise((resolve) => setTimeout(resolve, 4_000))
  const bytes = (await server.ask({ type: 'size' })).bytes as number

  async function measure(side: Side, seconds = SECONDS): Promise<Measured> {
    if (side === 'ours') await clients.ask({ type: 'subscribe' })
    else await server.ask({ type: 'direct', on: true })
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await clients.ask({ type: 'collect' })
    await server.ask({ type: 'emits' })
    const cpu0 = (await server.ask({ type: 'cpu' })).micros as number
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
    const collected = await clients.ask({ type: 'collect' })
    const cpu1 = (await server.ask({ type: 'cpu' })).micros as number
    const emitMs = (await server.ask({ type: 'emits' })).ms as number[]
    const latencies = collected.flatMap((answer) => answer.latencies as number[])
    if (side === 'ours') await clients.ask({ type: 'unsubscribe' })
    else await server.ask({ type: 'direct', on: false })
    await new Promise((resolve) => setTimeout(resolve, 1_200))
    return {
      latencies,
      cpuMicros: cpu1 - cpu0,
      ticks: Math.max(1, Math.round(latencies.length / CLIENTS)),
      firsts: collected.flatMap((answer) => answer.firsts as number[]),
      clientCpuMicros: collected.reduce((sum, answer) => sum + (answer.cpuMicros as number), 0),
      emitMs,
      decodeMicros: collected.flatMap((answer) => (answer.decodeMicros as number[] | undefined) ?? []),
    }
  }

  return {
    url,
    bytes,
    measure,
    async stop() {
      for (const clients of clientProcesses) clients.process.kill('SIGTERM')
      server.process.kill('SIGTERM')
      await Promise.all([...clientProcesses.map((clients) => clients.process), server.process].map((p: ChildProcess) => (p.exitCode !== null ? null : new Promise((resolve) => p.once('exit', resolve)))))
      await db.drop()
    },
  }
}

export function summarize(results: Measured[]) {
  const latencies = results.flatMap((result) => result.latencies)
  const ticks = results.reduce((sum, result) => sum + result.ticks, 0)
  const cpu = results.reduce((sum, result) => sum + result.cpuMicros, 0)
  const clientCpu = results.reduce((sum, result) => sum + result.clientCpuMicros, 0)
  const firsts = results.flatMap((result) => result.firsts)
  const emits = results.flatMap((result) => result.emitMs)
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    cpuMsPerTick: cpu / 1000 / Math.max(1, ticks),
    samples: latencies.length,
    firstP50: quantile(firsts, 0.5),
    firstP99: quantile(firsts, 0.99),
    clientCpuMsPerTick: clientCpu / 1000 / Math.max(1, ticks),
    emitP50: quantile(emits, 0.5),
    decodeP50Micros: quantile(results.flatMap((result) => result.decodeMicros), 0.5),
  }
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
          console.log(
            `${adapter} round ${round} ${side}: p50=${fmt(s.p50)} ms p99=${fmt(s.p99)} ms cpu/tick=${fmt(s.cpuMsPerTick)} ms (${s.samples} deliveries); ` +
              `first copy p50=${fmt(s.firstP50)} ms p99=${fmt(s.firstP99)} ms; client CPU/tick=${fmt(s.clientCpuMsPerTick)} ms` +
              (side === 'direct' ? `; io.emit call p50=${fmt(s.emitP50)} ms` : '') +
              (Number.isFinite(s.decodeP50Micros) ? `; decoding one copy p50=${fmt(s.decodeP50Micros)} µs` : ''),
          )
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
  const decoding = process.env.FANOUT_CLIENT_DECODE === 'wire' ? 'ticks received, not decoded (wire)' : 'every copy decoded'
  console.log(`(${CLIENT_PROCESSES} client process${CLIENT_PROCESSES === 1 ? '' : 'es'}; ${decoding}${process.env.FANOUT_DIRECT_PAYLOAD === 'tiny' ? '; baseline payload: tiny' : ''})`)
  for (const line of lines) console.log(line)
  if (p99ByAdapter.memory && p99ByAdapter.redis) console.log(`fanout redis adapter vs in-memory (ours, p99): ratio=${(p99ByAdapter.redis / p99ByAdapter.memory).toFixed(2)}`)
}
