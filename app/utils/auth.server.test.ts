import { describe, expect, test, vi } from 'vitest'

vi.hoisted(() => {
  process.env.SIGNIN_MAX_ATTEMPTS_PER_ACCOUNT = '3'
  process.env.SIGNIN_MAX_ATTEMPTS_PER_IP = '6'
  process.env.SIGNIN_WINDOW_MINUTES = '15'
})

const { requirePermission, requireUser, SIGNIN_FAILED_MESSAGE, signIn, signOut } = await import('./auth.server.ts')
const { prisma } = await import('./db.server.ts')
const { hashPassword } = await import('./password.server.ts')
const { checkSession } = await import('./session.server.ts')

const PASSWORD = 'correct horse battery'
let counter = 0
async function makeUser(role: 'admin' | 'support' = 'support', extra: { disabledAt?: Date } = {}) {
  counter += 1
  return prisma.user.create({
    data: { email: `user${counter}@example.test`, name: `User ${counter}`, role, passwordHash: await hashPassword(PASSWORD), ...extra },
  })
}
let ipCounter = 0
const freshIp = () => `192.0.2.${++ipCounter}`
const cookieOf = (setCookie: string) => setCookie.split(';')[0]!

describe('signIn', () => {
  test('succeeds, records lastSignInAt and an audit entry, and sets a session cookie', async () => {
    const user = await makeUser()
    const result = await signIn({ email: ` ${user.email.toUpperCase()} `, password: PASSWORD, ip: freshIp() })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.user).toEqual({ id: user.id, email: user.email, name: user.name, role: 'support' })
    const check = await checkSession(cookieOf(result.setCookie))
    expect(check).toMatchObject({ ok: true, user: { id: user.id } })
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lastSignInAt).toBeInstanceOf(Date)
    expect(await prisma.auditLog.count({ where: { entityId: user.id, action: 'signin:user' } })).toBe(1)
  })

  test('the same answer for unknown email, wrong password and disabled account', async () => {
    const user = await makeUser()
    const disabled = await makeUser('support', { disabledAt: new Date() })
    const answers = await Promise.all([
      signIn({ email: 'nobody@example.test', password: PASSWORD, ip: freshIp() }),
      signIn({ email: user.email, password: 'wrong password!', ip: freshIp() }),
      signIn({ email: disabled.email, password: PASSWORD, ip: freshIp() }),
    ])
    for (const answer of answers) expect(answer).toEqual({ ok: false, status: 400, message: SIGNIN_FAILED_MESSAGE })
  })

  test('rotates: signing in again revokes the session the browser had', async () => {
    const user = await makeUser()
    const first = await signIn({ email: user.email, password: PASSWORD, ip: freshIp() })
    if (!first.ok) throw new Error('sign-in failed')
    const second = await signIn({ email: user.email, password: PASSWORD, ip: freshIp(), cookieHeader: cookieOf(first.setCookie) })
    if (!second.ok) throw new Error('sign-in failed')
    expect(second.sessionId).not.toBe(first.sessionId)
    expect(await checkSession(cookieOf(first.setCookie))).toEqual({ ok: false, reason: 'revoked' })
    expect((await checkSession(cookieOf(second.setCookie))).ok).toBe(true)
  })

  test('throttles per account (from any IP), with the same message for unknown accounts', async () => {
    const user = await makeUser()
    for (const email of [user.email, 'ghost@example.test']) {
      for (let attempt = 0; attempt < 3; attempt++) {
        expect(await signIn({ email, password: 'nope nope nope', ip: freshIp() })).toMatchObject({ status: 400 })
      }
      // Even the right password is refused while throttled.
      const throttled = await signIn({ email, password: PASSWORD, ip: freshIp() })
      expect(throttled).toEqual({ ok: false, status: 429, message: 'Too many sign-in attempts. Try again in 15 minutes.' })
    }
  })

  test('a successful sign-in resets the account counter', async () => {
    const user = await makeUser()
    const ip = freshIp()
    for (let attempt = 0; attempt < 2; attempt++) await signIn({ email: user.email, password: 'wrong', ip })
    expect((await signIn({ email: user.email, password: PASSWORD, ip })).ok).toBe(true)
    for (let attempt = 0; attempt < 2; attempt++) await signIn({ email: user.email, password: 'wrong', ip })
    expect((await signIn({ email: user.email, password: PASSWORD, ip })).ok).toBe(true)
  })

  test('throttles per IP across accounts', async () => {
    const ip = freshIp()
    for (let attempt = 0; attempt < 6; attempt++) {
      expect(await signIn({ email: `spray${attempt}@example.test`, password: 'guess', ip })).toMatchObject({ status: 400 })
    }
    const user = await makeUser()
    expect(await signIn({ email: user.email, password: PASSWORD, ip })).toMatchObject({ ok: false, status: 429 })
    expect((await signIn({ email: user.email, password: PASSWORD, ip: freshIp() })).ok).toBe(true)
  })
})

describe('requireUser / requirePermission / signOut', () => {
  test('anonymous requests are sent to /login with a safe redirectTo', async () => {
    const thrown = await requireUser(new Request('http://localhost/admin/users?x=1')).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(Response)
    const response = thrown as Response
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/login?redirectTo=%2Fadmin%2Fusers%3Fx%3D1')
  })

  test('a 403 with the missing permission for the wrong role; the user for the right one', async () => {
    const support = await makeUser('support')
    const signedIn = await signIn({ email: support.email, password: PASSWORD, ip: freshIp() })
    if (!signedIn.ok) throw new Error('sign-in failed')
    const request = new Request('http://localhost/admin/users', { headers: { cookie: cookieOf(signedIn.setCookie) } })
    const thrown = (await requirePermission(request, 'manage:user').catch((error: unknown) => error)) as Response
    expect(thrown.status).toBe(403)
    expect(await thrown.json()).toEqual({ message: expect.stringContaining('You need the "manage:user" permission'), permission: 'manage:user' })
    expect(await requirePermission(request, 'read:ticket')).toMatchObject({ id: support.id, role: 'support' })
  })

  test('signOut revokes the session; the next request is sent to /login', async () => {
    const user = await makeUser()
    const signedIn = await signIn({ email: user.email, password: PASSWORD, ip: freshIp() })
    if (!signedIn.ok) throw new Error('sign-in failed')
    const headers = { cookie: cookieOf(signedIn.setCookie) }
    const signedOut = await signOut(new Request('http://localhost/logout', { method: 'POST', headers }))
    expect(signedOut.sessionId).toBe(signedIn.sessionId)
    expect(signedOut.setCookie).toMatch(/opsdeck_session=;/)
    const thrown = (await requireUser(new Request('http://localhost/', { headers })).catch((error: unknown) => error)) as Response
    expect(thrown.headers.get('location')).toBe('/login?reason=revoked')
  })
})
