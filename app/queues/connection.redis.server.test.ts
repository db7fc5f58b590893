import { afterAll, beforeAll, expect, test } from 'vitest'

// BullMQ on Redis (the machine's Redis, TEST_REDIS_URL) under this file's own QUEUE_PREFIX. Set before app code loads.
process.env.REDIS_URL = process.env.TEST_REDIS_URL
const queues = await import('./connection.server.ts')
const { getEnv } = await import('#app/utils/env.server.ts')

afterAll(async () => {
  // Leave nothing behind on the shared Redis.
  await queues.createQueue('redis-once').obliterate({ force: true })
  await queues.closeQueues()
})

beforeAll(async () => {
  await queues.pingQueueBackend()
})

test('with REDIS_URL the backend is Redis under QUEUE_PREFIX', () => {
  const backend = queues.getQueueBackend()
  expect(backend).toMatchObject({ kind: 'redis', prefix: getEnv().QUEUE_PREFIX })
})

test('a job added is processed exactly once', async () => {
  const queue = queues.createQueue<{ ticketId: string }>('redis-once')
  const seen: unknown[] = []
  const done = new Promise<void>((resolve) => {
    queues.createWorker<{ ticketId: string }>('redis-once', async (job) => {
      seen.push(job.data)
      resolve()
    })
  })
  const job = await queues.enqueue(queue, 'touch', { ticketId: 'tic_1' })
  await done
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(seen).toEqual([{ ticketId: 'tic_1' }])
  expect(job.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } })
  expect(job.queueQualifiedName).toBe(`${getEnv().QUEUE_PREFIX}:redis-once`)
})
