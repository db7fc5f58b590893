import type { AppLoadContext } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createTicket } from '#test/factories/tickets.ts'
import { action as listAction, loader as listLoader } from '../tickets._index/route.tsx'
import { action as macrosAction, loader as macrosLoader } from '../tickets.macros.tsx'
import { action as newAction, loader as newLoader } from '../tickets.new.tsx'
import { action, loader } from './route.tsx'

/**
 * The tickets routes against the real database: every loader and action checks its own permission (support and
 * admins act, managers read, operations nothing), bad input is a 400 with field errors, and nothing is half-written.
 */

async function signedIn(role: Role) {
  const user = await prisma.user.create({ data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' } })
  const session = await createSession(user.id)
  return { user, cookie: (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]! }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const get = (cookie: string, path: string, params: Record<string, string> = {}) => ({ request: new Request(`http://localhost${path}`, { headers: { cookie } }), params, context })
const post = (cookie: string, path: string, fields: Record<string, string | number | string[]>, params: Record<string, string> = {}) => {
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item))
  return { request: new Request(`http://localhost${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form }), params, context }
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (response: Response): Promise<any> => response.json()
const thrownBy = async (promise: Promise<unknown>) => (await promise.then(() => null, (error: unknown) => error)) as Response

let support: Awaited<ReturnType<typeof signedIn>>
let manager: Awaited<ReturnType<typeof signedIn>>
let operations: Awaited<ReturnType<typeof signedIn>>
let ticketId: string

beforeAll(async () => {
  ;[support, manager, operations] = [await signedIn('support'), await signedIn('manager'), await signedIn('operations')]
  ticketId = (await createTicket(prisma, { status: 'open', assigneeId: support.user.id })).ticket.id
})
afterAll(async () => {
  await closeQueues()
})

describe('permissions', () => {
  test('operations may not open tickets at all; managers read but every action is 403', async () => {
    // Each call starts when it is awaited (a rejected promise nobody awaits yet is an unhandled rejection).
    for (const attempt of [
      () => listLoader(get(operations.cookie, '/tickets')),
      () => loader(get(operations.cookie, `/tickets/${ticketId}`, { id: ticketId })),
      () => newLoader(get(operations.cookie, '/tickets/new')),
      () => macrosLoader(get(operations.cookie, '/tickets/macros')),
    ]) {
      expect((await thrownBy(attempt())).status).toBe(403)
    }
    const page = await body(await loader(get(manager.cookie, `/tickets/${ticketId}`, { id: ticketId })))
    expect(page.can).toEqual({ update: false, readOrder: true, createReturn: false, refund: false })
    expect(page.macros).toEqual([])
    for (const attempt of [
      () => action(post(manager.cookie, `/tickets/${ticketId}`, { intent: 'priority', priority: 'low', expectedVersion: 1 }, { id: ticketId })),
      () => listAction(post(manager.cookie, '/tickets', { intent: 'bulk', op: 'close', ids: [ticketId] })),
      () => newAction(post(manager.cookie, '/tickets/new', { requesterEmail: 'a@example.com', subject: 's', body: 'b' })),
    ]) {
      expect((await thrownBy(attempt())).status).toBe(403)
    }
    // Support uses macros but does not manage them; managers do.
    expect((await thrownBy(macrosAction(post(support.cookie, '/tickets/macros', { intent: 'create', name: 'x', body: 'y' })))).status).toBe(403)
    const created = await macrosAction(post(manager.cookie, '/tickets/macros', { intent: 'create', name: 'Manager macro', body: 'Hi {{customer.name}}' }))
    expect(created.status).toBe(302)
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: ticketId }, select: { priority: true, status: true } })).toMatchObject({ status: 'open' })
  })

  test('an unknown ticket is 404 to read and to change', async () => {
    expect((await thrownBy(loader(get(support.cookie, '/tickets/nope', { id: 'nope' })))).status).toBe(404)
    expect((await thrownBy(action(post(support.cookie, '/tickets/nope', { intent: 'priority', priority: 'low', expectedVersion: 1 }, { id: 'nope' })))).status).toBe(404)
  })
})

describe('bad input', () => {
  test('field errors with 400, nothing written', async () => {
    const reply = action(post(support.cookie, `/tickets/${ticketId}`, { intent: 'reply', kind: 'public_reply', body: '   ' }, { id: ticketId }))
    const replied = (await reply) as Response
    expect(replied.status).toBe(400)
    expect(await body(replied)).toMatchObject({ intent: 'reply', fieldErrors: { body: 'Write a reply' } })
    const unknownIntent = (await action(post(support.cookie, `/tickets/${ticketId}`, { intent: 'explode' }, { id: ticketId }))) as Response
    expect(unknownIntent.status).toBe(400)
    expect((await body(unknownIntent)).formError).toContain('not understood')
    const badStatus = (await action(post(support.cookie, `/tickets/${ticketId}`, { intent: 'status', status: 'exploded', expectedVersion: 1 }, { id: ticketId }))) as Response
    expect(badStatus.status).toBe(400)
    const stale = (await action(post(support.cookie, `/tickets/${ticketId}`, { intent: 'priority', priority: 'low', expectedVersion: 99 }, { id: ticketId }))) as Response
    expect(stale.status).toBe(409)
    expect((await body(stale)).formError).toContain('Someone changed this ticket')
    const noOrder = (await action(post(support.cookie, `/tickets/${ticketId}`, { intent: 'link-order', orderNumber: '#000001', expectedVersion: 1 }, { id: ticketId }))) as Response
    expect(noOrder.status).toBe(400)
    expect(await body(noOrder)).toMatchObject({ intent: 'link-order', fieldErrors: { orderNumber: 'There is no order #000001.' } })
    const badNew = (await newAction(post(support.cookie, '/tickets/new', { requesterEmail: 'nope', subject: '', body: 'x', priority: 'loud' }))) as Response
    expect(badNew.status).toBe(400)
    expect((await body(badNew)).fieldErrors).toMatchObject({ requesterEmail: expect.any(String), subject: 'Write a subject', priority: 'Choose a priority' })
    const badMacro = (await macrosAction(post(manager.cookie, '/tickets/macros', { intent: 'create', name: 'Bad', body: 'Hi {{customer.shoe_size}}' }))) as Response
    expect(badMacro.status).toBe(400)
    expect((await body(badMacro)).fieldErrors.body).toContain('Unknown placeholder {{customer.shoe_size}}')
    // A bad list URL is a 400 with field messages, not a crash.
    const badList = (await listLoader(get(support.cookie, '/tickets?view=nope&after=zzz'))) as Response
    expect(badList.status).toBe(400)
    expect(Object.keys((await body(badList)).errors)).toEqual(['view', 'after'])
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: ticketId }, select: { priority: true, version: true } })).toMatchObject({ version: 1 })
    expect(await prisma.macro.count({ where: { name: 'Bad' } })).toBe(0)
  })
})
