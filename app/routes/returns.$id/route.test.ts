import type { AppLoadContext } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createOrder, createReturn, createTicket } from '#test/factories/index.ts'
import { loader as queueLoader } from '../returns._index/route.tsx'
import { action as requestAction, loader as requestLoader } from '../returns.new/route.tsx'
import { action, loader } from './route.tsx'

/** The returns routes' loaders and actions against the real database: permissions per role, field errors, refusals. */

async function signedIn(role: Role) {
  const user = await prisma.user.create({ data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' } })
  const session = await createSession(user.id)
  return { user, cookie: (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]! }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const get = (cookie: string, url: string, params: Record<string, string> = {}) => ({ request: new Request(`http://localhost${url}`, { headers: { cookie } }), params, context })
const post = (cookie: string, url: string, fields: Record<string, string | number>, params: Record<string, string> = {}) => ({
  request: new Request(`http://localhost${url}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(Object.entries(fields).map(([key, value]) => [key, String(value)])),
  }),
  params,
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
afterAll(() => closeQueues())

describe('permissions', () => {
  test('support requests returns but cannot read the queue or a return; managers read but cannot act or request', async () => {
    const { ret } = await createReturn(prisma, { status: 'requested' })
    expect((await thrownBy(queueLoader(get(support.cookie, '/returns')))).status).toBe(403)
    expect((await thrownBy(loader(get(support.cookie, `/returns/${ret.id}`, { id: ret.id })))).status).toBe(403)
    expect((await queueLoader(get(manager.cookie, '/returns'))).status).toBe(200)
    const asManager = await body(await loader(get(manager.cookie, `/returns/${ret.id}`, { id: ret.id })))
    expect(Object.entries(asManager.states).filter(([, s]) => (s as { allowed: boolean }).allowed)).toEqual([])
    const refused = await thrownBy(action(post(manager.cookie, `/returns/${ret.id}`, { intent: 'approve', expectedVersion: 1 }, { id: ret.id })))
    expect(refused.status).toBe(403)
    expect((await thrownBy(requestLoader(get(manager.cookie, '/returns/new')))).status).toBe(403)
    const order = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered' })
    expect((await requestLoader(get(support.cookie, `/returns/new?orderId=${order.order.id}`))).status).toBe(200)
    expect((await prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).status).toBe('requested')
  })
})

test('a label the carrier refused for good is shown, not waited for', async () => {
  const { ret } = await createReturn(prisma, { status: 'approved' })
  await prisma.auditLog.create({ data: { actorId: operations.user.id, action: 'approve:return', entityType: 'return', entityId: ret.id, after: { buyLabel: true } } })
  const waiting = await body(await loader(get(operations.cookie, `/returns/${ret.id}`, { id: ret.id })))
  expect(waiting.ret.approvedWithLabel).toBe(true)
  expect(waiting.labelRequest).toBeNull()
  await prisma.outboxMessage.create({
    data: { topic: 'carrier.return-label', payload: { returnId: ret.id }, idempotencyKey: `carrier.return-label:${ret.id}`, status: 'failed', attempts: 1, lastError: 'no postal code' },
  })
  const failed = await body(await loader(get(operations.cookie, `/returns/${ret.id}`, { id: ret.id })))
  expect(failed.labelRequest).toEqual({ status: 'failed', attempts: 1, lastError: 'no postal code' })
})

describe('return page action', () => {
  test('field errors (400), a stale version (409), an illegal step (422), a legal step redirects', async () => {
    const { ret } = await createReturn(prisma, { status: 'requested' })
    const url = `/returns/${ret.id}`
    const params = { id: ret.id }
    const missing = await action(post(operations.cookie, url, { intent: 'reject', expectedVersion: 1, reason: ' ' }, params))
    expect(missing.status).toBe(400)
    expect((await body(missing)).fieldErrors.reason).toBe('Say why the return is rejected')
    const unknown = await action(post(operations.cookie, url, { intent: 'explode', expectedVersion: 1 }, params))
    expect(unknown.status).toBe(400)
    const stale = await action(post(operations.cookie, url, { intent: 'cancel', expectedVersion: 99, reason: 'x' }, params))
    expect(stale.status).toBe(409)
    expect((await body(stale)).stale).toBe(true)
    const illegal = await action(post(operations.cookie, url, { intent: 'receive', expectedVersion: 1, [`received.x`]: 1 }, params))
    expect(illegal.status).toBe(422)
    expect((await body(illegal)).formError).toBe('Approve the return before receiving it')
    const ok = await action(post(operations.cookie, url, { intent: 'approve', expectedVersion: 1 }, params))
    expect(ok.status).toBe(302)
    expect(ok.headers.get('location')).toBe(url)
    expect((await prisma.return.findUniqueOrThrow({ where: { id: ret.id } })).status).toBe('approved')
  })

  test('a refund amount that is not money is a field error', async () => {
    const { ret } = await createReturn(prisma, { status: 'received' })
    const response = await action(post(operations.cookie, `/returns/${ret.id}`, { intent: 'resolve', expectedVersion: 1, resolution: 'refund', amount: '12.345' }, { id: ret.id }))
    expect(response.status).toBe(400)
    expect((await body(response)).fieldErrors.amount).toMatch(/Enter an amount like 12.50/)
  })
})

describe('request form', () => {
  test('support requests a return and goes back to the order (it cannot read returns); bad quantities are field errors', async () => {
    const order = await createOrder(prisma, {
      status: 'completed',
      paymentStatus: 'paid',
      fulfillmentStatus: 'delivered',
      items: [{ sku: `RQ-${crypto.randomUUID().slice(0, 8)}`, title: 'Mug', unitPriceAmount: 1_200 }],
      quantities: [2],
    })
    const line = order.lines[0]!
    const noReason = await requestAction(post(support.cookie, '/returns/new', { orderId: order.order.id, [`qty.${line.id}`]: 1 }))
    expect(noReason.status).toBe(400)
    expect((await body(noReason)).fieldErrors[`reason.${line.id}`]).toBe('Choose a reason')
    const tooMany = await requestAction(post(support.cookie, '/returns/new', { orderId: order.order.id, [`qty.${line.id}`]: 5, [`reason.${line.id}`]: 'defective' }))
    expect(tooMany.status).toBe(400)
    expect((await body(tooMany)).fieldErrors[`line.${line.id}`]).toBe('At most 2 can be returned')
    const ok = await requestAction(post(support.cookie, '/returns/new', { orderId: order.order.id, [`qty.${line.id}`]: 2, [`reason.${line.id}`]: 'defective', note: 'Both cracked' }))
    expect(ok.status).toBe(302)
    expect(ok.headers.get('location')).toBe(`/orders/${order.order.id}`)
    const asOps = await requestAction(post(operations.cookie, '/returns/new', { orderId: order.order.id, [`qty.${line.id}`]: 1, [`reason.${line.id}`]: 'defective' }))
    expect(asOps.status).toBe(400) // both units are on the open return now
    const created = await prisma.return.findFirstOrThrow({ where: { orderId: order.order.id } })
    expect(created).toMatchObject({ status: 'requested', note: 'Both cracked' })

    // From a ticket: linked to it, and support goes back to the ticket.
    const other = await createOrder(prisma, {
      status: 'completed',
      paymentStatus: 'paid',
      fulfillmentStatus: 'delivered',
      items: [{ sku: `RQ-${crypto.randomUUID().slice(0, 8)}`, title: 'Bowl', unitPriceAmount: 900 }],
      quantities: [1],
    })
    const { ticket } = await createTicket(prisma, { order: { id: other.order.id, number: other.order.number }, status: 'open', now: new Date() })
    const line2 = other.lines[0]!
    const fromTicket = await requestAction(
      post(support.cookie, '/returns/new', { orderId: other.order.id, ticketId: ticket.id, [`qty.${line2.id}`]: 1, [`reason.${line2.id}`]: 'damaged' }),
    )
    expect(fromTicket.status).toBe(302)
    expect(fromTicket.headers.get('location')).toBe(`/tickets/${ticket.id}`)
    expect((await prisma.return.findFirstOrThrow({ where: { orderId: other.order.id } })).ticketId).toBe(ticket.id)
  })
})
