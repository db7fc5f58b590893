import type { Job, Worker } from 'bullmq'
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest'
import { z } from 'zod'
import type { TestSandbox } from '#test/helpers/sandbox.ts'

/**
 * The sync engine end to end with the storefront connector, shared by storefront.redis.test.ts (BullMQ on Redis) and
 * storefront.postgres.test.ts (BullMQ's PostgreSQL backend, the `npm start` default): the rate limit, pause/resume
 * and delayed moves are backend code, so both run every case. The caller sets the configuration (sandbox URL,
 * key, REDIS_URL or not) before importing this module.
 */
export async function defineEngineTests(sandbox: TestSandbox) {
  const { prisma } = await import('#app/utils/db.server.ts')
  const { closeQueues, createWorker } = await import('#app/queues/connection.server.ts')
  const { enqueue } = await import('#app/queues/connection.server.ts')
  const { getIntegrationQueue, enqueueOrderImport, enqueueWebhookProcessing, jobIds } = await import('#app/queues/integrations.server.ts')
  const { getSystemQueue, scheduleSystemJobs, SYSTEM_QUEUE } = await import('#app/queues/system.server.ts')
  const { addOutboxMessage, dispatchOutbox } = await import('#app/models/outbox.server.ts')
  const { createLogger } = await import('#app/utils/logger.server.ts')
  const { storefrontConnector } = await import('./index.ts')
  const { startIntegrationWorkers } = await import('../shared/worker.ts')
  const { createIntegrationProcessor } = await import('../shared/processor.ts')
  const { defineConnector } = await import('../shared/connector.ts')
  const { createSystemProcessor } = await import('../../system/heartbeat.ts')

  const log = createLogger('worker')
  const PaymentSchema = z.object({ id: z.string(), status: z.string(), captured_amount: z.number() })

  /**
   * An effect-only connector for the outbox test: captures a sandbox payment with the outbox row's key. (The real
   * payments connector lives in workers/integrations/payments and has its own tests; this file tests the engine.)
   */
  const captureConnector = defineConnector({
    key: 'payments',
    probe: async () => {},
    resources: {},
    webhookTopics: {},
    effects: {
      'payments.capture': async (payload, ctx) => {
        const { paymentId } = z.object({ paymentId: z.string() }).parse(payload)
        const payment = await ctx.client.post(`/payments/${paymentId}/capture`, { reference: ctx.idempotencyKey }, PaymentSchema, {
          idempotencyKey: ctx.idempotencyKey,
        })
        ctx.summarize(`captured ${payment.id}`)
      },
    },
  })
  const connectors = new Map([
    ['storefront', storefrontConnector],
    ['payments', captureConnector],
  ] as const)

  let workers: Worker[] = []
  beforeAll(async () => {
    workers = await startIntegrationWorkers(connectors, log)
    workers.push(createWorker(SYSTEM_QUEUE, createSystemProcessor({ id: 'test', hostname: 'test', pid: process.pid, queues: [], startedAt: new Date() }, log, connectors)))
    await Promise.all(workers.map((worker) => worker.waitUntilReady()))
    await scheduleSystemJobs()
  })

  afterAll(async () => {
    for (const key of ['storefront', 'payments'] as const) await getIntegrationQueue(key).obliterate({ force: true }).catch(() => {})
    await getSystemQueue().obliterate({ force: true }).catch(() => {})
    await closeQueues()
    await sandbox.close()
  })

  beforeEach(async () => {
    await sandbox.control.reset()
  })

  async function until<T>(check: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let value = await check()
    while (!ok(value)) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
      value = await check()
    }
    return value
  }

  const FAST_RETRY = { attempts: 4, backoff: { type: 'fixed', delay: 150 } } as const

  function runsOf(jobId: string) {
    return prisma.jobRun.findMany({ where: { jobId }, orderBy: { id: 'asc' } })
  }

  async function storefrontOrder(id: string) {
    const response = await fetch(`${sandbox.providerUrls.storefront}/orders/${id}`, { headers: { 'x-api-key': sandbox.apiKey } })
    return (await response.json()) as { id: string; number: string; updated_at: string; payment_id: string; tags: string[] }
  }

  test('pull pages through the list with updated_since + next_cursor and keeps the cursor; the next pull starts there', { timeout: 30_000 }, async () => {
    const ids = await sandbox.control.createOrders(230)
    const started = new Date()
    const job = await enqueue(getIntegrationQueue('storefront'), 'pull', { resource: 'orders' }, { jobId: 'pull-test-1' })
    const [run] = await until(() => runsOf(job.id!), (runs) => runs.some((r) => r.status === 'completed'))
    expect(run.summary).toMatch(/orders pull: 3 page\(s\), 230 seen, 230 created/)

    expect(await prisma.order.count({ where: { source: 'storefront' } })).toBe(230)
    const last = await storefrontOrder(ids.at(-1)!)
    const integration = await prisma.integration.findUniqueOrThrow({ where: { key: 'storefront' } })
    expect(integration.cursor).toMatchObject({ orders: { updatedSince: last.updated_at } })
    const syncRun = await prisma.syncRun.findFirstOrThrow({ where: { jobId: job.id! } })
    expect(syncRun).toMatchObject({ kind: 'orders.pull', status: 'succeeded', itemsSeen: 230, itemsCreated: 230 })
    const requests = (await sandbox.control.requests('storefront', started)).filter((r) => /^\/storefront\/orders(\?|$)/.test(r.path))
    expect(requests).toHaveLength(3)

    // Mapped per CONTRACTS-3.md D: number, status, customer, lines with variants (none in this database), totals.
    const order = await prisma.order.findUniqueOrThrow({ where: { source_externalId: { source: 'storefront', externalId: last.id } }, include: { lines: true, customer: true } })
    expect(order).toMatchObject({ number: last.number, externalUpdatedAt: new Date(last.updated_at), channel: 'online_store', paymentStatus: 'unpaid' })
    expect(['confirmed', 'pending']).toContain(order.status)
    expect(order.customer?.source).toBe('storefront')
    expect(order.lines.reduce((sum, line) => sum + line.totalAmount, 0) + order.shippingAmount).toBe(order.totalAmount)
    expect(await prisma.recordLink.count({ where: { sourceType: 'job', sourceId: `sync-storefront/${job.id}`, entityType: 'order' } })).toBe(230)

    // Nothing new: the next pull asks from the cursor and re-reads only the items stamped with the cursor's millisecond
    // (updated_since is inclusive; a batch created at once shares timestamps), changing nothing.
    const again = await enqueue(getIntegrationQueue('storefront'), 'pull', { resource: 'orders' }, { jobId: 'pull-test-2' })
    const [second] = await until(() => runsOf(again.id!), (runs) => runs.some((r) => r.status === 'completed'))
    const [, seen, unchanged] = second.summary!.match(/\d page\(s\), (\d+) seen, 0 created, 0 updated, (\d+) unchanged/)!
    expect(Number(seen)).toBe(Number(unchanged))
    expect(Number(seen)).toBeLessThan(230)
  })

  test('reconciliation repairs a change whose webhook never arrived', async () => {
    const [id] = await sandbox.control.createOrders(1)
    await enqueueOrderImport(id!)
    await until(() => runsOf(jobIds.importOrder(id!)), (runs) => runs.some((r) => r.status === 'completed'))
    // The sandbox has no webhook URL in this file: the update's webhook is dropped.
    await sandbox.control.updateOrder(id!, { tags: ['vip-after-drop'] })
    const job = await enqueue(getIntegrationQueue('storefront'), 'reconcile', { resource: 'orders', windowHours: 1 }, { jobId: 'reconcile-test-1' })
    const [run] = await until(() => runsOf(job.id!), (runs) => runs.some((r) => r.status === 'completed'))
    expect(run.summary).toMatch(/repaired [1-9]/)
    const order = await prisma.order.findUniqueOrThrow({ where: { source_externalId: { source: 'storefront', externalId: id! } } })
    expect(order.tags).toEqual(['vip-after-drop'])
    expect(await prisma.syncRun.count({ where: { kind: 'orders.reconcile', status: 'succeeded' } })).toBe(1)
  })

  test('webhooks: newer applied, older ignored, a duplicate job is a no-op, record links on the event', async () => {
    const [id] = await sandbox.control.createOrders(1)
    const created = await storefrontOrder(id!)
    const updated = (await sandbox.control.updateOrder(id!, { tags: ['from-webhook'] })) as unknown as typeof created
    const event = (eventId: string, type: string, data: unknown) =>
      prisma.webhookEvent.create({ data: { provider: 'storefront', eventId, topic: type, payload: { id: eventId, type, created_at: new Date().toISOString(), data } as object } })

    const newer = await event(`evt_new_${id}`, 'order.updated', updated)
    await enqueueWebhookProcessing('storefront', newer.id)
    await until(() => prisma.webhookEvent.findUniqueOrThrow({ where: { id: newer.id } }), (row) => row.status === 'processed')
    const order = await prisma.order.findUniqueOrThrow({ where: { source_externalId: { source: 'storefront', externalId: id! } } })
    expect(order.tags).toEqual(['from-webhook'])
    expect(await prisma.recordLink.findMany({ where: { sourceType: 'webhook', sourceId: newer.id }, select: { entityType: true, entityId: true } })).toEqual([
      { entityType: 'order', entityId: order.id },
    ])

    // The creation event delivered late (out of order): older than stored → ignored, nothing changes.
    const older = await event(`evt_old_${id}`, 'order.created', created)
    await enqueueWebhookProcessing('storefront', older.id)
    await until(() => prisma.webhookEvent.findUniqueOrThrow({ where: { id: older.id } }), (row) => row.status === 'ignored')
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).tags).toEqual(['from-webhook'])

    // The same event's job again (a relay re-enqueue after the first finished): no second processing.
    await getIntegrationQueue('storefront').remove(jobIds.webhook(newer.id))
    await enqueueWebhookProcessing('storefront', newer.id)
    const runs = await until(() => runsOf(jobIds.webhook(newer.id)), (rows) => rows.filter((r) => r.status === 'completed').length === 2)
    expect(runs.at(-1)!.summary).toMatch(/already processed/)
    expect((await prisma.webhookEvent.findUniqueOrThrow({ where: { id: newer.id } })).attempts).toBe(1)
  })

  test('5xx is retried with backoff and then succeeds; each attempt is in the run log', async () => {
    const [id] = await sandbox.control.createOrders(1)
    await sandbox.control.setFaults('storefront', { errorRate: 1, errorStatus: 502 })
    await enqueueOrderImport(id!, FAST_RETRY)
    await until(() => runsOf(jobIds.importOrder(id!)), (runs) => runs.length >= 1)
    await sandbox.control.reset()
    const runs = await until(() => runsOf(jobIds.importOrder(id!)), (rows) => rows.some((r) => r.status === 'completed'))
    expect(runs[0]).toMatchObject({ status: 'retrying', attempt: 1, integration: 'storefront' })
    expect(runs[0].error).toMatch(/502/)
    expect(runs[0].response).toMatchObject({ status: 502 })
    expect(JSON.stringify(runs[0].request)).not.toContain(sandbox.apiKey)
    expect(runs.at(-1)!.attempt).toBeGreaterThan(1)
    const order = await prisma.order.findUniqueOrThrow({ where: { source_externalId: { source: 'storefront', externalId: id! } } })
    expect(await prisma.recordLink.count({ where: { sourceId: `sync-storefront/${jobIds.importOrder(id!)}`, entityId: order.id } })).toBe(1)
    expect(await prisma.deadLetter.count({ where: { jobId: jobIds.importOrder(id!) } })).toBe(0)
  })

  test('a 404 is not retried: one attempt, then a dead letter with the request and response', async () => {
    await enqueueOrderImport('so_999999', FAST_RETRY)
    const dead = await until(() => prisma.deadLetter.findFirst({ where: { jobId: jobIds.importOrder('so_999999') } }), (row) => row !== null)
    expect(dead).toMatchObject({ queue: 'sync-storefront', name: 'import-order', attempts: 1, integration: 'storefront', status: 'open' })
    expect(dead!.error).toMatch(/404/)
    expect(dead!.request).toMatchObject({ method: 'GET' })
    expect(dead!.response).toMatchObject({ status: 404 })
    const runs = await runsOf(jobIds.importOrder('so_999999'))
    expect(runs.map((r) => r.status)).toEqual(['failed'])
    // The dead letter is written before BullMQ moves the job to failed.
    const job = await getIntegrationQueue('storefront').getJob(jobIds.importOrder('so_999999'))
    await until(() => job!.getState(), (state) => state === 'failed')
    expect((await getIntegrationQueue('storefront').getJob(jobIds.importOrder('so_999999')))!.attemptsMade).toBe(1)
  })

  test('429 + Retry-After: no call to the storefront from any job before it elapses; no attempt used', { timeout: 20_000 }, async () => {
    const ids = await sandbox.control.createOrders(3)
    await sandbox.control.setFaults('storefront', { rateLimitRate: 1, retryAfterSeconds: 2 })
    const since = new Date()
    await enqueueOrderImport(ids[0]!, FAST_RETRY)
    await until(() => runsOf(jobIds.importOrder(ids[0]!)), (runs) => runs.some((r) => r.status === 'rate_limited'))
    await sandbox.control.reset()
    for (const id of ids.slice(1)) await enqueueOrderImport(id, FAST_RETRY)
    for (const id of ids) await until(() => runsOf(jobIds.importOrder(id)), (runs) => runs.some((r) => r.status === 'completed'))

    const requests = await sandbox.control.requests('storefront', since)
    const limited = requests.filter((r) => r.status === 429)
    expect(limited).toHaveLength(1)
    const after = requests.filter((r) => Date.parse(r.at) > Date.parse(limited[0]!.at))
    // Jobs running at the same moment may share one request (`GET /orders?ids=`), so at least one call follows.
    expect(after.length).toBeGreaterThanOrEqual(1)
    for (const request of after) expect(Date.parse(request.at) - Date.parse(limited[0]!.at)).toBeGreaterThanOrEqual(2_000)
    // The run log is written before BullMQ moves the job to completed (and counts the attempt).
    const job = await until(() => getIntegrationQueue('storefront').getJob(jobIds.importOrder(ids[0]!)), (found) => found?.finishedOn !== undefined)
    expect(job!.attemptsMade).toBe(1) // the 429 did not use an attempt
    expect((await prisma.integration.findUniqueOrThrow({ where: { key: 'storefront' } })).rateLimitedUntil!.getTime()).toBeGreaterThan(since.getTime())
  })

  test('breaker: consecutive failures open it and pause the queue; the scheduled probe half-opens and resumes; a success closes it', { timeout: 30_000 }, async () => {
    const ids = await sandbox.control.createOrders(4)
    await sandbox.control.setFaults('storefront', { outage: true })
    // One after another: jobs running at the same moment share one request, and one failed request is one failure.
    for (const id of ids.slice(0, 3)) {
      await enqueueOrderImport(id, { attempts: 1 })
      await until(() => runsOf(jobIds.importOrder(id)), (runs) => runs.length >= 1)
    }
    const open = await until(() => prisma.integration.findUniqueOrThrow({ where: { key: 'storefront' } }), (row) => row.breakerState === 'open')
    expect(open.breakerFailures).toBeGreaterThanOrEqual(3)
    expect(await getIntegrationQueue('storefront').isPaused()).toBe(true)
    // While open, work waits in the queue instead of failing.
    await enqueueOrderImport(ids[3]!, FAST_RETRY)

    await sandbox.control.reset()
    await until(() => getIntegrationQueue('storefront').isPaused(), (paused) => !paused, 15_000)
    const closed = await until(() => prisma.integration.findUniqueOrThrow({ where: { key: 'storefront' } }), (row) => row.breakerState === 'closed')
    expect(closed).toMatchObject({ breakerFailures: 0, breakerProbeAt: null, status: 'healthy' })
    await until(() => runsOf(jobIds.importOrder(ids[3]!)), (runs) => runs.some((r) => r.status === 'completed'))
  })

  test('import-order jobs running at the same moment share one request; its failure counts once towards the breaker', async () => {
    const processImport = createIntegrationProcessor(storefrontConnector, log)
    const job = (externalId: string) =>
      ({ id: `shared-${externalId}`, name: 'import-order', data: { externalId }, attemptsMade: 0, opts: { attempts: 3 } }) as unknown as Job
    const ids = await sandbox.control.createOrders(3)

    const orderRequests = async (since: Date) => (await sandbox.control.requests('storefront', since)).filter((r) => r.path.includes('/orders'))
    let since = new Date()
    await Promise.all(ids.map((id) => processImport(job(id))))
    expect(await orderRequests(since)).toHaveLength(1)
    expect(await prisma.order.count({ where: { source: 'storefront', externalId: { in: ids } } })).toBe(3)
    for (const id of ids) expect((await runsOf(`shared-${id}`)).map((run) => run.status)).toEqual(['completed'])

    await prisma.integration.update({ where: { key: 'storefront' }, data: { breakerFailures: 0 } })
    await sandbox.control.setFaults('storefront', { outage: true })
    since = new Date()
    const results = await Promise.allSettled(ids.map((id) => processImport(job(id))))
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(await orderRequests(since)).toHaveLength(1)
    expect((await prisma.integration.findUniqueOrThrow({ where: { key: 'storefront' } })).breakerFailures).toBe(1)
    for (const id of ids) expect((await runsOf(`shared-${id}`)).map((run) => run.status)).toEqual(['completed', 'retrying'])
  })

  test('breaker never resumes an integration a person paused', { timeout: 20_000 }, async () => {
    await prisma.integration.update({
      where: { key: 'storefront' },
      data: { enabled: false, pausedAt: new Date(), breakerState: 'open', breakerOpenedAt: new Date(), breakerProbeAt: new Date() },
    })
    await getIntegrationQueue('storefront').pause()
    // The probe (every 2 s) succeeds (no faults): half-open, but the queue stays paused.
    await until(() => prisma.integration.findUniqueOrThrow({ where: { key: 'storefront' } }), (row) => row.breakerState === 'half_open')
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    expect(await getIntegrationQueue('storefront').isPaused()).toBe(true)
    await prisma.integration.update({ where: { key: 'storefront' }, data: { enabled: true, pausedAt: null, breakerState: 'closed', breakerOpenedAt: null, breakerProbeAt: null } })
    await until(() => getIntegrationQueue('storefront').isPaused(), (paused) => !paused)
  })

  test('outbox: an effect added in a transaction is performed exactly once, even when its job runs again and the relay re-enqueues it', { timeout: 30_000 }, async () => {
    const [id] = await sandbox.control.createOrders(1)
    const { payment_id: paymentId } = await storefrontOrder(id!)
    const outboxId = await prisma.$transaction((tx) =>
      addOutboxMessage(tx, { topic: 'payments.capture', payload: { paymentId }, idempotencyKey: `capture-${paymentId}` }),
    )
    // The same business effect added again (a retried action) is the same row.
    expect(await prisma.$transaction((tx) => addOutboxMessage(tx, { topic: 'payments.capture', payload: { paymentId }, idempotencyKey: `capture-${paymentId}` }))).toBe(outboxId)
    expect(await dispatchOutbox([outboxId])).toBe(1)
    await until(() => prisma.outboxMessage.findUniqueOrThrow({ where: { id: outboxId } }), (row) => row.status === 'sent')

    // The row is marked sent inside the job; BullMQ completes the job a moment later (a locked job cannot be removed).
    await until(async () => (await getIntegrationQueue('payments').getJob(jobIds.effect(outboxId)))?.getState(), (state) => state === 'completed')
    // A worker died after the provider call but before marking it sent: the row is back to processing, its job gone.
    await prisma.outboxMessage.update({ where: { id: outboxId }, data: { status: 'processing', availableAt: new Date(Date.now() - 1_000) } })
    await getIntegrationQueue('payments').remove(jobIds.effect(outboxId))
    // The relay (scheduled every 2 s on the system queue) re-enqueues it; the provider replays the keyed call.
    await until(() => prisma.outboxMessage.findUniqueOrThrow({ where: { id: outboxId } }), (row) => row.status === 'sent', 15_000)
    const { effects, duplicates } = await sandbox.control.effects({ provider: 'payments', kind: 'capture' })
    expect(effects.filter((effect) => effect.idempotencyKey === `capture-${paymentId}`)).toHaveLength(1)
    expect(duplicates).toEqual([])
    const row = await prisma.outboxMessage.findUniqueOrThrow({ where: { id: outboxId } })
    expect(row.attempts).toBe(2)
  })
}
