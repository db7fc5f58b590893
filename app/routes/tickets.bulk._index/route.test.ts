import type { AppLoadContext } from '@remix-run/node'
import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { loader as ordersHistoryLoader } from '../orders.bulk._index/route.tsx'
import { loader } from './route.tsx'

/**
 * GET /tickets/bulk, the history of bulk actions on tickets: read:ticket; your own operations, everyone's for an
 * admin (`?who=mine` for their own); only area `tickets` (orders' operations stay on /orders/bulk, and the other way).
 */

async function signedIn(role: Role) {
  const user = await prisma.user.create({ data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' } })
  const session = await createSession(user.id)
  return { user, cookie: (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]! }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const request = (path: string, cookie?: string) => ({ request: new Request(`http://localhost${path}`, { headers: cookie ? { cookie } : {} }), params: {}, context })
const thrownBy = async (promise: Promise<unknown>) => (await promise.then(() => null, (error: unknown) => error)) as Response

type HistoryPage = { rows: Array<{ id: string; kind: string; actorName: string | null; status: string; scope: { kind: string; count?: number; search?: string }; assigneeName: string | null }>; everyone: boolean; canSeeEveryone: boolean }
const ticketsHistory = async (cookie: string, search = '') => (await ((await loader(request(`/tickets/bulk${search}`, cookie))) as Response).json()) as HistoryPage
const ordersHistory = async (cookie: string) => (await ((await ordersHistoryLoader(request('/orders/bulk', cookie))) as Response).json()) as HistoryPage

function operation(actorId: string, area: 'orders' | 'tickets', kind: 'close' | 'assign' | 'tag', extra: { params?: object; selection?: object; status?: 'completed' } = {}) {
  return prisma.bulkOperation.create({
    data: { area, kind, actorId, selection: extra.selection ?? { ids: ['a', 'b', 'c'] }, params: extra.params ?? {}, total: 3, status: extra.status ?? 'queued' },
    select: { id: true },
  })
}

test('GET /tickets/bulk: your own ticket operations; an admin sees everyone’s; orders’ operations are not listed', async () => {
  const agent = await signedIn('support')
  const other = await signedIn('support')
  const admin = await signedIn('admin')
  const close = await operation(agent.user.id, 'tickets', 'close')
  const assign = await operation(agent.user.id, 'tickets', 'assign', { params: { assigneeId: other.user.id }, selection: { query: { view: 'open', after: 'x' } }, status: 'completed' })
  const theirs = await operation(other.user.id, 'tickets', 'tag', { params: { add: ['vip'] } })
  const ordersTag = await operation(agent.user.id, 'orders', 'tag', { params: { add: ['vip'] } })

  const own = await ticketsHistory(agent.cookie)
  expect(own).toMatchObject({ everyone: false, canSeeEveryone: false })
  // Newest first; only their own, only tickets.
  expect(own.rows.map((row) => row.id)).toEqual([assign.id, close.id])
  expect(own.rows[0]).toMatchObject({ kind: 'assign', actorName: 'A support', status: 'completed', assigneeName: 'A support', scope: { kind: 'query', search: 'view=open' } })
  expect(own.rows[1]).toMatchObject({ kind: 'close', status: 'queued', scope: { kind: 'ids', count: 3 } })
  // Filters narrow by kind and status.
  expect((await ticketsHistory(agent.cookie, '?kind=close')).rows.map((row) => row.id)).toEqual([close.id])
  expect((await ticketsHistory(agent.cookie, '?status=completed')).rows.map((row) => row.id)).toEqual([assign.id])
  // `?who=everyone` means nothing for a non-admin.
  expect((await ticketsHistory(agent.cookie, '?who=everyone')).rows.map((row) => row.id)).toEqual([assign.id, close.id])

  // An admin sees everyone's ticket operations (not orders'), or only their own with ?who=mine.
  const all = await ticketsHistory(admin.cookie)
  expect(all).toMatchObject({ everyone: true, canSeeEveryone: true })
  const ids = all.rows.map((row) => row.id)
  expect(ids).toEqual(expect.arrayContaining([close.id, assign.id, theirs.id]))
  expect(ids).not.toContain(ordersTag.id)
  expect((await ticketsHistory(admin.cookie, '?who=mine')).rows).toEqual([])

  // The orders history, the other way round: the orders operation only.
  expect((await ordersHistory(agent.cookie)).rows.map((row) => row.id)).toEqual([ordersTag.id])
})

test('GET /tickets/bulk: needs read:ticket (operations staff are refused), signed-out people go to sign-in', async () => {
  const ops = await signedIn('operations')
  await operation(ops.user.id, 'tickets', 'close')
  expect((await thrownBy(loader(request('/tickets/bulk', ops.cookie)))).status).toBe(403)
  const anonymous = await thrownBy(loader(request('/tickets/bulk')))
  expect(anonymous.status).toBe(302)
  expect(anonymous.headers.get('location')).toMatch(/^\/login/)
})

test('an operation’s page answers only under its own area: a ticket operation is 404 under /orders/bulk/:id and the other way', async () => {
  const admin = await signedIn('admin')
  const tickets = await operation(admin.user.id, 'tickets', 'close')
  const orders = await operation(admin.user.id, 'orders', 'tag', { params: { add: ['vip'] } })
  const { loader: ticketPage } = await import('../tickets.bulk.$id/route.tsx')
  const { loader: orderPage } = await import('../orders.bulk.$id/route.tsx')
  const open = (load: (args: ReturnType<typeof request>) => Promise<unknown>, path: string, id: string) => load({ ...request(`${path}/${id}`, admin.cookie), params: { id } })
  expect(((await open(ticketPage, '/tickets/bulk', tickets.id)) as Response).status).toBe(200)
  expect(((await open(orderPage, '/orders/bulk', orders.id)) as Response).status).toBe(200)
  expect((await thrownBy(open(orderPage, '/orders/bulk', tickets.id))).status).toBe(404)
  expect((await thrownBy(open(ticketPage, '/tickets/bulk', orders.id))).status).toBe(404)
})
