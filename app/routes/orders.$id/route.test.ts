import type { AppLoadContext } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureIntegrations } from '#app/models/integration-sync.server.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createOrder } from '#test/factories/orders.ts'
import { toMinorUnits } from '#app/utils/money.ts'
import { getToast } from '#app/utils/toast.server.ts'
import { action, loader } from './route.tsx'

const { loader: integrationLoader } = await import('../integrations.$key/route.tsx')

/** The order page's loader and action against the real database: offered actions, refusals and their statuses. */

async function signedIn(role: Role) {
  const user = await prisma.user.create({ data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' } })
  const session = await createSession(user.id)
  return { user, cookie: (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]! }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const get = (cookie: string, id: string) => ({ request: new Request(`http://localhost/orders/${id}`, { headers: { cookie } }), params: { id }, context })
const post = (cookie: string, id: string, fields: Record<string, string | number>) => ({
  request: new Request(`http://localhost/orders/${id}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(Object.entries(fields).map(([key, value]) => [key, String(value)])),
  }),
  params: { id },
  context,
})
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (response: Response): Promise<any> => response.json()
const thrownBy = async (promise: Promise<unknown>) => (await promise.then(() => null, (error: unknown) => error)) as Response

let operations: Awaited<ReturnType<typeof signedIn>>
let support: Awaited<ReturnType<typeof signedIn>>
let manager: Awaited<ReturnType<typeof signedIn>>

beforeAll(async () => {
  ;[operations, support, manager] = [await signedIn('operations'), await signedIn('support'), await signedIn('manager')]
})
afterAll(async () => {
  await closeQueues()
})

describe('loader', () => {
  test('an unknown order is 404; actions offered follow the state and the role', async () => {
    expect((await thrownBy(loader(get(operations.cookie, 'no-such-order')))).status).toBe(404)
    const order = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' })
    const asOps = await body(await loader(get(operations.cookie, order.order.id)))
    expect(asOps.actions).toEqual(['confirm', 'hold', 'cancel', 'note', 'tag', 'assign'])
    expect(asOps.assignees.map((person: { id: string }) => person.id)).toContain(operations.user.id)
    expect(asOps.refundRequestKey).toMatch(/^[0-9a-f-]{36}$/)
    const asSupport = await body(await loader(get(support.cookie, order.order.id)))
    expect(asSupport.actions).toEqual(['note'])
    expect(asSupport.assignees).toEqual([])
    expect((await body(await loader(get(manager.cookie, order.order.id)))).actions).toEqual([])
  })
})

describe('sync jobs and webhooks link to their drill-down', () => {
  test("each link opens the integration page's search on that job's attempts; roles that cannot open it get no link", async () => {
    await ensureIntegrations(['storefront', 'payments'])
    const order = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
    const jobId = `import-order-${order.order.id}`
    const webhook = await prisma.webhookEvent.create({
      data: { provider: 'payments', eventId: `evt_${order.order.id}`, topic: 'payment.captured', payload: {}, status: 'processed', attempts: 1, receivedAt: new Date() },
    })
    const run = (queue: string, integration: 'storefront' | 'payments', id: string, summary: string) =>
      prisma.jobRun.create({ data: { integration, queue, jobId: id, name: 'x', attempt: 1, status: 'completed', durationMs: 5, summary, startedAt: new Date(), finishedAt: new Date() } })
    await run('sync-storefront', 'storefront', jobId, 'order imported')
    await run('sync-payments', 'payments', `webhook-${webhook.id}`, 'payment.captured processed')
    await prisma.recordLink.createMany({
      data: [
        { sourceType: 'job', sourceId: `sync-storefront/${jobId}`, entityType: 'order', entityId: order.order.id },
        { sourceType: 'webhook', sourceId: webhook.id, entityType: 'order', entityId: order.order.id },
      ],
    })

    const page = await body(await loader(get(operations.cookie, order.order.id)))
    const hrefs = [page.file.sync.jobs[0].href, page.file.sync.webhooks[0].href] as string[]
    expect(hrefs).toEqual([`/integrations/storefront?view=search&q=${jobId}`, `/integrations/payments?view=search&q=webhook-${webhook.id}`])
    // Follow each link as the browser would: the integration page finds the attempts by job id.
    for (const [href, summary] of [
      [hrefs[0]!, 'order imported'],
      [hrefs[1]!, 'payment.captured processed'],
    ] as const) {
      const url = new URL(href, 'http://localhost')
      const key = url.pathname.split('/').at(-1)!
      const answer = await body(await integrationLoader({ request: new Request(url, { headers: { cookie: operations.cookie } }), params: { key }, context }))
      expect(answer.list).toMatchObject({ view: 'search', matchedBy: ['job id'], rows: [expect.objectContaining({ summary, status: 'completed' })] })
    }

    // Support may read the order but not the integration pages: the records are listed, unlinked.
    const asSupport = await body(await loader(get(support.cookie, order.order.id)))
    expect(asSupport.file.sync.jobs).toEqual([expect.objectContaining({ jobId, href: null })])
    expect(asSupport.file.sync.webhooks).toEqual([expect.objectContaining({ topic: 'payment.captured', href: null })])
  })
})

describe('action', () => {
  test('confirm with the current version redirects with a toast and bumps the version', async () => {
    const order = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' })
    const response = (await action(post(operations.cookie, order.order.id, { intent: 'confirm', expectedVersion: 1 }))) as Response
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(`/orders/${order.order.id}`)
    expect(response.headers.get('set-cookie')).toContain('opsdeck_toast=')
    expect(await prisma.order.findUniqueOrThrow({ where: { id: order.order.id }, select: { status: true, version: true } })).toEqual({ status: 'confirmed', version: 2 })
  })

  test('cancelling an order with an authorized payment says the authorization is being voided, and asks the gateway to', async () => {
    const order = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' })
    const response = (await action(post(operations.cookie, order.order.id, { intent: 'cancel', expectedVersion: 1, reason: 'Customer asked' }))) as Response
    expect(response.status).toBe(302)
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!
    const { toast } = await getToast(new Request('http://localhost/', { headers: { cookie } }))
    expect(toast).toMatchObject({ title: 'Order cancelled', description: expect.stringContaining('authorization is being voided') })
    expect(await prisma.outboxMessage.count({ where: { idempotencyKey: `payments.void:${order.payments[0]!.id}` } })).toBe(1)
  })

  test('a stale version is 409 with the stale message and changes nothing', async () => {
    const order = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' })
    await prisma.order.update({ where: { id: order.order.id }, data: { version: 2 } })
    const response = (await action(post(operations.cookie, order.order.id, { intent: 'hold', expectedVersion: 1, reason: 'Address check' }))) as Response
    expect(response.status).toBe(409)
    expect(await body(response)).toEqual({ intent: 'hold', stale: true, formError: 'Someone changed this order since you opened it — reload to see their change' })
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.order.id }, select: { status: true } })).status).toBe('pending')
  })

  test('an illegal transition is 422 with the rule’s message', async () => {
    const order = await createOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'shipped' })
    const response = (await action(post(operations.cookie, order.order.id, { intent: 'cancel', expectedVersion: 1, reason: 'Customer asked' }))) as Response
    expect(response.status).toBe(422)
    expect(await body(response)).toEqual({ intent: 'cancel', formError: 'A shipped order cannot be cancelled — create a return instead' })
  })

  test('invalid fields are 400 with field errors', async () => {
    const order = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' })
    const response = (await action(post(operations.cookie, order.order.id, { intent: 'hold', expectedVersion: 1, reason: '   ' }))) as Response
    expect(response.status).toBe(400)
    expect((await body(response)).fieldErrors).toEqual({ reason: 'Say why you hold this order' })
    const unknown = (await action(post(operations.cookie, order.order.id, { intent: 'explode' }))) as Response
    expect(unknown.status).toBe(400)
  })

  test('managers and support may not change an order (403), support may add a note', async () => {
    const order = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' })
    expect((await thrownBy(action(post(manager.cookie, order.order.id, { intent: 'confirm', expectedVersion: 1 })))).status).toBe(403)
    expect((await thrownBy(action(post(support.cookie, order.order.id, { intent: 'cancel', expectedVersion: 1, reason: 'x' })))).status).toBe(403)
    expect((await thrownBy(action(post(manager.cookie, order.order.id, { intent: 'note', body: 'hello' })))).status).toBe(403)
    const noted = (await action(post(support.cookie, order.order.id, { intent: 'note', body: 'Customer rang about delivery' }))) as Response
    expect(noted.status).toBe(302)
    expect(await prisma.orderNote.findMany({ where: { orderId: order.order.id }, select: { body: true, authorId: true } })).toEqual([
      { body: 'Customer rang about delivery', authorId: support.user.id },
    ])
  })

  test('partial fulfilment takes the per-line quantities; a refund form submitted twice is one refund', async () => {
    const order = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled', quantities: [3] , items: [{ sku: `RT-${Date.now()}`, title: 'Mug', unitPriceAmount: 1000 }] })
    const line = order.lines[0]!
    const fulfilled = (await action(post(operations.cookie, order.order.id, { intent: 'fulfil', expectedVersion: 1, [`line.${line.id}`]: 2 }))) as Response
    expect(fulfilled.status).toBe(302)
    expect(await prisma.orderLine.findUniqueOrThrow({ where: { id: line.id }, select: { quantityFulfilled: true } })).toEqual({ quantityFulfilled: 2 })

    const version = (await prisma.order.findUniqueOrThrow({ where: { id: order.order.id }, select: { version: true } })).version
    const refund = { intent: 'refund', expectedVersion: version, amount: '5.00', reason: 'Late delivery', requestKey: crypto.randomUUID() }
    expect(((await action(post(operations.cookie, order.order.id, refund))) as Response).status).toBe(302)
    // The same form again (double click / resubmit): the refund already exists, nothing new.
    expect(((await action(post(operations.cookie, order.order.id, refund))) as Response).status).toBe(302)
    expect(await prisma.refund.findMany({ where: { orderId: order.order.id }, select: { amount: true, reason: true } })).toEqual([{ amount: 500, reason: 'Late delivery' }])

    const badAmount = (await action(post(operations.cookie, order.order.id, { ...refund, amount: '5.001', requestKey: crypto.randomUUID() }))) as Response
    expect(badAmount.status).toBe(400)
    expect((await body(badAmount)).fieldErrors.amount).toMatch(/at most 2 decimals/)
  })
})

test('amounts typed in major units become minor units in the currency’s decimals', () => {
  expect(toMinorUnits('12.5', 'GBP')).toBe(1250)
  expect(toMinorUnits('1,234.56', 'GBP')).toBe(123456)
  expect(toMinorUnits('500', 'JPY')).toBe(500)
  expect(toMinorUnits('5.5', 'JPY')).toMatch(/whole amount/)
  expect(toMinorUnits('0', 'GBP')).toMatch(/above zero/)
  expect(toMinorUnits('-3', 'GBP')).toMatch(/amount like/)
})
