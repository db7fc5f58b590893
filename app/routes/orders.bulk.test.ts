import type { AppLoadContext } from '@remix-run/node'
import { afterAll, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createOrder } from '#test/factories/orders.ts'
import { createBulkProcessor } from '#workers/bulk/processor.ts'
import { pino } from 'pino'

/**
 * The bulk routes as a browser calls them (form posts, cookies): POST /orders/bulk → redirect to the progress page;
 * GET /orders/exports/:id/download (actor or admin; 404/409; a streamed attachment); /orders/views.
 */

const { action: bulkAction } = await import('./orders.bulk.tsx')
const { loader: downloadLoader } = await import('./orders.exports.$id.download.tsx')
const { loader: progressLoader } = await import('./orders.bulk.$id/route.tsx')
const { action: viewsAction, loader: viewsLoader } = await import('./orders.views.tsx')
const { loader: assigneesLoader } = await import('./orders.bulk.assignees.tsx')
const { loader: historyLoader } = await import('./orders.bulk._index/route.tsx')

afterAll(async () => {
  await closeQueues()
})

async function signedIn(role: Role) {
  const user = await prisma.user.create({ data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' } })
  const session = await createSession(user.id)
  return { user, cookie: (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]! }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
function post(url: string, cookie: string, fields: Array<[string, string]>) {
  return new Request(`http://localhost${url}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) })
}
const get = (url: string, cookie: string) => new Request(`http://localhost${url}`, { headers: { cookie } })
async function thrownBy(promise: Promise<unknown>) {
  return (await promise.then((value) => value, (error: unknown) => error)) as Response
}

test('POST /orders/bulk: starts the operation and redirects to its page; refusals come back as form errors', async () => {
  const ops = await signedIn('operations')
  const a = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  const b = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  const response = (await bulkAction({
    request: post('/orders/bulk', ops.cookie, [['kind', 'tag'], ['scope', 'ids'], ['ids', a.order.id], ['ids', b.order.id], ['tagsAdd', 'vip, Gift Wrap'], ['tagsRemove', '']]),
    params: {},
    context,
  })) as Response
  expect(response.status).toBe(302)
  const id = response.headers.get('location')!.split('/').at(-1)!
  expect(response.headers.get('location')).toBe(`/orders/bulk/${id}`)
  expect(await prisma.bulkOperation.findUniqueOrThrow({ where: { id } })).toMatchObject({ kind: 'tag', total: 2, params: { add: ['vip', 'gift-wrap'], remove: [] }, selection: { ids: [a.order.id, b.order.id] } })

  // All matching: the list's search string.
  const all = (await bulkAction({ request: post('/orders/bulk', ops.cookie, [['kind', 'export'], ['scope', 'query'], ['query', `status=confirmed&after=x`]]), params: {}, context })) as Response
  expect(all.status).toBe(302)
  const allId = all.headers.get('location')!.split('/').at(-1)!
  expect((await prisma.bulkOperation.findUniqueOrThrow({ where: { id: allId } })).selection).toEqual({ query: { status: 'confirmed' } })

  const missingReason = (await bulkAction({ request: post('/orders/bulk', ops.cookie, [['kind', 'cancel'], ['scope', 'ids'], ['ids', a.order.id]]), params: {}, context })) as Response
  expect(missingReason.status).toBe(400)
  expect(await missingReason.json()).toMatchObject({ fieldErrors: { reason: expect.any(String) } })

  const support = await signedIn('support')
  const forbidden = (await bulkAction({ request: post('/orders/bulk', support.cookie, [['kind', 'cancel'], ['scope', 'ids'], ['ids', a.order.id], ['reason', 'fraud']]), params: {}, context })) as Response
  expect(forbidden.status).toBe(403)
})

test('download: the actor or an admin gets the streamed CSV as an attachment; others 404; unfinished 409', async () => {
  const support = await signedIn('support')
  const graph = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  const started = (await bulkAction({ request: post('/orders/bulk', support.cookie, [['kind', 'export'], ['scope', 'ids'], ['ids', graph.order.id]]), params: {}, context })) as Response
  const id = started.headers.get('location')!.split('/').at(-1)!
  const url = `/orders/exports/${id}/download`

  expect((await thrownBy(downloadLoader({ request: get(url, support.cookie), params: { id }, context }))).status).toBe(409)
  await createBulkProcessor(pino({ level: 'silent' }))({ name: 'run', data: { operationId: id }, attemptsMade: 0, opts: { attempts: 1 } } as never)

  const response = (await downloadLoader({ request: get(url, support.cookie), params: { id }, context })) as Response
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
  expect(response.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="orders-\\d{4}-\\d{2}-\\d{2}-${id}\\.csv"$`))
  const text = await response.text()
  expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text))
  expect(text.split('\r\n').filter(Boolean)).toHaveLength(2)

  const admin = await signedIn('admin')
  expect(((await downloadLoader({ request: get(url, admin.cookie), params: { id }, context })) as Response).status).toBe(200)
  const other = await signedIn('support')
  expect((await thrownBy(downloadLoader({ request: get(url, other.cookie), params: { id }, context }))).status).toBe(404)
  expect((await thrownBy(progressLoader({ request: get(`/orders/bulk/${id}`, other.cookie), params: { id }, context }))).status).toBe(404)
  expect((await thrownBy(downloadLoader({ request: get('/orders/exports/nope/download', support.cookie), params: { id: 'nope' }, context }))).status).toBe(404)
})

test('/orders/views: save the current view, share it, make it the default; others only read a shared one', async () => {
  const owner = await signedIn('operations')
  const created = (await viewsAction({ request: post('/orders/views', owner.cookie, [['intent', 'create'], ['name', 'Big unpaid'], ['search', 'payment=unpaid&minTotal=100&after=abc'], ['sharedWithRole', ''], ['isDefault', 'on']]), params: {}, context })) as Response
  expect(created.status).toBe(200)
  const view = (await created.json()).view as { id: string; search: string; isDefault: boolean }
  expect(view).toMatchObject({ search: 'payment=unpaid&minTotal=100', isDefault: true })
  expect(((await viewsAction({ request: post('/orders/views', owner.cookie, [['intent', 'share'], ['id', view.id], ['sharedWithRole', 'operations']]), params: {}, context })) as Response).status).toBe(200)

  const teammate = await signedIn('operations')
  const listed = await ((await viewsLoader({ request: get('/orders/views', teammate.cookie), params: {}, context })) as Response).json()
  expect(listed.views).toEqual([expect.objectContaining({ id: view.id, mine: false, isDefault: false })])
  const refused = (await viewsAction({ request: post('/orders/views', teammate.cookie, [['intent', 'delete'], ['id', view.id]]), params: {}, context })) as Response
  expect(refused.status).toBe(403)
  const bad = (await viewsAction({ request: post('/orders/views', owner.cookie, [['intent', 'create'], ['name', ''], ['search', '']]), params: {}, context })) as Response
  expect(bad.status).toBe(400)
  expect(await bad.json()).toMatchObject({ fieldErrors: { name: 'Give the view a name' } })
})

test('GET /orders/bulk/assignees: active operations staff and admins, for people who may assign', async () => {
  const ops = await signedIn('operations')
  const admin = await signedIn('admin')
  const support = await signedIn('support')
  const disabled = await signedIn('operations')
  await prisma.user.update({ where: { id: disabled.user.id }, data: { disabledAt: new Date() } })
  const { users } = (await ((await assigneesLoader({ request: get('/orders/bulk/assignees', ops.cookie), params: {}, context })) as Response).json()) as { users: Array<{ id: string; name: string }> }
  const ids = users.map((user) => user.id)
  expect(ids).toEqual(expect.arrayContaining([ops.user.id, admin.user.id]))
  expect(ids).not.toContain(support.user.id)
  expect(ids).not.toContain(disabled.user.id)
  expect(Object.keys(users[0]!).sort()).toEqual(['id', 'name'])
  expect((await thrownBy(assigneesLoader({ request: get('/orders/bulk/assignees', support.cookie), params: {}, context }))).status).toBe(403)
})

test('GET /orders/bulk: the history — your own operations, everyone’s for an admin, signed-in people only', async () => {
  const support = await signedIn('support')
  const admin = await signedIn('admin')
  await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  const started = (await bulkAction({ request: post('/orders/bulk', support.cookie, [['kind', 'export'], ['scope', 'query'], ['query', 'status=confirmed&sort=totalAmount&dir=asc']]), params: {}, context })) as Response
  const id = started.headers.get('location')!.split('/').at(-1)!
  const history = async (cookie: string, search = '') =>
    (await ((await historyLoader({ request: get(`/orders/bulk${search}`, cookie), params: {}, context })) as Response).json()) as {
      rows: Array<{ id: string; kind: string; actorName: string | null; scope: { kind: string; search?: string }; status: string }>
      everyone: boolean
    }

  const own = await history(support.cookie)
  expect(own.everyone).toBe(false)
  expect(own.rows).toEqual([expect.objectContaining({ id, kind: 'export', actorName: 'A support', status: 'queued', scope: expect.objectContaining({ kind: 'query' }) })])
  // The scope links back to the same view, its sort included.
  expect(Object.fromEntries(new URLSearchParams(own.rows[0]!.scope.search))).toEqual({ status: 'confirmed', sort: 'totalAmount', dir: 'asc' })
  // An admin sees it among everyone's, or only their own with ?who=mine; filters narrow.
  expect((await history(admin.cookie)).rows.map((row) => row.id)).toContain(id)
  expect((await history(admin.cookie, '?who=mine')).rows.map((row) => row.id)).not.toContain(id)
  expect((await history(admin.cookie, '?kind=tag')).rows.map((row) => row.id)).not.toContain(id)
  // Nobody else's list shows it; a signed-out request goes to sign-in.
  expect((await history((await signedIn('operations')).cookie)).rows).toEqual([])
  const anonymous = await thrownBy(historyLoader({ request: new Request('http://localhost/orders/bulk'), params: {}, context }))
  expect(anonymous.status).toBe(302)
  expect(anonymous.headers.get('location')).toMatch(/^\/login/)
})
