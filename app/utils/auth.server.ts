import { json, redirect } from '@remix-run/node'
import { recordAudit } from '#app/models/audit.server.ts'
import { prisma } from './db.server.ts'
import { type ErrorBody, safeRedirectPath } from './http.server.ts'
import { decoyHash, verifyPassword } from './password.server.ts'
import { hasPermission, type Permission } from './permissions.ts'
import { getSignInLimiters, isRateLimited } from './rate-limit.server.ts'
import {
  checkRequestSession,
  checkSession,
  clearSessionCookie,
  commitSessionCookie,
  createSession,
  readSessionId,
  revokeSession,
  type SessionUser,
} from './session.server.ts'

export type { SessionUser } from './session.server.ts'

/**
 * The signed-in user, or a redirect to /login that brings them back here afterwards. A cookie that named an
 * expired or revoked session is cleared and the login page says why (`reason=expired|revoked`).
 */
export async function requireUser(request: Request): Promise<SessionUser> {
  const check = await checkRequestSession(request)
  if (check.ok) return check.user
  const url = new URL(request.url)
  const params = new URLSearchParams()
  const back = safeRedirectPath(url.pathname + url.search)
  if (back !== '/' && !back.startsWith('/login')) params.set('redirectTo', back)
  if (check.reason !== 'none') params.set('reason', check.reason)
  const query = params.toString()
  const headers = new Headers()
  if (check.reason !== 'none') headers.append('set-cookie', await clearSessionCookie())
  throw redirect(query ? `/login?${query}` : '/login', { headers })
}

/**
 * First line of every loader and action (STYLE.md habit 2): the signed-in user if their role has `permission`,
 * else a 403 whose body tells them which permission they lack (rendered by the route's ErrorBoundary).
 */
export async function requirePermission(request: Request, permission: Permission): Promise<SessionUser> {
  const user = await requireUser(request)
  if (!hasPermission(user.role, permission)) {
    throw json<ErrorBody>(
      {
        message: `You need the "${permission}" permission for this. Your role (${user.role}) does not include it; ask an administrator if you need access.`,
        permission,
      },
      { status: 403 },
    )
  }
  return user
}

// ─── Sign-in / sign-out ─────────────────────────────────────────────────────────────────────────────────────────

export const SIGNIN_FAILED_MESSAGE = 'Email or password is incorrect'

export function throttledMessage(msBeforeNext: number) {
  const minutes = Math.max(1, Math.ceil(msBeforeNext / 60_000))
  return `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`
}

export type SignInInput = {
  email: string
  password: string
  ip?: string | null
  userAgent?: string | null
  requestId?: string | null
  /** The Cookie header of the sign-in request: a session it still names is revoked (rotation). */
  cookieHeader?: string | null
}

export type SignInResult =
  | { ok: true; user: Omit<SessionUser, 'sessionId'>; sessionId: string; setCookie: string }
  | { ok: false; status: 400 | 429; message: string }

/**
 * Verifies a password sign-in. Unknown email, wrong password and disabled account get the same answer and take the
 * same time (the unknown email is checked against a decoy hash). Attempts are counted per account (the email, known
 * or not) and per IP before the password is checked, so the throttle also answers the same for unknown accounts.
 */
export async function signIn(input: SignInInput): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase()
  // NOTE: with no known client address (a caller that passed none) the per-IP limit is skipped rather than putting
  // every such request in one shared bucket, where 30 bad guesses by anyone would lock everyone out.
  const ipKey = input.ip ?? null
  const limiters = await getSignInLimiters()

  const consumed = await Promise.allSettled([
    limiters.account.consume(email),
    ...(ipKey ? [limiters.ip.consume(ipKey)] : []),
  ])
  const limited = consumed.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []))
  if (limited.length > 0) {
    const hit = limited.filter(isRateLimited)
    if (hit.length < limited.length) throw limited.find((error) => !isRateLimited(error))
    return { ok: false, status: 429, message: throttledMessage(Math.max(...hit.map((res) => res.msBeforeNext))) }
  }

  const user = await prisma.user.findUnique({
    where: { email },
    select: { id: true, email: true, name: true, role: true, passwordHash: true, disabledAt: true },
  })
  const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyHash()), input.password)
  if (!user || !passwordOk || user.disabledAt) {
    return { ok: false, status: 400, message: SIGNIN_FAILED_MESSAGE }
  }

  await Promise.all([limiters.account.delete(email), ipKey ? limiters.ip.reward(ipKey, 1) : null])
  const previousSessionId = await readSessionId(input.cookieHeader)
  const session = await prisma.$transaction(async (tx) => {
    if (previousSessionId) await revokeSession(previousSessionId, { db: tx })
    const created = await createSession(user.id, { ip: input.ip, userAgent: input.userAgent }, { db: tx })
    const signedInAt = new Date()
    await tx.user.update({ where: { id: user.id }, data: { lastSignInAt: signedInAt }, select: { id: true } })
    await recordAudit(tx, {
      actorId: user.id,
      action: 'signin:user',
      entityType: 'User',
      entityId: user.id,
      after: { lastSignInAt: signedInAt.toISOString(), userAgent: input.userAgent?.slice(0, 200) ?? null },
      ip: input.ip,
      requestId: input.requestId,
    })
    return created
  })
  const { passwordHash: _hash, disabledAt: _disabled, ...publicUser } = user
  return {
    ok: true,
    user: publicUser,
    sessionId: session.id,
    setCookie: await commitSessionCookie(session.token, session.expiresAt),
  }
}

/**
 * Revokes the request's session (if any). Returns the revoked session id (the caller ends that session's sockets)
 * and the Set-Cookie header that clears the cookie.
 */
export async function signOut(request: Request, meta: { ip?: string | null; requestId?: string | null } = {}) {
  const check = await checkSession(request.headers.get('cookie'))
  const sessionId = await readSessionId(request.headers.get('cookie'))
  if (sessionId) {
    await prisma.$transaction(async (tx) => {
      await revokeSession(sessionId, { db: tx })
      if (check.ok) {
        await recordAudit(tx, {
          actorId: check.user.id,
          action: 'signout:user',
          entityType: 'User',
          entityId: check.user.id,
          ip: meta.ip,
          requestId: meta.requestId,
        })
      }
    })
  }
  return { sessionId, setCookie: await clearSessionCookie() }
}
