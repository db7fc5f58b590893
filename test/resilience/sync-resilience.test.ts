import pg from 'pg'
import { afterEach, describe, expect, test } from 'vitest'
import { printLogsOnFailure, startApp, type AppProcess } from '#test/helpers/app-process.ts'
import { startPrivateRedis, type PrivateRedis } from '#test/helpers/redis-server.ts'

/**
 * The sync engine under hostile conditions, with the real processes: web (webhook receiver), workers, sandbox.
 * - SIGKILL a worker again and again while thousands of jobs run (webhooks in, order/payment upserts, capture
 *   effects out): every job completes and the sandbox applied every capture exactly once.
 * - Restart Redis mid-run: the workers (never restarted) and the web process reconnect by themselves, the effects
 *   recorded while Redis was down are relayed from the outbox, everything completes, nothing is doubled.
 */

const ORDERS = 1_000

let app: AppProcess | undefined
let redis: PrivateRedis | undefined
await printLogsOnFailure(() => app)

afterEach(async () => {
  await app?.stop()
  app = undefined
  await redis?.close()
  redis = undefined
})

async function withDb<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: app!.databaseUrl })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

async function count(sql: string): Promise<number> {
  return withDb(async (client) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n))
}

async function sandbox<T = Record<string, unknown>>(pathname: string, body?: unknown): Promise<T> {
  const response = await fetch(`${app!.env.SANDBOX_URL}/control${pathname}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`sandbox ${pathname}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

/** `explain` (on timeout) says what was still left, so a CI failure can be read without re-running it. */
async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, explain?: () => Promise<unknown>) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}${explain ? `\nleft: ${JSON.stringify(await explain(), null, 1)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One capture effect per imported payment, written the way a business action writes it (outbox row). */
async function recordCaptures() {
  return withDb(async (client) => {
    const { rowCount } = await client.query(
      `INSERT INTO "OutboxMessage" ("topic", "payload", "idempotencyKey")
       SELECT 'payments.capture', jsonb_build_object('paymentId', "id"), 'capture-' || "id" FROM "Payment"
       WHERE "status" = 'authorized'
       ON CONFLICT ("idempotencyKey") DO NOTHING`,
    )
    return rowCount ?? 0
  })
}

async function expectEverythingDone(expectedCaptures: number) {
  await waitUntil(
    `${ORDERS} orders imported`,
    async () => (await count(`SELECT count(*) AS n FROM "Order" WHERE "source" = 'storefront'`)) === ORDERS,
    120_000,
  )
  await waitUntil(
    'every outbox effect sent',
    async () => (await count(`SELECT count(*) AS n FROM "OutboxMessage" WHERE "status" <> 'sent'`)) === 0,
    120_000,
    () =>
      withDb(async (client) => {
        const { rows } = await client.query(
          `SELECT "status", count(*)::int AS n, max("attempts") AS "maxAttempts", min("availableAt") AS "firstAvailableAt", max("lastError") AS "lastError"
           FROM "OutboxMessage" WHERE "status" <> 'sent' GROUP BY "status"`,
        )
        const dead = await client.query(`SELECT count(*)::int AS n, max("error") AS "lastError" FROM "DeadLetter"`)
        return { unsent: rows, deadLetters: dead.rows[0], now: new Date().toISOString() }
      }),
  )
  await waitUntil(
    'every webhook processed',
    async () => (await count(`SELECT count(*) AS n FROM "WebhookEvent" WHERE "status" NOT IN ('processed', 'ignored')`)) === 0,
    120_000,
  )
  const effects = await sandbox<{ effects: unknown[]; duplicates: unknown[] }>('/effects?provider=payments&kind=capture')
  expect(effects.duplicates).toEqual([])
  expect(effects.effects).toHaveLength(expectedCaptures)
  expect(await count(`SELECT count(*) AS n FROM "OutboxMessage" WHERE "status" = 'sent'`)).toBe(expectedCaptures)
  expect(await count(`SELECT count(*) AS n FROM "DeadLetter"`)).toBe(0)
  const jobs = await count(`SELECT count(DISTINCT "queue" || '/' || "jobId") AS n FROM "JobRun" WHERE "status" = 'completed'`)
  const webhooks = await count(`SELECT count(*) AS n FROM "WebhookEvent"`)
  console.info(`${jobs} jobs completed (${webhooks} webhooks in, ${expectedCaptures} captures out), 0 duplicated effects, 0 dead letters`)
}

describe('sync resilience', () => {
  test('SIGKILL a worker several times mid-run: every job completes, 0 duplicated effects', { timeout: 300_000 }, async () => {
    app = await startApp({
      label: 'sigkill',
      seed: 'none',
      sandbox: true,
      worker: true,
      env: {
        REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
        SANDBOX_ORDERS_PER_MINUTE: '0',
        WORKER_LOCK_SECONDS: '2',
        WORKER_CONCURRENCY: '20',
        SYNC_INTERVAL_SECONDS: '2',
      },
    })
    const second = app.startWorker('worker-2')

    // Orders arrive: two webhooks each (order.created, payment.authorized) plus the pulls.
    await sandbox('/storefront/orders', { count: ORDERS })
    const kill = async (times: number) => {
      for (let i = 0; i < times; i += 1) {
        await sleep(1_500)
        const victim = i % 2 === 0 ? second : app!.worker!
        // Only the children this test started, by pid.
        const running = [app!.worker!, second, ...killed].filter((child) => child.exitCode === null && child.signalCode === null)
        const target = running.find((child) => child === victim) ?? running[0]
        if (!target) break
        target.kill('SIGKILL')
        killed.push(app!.startWorker(`worker-r${i}`))
      }
    }
    const killed: ReturnType<AppProcess['startWorker']>[] = []
    await kill(3)

    await waitUntil(
      'payments imported',
      async () => (await count(`SELECT count(*) AS n FROM "Payment" WHERE "status" = 'authorized'`)) >= ORDERS * 0.9,
      120_000,
    )
    const captures = await recordCaptures()
    expect(captures).toBeGreaterThanOrEqual(ORDERS * 0.9)
    // Kill the newest workers while the captures go out.
    for (let i = 0; i < 3; i += 1) {
      await sleep(700)
      const target = killed.find((child) => child.exitCode === null && child.signalCode === null)
      target?.kill('SIGKILL')
      killed.push(app.startWorker(`worker-e${i}`))
    }
    await expectEverythingDone(captures)
  })

  test('Redis restart mid-run: workers resume without a restart, effects recorded meanwhile are relayed', { timeout: 300_000 }, async () => {
    redis = await startPrivateRedis({ persist: true })
    app = await startApp({
      label: 'redisrestart',
      seed: 'none',
      sandbox: true,
      worker: true,
      env: {
        REDIS_URL: redis.url,
        SANDBOX_ORDERS_PER_MINUTE: '0',
        WORKER_LOCK_SECONDS: '2',
        WORKER_CONCURRENCY: '20',
        SYNC_INTERVAL_SECONDS: '2',
      },
    })
    const worker = app.worker!

    await sandbox('/storefront/orders', { count: ORDERS })
    await waitUntil(
      'some payments imported',
      async () => (await count(`SELECT count(*) AS n FROM "Payment"`)) >= ORDERS / 4,
      120_000,
    )
    await redis.stop()
    // While Redis is down: webhooks still arrive (the inbox keeps them) and business actions still record effects.
    const capturesDuringOutage = await recordCaptures()
    expect(capturesDuringOutage).toBeGreaterThan(0)
    await sleep(3_000)
    await redis.start()

    await waitUntil(
      'payments imported',
      async () => (await count(`SELECT count(*) AS n FROM "Payment" WHERE "status" IN ('authorized', 'captured')`)) >= ORDERS * 0.9,
      120_000,
    )
    const moreCaptures = await recordCaptures()
    await expectEverythingDone(capturesDuringOutage + moreCaptures)
    expect(worker.exitCode).toBeNull()
    expect(worker.signalCode).toBeNull()
  })
})
