import { createHash, randomBytes } from 'node:crypto'
import { createCookie } from '@remix-run/node'
import { pgPool, prisma, type Db } from './db.server.ts'
import { getEnv } from './env.server.ts'
import type { Role } from './permissions.ts'
import { singleton } from './singleton.server.ts'

/**
 * Sessions live in Postgres (revocable, shared by every web node). The cookie carries a random 32-byte token;
 * the row's id is its SHA-256, so reading the table does not let anyone sign in as its users.
 *
 * A session is valid while: not revoked, before `expiresAt` (absolute), within SESSION_IDLE_MINUTES of
 * `lastSeenAt` (idle), and its user is not disabled. Requests and socket handshakes use the same check.
 */

export const SESSION_COOKIE_NAME = 'opsdeck_session'
/** `lastSeenAt` is written at most this often per session, so busy pages do not write on every request. */
export const TOUCH_INTERVAL_MS = 60_000

export type SessionUser = { id: string; email: string; name: string; role: Role; sessionId: string }


export type SessionCheck =
  | { ok: true; user: SessionUser }
  /** `none`: no (readable) cookie; `expired`: idle or absolute timeout; `revoked`: signed out elsewhere or disabled. */
  | { ok: false; reason: 'none' | 'expired' | 'revoked' }

export const sessionCookie = () =>
  singleton('session-cookie', () => {
    const env = getEnv()
    return createCookie(SESSION_COOKIE_NAME, {
      httpOnly: true,
      sameSite: 'lax',
      secure: env.SECURE_COOKIES,
      path: '/',
      maxAge: env.SESSION_ABSOLUTE_HOURS * 3600,
      secrets: [env.SESSION_SECRET],
    })
  })

export function hashToken(token: string) {
  return createHash('sha256').update(token).digest('hex')
}

/** The session id (hash) named by a Cookie header, or null when there is no valid signed session cookie. */
export async function readSessionId(cookieHeader: string | null | undefined): Promise<string | null> {
  if (!cookieHeader) return null
  const token: unknown = await sessionCookie().parse(cookieHeader)
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token) ? hashToken(token) : null
}

type SessionRow = {
  id: string
  lastSeenAt: Date
  expiresAt: Date
  revokedAt: Date | null
  userId: string
  email: string
  name: string
  role: Role
  disabledAt: Date | null
}

/**
 * Every signed-in request runs this, so it is one statement (session joined to its user; Prisma's nested select
 * made it two round trips) on node-postgres as a named prepared statement (parsed and planned once per connection;
 * Prisma's per-call cost was ~1 ms of CPU per query; bench/orders-ssr).
 */
const SESSION_CHECK_TEXT = `
  SELECT s."id", s."lastSeenAt", s."expiresAt", s."revokedAt",
         u."id" AS "userId", u."email", u."name", u."role"::text AS "role", u."disabledAt"
    FROM "Session" s
    JOIN "User" u ON u."id" = s."userId"
   WHERE s."id" = $1`

/**
 * Validates the session behind a Cookie header. A request is activity: it touches `lastSeenAt` (at most once a
 * minute). A socket handshake is not (`touch: false`), so an unattended tab's reconnects do not keep it signed in.
 */
export async function checkSession(
  cookieHeader: string | null | undefined,
  { now = new Date(), touch = true }: { now?: Date; touch?: boolean } = {},
): Promise<SessionCheck> {
  const id = await readSessionId(cookieHeader)
  if (!id) return { ok: false, reason: 'none' }
  const session = (await pgPool.query<SessionRow>({ name: 'opsdeck.session-check', text: SESSION_CHECK_TEXT, values: [id] })).rows[0]
  if (!session) return { ok: false, reason: 'none' }
  if (session.revokedAt || session.disabledAt) return { ok: false, reason: 'revoked' }
  const idleMs = getEnv().SESSION_IDLE_MINUTES * 60_000
  if (session.expiresAt <= now || session.lastSeenAt.getTime() + idleMs <= now.getTime()) {
    return { ok: false, reason: 'expired' }
  }
  if (touch && now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
    await prisma.session.updateMany({ where: { id, revokedAt: null }, data: { lastSeenAt: now } })
  }
  return { ok: true, user: { id: session.userId, email: session.email, name: session.name, role: session.role, sessionId: session.id } }
}

/**
 * Which of these sessions have ended (revoked, idle or absolutely expired, user disabled, or gone) — for
 * long-lived sockets, which authenticate once at the handshake. Does not touch `lastSeenAt`: an open tab is not
 * activity, so an unattended screen still idles out.
 */
export async function findEndedSessions(ids: readonly string[], now = new Date()): Promise<string[]> {
  if (ids.length === 0) return []
  const idleSince = new Date(now.getTime() - getEnv().SESSION_IDLE_MINUTES * 60_000)
  const live = await prisma.session.findMany({
    where: {
      id: { in: [...ids] },
      revokedAt: null,
      expiresAt: { gt: now },
      lastSeenAt: { gt: idleSince },
      user: { disabledAt: null },
    },
    select: { id: true },
  })
  const liveIds = new Set(live.map((session) => session.id))
  return ids.filter((id) => !liveIds.has(id))
}

/**
 * The session check for a request, done once per Request object: on a document load Remix hands the same request to
 * the root loader and the page's loader, which would otherwise each query (and touch) the session.
 */
const checked = new WeakMap<Request, Promise<SessionCheck>>()
export function checkRequestSession(request: Request): Promise<SessionCheck> {
  let check = checked.get(request)
  if (!check) {
    check = checkSession(request.headers.get('cookie'))
    checked.set(request, check)
  }
  return check
}

export async function getSessionUser(request: Request): Promise<SessionUser | null> {
  const check = await checkRequestSession(request)
  return check.ok ? check.user : null
}

/** Socket.IO handshake authentication: the request check, from the handshake's Cookie header, without touching. */
export async function getSocketUser(cookieHeader: string | undefined): Promise<SessionUser | null> {
  const check = await checkSession(cookieHeader, { touch: false })
  return check.ok ? check.user : null
}

/**
 * A new session row with a fresh token. Sign-in always calls this (never reuses a row), so a session id planted
 * before sign-in is useless afterwards (session fixation).
 */
export async function createSession(
  userId: string,
  meta: { ip?: string | null; userAgent?: string | null } = {},
  { db = prisma, now = new Date() }: { db?: Db; now?: Date } = {},
) {
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(now.getTime() + getEnv().SESSION_ABSOLUTE_HOURS * 3_600_000)
  const session = await db.session.create({
    data: {
      id: hashToken(token),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent?.slice(0, 500) ?? null,
    },
    select: { id: true, expiresAt: true },
  })
  return { ...session, token }
}

/** Set-Cookie value for a session token; the cookie dies with the session's absolute expiry. */
export function commitSessionCookie(token: string, expiresAt: Date) {
  return sessionCookie().serialize(token, {
    expires: expiresAt,
    maxAge: Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
  })
}

export function clearSessionCookie() {
  return sessionCookie().serialize('', { expires: new Date(0), maxAge: 0 })
}

export async function revokeSession(id: string, { db = prisma }: { db?: Db } = {}) {
  await db.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } })
}

/** Ends every live session of a user (disabling them). Returns how many were revoked. */
export async function revokeUserSessions(userId: string, { db = prisma }: { db?: Db } = {}) {
  const { count } = await db.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } })
  return count
}
