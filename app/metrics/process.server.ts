import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { getEnv } from '#app/utils/env.server.ts'
import { singleton } from '#app/utils/singleton.server.ts'
import { createAggregator, type Aggregator } from './aggregator.server.ts'
import { createRecorder, NOOP_RECORDER, type Recorder } from './recorder.server.ts'
import { createTransport, type MetricsTransport } from './transport.server.ts'
import type { ProcessKind } from './window.ts'

/**
 * The one call a process makes to record metrics (web: server/index.ts, worker: workers/index.ts):
 * `await startProcessMetrics({ kind })`. It opens the transport (Redis when REDIS_URL is set, else PostgreSQL
 * NOTIFY) and starts the recorder, which publishes one window per second. `startAggregation()` additionally
 * subscribes to every process's windows (web processes for the live tick and /metrics; the elected worker for the
 * minute rollups). `getRecorder()` is what instrumentation calls: the no-op recorder until started or when
 * METRICS_RECORDING=false.
 */

type State = {
  recorder: Recorder
  transport: MetricsTransport | null
  aggregator: Aggregator | null
  aggregating: Promise<Aggregator> | null
  lastPublishError: string | null
  onError: (error: unknown, what: string) => void
}

const state = () =>
  singleton<State>('metrics-process', () => ({
    recorder: NOOP_RECORDER,
    transport: null,
    aggregator: null,
    aggregating: null,
    lastPublishError: null,
    onError: () => {},
  }))

export function getRecorder(): Recorder {
  return state().recorder
}

export type ProcessMetrics = {
  recorder: Recorder
  transport: MetricsTransport
  close: () => Promise<void>
}

export type StartOptions = {
  kind: ProcessKind
  /** Errors of the transport (logged once per distinct message by the caller's logger). */
  onError?: (error: unknown, what: string) => void
  /** Overrides for tests: transport settings default to the process configuration. */
  transport?: MetricsTransport
  recording?: boolean
}

export async function startProcessMetrics(options: StartOptions): Promise<ProcessMetrics> {
  const current = state()
  const env = getEnv()
  current.onError = options.onError ?? (() => {})
  current.transport ??=
    options.transport ??
    createTransport({
      redisUrl: env.REDIS_URL,
      databaseUrl: env.DATABASE_URL,
      prefix: env.QUEUE_PREFIX,
      onError: (error) => current.onError(error, 'transport'),
      // Imported lazily: db.server.ts imports this module (its query timing), so a static import would be a cycle.
      query: async (text, values) => (await import('#app/utils/db.server.ts')).pgPool.query(text, values),
    })
  const transport = current.transport
  if ((options.recording ?? env.METRICS_RECORDING) && !current.recorder.enabled) {
    current.recorder = createRecorder({
      processId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      kind: options.kind,
      publish: (window) => {
        transport.publish(JSON.stringify(window)).then(
          () => {
            current.lastPublishError = null
          },
          (error: unknown) => {
            // Once per distinct failure: a transport that is down would otherwise log every second.
            const message = error instanceof Error ? error.message : String(error)
            if (message !== current.lastPublishError) current.onError(error, 'publish')
            current.lastPublishError = message
          },
        )
      },
    })
  }
  return {
    recorder: current.recorder,
    transport,
    close: stopProcessMetrics,
  }
}

/** Subscribes this process to every process's windows (idempotent); resolves once subscribed. */
export function startAggregation(): Promise<Aggregator> {
  const current = state()
  if (!current.transport) throw new Error('startProcessMetrics() first')
  const transport = current.transport
  current.aggregating ??= (async () => {
    const aggregator = createAggregator()
    await transport.subscribe((payload) => aggregator.receive(payload))
    current.aggregator = aggregator
    return aggregator
  })()
  return current.aggregating
}

/** The process's aggregator once `startAggregation()` resolved, else null. */
export function getAggregator(): Aggregator | null {
  return state().aggregator
}

export async function stopProcessMetrics() {
  const current = state()
  // The last partial second is published before the transport closes.
  current.recorder.flush()
  current.recorder.stop()
  current.recorder = NOOP_RECORDER
  current.aggregator?.stop()
  current.aggregator = null
  current.aggregating = null
  const transport = current.transport
  current.transport = null
  await new Promise((resolve) => setTimeout(resolve, 20))
  await transport?.close()
}
