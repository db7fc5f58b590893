import type { Worker } from 'bullmq'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

/**
 * The fault matrix of the proof ("tests for each connector against the sandbox, including every fault
 * mode"): every connector's pull job runs through the real engine processor on real BullMQ workers (Redis at
 * TEST_REDIS_URL under this file's prefix), the real breaker probe on the system queue, real Postgres, and the
 * sandbox with its faults switched on through the control API. Nothing of ours is mocked.
 * Webhook delivery faults (duplicate, out-of-order, dropped) need the web process: test/e2e/webhook-faults.e2e.ts.
 */

// Configuration before any app module reads it: short timeout, low breaker threshold, short cooldown.
const sandbox: TestSandbox = await startSandbox()
const PROVIDER_TIMEOUT_MS = 600
process.env.REDIS_URL = process.env.TEST_REDIS_URL
process.env.SANDBOX_URL = sandbox.url
process.env.PROVIDER_API_KEY = sandbox.apiKey
process.env.PROVIDER_TIMEOUT_MS = String(PROVIDER_TIMEOUT_MS)
process.env.BREAKER_FAILURE_THRESHOLD = '2'
process.env.BREAKER_COOLDOWN_SECONDS = '1'

const { prisma } = await import('#app/utils/db.server.ts')
const { closeQueues, createWorker, enqueue } = await import('#app/queues/connection.server.ts')
const { getIntegrationQueue, integrationQueueName, SYNC_RESOURCES } = await import('#app/queues/integrations.server.ts')
const { getSystemQueue, scheduleSystemJobs, SYSTEM_QUEUE } = await import('#app/queues/system.server.ts')
const { createLogger } = await import('#app/utils/logger.server.ts')
const { CONNECTORS } = await import('./index.ts')
const { startIntegrationWorkers } = await import('./shared/worker.ts')
const { createSystemProcessor } = await import('../system/heartbeat.ts')

type Key = 'storefront' | 'payments' | 'carrier' | 'warehouse' | 'helpdesk'
const KEYS: Key[] = ['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk']

const log = createLogger('worker')
const api = sandboxApi(sandbox)
let workers: Worker[] = []

beforeAll(async () => {
  workers = await startIntegrationWorkers(CONNECTORS, log)
  // The system queue runs the breaker probe (every 2 s) that half-opens an open breaker and resumes its queue.
  workers.push(createWorker(SYSTEM_QUEUE, createSystemProcessor({ id: 'faults-test', hostname: 'test', pid: process.pid, queues: [], startedAt: new Date() }, log, CONNECTORS)))
  await Promise.all(workers.map((worker) => worker.waitUntilReady()))
  await scheduleSystemJobs()

  // Something to pull for every provider: orders (each with its payment), a shipment, messages (stock is seeded).
  await sandbox.control.createOrders(3)
  await sandbox.control.createMessages({ count: 3 })
  const address = { name: 'Ada Test', line1: '1 Test Street', line2: null, city: 'London', postal_code: 'N1 1AA', country: 'GB' }
  const shipment = await api.post('/carrier/shipments', { reference: 'faults-test-1', service: 'standard', ship_to: address, parcels: [{ weight_grams: 500 }] }, 'faults-test-shipment-1')
  expect(shipment.status).toBe(201)
})

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()))
  for (const key of KEYS) await getIntegrationQueue(key).obliterate({ force: true }).catch(() => {})
  await getSystemQueue().obliterate({ force: true }).catch(() => {})
  await closeQueues()
  await sandbox.close()
})

beforeEach(async () => {
  await sandbox.control.reset()
})

async function until<T>(what: string, check: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await check()
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
    value = await check()
  }
  return value
}

/** Retries close together (the default backoff is seconds), but far enough apart to lift a fault in between. */
const RETRY = { attempts: 4, backoff: { type: 'fixed', delay: 300 } } as const
let sequence = 0

async function pull(key: Key, opts: { attempts: number; backoff?: { type: 'fixed'; delay: number } } = RETRY) {
  const resource = SYNC_RESOURCES[key][0]
  const jobId = `pull-${resource}-faults-${++sequence}`
  await enqueue(getIntegrationQueue(key), 'pull', { resource }, { jobId, ...opts })
  return jobId
}

const runsOf = (key: Key, jobId: string) => prisma.jobRun.findMany({ where: { queue: integrationQueueName(key), jobId }, orderBy: { id: 'asc' } })
const completed = (key: Key, jobId: string) =>
  until(`${key} ${jobId} completed`, () => runsOf(key, jobId), (runs) => runs.some((run) => run.status === 'completed'))
const firstRun = (key: Key, jobId: string) => until(`${key} ${jobId} first attempt`, () => runsOf(key, jobId), (runs) => runs.length >= 1)
const integration = (key: Key) => prisma.integration.findUniqueOrThrow({ where: { key } })
/** The success clears the failure count just after its JobRun is written. */
const breakerCleared = (key: Key) => until(`${key} breaker failures cleared`, () => integration(key), (row) => row.breakerFailures === 0 && row.breakerState === 'closed')

describe.each(KEYS)('%s: pull and probe under every API fault', (key) => {
  const provider = key

  beforeEach(async () => {
    // Every case starts from a healthy integration: the previous case ended with a success.
    const row = await integration(key)
    expect(row.breakerState).toBe('closed')
    expect(await getIntegrationQueue(key).isPaused()).toBe(false)
  })

  test('added latency: the pull completes and its JobRun duration shows the wait', async () => {
    await sandbox.control.setFaults(provider, { latencyMs: 300 })
    const jobId = await pull(key)
    const runs = await completed(key, jobId)
    expect(runs.map((run) => run.status)).toEqual(['completed'])
    expect(runs[0]!.durationMs).toBeGreaterThanOrEqual(300)
    // The probe is as slow, and still fine.
    const started = Date.now()
    await CONNECTORS.get(key)!.probe((await import('./shared/http.ts')).createProviderClient(key))
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
  })

  test('timeouts: a held request is abandoned after PROVIDER_TIMEOUT_MS, recorded as a retry, and the pull succeeds once the fault is gone', async () => {
    await sandbox.control.setFaults(provider, { timeoutRate: 1 })
    const jobId = await pull(key)
    const [first] = await firstRun(key, jobId)
    await sandbox.control.reset()
    expect(first).toMatchObject({ status: 'retrying', attempt: 1, integration: key })
    expect(first!.error).toMatch(new RegExp(`no answer within ${PROVIDER_TIMEOUT_MS} ms`))
    expect(first!.durationMs).toBeGreaterThanOrEqual(PROVIDER_TIMEOUT_MS - 20)
    expect(first!.request).toMatchObject({ method: 'GET' })
    const runs = await completed(key, jobId)
    expect(runs.at(-1)!.attempt).toBe(2)
    await breakerCleared(key)
  })

  test('5xx: retried with backoff, counted towards the breaker, then succeeds (the success clears the count)', async () => {
    await sandbox.control.setFaults(provider, { errorRate: 1, errorStatus: 503 })
    const jobId = await pull(key)
    const [first] = await firstRun(key, jobId)
    // Counted before the run is written: one failure, under the threshold of 2, so the breaker stays closed.
    const counted = await integration(key)
    await sandbox.control.reset()
    expect(first).toMatchObject({ status: 'retrying', attempt: 1 })
    expect(first!.error).toMatch(/503/)
    expect(first!.response).toMatchObject({ status: 503 })
    expect(counted).toMatchObject({ breakerFailures: 1, breakerState: 'closed' })
    await completed(key, jobId)
    expect(await prisma.deadLetter.count({ where: { jobId } })).toBe(0)
    await breakerCleared(key)
  })

  test.each(['seconds', 'http-date'] as const)('429 with Retry-After as %s: no call to the provider before it elapses, no attempt used', async (format) => {
    await sandbox.control.setFaults(provider, { rateLimitRate: 1, retryAfterSeconds: 1, retryAfterFormat: format })
    const since = new Date()
    const jobId = await pull(key)
    const [limited] = await firstRun(key, jobId)
    await sandbox.control.reset()
    expect(limited).toMatchObject({ status: 'rate_limited', attempt: 1 })
    const header = (limited!.response as { headers: Record<string, string> }).headers['retry-after']!
    expect(header).toMatch(format === 'seconds' ? /^1$/ : /GMT$/)
    const runs = await completed(key, jobId)
    expect(runs.map((run) => run.status)).toEqual(['rate_limited', 'completed'])
    // The 429 did not use an attempt: the success is still attempt 1.
    expect(runs.at(-1)!.attempt).toBe(1)
    // BullMQ counts the attempt when it moves the job to completed, just after the JobRun is written.
    const job = await until(`${key} ${jobId} completed in BullMQ`, () => getIntegrationQueue(key).getJob(jobId), (found) => found?.finishedOn !== undefined)
    expect(job?.attemptsMade).toBe(1)

    const requests = await sandbox.control.requests(provider, since)
    const rejected = requests.filter((request) => request.status === 429)
    expect(rejected).toHaveLength(1)
    const rejectedAt = Date.parse(rejected[0]!.at)
    // Seconds: 1 s after the 429. HTTP-date: that instant (rounded up to the second by the sandbox).
    const notBefore = format === 'seconds' ? rejectedAt + 1_000 : Date.parse(header)
    const after = requests.filter((request) => Date.parse(request.at) > rejectedAt)
    expect(after.length).toBeGreaterThanOrEqual(1)
    for (const request of after) expect(Date.parse(request.at)).toBeGreaterThanOrEqual(notBefore - 5)
    expect((await integration(key)).breakerFailures).toBe(0) // a 429 is not the provider being down
  })

  test('malformed payloads: a readable parse/validation cause, retried, then success', async () => {
    await sandbox.control.setFaults(provider, { malformedRate: 1 })
    const jobId = await pull(key)
    const [first] = await firstRun(key, jobId)
    await sandbox.control.reset()
    expect(first).toMatchObject({ status: 'retrying', attempt: 1 })
    expect(first!.error).toMatch(/→ 200: malformed answer \((not JSON|.+ (Expected|Required|Invalid).*)\)/)
    expect(first!.response).toMatchObject({ status: 200 })
    await completed(key, jobId)
    await breakerCleared(key)
  })

  test('full outage: the breaker opens at the threshold and pauses the queue; the probe resumes it by itself once the outage ends', async () => {
    await sandbox.control.setFaults(provider, { outage: true })
    const jobId = await pull(key, { attempts: 5, backoff: { type: 'fixed', delay: 100 } })
    const open = await until(`${key} breaker open`, () => integration(key), (row) => row.breakerState === 'open')
    expect(open.breakerFailures).toBeGreaterThanOrEqual(2)
    expect(await getIntegrationQueue(key).isPaused()).toBe(true)
    // The breaker counts a failure just before its JobRun is written.
    const failed = await until(`${key} ${jobId} two failed attempts`, () => runsOf(key, jobId), (runs) => runs.length >= 2)
    expect(failed.length).toBe(2) // the third attempt waits in the paused queue
    expect(failed.every((run) => run.status === 'retrying' && /503 outage/.test(run.error ?? ''))).toBe(true)

    const ended = new Date()
    await sandbox.control.reset()
    await until(`${key} queue resumed`, () => getIntegrationQueue(key).isPaused(), (paused) => !paused)
    const runs = await completed(key, jobId)
    expect(runs.at(-1)!.attempt).toBe(3)
    const closed = await until(`${key} breaker closed`, () => integration(key), (row) => row.breakerState === 'closed')
    expect(closed).toMatchObject({ breakerFailures: 0, breakerProbeAt: null })
    // The probe (the connector's cheapest call) went out after the outage ended, before the pull's retry.
    const after = await sandbox.control.requests(provider, ended)
    expect(after.length).toBeGreaterThanOrEqual(2)
    expect(after.every((request) => request.status === 200)).toBe(true)
  })
})
