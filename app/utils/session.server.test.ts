import { describe, expect, test } from 'vitest'
import { prisma } from './db.server.ts'
import { hashPassword } from './password.server.ts'
import {
  checkSession,
  commitSessionCookie,
  createSession,
  findEndedSessions,
  getSocketUser,
  hashToken,
  revokeSession,
  revokeUserSessions,
  TOUCH_INTERVAL_MS,
} from './session.server.ts'

let counter = 0
async function makeUser(overrides: { disabledAt?: Date } = {}) {
  counter += 1
  return prisma.user.create({
    data: {
      email: `person${counter}@example.test`,
      name: `Person ${counter}`,
      role: 'support',
      passwordHash: await hashPassword('not-used-in-this-test'),
      ...overrides,
    },
  })
}

async function cookieFor(token: string, expiresAt: Date) {
  const setCookie = await commitSessionCookie(token, expiresAt)
  return setCookie.split(';')[0]!
}

describe('sessions', () => {
  test('a new session is stored by the hash of its token and validates from its cookie', async () => {
    const user = await makeUser()
    const session = await createSession(user.id, { ip: '10.0.0.1', userAgent: 'vitest' })
    expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(session.id).toBe(hashToken(session.token))
    const row = await prisma.session.findUniqueOrThrow({ where: { id: session.id } })
    expect(row.ip).toBe('10.0.0.1')

    const setCookie = await commitSessionCookie(session.token, session.expiresAt)
    expect(setCookie).toMatch(/^opsdeck_session=/)
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Lax/)
    expect(setCookie).toMatch(/Path=\//)
    expect(setCookie).not.toContain(session.token) // signed + encoded, and never the DB id
    const check = await checkSession(setCookie.split(';')[0])
    expect(check).toEqual({ ok: true, user: { id: user.id, email: user.email, name: user.name, role: 'support', sessionId: session.id } })
    expect(await getSocketUser(setCookie.split(';')[0])).toMatchObject({ id: user.id })
  })

  test('a tampered or missing cookie is no session', async () => {
    expect(await checkSession(undefined)).toEqual({ ok: false, reason: 'none' })
    expect(await checkSession('opsdeck_session=forged')).toEqual({ ok: false, reason: 'none' })
    expect(await getSocketUser('other=1')).toBeNull()
  })

  test('each session has its own token (rotation is a new row)', async () => {
    const user = await makeUser()
    const a = await createSession(user.id)
    const b = await createSession(user.id)
    expect(a.id).not.toBe(b.id)
    expect(await prisma.session.count({ where: { userId: user.id } })).toBe(2)
  })

  test('idle expiry: lastSeenAt older than SESSION_IDLE_MINUTES', async () => {
    const user = await makeUser()
    const session = await createSession(user.id)
    const cookie = await cookieFor(session.token, session.expiresAt)
    const idleMinutes = 120 // env default
    await prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(Date.now() - (idleMinutes + 1) * 60_000) } })
    expect(await checkSession(cookie)).toEqual({ ok: false, reason: 'expired' })
    await prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date(Date.now() - (idleMinutes - 1) * 60_000) } })
    expect((await checkSession(cookie)).ok).toBe(true)
  })

  test('lastSeenAt is touched at most once a minute', async () => {
    const user = await makeUser()
    const session = await createSession(user.id)
    const cookie = await cookieFor(session.token, session.expiresAt)
    const created = (await prisma.session.findUniqueOrThrow({ where: { id: session.id } })).lastSeenAt
    await checkSession(cookie, { now: new Date(created.getTime() + TOUCH_INTERVAL_MS / 2) })
    expect((await prisma.session.findUniqueOrThrow({ where: { id: session.id } })).lastSeenAt).toEqual(created)
    const later = new Date(created.getTime() + TOUCH_INTERVAL_MS + 1000)
    await checkSession(cookie, { now: later })
    expect((await prisma.session.findUniqueOrThrow({ where: { id: session.id } })).lastSeenAt).toEqual(later)
  })

  test('a socket handshake validates without touching: reconnects are not activity', async () => {
    const user = await makeUser()
    const session = await createSession(user.id, {}, { now: new Date(Date.now() - 10 * TOUCH_INTERVAL_MS) })
    const cookie = await cookieFor(session.token, session.expiresAt)
    const before = (await prisma.session.findUniqueOrThrow({ where: { id: session.id } })).lastSeenAt
    expect(await getSocketUser(cookie)).toMatchObject({ id: user.id })
    expect((await prisma.session.findUniqueOrThrow({ where: { id: session.id } })).lastSeenAt).toEqual(before)
    await checkSession(cookie)
    expect((await prisma.session.findUniqueOrThrow({ where: { id: session.id } })).lastSeenAt).not.toEqual(before)
  })

  test('absolute expiry holds even for a session in constant use', async () => {
    const user = await makeUser()
    const session = await createSession(user.id)
    const cookie = await cookieFor(session.token, session.expiresAt)
    await prisma.session.update({ where: { id: session.id }, data: { expiresAt: new Date(Date.now() - 1000), lastSeenAt: new Date() } })
    expect(await checkSession(cookie)).toEqual({ ok: false, reason: 'expired' })
  })

  test('revokeSession and revokeUserSessions end sessions', async () => {
    const user = await makeUser()
    const a = await createSession(user.id)
    const b = await createSession(user.id)
    const c = await createSession(user.id)
    await revokeSession(a.id)
    expect(await checkSession(await cookieFor(a.token, a.expiresAt))).toEqual({ ok: false, reason: 'revoked' })
    expect((await checkSession(await cookieFor(b.token, b.expiresAt))).ok).toBe(true)
    expect(await revokeUserSessions(user.id)).toBe(2)
    expect(await checkSession(await cookieFor(b.token, b.expiresAt))).toEqual({ ok: false, reason: 'revoked' })
    expect(await getSocketUser(await cookieFor(c.token, c.expiresAt))).toBeNull()
  })

  test("a disabled user's sessions are invalid", async () => {
    const user = await makeUser()
    const session = await createSession(user.id)
    const cookie = await cookieFor(session.token, session.expiresAt)
    expect((await checkSession(cookie)).ok).toBe(true)
    await prisma.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } })
    expect(await checkSession(cookie)).toEqual({ ok: false, reason: 'revoked' })
    expect(await getSocketUser(cookie)).toBeNull()
  })
})

describe('findEndedSessions (socket sweep)', () => {
  test('reports revoked, idle, expired, disabled and unknown sessions, and never touches the live ones', async () => {
    const now = new Date()
    const live = await createSession((await makeUser()).id, {}, { now })
    const revoked = await createSession((await makeUser()).id, {}, { now })
    await revokeSession(revoked.id)
    const idle = await createSession((await makeUser()).id, {}, { now: new Date(now.getTime() - 3 * 3_600_000) })
    const expired = await createSession((await makeUser()).id, {}, { now })
    await prisma.session.update({ where: { id: expired.id }, data: { expiresAt: new Date(now.getTime() - 1) } })
    const disabled = await createSession((await makeUser({ disabledAt: now })).id, {}, { now })
    const before = await prisma.session.findUniqueOrThrow({ where: { id: live.id }, select: { lastSeenAt: true } })

    const ended = await findEndedSessions([live.id, revoked.id, idle.id, expired.id, disabled.id, hashToken('unknown')], now)
    expect(ended.sort()).toEqual([revoked.id, idle.id, expired.id, disabled.id, hashToken('unknown')].sort())
    const after = await prisma.session.findUniqueOrThrow({ where: { id: live.id }, select: { lastSeenAt: true } })
    expect(after.lastSeenAt).toEqual(before.lastSeenAt)
    expect(await findEndedSessions([])).toEqual([])
  })
})
