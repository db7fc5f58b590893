import { createPostgresBackend, Queue, type Job } from 'bullmq'
import { afterAll, expect, test } from 'vitest'
import { getEnv } from '#app/utils/env.server.ts'
import {
  closeQueues,
  createQueue,
  createWorker,
  DEFAULT_JOB_OPTIONS,
  enqueue,
  getQueueBackend,
  pingQueueBackend,
  postgresSchema,
} from './connection.server.ts'
import { getSystemQueue, HEARTBEAT_SCHEDULER_ID, parseSystemJob, scheduleSystemJobs } from './system.server.ts'

// REDIS_URL is unset here: the embedded default, BullMQ on its PostgreSQL backend in this file's own database.
afterAll(() => closeQueues())

test('without REDIS_URL the backend is PostgreSQL, namespaced by QUEUE_PREFIX', async () => {
  expect(getQueueBackend()).toEqual({ kind: 'postgres', prefix: getEnv().QUEUE_PREFIX, schema: postgresSchema(getEnv().QUEUE_PREFIX) })
  expect(postgresSchema('Ops-Deck')).toBe('bullmq_ops_deck')
  await expect(pingQueueBackend()).resolves.toBeUndefined()
})

test('a job added is processed exactly once, with the default retry/backoff options', async () => {
  const queue = createQueue<{ orderId: string }>('conn-once')
  expect(createQueue('conn-once')).toBe(queue) // one instance per name per process
  const seen: Array<{ id?: string; data: unknown }> = []
  const done = new Promise<void>((resolve) => {
    const worker = createWorker<{ orderId: string }>('conn-once', async (job) => {
      seen.push({ id: job.id, data: job.data })
      resolve()
    })
    void worker
  })
  const job = await enqueue(queue, 'touch', { orderId: 'ord_1' })
  await done
  await new Promise((resolve) => setTimeout(resolve, 500)) // would a second delivery happen?
  expect(seen).toEqual([{ id: job.id, data: { orderId: 'ord_1' } }])
  expect(job.opts.attempts).toBe(DEFAULT_JOB_OPTIONS.attempts)
  expect(job.opts.backoff).toEqual({ type: 'exponential', delay: 2_000, jitter: 0.5 })
})

test('a failing job is retried with backoff, then succeeds', async () => {
  const queue = createQueue('conn-retry')
  const attempts: number[] = []
  const completed = new Promise<Job>((resolve) => {
    const worker = createWorker('conn-retry', async (job) => {
      attempts.push(job.attemptsMade)
      if (job.attemptsMade < 1) throw new Error('provider said 503')
      return 'ok'
    })
    worker.on('completed', (job) => resolve(job))
  })
  // A short delay keeps the test fast; the shape (exponential + jitter) is the default's.
  await enqueue(queue, 'flaky', {}, { backoff: { type: 'exponential', delay: 50, jitter: 0.5 } })
  const job = await completed
  expect(attempts).toEqual([0, 1])
  expect(job.returnvalue).toBe('ok')
})

test('queues with another prefix (another Postgres schema) do not see these jobs', async () => {
  const queue = createQueue('conn-isolated')
  await enqueue(queue, 'mine', {})
  const other = new Queue(
    'conn-isolated',
    { connection: { connectionString: getEnv().DATABASE_URL, schema: postgresSchema(`${getEnv().QUEUE_PREFIX}_other`), migrate: true } },
    createPostgresBackend,
  )
  try {
    expect(await other.count()).toBe(0)
    expect(await queue.count()).toBe(1)
  } finally {
    await other.close()
  }
})

test('scheduleSystemJobs registers the heartbeat every HEARTBEAT_SECONDS and the sync housekeeping, idempotently', async () => {
  await scheduleSystemJobs()
  await scheduleSystemJobs()
  const schedulers = await getSystemQueue().getJobSchedulers()
  // One scheduler per id however often it is registered.
  expect(schedulers.map((scheduler) => scheduler.key).sort()).toEqual(
    [HEARTBEAT_SCHEDULER_ID, 'system:breaker-probe', 'system:inbox-relay', 'system:outbox-relay', 'system:inventory-reconcile'].sort(),
  )
  expect(schedulers.find((scheduler) => scheduler.key === HEARTBEAT_SCHEDULER_ID)).toMatchObject({
    name: 'heartbeat',
    every: getEnv().HEARTBEAT_SECONDS * 1000,
  })
})

test('system job payloads are validated', () => {
  expect(parseSystemJob('heartbeat', {})).toEqual({ name: 'heartbeat', data: {} })
  expect(() => parseSystemJob('heartbeat', { email: 'a@b.c' })).toThrow(/invalid heartbeat payload/)
  expect(() => parseSystemJob('nope', {})).toThrow(/unknown system job "nope"/)
})
