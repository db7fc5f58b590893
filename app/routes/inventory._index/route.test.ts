import type { AppLoadContext } from '@remix-run/node'
import { afterAll, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { getSystemQueue } from '#app/queues/system.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createStockedVariant } from '#test/factories/catalogue.ts'

/** /inventory as a browser calls it: who may read, bad filters are field messages, "Run now" queues a reconciliation. */

const { loader, action } = await import('./route.tsx')

afterAll(async () => {
  await closeQueues()
})

async function signedIn(role: Role) {
  const user = await prisma.user.create({ data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' } })
  const session = await createSession(user.id)
  return (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!
}
const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const get = (url: string, cookie: string) => new Request(`http://localhost${url}`, { headers: { cookie } })
const post = (cookie: string, fields: Array<[string, string]>) =>
  new Request('http://localhost/inventory', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) })
const settle = (promise: Promise<unknown>) => promise.then((value) => value as Response, (error: unknown) => error as Response)

test('loader: operations and managers read, support is refused; a bad filter is a 400 with its message', async () => {
  await createStockedVariant(prisma, { sku: 'ROUTE-INV-1', stock: [{ onHand: 3 }] })
  const ops = await signedIn('operations')
  const page = (await settle(loader({ request: get('/inventory?q=ROUTE-INV', ops), params: {}, context }))) as Response
  expect(page.status).toBe(200)
  const body = (await page.json()) as { rows: { sku: string; onHand: number }[]; canEdit: boolean }
  expect(body.rows.map((r) => [r.sku, r.onHand])).toEqual([['ROUTE-INV-1', 3]])
  expect(body.canEdit).toBe(true)
  const manager = (await (await settle(loader({ request: get('/inventory', await signedIn('manager')), params: {}, context }))).json()) as { canEdit: boolean }
  expect(manager.canEdit).toBe(false)
  expect((await settle(loader({ request: get('/inventory', await signedIn('support')), params: {}, context }))).status).toBe(403)
  const bad = await settle(loader({ request: get('/inventory?state=lots', ops), params: {}, context }))
  expect(bad.status).toBe(400)
  expect(((await bad.json()) as { errors: Record<string, string> }).errors).toEqual({ state: 'Choose low, out of stock or oversold' })
})

test('action: "Run now" queues one reconciliation job for operations; managers may not', async () => {
  const ops = await signedIn('operations')
  const done = await settle(action({ request: post(ops, [['intent', 'reconcile']]), params: {}, context }))
  expect(done.status).toBe(302)
  expect(done.headers.get('location')).toBe('/inventory')
  const jobs = await getSystemQueue().getJobs(['waiting', 'delayed', 'prioritized'])
  expect(jobs.filter((job) => job.name === 'inventory-reconcile')).toHaveLength(1)
  expect((await settle(action({ request: post(await signedIn('manager'), [['intent', 'reconcile']]), params: {}, context }))).status).toBe(403)
  expect((await settle(action({ request: post(ops, [['intent', 'nope']]), params: {}, context }))).status).toBe(400)
})
