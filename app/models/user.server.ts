import { recordAudit } from '#app/models/audit.server.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'
import { hashPassword } from '#app/utils/password.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { revokeUserSessions } from '#app/utils/session.server.ts'

/**
 * People who use the console. Every change is audited in the same transaction; role changes use the row's
 * `version` so two admins editing the same person cannot silently overwrite each other.
 */

/** Who is acting, for the audit log and the "not on yourself" rules. */
export type Actor = { id: string; ip?: string | null; requestId?: string | null }

export type UserFailure = {
  ok: false
  status: 400 | 404 | 409
  /** The form field the message belongs to, when it is one field's fault. */
  field?: 'email' | 'role'
  message: string
}

const LIST_FIELDS = {
  id: true,
  email: true,
  name: true,
  role: true,
  disabledAt: true,
  lastSignInAt: true,
  version: true,
} as const

export async function listUsers() {
  return prisma.user.findMany({ select: LIST_FIELDS, orderBy: [{ name: 'asc' }, { id: 'asc' }], take: 1000 })
}

export type UserListItem = Awaited<ReturnType<typeof listUsers>>[number]

export async function createUser(
  input: { email: string; name: string; role: Role; password: string },
  actor: Actor,
): Promise<{ ok: true; user: UserListItem } | UserFailure> {
  const email = input.email.trim().toLowerCase()
  const passwordHash = await hashPassword(input.password)
  const duplicate: UserFailure = { ok: false, status: 400, field: 'email', message: 'A user with this email already exists' }
  if (await prisma.user.findUnique({ where: { email }, select: { id: true } })) return duplicate
  try {
    const user = await prisma.$transaction(async (tx) => {
      const created = await tx.user.create({
        data: { email, name: input.name.trim(), role: input.role, passwordHash },
        select: LIST_FIELDS,
      })
      await recordAudit(tx, {
        actorId: actor.id,
        action: 'create:user',
        entityType: 'User',
        entityId: created.id,
        after: { email: created.email, name: created.name, role: created.role },
        ip: actor.ip,
        requestId: actor.requestId,
      })
      return created
    })
    return { ok: true, user }
  } catch (error) {
    // Two admins creating the same email at once: the unique index decides.
    if ((error as { code?: string }).code === 'P2002') return duplicate
    throw error
  }
}

export async function changeUserRole(
  input: { userId: string; role: Role; version: number },
  actor: Actor,
): Promise<{ ok: true; user: UserListItem } | UserFailure> {
  if (input.userId === actor.id && input.role !== 'admin') {
    return { ok: false, status: 400, field: 'role', message: 'You cannot remove your own admin role. Ask another admin to do it.' }
  }
  return prisma.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId }, select: LIST_FIELDS })
    if (!before) return { ok: false, status: 404, message: 'This user no longer exists' } as const
    if (before.version !== input.version) return staleFailure(before.name)
    if (before.role === input.role) return { ok: true, user: before } as const
    if (before.role === 'admin' && !(await anotherActiveAdmin(tx, input.userId))) return LAST_ADMIN
    // The version in the WHERE makes the check and the write one step: a concurrent edit leaves count 0.
    const { count } = await tx.user.updateMany({
      where: { id: input.userId, version: input.version },
      data: { role: input.role, version: { increment: 1 } },
    })
    if (count === 0) return staleFailure(before.name)
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'update:user.role',
      entityType: 'User',
      entityId: input.userId,
      before: { role: before.role, version: before.version },
      after: { role: input.role, version: before.version + 1 },
      ip: actor.ip,
      requestId: actor.requestId,
    })
    const user = await tx.user.findUniqueOrThrow({ where: { id: input.userId }, select: LIST_FIELDS })
    return { ok: true, user } as const
  })
}

const LAST_ADMIN: UserFailure = {
  ok: false,
  status: 400,
  message: 'OpsDeck needs at least one active admin. Make someone else an admin first.',
}

/**
 * Whether an active admin other than `userId` remains. Locks the active admins' rows first, so two admins demoting
 * or disabling each other at the same moment are serialised and the second one sees the first one's change.
 */
async function anotherActiveAdmin(tx: Prisma.TransactionClient, userId: string) {
  const admins = await tx.$queryRaw<{ id: string }[]>`
    select id from "User" where role = 'admin' and "disabledAt" is null order by id for update`
  return admins.some((admin) => admin.id !== userId)
}

function staleFailure(name: string): UserFailure {
  return {
    ok: false,
    status: 409,
    message: `${name} was changed by someone else after you loaded this page. Reload to see the current values, then try again.`,
  }
}

/**
 * Disables (or re-enables) an account. Disabling revokes every session in the same transaction, so the person's
 * next request is refused; the caller also ends their open sockets (`disconnectUserSockets`) once this commits.
 */
export async function setUserDisabled(
  input: { userId: string; disabled: boolean },
  actor: Actor,
): Promise<{ ok: true; user: UserListItem; revokedSessions: number } | UserFailure> {
  if (input.userId === actor.id && input.disabled) {
    return { ok: false, status: 400, message: 'You cannot disable your own account. Ask another admin to do it.' }
  }
  return prisma.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.userId }, select: LIST_FIELDS })
    if (!before) return { ok: false, status: 404, message: 'This user no longer exists' } as const
    if (input.disabled && !before.disabledAt && before.role === 'admin' && !(await anotherActiveAdmin(tx, input.userId))) {
      return LAST_ADMIN
    }
    if (Boolean(before.disabledAt) === input.disabled) {
      // Already in that state (a double submit): nothing to change, but make sure no session outlives a disable.
      const revokedSessions = input.disabled ? await revokeUserSessions(input.userId, { db: tx }) : 0
      return { ok: true, user: before, revokedSessions } as const
    }
    const user = await tx.user.update({
      where: { id: input.userId },
      data: { disabledAt: input.disabled ? new Date() : null, version: { increment: 1 } },
      select: LIST_FIELDS,
    })
    const revokedSessions = input.disabled ? await revokeUserSessions(input.userId, { db: tx }) : 0
    await recordAudit(tx, {
      actorId: actor.id,
      action: input.disabled ? 'disable:user' : 'enable:user',
      entityType: 'User',
      entityId: input.userId,
      before: { disabledAt: before.disabledAt?.toISOString() ?? null },
      after: { disabledAt: user.disabledAt?.toISOString() ?? null, revokedSessions },
      ip: actor.ip,
      requestId: actor.requestId,
    })
    return { ok: true, user, revokedSessions } as const
  })
}
