import pg from 'pg'
import { pino } from 'pino'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startProcessMetrics, stopProcessMetrics } from '#app/metrics/process.server.ts'
import { LEADER_RETRY_MS, startMetricsCollector, type Collector } from './collector.ts'

/**
 * The election of the one metrics collector (docs/decisions/0008-live-signals-and-elected-collector.md): a
 * PostgreSQL session-level advisory lock. Two collectors as two worker processes would run them (same deployment
 * prefix, each its own lock connection): exactly one leads; when the leader's database session dies the other takes
 * over within one retry interval; a graceful stop hands over too.
 */

const log = pino({ level: 'silent' })
const collectors: Collector[] = []

beforeAll(async () => {
  await startProcessMetrics({ kind: 'worker', recording: false })
})
afterAll(async () => {
  await Promise.all(collectors.map((collector) => collector.stop()))
  await stopProcessMetrics()
})

async function sql<Row extends Record<string, unknown>>(text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  try {
    return (await client.query<Row>(text, values)).rows
  } finally {
    await client.end()
  }
}

/** The backend (pid) holding this database's collector lock, if any. */
async function lockHolder() {
  const rows = await sql<{ pid: number }>(
    `select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and a.datname = current_database() and a.application_name = 'opsdeck-metrics-leader'`,
  )
  return rows.map((row) => row.pid)
}

const leaders = () => collectors.filter((collector) => collector.isLeader())

test('one collector leads; it fails over within a retry interval when the leader’s session dies, and on a graceful stop', { timeout: 60_000 }, async () => {
  collectors.push(startMetricsCollector({ log, queues: [] }), startMetricsCollector({ log, queues: [] }))
  await expect.poll(() => leaders().length, { timeout: 10_000, interval: 100 }).toBe(1)
  const first = leaders()[0]!
  const second = collectors.find((collector) => collector !== first)!
  // The follower keeps trying and keeps failing: still one leader after a full retry interval.
  await new Promise((resolve) => setTimeout(resolve, LEADER_RETRY_MS + 500))
  expect(leaders()).toEqual([first])
  const [pid] = await lockHolder()
  expect(pid).toBeTypeOf('number')

  // The leader's session dies (a crash, a lost machine, an administrator): the lock goes with it.
  await sql('select pg_terminate_backend($1)', [pid])
  await expect.poll(() => first.isLeader(), { timeout: 5_000, interval: 100 }).toBe(false)
  const lostAt = Date.now()
  await expect.poll(() => second.isLeader(), { timeout: LEADER_RETRY_MS + 5_000, interval: 100 }).toBe(true)
  expect(Date.now() - lostAt).toBeLessThanOrEqual(LEADER_RETRY_MS + 2_000)
  expect(leaders()).toEqual([second])

  // A graceful stop releases the lock; the first (reconnected) takes over.
  await second.stop()
  await expect.poll(() => first.isLeader(), { timeout: LEADER_RETRY_MS + 5_000, interval: 100 }).toBe(true)
  expect(await lockHolder()).toHaveLength(1)
})
