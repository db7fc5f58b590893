import type { AppLoadContext } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { getIntegrationQueue } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createOrder } from '#test/factories/orders.ts'
import { loader as listLoader } from '../integrations._index/route.tsx'
import { action, loader } from './route.tsx'

/** The drill-down's loader and actions against the real database and the real queue backend (BullMQ on Postgres). */

async function signedIn(role: Role) {
  const user = await prisma.user.create({ data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' } })
  const session = await createSession(user.id)
  return { user, cookie: (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]! }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const get = (cookie: string, path: string) => ({ request: new Request(`http://localhost${path}`, { headers: { cookie } }), params: { key: path.split('/')[2]!.split('?')[0]! }, context })
const post = (cookie: string, path: string, fields: Record<string, string>) => ({
  request: new Request(`http://localhost${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) }),
  params: { key: path.split('/')[2]!.split('?')[0]! },
  context,
})
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (response: Response): Promise<any> => response.json()
const thrownBy = async (promise: Promise<unknown>) => (await promise.then(() => null, (error: unknown) => error)) as Response

let manager: Awaited<ReturnType<typeof signedIn>>
let operations: Awaited<ReturnType<typeof signedIn>>

beforeAll(async () => {
  for (const [key, name] of [
    ['storefront', 'Storefront'],
    ['payments', 'Payment gateway'],
    ['carrier', 'Shipping carrier'],
    ['warehouse', 'Warehouse (WMS)'],
    ['helpdesk', 'Helpdesk mail'],
  ] as const) {
    await prisma.integration.create({ data: { key, name } })
  }
  manager = await signedIn('manager')
  operations = await signedIn('operations')
})
afterAll(async () => {
  await closeQueues()
})

describe('/integrations', () => {
  test('support gets 403; operations sees all five with their health', async () => {
    const support = await signedIn('support')
    expect((await thrownBy(listLoader(get(support.cookie, '/integrations/x')))).status).toBe(403)
    const data = await body(await listLoader(get(operations.cookie, '/integrations/x')))
    expect(data.health.integrations.map((row: { key: string; status: string }) => `${row.key}:${row.status}`)).toEqual([
      'storefront:healthy',
      'payments:healthy',
      'carrier:healthy',
      'warehouse:healthy',
      'helpdesk:healthy',
    ])
    expect(data.sandboxPanel).toBe(false)
  })
})

describe('/integrations/:key', () => {
  test('an unknown key is 404; operations may read but not act (403, nothing changes)', async () => {
    expect((await thrownBy(loader(get(operations.cookie, '/integrations/bank')))).status).toBe(404)
    const data = await body(await loader(get(operations.cookie, '/integrations/storefront')))
    expect(data.canAct).toBe(false)
    expect(data.list.view).toBe('jobs')
    for (const intent of ['sync-now', 'pause', 'retry-failed']) {
      expect((await thrownBy(action(post(operations.cookie, '/integrations/storefront', { intent })))).status).toBe(403)
    }
    expect(await prisma.integration.findUniqueOrThrow({ where: { key: 'storefront' }, select: { enabled: true } })).toEqual({ enabled: true })
    expect(await prisma.auditLog.count({ where: { action: { startsWith: 'update:integration' } } })).toBe(0)
  })

  test('sync now enqueues a pull per resource, audits, and redirects back with "Sync queued"', async () => {
    expect((await body(await loader(get(manager.cookie, '/integrations/storefront')))).canAct).toBe(true)
    const response = await action(post(manager.cookie, '/integrations/storefront?view=runs', { intent: 'sync-now' }))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/integrations/storefront?view=runs')
    expect(response.headers.get('set-cookie')).toMatch(/opsdeck_toast=/)
    const jobs = await getIntegrationQueue('storefront').getJobs(['waiting', 'prioritized'])
    expect(jobs.map((job) => [job.name, job.data])).toContainEqual(['pull', { resource: 'orders' }])
    expect(await prisma.auditLog.count({ where: { action: 'update:integration.sync', actorId: manager.user.id } })).toBe(1)
  })

  test('a bad intent is 400; pause pauses row and queue, sync is then refused, resume undoes both', async () => {
    const bad = await action(post(manager.cookie, '/integrations/payments', { intent: 'explode' }))
    expect(bad.status).toBe(400)
    const missing = await action(post(manager.cookie, '/integrations/payments', { intent: 'replay' }))
    expect(missing.status).toBe(400)
    expect((await body(missing)).fieldErrors).toEqual({ deadLetterId: 'Choose a dead letter' })

    expect((await action(post(manager.cookie, '/integrations/payments', { intent: 'pause' }))).status).toBe(302)
    expect(await prisma.integration.findUniqueOrThrow({ where: { key: 'payments' }, select: { enabled: true, pausedById: true } })).toEqual({
      enabled: false,
      pausedById: manager.user.id,
    })
    expect(await getIntegrationQueue('payments').isPaused()).toBe(true)
    const health = (await body(await loader(get(manager.cookie, '/integrations/payments')))).health.integrations[0]
    expect(health).toMatchObject({ status: 'paused', queue: { paused: true } })

    const refused = await action(post(manager.cookie, '/integrations/payments', { intent: 'sync-now' }))
    expect(refused.status).toBe(409)
    expect((await body(refused)).formError).toMatch(/paused/)

    expect((await action(post(manager.cookie, '/integrations/payments', { intent: 'resume' }))).status).toBe(302)
    expect(await getIntegrationQueue('payments').isPaused()).toBe(false)
    expect(await prisma.auditLog.findMany({ where: { entityType: 'Integration', action: { in: ['update:integration.pause', 'update:integration.resume'] } }, select: { action: true }, orderBy: { id: 'asc' } })).toEqual([
      { action: 'update:integration.pause' },
      { action: 'update:integration.resume' },
    ])
  })

  test('dead letters: replay re-enqueues under a fresh id and re-opens the outbox row; discard; retry failed replays the rest', async () => {
    const outbox = await prisma.outboxMessage.create({ data: { topic: 'carrier.create-shipment', payload: { fulfillmentId: 'f1' }, idempotencyKey: 'label-f1', status: 'failed' } })
    const letter = (jobId: string, payload: object) => ({
      queue: 'sync-carrier',
      jobId,
      name: 'effect',
      payload,
      error: 'ProviderError: 503 from carrier',
      attempts: 5,
      failedAt: new Date(),
      integration: 'carrier' as const,
      request: { method: 'POST', url: 'http://sandbox/carrier/shipments' },
      response: { status: 503 },
    })
    const [a, b, c] = await Promise.all([
      prisma.deadLetter.create({ data: letter(`outbox-${outbox.id}`, { outboxId: String(outbox.id) }) }),
      prisma.deadLetter.create({ data: letter('outbox-999', { outboxId: '999' }) }),
      prisma.deadLetter.create({ data: letter('outbox-998', { outboxId: '998' }) }),
    ])

    const listed = await body(await loader(get(operations.cookie, '/integrations/carrier?view=dead-letters')))
    expect(listed.list.rows).toHaveLength(3)
    expect(listed.list.rows[0]).toMatchObject({ error: 'ProviderError: 503 from carrier', request: { method: 'POST' }, response: { status: 503 } })

    expect((await thrownBy(action(post(operations.cookie, '/integrations/carrier', { intent: 'replay', deadLetterId: a.id })))).status).toBe(403)
    const replay = await action(post(manager.cookie, '/integrations/carrier?view=dead-letters', { intent: 'replay', deadLetterId: a.id }))
    expect(replay.status).toBe(302)
    expect(await prisma.deadLetter.findUniqueOrThrow({ where: { id: a.id }, select: { status: true, resolvedById: true } })).toEqual({
      status: 'replayed',
      resolvedById: manager.user.id,
    })
    expect((await prisma.outboxMessage.findUniqueOrThrow({ where: { id: outbox.id } })).status).toBe('pending')
    const jobs = await getIntegrationQueue('carrier').getJobs(['waiting', 'prioritized'])
    const replayed = jobs.find((job) => job.id?.startsWith(`outbox-${outbox.id}-replay-`))
    expect(replayed?.data).toEqual({ outboxId: String(outbox.id) })

    const again = await action(post(manager.cookie, '/integrations/carrier', { intent: 'replay', deadLetterId: a.id }))
    expect(again.status).toBe(409)

    expect((await action(post(manager.cookie, '/integrations/carrier', { intent: 'discard', deadLetterId: b.id }))).status).toBe(302)
    expect((await prisma.deadLetter.findUniqueOrThrow({ where: { id: b.id } })).status).toBe('discarded')

    expect((await action(post(manager.cookie, '/integrations/carrier', { intent: 'retry-failed' }))).status).toBe(302)
    expect((await prisma.deadLetter.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('replayed')
    expect(await prisma.auditLog.count({ where: { entityType: 'DeadLetter' } })).toBe(3)
  })

  test('job search by job id, by order number through record links, and by error text; failures show request and response', async () => {
    const order = (await createOrder(prisma, { number: '#500001' })).order
    const now = new Date()
    const attempt = (jobId: string, status: 'completed' | 'failed', error: string | null) => ({
      integration: 'storefront' as const,
      queue: 'sync-storefront',
      jobId,
      name: 'import-order',
      attempt: 1,
      status,
      durationMs: 12,
      error,
      request: error ? { method: 'GET', url: 'http://sandbox/storefront/orders/so_500001' } : undefined,
      response: error ? { status: 500, body: 'oops' } : undefined,
      startedAt: now,
      finishedAt: now,
    })
    await prisma.jobRun.createMany({
      data: [attempt('import-order-so_500001', 'failed', 'ProviderError: storefront answered 500 Internal'), attempt('import-order-so_500001', 'completed', null), attempt('pull-orders-1', 'completed', null)],
    })
    await prisma.recordLink.create({ data: { sourceType: 'job', sourceId: 'sync-storefront/import-order-so_500001', entityType: 'order', entityId: order.id } })

    const byId = await body(await loader(get(operations.cookie, '/integrations/storefront?view=search&q=pull-orders-1')))
    expect(byId.list).toMatchObject({ matchedBy: ['job id'], rows: [{ jobId: 'pull-orders-1' }] })

    const byOrder = await body(await loader(get(operations.cookie, '/integrations/storefront?view=search&q=%23500001')))
    expect(byOrder.list.matchedBy).toContain('order #500001')
    expect(byOrder.list.rows).toHaveLength(2)

    const byText = await body(await loader(get(operations.cookie, '/integrations/storefront?view=search&q=internal')))
    expect(byText.list.rows.map((row: { status: string }) => row.status)).toEqual(['failed'])

    const failures = await body(await loader(get(operations.cookie, '/integrations/storefront?view=jobs')))
    expect(failures.list.rows).toHaveLength(1)
    expect(failures.list.rows[0]).toMatchObject({ status: 'failed', request: { url: 'http://sandbox/storefront/orders/so_500001' }, response: { status: 500 } })
  })
})
