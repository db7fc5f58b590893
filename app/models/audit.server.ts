import { prisma, type Db, type Prisma } from '#app/utils/db.server.ts'

/**
 * The append-only audit log (a trigger refuses UPDATE/DELETE; see the people migration). Every mutation made by a
 * person writes one entry, in the same transaction as the change, so the log never disagrees with the data.
 */


export type AuditEntry = {
  /** The person who acted; null for the system (or an unknown account, e.g. a refused sign-in). */
  actorId: string | null
  /** A permission-style verb: `create:user`, `update:user.role`, `signin:user`… */
  action: string
  entityType: string
  entityId: string
  before?: Prisma.InputJsonValue | null
  after?: Prisma.InputJsonValue | null
  requestId?: string | null
  ip?: string | null
}

export async function recordAudit(db: Db, entry: AuditEntry) {
  await db.auditLog.create({
    data: {
      actorId: entry.actorId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      before: entry.before ?? undefined,
      after: entry.after ?? undefined,
      requestId: entry.requestId ?? null,
      ip: entry.ip ?? null,
    },
    select: { id: true },
  })
}
