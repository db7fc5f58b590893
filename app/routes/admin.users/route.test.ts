import type { AppLoadContext } from '@remix-run/node'
import { beforeEach, describe, expect, test, vi } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'

const disconnectUserSockets = vi.hoisted(() => vi.fn(async () => {}))
const reconnectUserSockets = vi.hoisted(() => vi.fn(() => {}))
// No Socket.IO server runs in this test; what reaches sockets is tested in server/realtime.test.ts.
vi.mock('#app/realtime/io.server.ts', () => ({ disconnectUserSockets, reconnectUserSockets }))

const { action, loader } = await import('./route.tsx')

async function signedIn(role: Role) {
  const user = await prisma.user.create({
    data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' },
  })
  const session = await createSession(user.id)
  const cookie = (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!
  return { user, cookie }
}

function post(cookie: string, fields: Record<string, string>) {
  return new Request('http://localhost/admin/users', {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  })
}
const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const args = (request: Request) => ({ request, params: {}, context })
/** Response bodies as the assertions read them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (response: Response): Promise<any> => response.json()
async function thrownBy(promise: Promise<unknown>) {
  return (await promise.then(() => null, (error: unknown) => error)) as Response
}

beforeEach(() => {
  disconnectUserSockets.mockClear()
  reconnectUserSockets.mockClear()
})

describe('/admin/users', () => {
  test.each(['manager', 'operations', 'support'] as const)('answers 403 to %s (loader and action)', async (role) => {
    const { cookie } = await signedIn(role)
    const viaLoader = await thrownBy(loader(args(new Request('http://localhost/admin/users', { headers: { cookie } }))))
    expect(viaLoader.status).toBe(403)
    expect(await body(viaLoader)).toMatchObject({ permission: 'manage:user' })
    const viaAction = await thrownBy(action(args(post(cookie, { intent: 'create', email: 'x@example.test', name: 'X', role: 'admin', password: 'long enough password' }))))
    expect(viaAction.status).toBe(403)
    expect(await prisma.user.count({ where: { email: 'x@example.test' } })).toBe(0)
  })

  test('sends anonymous visitors to sign in', async () => {
    const response = await thrownBy(loader(args(new Request('http://localhost/admin/users'))))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/login?redirectTo=%2Fadmin%2Fusers')
  })

  test('lists users with only the fields the table shows', async () => {
    const { cookie, user } = await signedIn('admin')
    const response = await loader(args(new Request('http://localhost/admin/users', { headers: { cookie } })))
    const data = await body(response)
    expect(data.currentUserId).toBe(user.id)
    const me = data.users.find((row: { id: string }) => row.id === user.id)
    expect(Object.keys(me).sort()).toEqual(['disabledAt', 'email', 'id', 'lastSignInAt', 'name', 'role', 'version'])
  })

  test('create: field errors with 400, duplicate email, then success with a toast redirect', async () => {
    const { cookie } = await signedIn('admin')
    const bad = await action(args(post(cookie, { intent: 'create', email: 'not-an-email', name: '', role: 'boss', password: 'short' })))
    expect(bad.status).toBe(400)
    const badData = await body(bad)
    expect(badData.fieldErrors).toEqual({
      email: 'Enter a valid email address',
      name: 'Enter a name',
      role: 'Choose one of the roles',
      password: 'Use at least 12 characters',
    })

    const ok = await action(args(post(cookie, { intent: 'create', email: 'Fresh@Example.test', name: 'Fresh', role: 'support', password: 'long enough password' })))
    expect(ok.status).toBe(302)
    expect(ok.headers.get('location')).toBe('/admin/users')
    expect(ok.headers.get('set-cookie')).toMatch(/opsdeck_toast=/)
    expect(await prisma.user.findUnique({ where: { email: 'fresh@example.test' }, select: { role: true } })).toEqual({ role: 'support' })

    const dup = await action(args(post(cookie, { intent: 'create', email: 'fresh@example.test', name: 'Again', role: 'support', password: 'long enough password' })))
    expect(dup.status).toBe(400)
    expect((await body(dup)).fieldErrors).toEqual({ email: 'A user with this email already exists' })
  })

  test('role change re-handshakes the user\'s sockets; a stale version is refused with 409', async () => {
    const { cookie } = await signedIn('admin')
    const { user: target } = await signedIn('support')
    const first = await action(args(post(cookie, { intent: 'change-role', userId: target.id, role: 'operations', version: '1' })))
    expect(first.status).toBe(302)
    expect(reconnectUserSockets).toHaveBeenCalledWith(target.id)
    reconnectUserSockets.mockClear()
    const stale = await action(args(post(cookie, { intent: 'change-role', userId: target.id, role: 'manager', version: '1' })))
    expect(stale.status).toBe(409)
    expect(reconnectUserSockets).not.toHaveBeenCalled()
    expect((await body(stale)).formError).toMatch(/changed by someone else/)
  })

  test('disable revokes sessions and ends sockets; an admin cannot disable themselves', async () => {
    const { cookie, user: admin } = await signedIn('admin')
    const { user: target } = await signedIn('support')
    const response = await action(args(post(cookie, { intent: 'disable', userId: target.id })))
    expect(response.status).toBe(302)
    expect(disconnectUserSockets).toHaveBeenCalledWith(target.id, 'disabled')
    expect(await prisma.session.count({ where: { userId: target.id, revokedAt: null } })).toBe(0)

    const self = await action(args(post(cookie, { intent: 'disable', userId: admin.id })))
    expect(self.status).toBe(400)
    expect((await body(self)).formError).toMatch(/cannot disable your own account/)
    const selfDemote = await action(args(post(cookie, { intent: 'change-role', userId: admin.id, role: 'support', version: '1' })))
    expect(selfDemote.status).toBe(400)
    expect(await prisma.user.findUniqueOrThrow({ where: { id: admin.id }, select: { role: true, disabledAt: true } })).toEqual({ role: 'admin', disabledAt: null })
  })

  test('an unknown intent is a 400, not a crash', async () => {
    const { cookie } = await signedIn('admin')
    const response = await action(args(post(cookie, { intent: 'delete-everything' })))
    expect(response.status).toBe(400)
  })
})
