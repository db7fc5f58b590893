import type { AppLoadContext } from '@remix-run/node'
import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { hashPassword } from '#app/utils/password.server.ts'
import { commitSessionCookie, createSession, revokeSession } from '#app/utils/session.server.ts'
import { action, loader } from './login.tsx'

const args = (request: Request) => ({ request, params: {}, context: { clientIp: '198.51.100.7', requestId: 'req-login' } as unknown as AppLoadContext })
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (response: Response): Promise<any> => response.json()
const post = (fields: Record<string, string>, cookie = '') =>
  new Request('http://localhost/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(fields),
  })

describe('/login', () => {
  test('field errors with 400', async () => {
    const response = await action(args(post({ email: 'nope', password: '' })))
    expect(response.status).toBe(400)
    expect((await body(response)).fieldErrors).toEqual({
      email: 'Enter a valid email address, like name@example.com',
      password: 'Enter your password',
    })
  })

  test('a wrong password gets the generic message', async () => {
    const response = await action(args(post({ email: 'nobody@example.test', password: 'whatever it is' })))
    expect(response.status).toBe(400)
    expect((await body(response)).formError).toBe('Email or password is incorrect')
  })

  test('success sets the session cookie and goes to a safe redirectTo only', async () => {
    await prisma.user.create({
      data: { email: 'ok@example.test', name: 'Ok', role: 'support', passwordHash: await hashPassword('the right password') },
    })
    const response = await action(args(post({ email: 'ok@example.test', password: 'the right password', redirectTo: '//evil.example' })))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/')
    const setCookie = response.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^opsdeck_session=.*HttpOnly.*SameSite=Lax/)
    const session = await prisma.session.findFirstOrThrow({ where: { user: { email: 'ok@example.test' } } })
    expect(session.ip).toBe('198.51.100.7')

    // Signed in already: the login page sends you on.
    const again = (await loader(args(new Request('http://localhost/login?redirectTo=/admin/users', { headers: { cookie: setCookie.split(';')[0]! } }))).catch(
      (error: unknown) => error,
    )) as Response
    expect(again.headers.get('location')).toBe('/admin/users')
  })

  test('drops a cookie that names an ended session', async () => {
    const user = await prisma.user.create({ data: { email: 'gone@example.test', name: 'Gone', role: 'support', passwordHash: 'x' } })
    const session = await createSession(user.id)
    const cookie = (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!
    await revokeSession(session.id)
    const response = await loader(args(new Request('http://localhost/login?reason=revoked', { headers: { cookie } })))
    expect(response.headers.get('set-cookie')).toMatch(/^opsdeck_session=;.*Expires=Thu, 01 Jan 1970/)
    expect((await body(response)).notice).toMatch(/session was ended/)
  })

  test('explains why you were sent here', async () => {
    const response = await loader(args(new Request('http://localhost/login?reason=expired')))
    expect((await body(response)).notice).toMatch(/session expired/)
  })
})
