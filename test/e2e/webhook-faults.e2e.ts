import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { printLogsOnFailure, startApp, type AppProcess } from '#test/helpers/app-process.ts'

/**
 * Webhook delivery faults with the real processes (sandbox → web receiver → inbox → worker): duplicated deliveries
 * are one inbox event, an out-of-order (late) delivery never overwrites a newer order, and a dropped webhook is
 * repaired by the scheduled reconciliation.
 */

let app: AppProcess | undefined
await printLogsOnFailure(() => app)

beforeAll(async () => {
  app = await startApp({
    sandbox: true,
    worker: true,
    seed: 'none',
    label: 'webhookfaults',
    env: { REDIS_URL: process.env.TEST_REDIS_URL, SANDBOX_ORDERS_PER_MINUTE: '0', RECONCILE_INTERVAL_SECONDS: '5' },
  })
})

afterAll(async () => {
  await app?.stop()
})

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: app!.databaseUrl })
  await client.connect()
  try {
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

async function control<T = Record<string, unknown>>(pathname: string, body?: unknown): Promise<T> {
  const response = await fetch(`${app!.env.SANDBOX_URL}/control${pathname}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`sandbox ${pathname}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

async function until<T>(what: string, check: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what} (last: ${JSON.stringify(value)})`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const storedTags = async (externalId: string) =>
  (await query<{ tags: string[] }>(`SELECT "tags" FROM "Order" WHERE "source" = 'storefront' AND "externalId" = $1`, [externalId]))[0]?.tags

test('duplicate deliveries: one inbox event per event id, the repeats logged as duplicates', async () => {
  await control('/faults/storefront', { webhookDuplicateRate: 1 })
  const { ids } = await control<{ ids: string[] }>('/storefront/orders', { count: 3 })
  await control('/reset', {})
  await until('orders imported from webhooks', () => query<{ n: string }>(`SELECT count(*) AS n FROM "Order" WHERE "externalId" = ANY($1)`, [ids]), (rows) => Number(rows[0]!.n) === 3)
  const deliveries = await until(
    'every duplicate delivered',
    () => query<{ eventId: string; duplicate: boolean }>(`SELECT "eventId", "duplicate" FROM "WebhookDelivery" WHERE "provider" = 'storefront' AND "statusCode" < 300`),
    (rows) => rows.filter((row) => row.duplicate).length >= 3,
  )
  const events = await query<{ eventId: string; n: string }>(`SELECT "eventId", count(*) AS n FROM "WebhookEvent" WHERE "provider" = 'storefront' GROUP BY 1`)
  expect(events.every((event) => Number(event.n) === 1)).toBe(true)
  for (const duplicate of deliveries.filter((row) => row.duplicate)) expect(events.map((event) => event.eventId)).toContain(duplicate.eventId)
})

test('out-of-order delivery: the older version arrives last and is ignored; the newest stays stored', async () => {
  const { ids } = await control<{ ids: string[] }>('/storefront/orders', { count: 1 })
  const id = ids[0]!
  await until('order imported', () => storedTags(id), (tags) => tags !== undefined)
  // The first update is held back and delivered after the second.
  await control('/faults/storefront', { webhookOutOfOrderRate: 1 })
  await control(`/storefront/orders/${id}/update`, { tags: ['first'] })
  await control('/reset', {})
  await control(`/storefront/orders/${id}/update`, { tags: ['second'] })
  await control('/webhooks/flush', {})
  await until('newest version stored', () => storedTags(id), (tags) => JSON.stringify(tags) === '["second"]')
  const ignored = await until(
    'late event ignored',
    () => query<{ status: string }>(`SELECT "status" FROM "WebhookEvent" WHERE "provider" = 'storefront' AND "payload"->'data'->>'id' = $1 AND "payload"->'data'->'tags' = '["first"]'::jsonb`, [id]),
    (rows) => rows.length === 1 && rows[0]!.status !== 'received' && rows[0]!.status !== 'processing',
  )
  expect(ignored[0]!.status).toBe('ignored')
  expect(await storedTags(id)).toEqual(['second'])
})

test('dropped webhook: the next scheduled reconciliation repairs the order', async () => {
  const { ids } = await control<{ ids: string[] }>('/storefront/orders', { count: 1 })
  const id = ids[0]!
  await until('order imported', () => storedTags(id), (tags) => tags !== undefined)
  await control('/faults/storefront', { webhookDropRate: 1 })
  await control(`/storefront/orders/${id}/update`, { tags: ['after-drop'] })
  await control('/reset', {})
  const state = await control<{ providers: { name: string; stats: { webhooksDropped: number } }[] }>('/state')
  expect(state.providers.find((provider) => provider.name === 'storefront')!.stats.webhooksDropped).toBeGreaterThanOrEqual(1)
  await until('reconciled', () => storedTags(id), (tags) => JSON.stringify(tags) === '["after-drop"]', 30_000)
})
