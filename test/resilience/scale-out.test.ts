import pg from 'pg'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { MetricsTick } from '#app/metrics/tick.ts'
import type { AlertsChanged, ClientToServerEvents, ServerToClientEvents } from '#app/realtime/events.ts'
import { printLogsOnFailure, startApp, type AppProcess, type ExtraWeb } from '#test/helpers/app-process.ts'
import { startPrivateRedis, type PrivateRedis } from '#test/helpers/redis-server.ts'
import { DEMO_PASSWORD, DEMO_USERS } from '../../prisma/demo-users.ts'

/**
 * Scale-out (issue 7): with REDIS_URL, TWO web processes and TWO worker processes on one machine, one database and
 * one (private) Redis. Proves:
 * - sessions are shared (signed in on node A, the cookie works on node B), and so are sign-in rate limits;
 * - a socket client on each web node receives the same metric ticks (merged across all four processes) and the same
 *   alert signals, each exactly once;
 * - a broadcast made on node A reaches a socket on node B (Redis adapter: disabling a user on A ends their tab on B);
 * - each job runs once: the scheduled alert evaluation is one job per tick across both workers, and N synced orders
 *   with N capture effects through both workers give N effects at the provider, no job completed twice;
 * - stopping node B loses none of node A's clients.
 * - breaker state is shared: a provider outage opens the payments breaker (Integration row in Postgres) and pauses
 *   the one BullMQ queue both workers take jobs from (Redis); the outage over, a probe closes it for both.
 */

type Client = Socket<ServerToClientEvents, ClientToServerEvents>

let app: AppProcess | undefined
let webB: ExtraWeb | undefined
let redis: PrivateRedis | undefined
const clients: Client[] = []
await printLogsOnFailure(() => app)

const manager = DEMO_USERS.find((user) => user.role === 'manager')!
const admin = DEMO_USERS.find((user) => user.role === 'admin')!
const support = DEMO_USERS.find((user) => user.role === 'support')!
const ORDERS = 60

beforeAll(async () => {
  redis = await startPrivateRedis()
  app = await startApp({
    label: 'scaleout',
    seed: 'demo',
    sandbox: true,
    worker: true,
    env: { REDIS_URL: redis.url, SANDBOX_ORDERS_PER_MINUTE: '0', SYNC_INTERVAL_SECONDS: '2', WORKER_CONCURRENCY: '10', SIGNIN_MAX_ATTEMPTS_PER_ACCOUNT: '4', BREAKER_FAILURE_THRESHOLD: '2', BREAKER_COOLDOWN_SECONDS: '2' },
    timeoutMs: 120_000,
  })
  app.startWorker('worker-b')
  webB = await app.startWeb('web-b')
}, 240_000)

afterAll(async () => {
  for (const client of clients) client.disconnect()
  await db?.end()
  await app?.stop()
  await redis?.close()
})

/** One connection for the whole file (the machine's PostgreSQL is shared; four app processes hold pools too). */
let db: pg.Client | undefined
async function sql<Row extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
  if (!db) {
    db = new pg.Client({ connectionString: app!.databaseUrl })
    await db.connect()
  }
  return (await db.query<Row>(text, values)).rows
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Signs in through the real form on `baseUrl`; returns the session cookie (name=value), or null when refused. */
async function signIn(baseUrl: string, email: string, password = DEMO_PASSWORD) {
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
    body: new URLSearchParams({ email, password }),
  })
  const cookie = response.headers.getSetCookie().find((value) => /^[^=]+=[^;]+/.test(value) && !/Max-Age=0/i.test(value) && !/toast/i.test(value))
  return { status: response.status, cookie: response.status === 302 && cookie ? cookie.split(';')[0]! : null, text: response.status === 302 ? '' : await response.text() }
}

async function socketOn(baseUrl: string, cookie: string): Promise<Client> {
  const client: Client = connect(baseUrl, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true })
  clients.push(client)
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('connect_error', reject)
  })
  return client
}

describe('two web nodes and two workers on one Redis', () => {
  let cookie: string
  let onA: Client
  let onB: Client
  const ticksA: MetricsTick[] = []
  const ticksB: MetricsTick[] = []

  test('a session made on node A is valid on node B', async () => {
    const signedIn = await signIn(app!.url, manager.email)
    expect(signedIn.status).toBe(302)
    cookie = signedIn.cookie!
    expect(cookie).toBeTruthy()
    for (const base of [app!.url, webB!.url]) {
      const page = await fetch(`${base}/alerts`, { headers: { cookie }, redirect: 'manual' })
      expect(page.status, base).toBe(200)
    }
  })

  test('sign-in throttling counts attempts on both nodes together', async () => {
    // SIGNIN_MAX_ATTEMPTS_PER_ACCOUNT=4: two wrong passwords on each node, then even the right one is refused.
    for (const base of [app!.url, webB!.url, app!.url, webB!.url]) {
      const attempt = await signIn(base, support.email, 'wrong password 123')
      expect(attempt.status).toBe(400)
    }
    const throttled = await signIn(webB!.url, support.email)
    expect(throttled.cookie).toBeNull()
    expect(throttled.text).toContain('Too many sign-in attempts')
  })

  test('a client on each node receives the same metric ticks, merged over all four processes', { timeout: 60_000 }, async () => {
    onA = await socketOn(app!.url, cookie)
    onB = await socketOn(webB!.url, cookie)
    onA.on('metrics.tick', (tick) => ticksA.push(tick))
    onB.on('metrics.tick', (tick) => ticksB.push(tick))
    expect(await onA.emitWithAck('metrics.subscribe', {})).toMatchObject({ ok: true })
    expect(await onB.emitWithAck('metrics.subscribe', {})).toMatchObject({ ok: true })
    // Both nodes see every process (2 web + 2 worker) in the same seconds.
    await waitUntil(
      'ticks from 2 web + 2 worker processes on both nodes',
      () => {
        const full = (ticks: MetricsTick[]) => new Set(ticks.filter((tick) => tick.processes.web === 2 && tick.processes.worker === 2).map((tick) => tick.t))
        const a = full(ticksA)
        return [...full(ticksB)].filter((t) => a.has(t)).length >= 3
      },
      45_000,
    )
    const byTime = new Map(ticksA.map((tick) => [tick.t, tick]))
    const common = ticksB.filter((tick) => byTime.has(tick.t))
    expect(common.length).toBeGreaterThanOrEqual(3)
    // Each node sends one tick per second to its own clients: no second arrives twice on either side.
    for (const ticks of [ticksA, ticksB]) expect(new Set(ticks.map((tick) => tick.t)).size).toBe(ticks.length)
    for (const tick of common.slice(-3)) expect(tick.processes).toEqual(byTime.get(tick.t)!.processes)
  })

  test('an alert fired by a worker reaches a client on each node, once', { timeout: 60_000 }, async () => {
    // Only this test's rule: the demo rules watch this app's real metrics.
    await sql(`UPDATE "AlertRule" SET "enabled" = false`)
    const heardA: AlertsChanged[] = []
    const heardB: AlertsChanged[] = []
    onA.on('alerts.changed', (signal) => heardA.push(signal))
    onB.on('alerts.changed', (signal) => heardB.push(signal))
    expect(await onA.emitWithAck('alerts.subscribe', {})).toMatchObject({ ok: true })
    expect(await onB.emitWithAck('alerts.subscribe', {})).toMatchObject({ ok: true })

    const [rule] = await sql<{ id: string }>(
      `INSERT INTO "AlertRule" ("id", "name", "metric", "condition", "threshold", "durationSeconds", "severity", "updatedAt")
       VALUES ('scale-rule', 'Scale-out lag', 'queue_lag_seconds', 'gt', 60, 60, 'critical', now()) RETURNING "id"`,
    )
    const minute = Math.floor(Date.now() / 60_000) * 60_000
    for (let n = -2; n <= 2; n++) {
      await sql(
        `INSERT INTO "MetricRollup" ("metric", "labels", "bucket", "count", "sum", "min", "max") VALUES ('queue_lag_seconds', 'queue=scale-out', $1, 1, 300, 300, 300)`,
        [new Date(minute + n * 60_000)],
      )
    }
    await waitUntil('the alert signal on both nodes', () => heardA.some((s) => s.change === 'fired') && heardB.some((s) => s.change === 'fired'), 30_000)
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const fired = (signals: AlertsChanged[]) => signals.filter((signal) => signal.change === 'fired')
    expect(fired(heardA)).toHaveLength(1)
    expect(fired(heardB)).toHaveLength(1)
    expect(fired(heardA)[0]!.ids).toEqual(fired(heardB)[0]!.ids)
    const alerts = await sql<{ id: string }>(`SELECT "id" FROM "Alert" WHERE "ruleId" = $1`, [rule!.id])
    expect(alerts.map((alert) => alert.id)).toEqual(fired(heardA)[0]!.ids)
  })

  test('a broadcast made on node A reaches a socket on node B (disabling a user ends their tab everywhere)', async () => {
    const [{ id: operationsId } = { id: '' }] = await sql<{ id: string }>(`SELECT "id" FROM "User" WHERE "role" = 'operations' LIMIT 1`)
    const operations = DEMO_USERS.find((user) => user.role === 'operations')!
    const victim = await signIn(webB!.url, operations.email)
    const tab = await socketOn(webB!.url, victim.cookie!)
    const revoked = new Promise<string>((resolve) => tab.once('session.revoked', (payload) => resolve(payload.reason)))
    const disconnected = new Promise<void>((resolve) => tab.once('disconnect', () => resolve()))

    const adminCookie = (await signIn(app!.url, admin.email)).cookie!
    const response = await fetch(`${app!.url}/admin/users`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: adminCookie, 'content-type': 'application/x-www-form-urlencoded', origin: app!.url },
      body: new URLSearchParams({ intent: 'disable', userId: operationsId }),
    })
    expect(response.status).toBe(302)
    expect(await revoked).toBe('disabled')
    await disconnected
  })

  test('each job runs once: N synced orders and their capture effects through two workers, N effects, no job completed twice', { timeout: 200_000 }, async () => {
    const control = async (pathname: string, body: unknown) => {
      const response = await fetch(`${app!.env.SANDBOX_URL}/control${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      expect(response.ok).toBe(true)
    }
    const [{ since }] = await sql<{ since: Date }>(`SELECT now() AS "since"`)
    const [{ n: before }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "Order" WHERE "source" = 'storefront'`)
    await control('/storefront/orders', { count: ORDERS })
    await waitUntil(
      `${ORDERS} storefront orders imported`,
      async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "Order" WHERE "source" = 'storefront'`))[0]!.n - before >= ORDERS,
      120_000,
    )
    const newPayments = `FROM "Payment" p JOIN "Order" o ON o."id" = p."orderId" WHERE o."source" = 'storefront' AND p."status" = 'authorized' AND o."createdAt" >= $1`
    // Most sandbox orders come with an authorized card payment (some are paid otherwise): wait for them to settle.
    let settled = -1
    await waitUntil(
      'authorized payments of the new orders imported',
      async () => {
        const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n ${newPayments}`, [since])
        const stable = n === settled && n >= ORDERS * 0.5
        settled = n
        if (!stable) await new Promise((resolve) => setTimeout(resolve, 2_000))
        return stable
      },
      120_000,
    )
    const [{ n: after }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "Order" WHERE "source" = 'storefront'`)
    expect(after - before).toBe(ORDERS)
    const captures = await sql(
      `INSERT INTO "OutboxMessage" ("topic", "payload", "idempotencyKey")
       SELECT 'payments.capture', jsonb_build_object('paymentId', p."id"), 'scale-capture-' || p."id" ${newPayments}
       RETURNING "id"`,
      [since],
    )
    expect(captures.length).toBe(settled)
    await waitUntil('every capture sent', async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "OutboxMessage" WHERE "status" <> 'sent'`))[0]!.n === 0, 120_000)
    const effects = (await (await fetch(`${app!.env.SANDBOX_URL}/control/effects?provider=payments&kind=capture`)).json()) as { effects: unknown[]; duplicates: unknown[] }
    expect(effects.duplicates).toEqual([])
    expect(effects.effects).toHaveLength(captures.length)
    console.info(`${ORDERS} orders through 2 workers, ${captures.length} capture effects, 0 duplicates, no job completed twice`)

    const twice = await sql(`SELECT "queue", "jobId" FROM "JobRun" WHERE "status" = 'completed' GROUP BY 1, 2 HAVING count(*) > 1`)
    expect(twice).toEqual([])
  })

  test('the scheduled alert evaluation ran once per tick across both workers', async () => {
    const { Queue } = await import('bullmq')
    const queue = new Queue('alerts', { connection: { url: redis!.url }, prefix: app!.queuePrefix })
    try {
      const jobs = await queue.getJobs(['completed'])
      expect(jobs.length).toBeGreaterThan(0)
      const ticks = jobs.map((job) => String(job.id).split(':').at(-1))
      expect(new Set(ticks).size).toBe(ticks.length)
      const by = new Set(jobs.map((job) => (job.returnvalue as { by: string }).by))
      console.info(`alerts: ${jobs.length} evaluation ticks, run by ${by.size} worker process(es), no tick twice`)
    } finally {
      await queue.close()
    }
  })

  test('breaker state is shared: an outage opens it for both workers (one row, one paused queue), and it closes for both', { timeout: 120_000 }, async () => {
    const { Queue } = await import('bullmq')
    const queue = new Queue('sync-payments', { connection: { url: redis!.url }, prefix: app!.queuePrefix })
    const faults = (body: unknown) =>
      fetch(`${app!.env.SANDBOX_URL}/control/faults/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const breaker = async () => (await sql<{ breakerState: string }>(`SELECT "breakerState"::text AS "breakerState" FROM "Integration" WHERE "key" = 'payments'`))[0]!.breakerState
    try {
      expect((await faults({ outage: true })).ok).toBe(true)
      await waitUntil('the payments breaker open and its queue paused', async () => (await breaker()) === 'open' && (await queue.isPaused()), 60_000)
      expect((await faults({ outage: false })).ok).toBe(true)
      await waitUntil('the payments breaker closed and its queue running', async () => (await breaker()) === 'closed' && !(await queue.isPaused()), 60_000)
    } finally {
      await faults({ outage: false })
      await queue.close()
    }
  })

  test('stopping node B loses none of node A’s clients', { timeout: 60_000 }, async () => {
    const lostOnA: string[] = []
    onA.on('disconnect', (reason) => lostOnA.push(reason))
    const bGone = new Promise<void>((resolve) => onB.once('disconnect', () => resolve()))
    expect(await webB!.stop()).toBe(0)
    await bGone
    // Node A keeps serving its client: ticks keep coming and events still answer.
    const count = ticksA.length
    await waitUntil('ticks on node A after node B stopped', () => ticksA.length >= count + 3, 20_000)
    expect(onA.connected).toBe(true)
    expect(await onA.emitWithAck('presence.ping', {})).toMatchObject({ ok: true })
    expect(lostOnA).toEqual([])
    // After B stopped, A's ticks count one web process.
    await waitUntil('node A counts one web process', () => ticksA.at(-1)!.processes.web === 1, 30_000)
  })
})
