import {
  createPostgresBackend,
  Queue,
  QueueEvents,
  Worker,
  type DefaultJobOptions,
  type JobsOptions,
  type Processor,
  type WorkerOptions,
} from 'bullmq'
import { Redis } from 'ioredis'
import pg from 'pg'
import { pino } from 'pino'
import { getEnv } from '#app/utils/env.server.ts'
import { singleton } from '#app/utils/singleton.server.ts'

/**
 * The one place that knows which BullMQ backend this process uses (docs/decisions/0005-queues-and-embedded-default.md):
 * - REDIS_URL set → BullMQ on Redis through ioredis, every key under QUEUE_PREFIX;
 * - REDIS_URL unset → BullMQ's PostgreSQL backend on DATABASE_URL, in the schema `bullmq_<QUEUE_PREFIX>`
 *   (the Postgres backend ignores BullMQ's `prefix`; its schema is the namespace, so the prefix picks the schema).
 * Everything else (Queue, Worker, job options, schedulers) is the same code on both.
 */

export type QueueBackend =
  | { kind: 'redis'; prefix: string; /** host:port, no credentials */ address: string }
  | { kind: 'postgres'; prefix: string; schema: string }

/** Readable error for producers and health checks when the queue backend cannot be reached. */
export class QueueUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'QueueUnavailableError'
  }
}

const PING_TIMEOUT_MS = 2_000
const ENQUEUE_TIMEOUT_MS = 5_000
const CLOSE_TIMEOUT_MS = 10_000

/**
 * Every queue's default job options: bounded retries, exponential backoff with jitter (so a provider outage does not
 * get retried in lock-step by every job), and bounded history so neither Redis nor Postgres grows without end.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
} as const satisfies DefaultJobOptions

export function getQueueBackend(): QueueBackend {
  const env = getEnv()
  if (env.REDIS_URL) {
    const url = new URL(env.REDIS_URL)
    return { kind: 'redis', prefix: env.QUEUE_PREFIX, address: `${url.hostname}:${url.port || 6379}` }
  }
  return { kind: 'postgres', prefix: env.QUEUE_PREFIX, schema: postgresSchema(env.QUEUE_PREFIX) }
}

/** `bullmq_<prefix>` as a valid Postgres identifier (letters, digits, _; at most 63 bytes). */
export function postgresSchema(prefix: string) {
  return `bullmq_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63)
}

export function describeQueueBackend(backend = getQueueBackend()) {
  return backend.kind === 'redis'
    ? `BullMQ on Redis at ${backend.address} (prefix ${backend.prefix})`
    : `BullMQ on PostgreSQL (schema ${backend.schema})`
}

// ---------------------------------------------------------------------------------------------------------------
// Process-wide state: every object created here is closed by closeQueues().

type State = {
  queues: Map<string, Queue>
  workers: Set<Worker>
  events: Set<QueueEvents>
  redis: Set<Redis>
  producer?: Redis
  workerConnection?: Redis
  lastRedisError?: Error
  pingPool?: pg.Pool
}

const state = singleton<State>('queues', () => ({ queues: new Map(), workers: new Set(), events: new Set(), redis: new Set() }))

type QueueLogger = Pick<pino.Logger, 'warn' | 'error'>
const logger = singleton<{ current?: QueueLogger }>('queues-log', () => ({}))
const log: QueueLogger = {
  warn: (...args: Parameters<QueueLogger['warn']>) => currentLogger().warn(...args),
  error: (...args: Parameters<QueueLogger['error']>) => currentLogger().error(...args),
}
function currentLogger() {
  logger.current ??= pino({ level: getEnv().LOG_LEVEL, base: { component: 'queues', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime })
  return logger.current
}

/** Routes queue/worker failure logs to the process's own logger (the worker process passes its pino logger). */
export function setQueueLogger(next: QueueLogger) {
  logger.current = next
}

function trackRedis(client: Redis) {
  state.redis.add(client)
  // NOTE: an ioredis client without an 'error' listener prints every reconnect failure as an unhandled error event.
  client.on('error', (error) => {
    state.lastRedisError = error
  })
  client.on('ready', () => {
    state.lastRedisError = undefined
  })
  return client
}

/**
 * Producers fail fast: no offline queue, one retry per command, so an enqueue while Redis is down errors at once
 * instead of hanging a web request (STYLE.md habit 8).
 */
function producerConnection() {
  state.producer ??= trackRedis(
    new Redis(getEnv().REDIS_URL!, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5_000 }),
  )
  return state.producer
}

/** Workers wait out Redis outages: BullMQ requires `maxRetriesPerRequest: null` for blocking connections. */
function workerConnection() {
  state.workerConnection ??= trackRedis(new Redis(getEnv().REDIS_URL!, { maxRetriesPerRequest: null }))
  return state.workerConnection
}

function postgresConnection() {
  const env = getEnv()
  return {
    connectionString: env.DATABASE_URL,
    schema: postgresSchema(env.QUEUE_PREFIX),
    // Creates/upgrades BullMQ's own schema on first use (serialised by an advisory lock across processes).
    migrate: true,
    // Each Queue/Worker/QueueEvents owns a pool (plus a LISTEN connection for workers): a worker process has a dozen
    // of them, so 2 each keeps a whole deployment well under PostgreSQL's default max_connections (100).
    max: 2,
    connectionTimeoutMillis: 5_000,
  }
}

function redisUnreachable(reason: unknown) {
  const backend = getQueueBackend()
  const address = backend.kind === 'redis' ? backend.address : '?'
  const message = reason instanceof Error ? reason.message : String(reason ?? 'not connected')
  return new QueueUnavailableError(`Redis at ${address} unreachable: ${message}`, { cause: reason })
}

function postgresUnreachable(reason: unknown) {
  const message = reason instanceof Error ? reason.message || reason.name : String(reason)
  return new QueueUnavailableError(`queue backend (Postgres) unreachable: ${message}`, { cause: reason })
}

/** The queue `name` of this process (one instance per name), with the shared default job options. */
export function createQueue<Data = unknown>(name: string): Queue<Data> {
  const existing = state.queues.get(name)
  if (existing) return existing as Queue<Data>
  const env = getEnv()
  const queue: Queue =
    env.REDIS_URL
      ? new Queue(name, { connection: producerConnection(), prefix: env.QUEUE_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS })
      : (new Queue(
          name,
          { connection: postgresConnection(), defaultJobOptions: DEFAULT_JOB_OPTIONS },
          createPostgresBackend,
        ) as unknown as Queue)
  queue.on('error', (error) => log.warn({ queue: name, err: error }, 'queue connection error'))
  state.queues.set(name, queue)
  return queue as Queue<Data>
}

export type CreateWorkerOptions = Partial<Omit<WorkerOptions, 'connection' | 'prefix'>>

/** A worker for queue `name`. Concurrency defaults to WORKER_CONCURRENCY. Failures are logged with their cause. */
export function createWorker<Data = unknown, Result = unknown>(
  name: string,
  processor: Processor<Data, Result>,
  opts: CreateWorkerOptions = {},
): Worker<Data, Result> {
  const env = getEnv()
  const lockMs = env.WORKER_LOCK_SECONDS * 1000
  const options = {
    concurrency: env.WORKER_CONCURRENCY,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    // A job whose worker died is run again (at-least-once; our jobs are idempotent). A job that kills its worker
    // every time fails after this many tries instead of looping.
    maxStalledCount: 3,
    ...opts,
  }
  const worker: Worker<Data, Result> = env.REDIS_URL
    ? new Worker<Data, Result>(name, processor, { ...options, connection: workerConnection(), prefix: env.QUEUE_PREFIX })
    : (new Worker(name, processor as Processor, { ...options, connection: postgresConnection() }, createPostgresBackend) as unknown as Worker<
        Data,
        Result
      >)
  worker.on('failed', (job, error) => {
    const attempts = job?.opts.attempts ?? 1
    const final = !job || job.attemptsMade >= attempts || error.name === 'UnrecoverableError'
    log[final ? 'error' : 'warn'](
      { queue: name, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, attempts, err: error },
      `job ${job?.name ?? '?'} failed${final ? ' for good' : ', will retry'}: ${error.message}`,
    )
  })
  worker.on('error', (error) => log.error({ queue: name, err: error }, `worker error: ${error.message}`))
  state.workers.add(worker)
  return worker
}

/** Queue events (completed/failed/progress across processes) for queue `name`. */
export function createQueueEvents(name: string): QueueEvents {
  const env = getEnv()
  const events: QueueEvents = env.REDIS_URL
    ? new QueueEvents(name, {
        connection: trackRedis(new Redis(env.REDIS_URL, { maxRetriesPerRequest: null })),
        prefix: env.QUEUE_PREFIX,
      })
    : (new QueueEvents(name, { connection: postgresConnection() }, createPostgresBackend) as unknown as QueueEvents)
  events.on('error', (error) => log.warn({ queue: name, err: error }, 'queue events error'))
  state.events.add(events)
  return events
}

/**
 * Adds a job, failing fast (QueueUnavailableError with a readable reason) when the backend is unreachable.
 * Use this from every `enqueue…` function instead of `queue.add`.
 */
export async function enqueue<Data>(queue: Queue<Data>, name: string, data: Data, opts?: JobsOptions) {
  if (getEnv().REDIS_URL) {
    const producer = producerConnection()
    if (producer.status !== 'ready') await waitForRedis(producer, 1_000)
  }
  const add = (queue as Queue).add(name, data, opts)
  return withTimeout(add, ENQUEUE_TIMEOUT_MS, () => new QueueUnavailableError(`enqueue ${queue.name}/${name} timed out`)).catch(
    (error: unknown) => {
      if (!getEnv().REDIS_URL) discardQueue(queue as Queue)
      if (error instanceof QueueUnavailableError) throw error
      throw getEnv().REDIS_URL ? redisUnreachable(error) : postgresUnreachable(error)
    },
  )
}

/**
 * NOTE: BullMQ's PostgreSQL backend memoizes a failed first connection (`waitUntilReady`), so a Queue created while
 * the database was down stays broken after it comes back (verified with bullmq 6.7). After a failed enqueue we drop
 * it; the next `createQueue(name)` builds a fresh one. Hence: call `createQueue`/`get…Queue()` per use, do not keep
 * Queue objects in module variables.
 */
function discardQueue(queue: Queue) {
  if (state.queues.get(queue.name) !== queue) return
  state.queues.delete(queue.name)
  void withTimeout(queue.close(), 3_000, () => new Error('timeout')).catch(() => {})
}

async function waitForRedis(client: Redis, timeoutMs: number) {
  if (client.status === 'ready') return
  if (client.status === 'end' || client.status === 'close') throw redisUnreachable(state.lastRedisError ?? new Error(`connection ${client.status}`))
  // Already failing (reconnecting after an error): say so at once rather than making /readyz wait.
  if (state.lastRedisError) throw redisUnreachable(state.lastRedisError)
  let onReady: (() => void) | undefined
  let onError: ((error: Error) => void) | undefined
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      onReady = () => resolve()
      onError = (error) => reject(redisUnreachable(error))
      client.once('ready', onReady)
      client.once('error', onError)
    }),
    timeoutMs,
    () => redisUnreachable(state.lastRedisError ?? new Error(`no answer within ${timeoutMs} ms`)),
  ).finally(() => {
    client.off('ready', onReady!)
    client.off('error', onError!)
  })
}

/**
 * Throws a QueueUnavailableError saying why when the queue backend cannot be used (for /readyz and the worker's
 * liveness). Short timeout; never hangs.
 */
export async function pingQueueBackend(): Promise<void> {
  const env = getEnv()
  if (env.REDIS_URL) {
    const client = producerConnection()
    await waitForRedis(client, PING_TIMEOUT_MS)
    await withTimeout(client.ping(), PING_TIMEOUT_MS, () => redisUnreachable(new Error(`PING timed out after ${PING_TIMEOUT_MS} ms`))).catch(
      (error: unknown) => {
        throw error instanceof QueueUnavailableError ? error : redisUnreachable(error)
      },
    )
    return
  }
  if (!state.pingPool) {
    state.pingPool = new pg.Pool({
      connectionString: env.DATABASE_URL,
      max: 1,
      connectionTimeoutMillis: PING_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    })
    state.pingPool.on('error', () => {}) // an idle client dropping is reported by the next ping instead
  }
  await withTimeout(state.pingPool.query('select 1'), PING_TIMEOUT_MS, () => postgresUnreachable(new Error(`no answer within ${PING_TIMEOUT_MS} ms`))).catch(
    (error: unknown) => {
      throw error instanceof QueueUnavailableError ? error : postgresUnreachable(error)
    },
  )
}

/**
 * Closes everything this process created here: workers first (each waits for its active jobs, up to a timeout), then
 * queue events, queues and connections. Safe to call more than once.
 */
export async function closeQueues() {
  const workers = [...state.workers]
  state.workers.clear()
  await Promise.all(
    workers.map((worker) =>
      withTimeout(worker.close(), CLOSE_TIMEOUT_MS, () => new Error('timeout')).catch(() => worker.close(true).catch(() => {})),
    ),
  )
  const closables: Array<{ close(): Promise<void> }> = [...state.events, ...state.queues.values()]
  state.events.clear()
  state.queues.clear()
  await Promise.all(closables.map((item) => withTimeout(item.close(), 3_000, () => new Error('timeout')).catch(() => {})))
  for (const client of state.redis) client.disconnect()
  state.redis.clear()
  state.producer = undefined
  state.workerConnection = undefined
  const pool = state.pingPool
  state.pingPool = undefined
  await pool?.end().catch(() => {})
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), ms)
      timer.unref()
    }),
  ]).finally(() => clearTimeout(timer))
}
