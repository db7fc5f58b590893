import { recordAudit } from '#app/models/audit.server.ts'
import { prisma, type Db } from '#app/utils/db.server.ts'
import { hasPermission, ROLES, type Permission, type Role } from '#app/utils/permissions.ts'
import { TEAM_NAME_MAX } from './ticket-rules.ts'

/**
 * Support teams (issue 6, "assignment to an agent or team"): a ticket may be for a team (Billing, Shipping), with or
 * without an agent. Membership is many-to-many (an agent may be in several teams). A team ticket without an agent
 * goes round-robin to the team's members who are online (ticket-actions.server.ts autoAssignTickets).
 *
 * Managers and admins run teams (`manage:ticket`, the permission that gates macros: shared desk setup); members are
 * people who work tickets (`update:ticket`).
 */

export type TeamActor = { id: string; role: Role }

export class TeamError extends Error {
  constructor(
    public status: 400 | 403 | 404 | 409,
    message: string,
    public field?: string,
  ) {
    super(message)
    this.name = 'TeamError'
  }
}


/** Roles that can be team members: the people who work tickets. */
export const TEAM_MEMBER_ROLES = ROLES.filter((role) => hasPermission(role, 'update:ticket'))

function requirePermission(actor: TeamActor, permission: Permission) {
  if (!hasPermission(actor.role, permission)) {
    throw new TeamError(403, `You need the "${permission}" permission to change teams. Your role (${actor.role}) does not include it.`)
  }
}

function cleanName(name: string) {
  const value = name.trim().replace(/\s+/g, ' ')
  if (value.length === 0) throw new TeamError(400, 'Give the team a name.', 'name')
  if (value.length > TEAM_NAME_MAX) throw new TeamError(400, `Team names are at most ${TEAM_NAME_MAX} characters.`, 'name')
  return value
}

/** Teams for menus (assign to a team, filter by team), by name. */
export function listTeamOptions(db: Db = prisma) {
  return db.team.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true } })
}

/** The teams page: each team with its members and its unsolved ticket count. */
export async function listTeams() {
  const teams = await prisma.team.findMany({
    orderBy: { name: 'asc' },
    select: {
      id: true,
      name: true,
      version: true,
      members: { orderBy: { user: { name: 'asc' } }, select: { user: { select: { id: true, name: true, role: true, disabledAt: true } } } },
    },
  })
  const open = await prisma.ticket.groupBy({
    by: ['teamId'],
    where: { teamId: { in: teams.map((team) => team.id) }, status: { in: ['new', 'open', 'pending', 'on_hold'] } },
    _count: { _all: true },
  })
  const openByTeam = new Map(open.map((row) => [row.teamId, row._count._all]))
  return teams.map((team) => ({
    id: team.id,
    name: team.name,
    version: team.version,
    openTickets: openByTeam.get(team.id) ?? 0,
    members: team.members.map((member) => ({ id: member.user.id, name: member.user.name, role: member.user.role, disabled: member.user.disabledAt !== null })),
  }))
}

/** The ids of the teams `userId` belongs to. */
export async function teamIdsOf(userId: string, db: Db = prisma) {
  const rows = await db.teamMember.findMany({ where: { userId }, select: { teamId: true } })
  return rows.map((row) => row.teamId)
}

/** The active members of a team who can work tickets (the team's round-robin pool before presence). */
export async function teamAgentIds(db: Db, teamId: string) {
  const rows = await db.teamMember.findMany({
    where: { teamId, user: { disabledAt: null, role: { in: TEAM_MEMBER_ROLES } } },
    select: { userId: true },
  })
  return rows.map((row) => row.userId)
}

async function requireMembers(db: Db, userIds: readonly string[]) {
  const unique = [...new Set(userIds)]
  if (unique.length === 0) return unique
  const found = await db.user.findMany({ where: { id: { in: unique }, disabledAt: null, role: { in: TEAM_MEMBER_ROLES } }, select: { id: true } })
  if (found.length !== unique.length) throw new TeamError(400, 'Members must be active people who work tickets (support agents or admins).', 'members')
  return unique
}

function uniqueNameError(error: unknown, name: string): never {
  if (error && typeof error === 'object' && 'code' in error && (error as { code: string }).code === 'P2002') {
    throw new TeamError(409, `There is already a team called “${name}”.`, 'name')
  }
  throw error
}

export async function createTeam(input: { name: string; memberIds?: string[] }, ctx: { actor: TeamActor; requestId?: string | null }) {
  requirePermission(ctx.actor, 'manage:ticket')
  const name = cleanName(input.name)
  try {
    return await prisma.$transaction(async (tx) => {
      const members = await requireMembers(tx, input.memberIds ?? [])
      const team = await tx.team.create({ data: { name, members: { create: members.map((userId) => ({ userId })) } }, select: { id: true, name: true } })
      await recordAudit(tx, { actorId: ctx.actor.id, action: 'create:team', entityType: 'team', entityId: team.id, after: { name, members }, requestId: ctx.requestId })
      return team
    })
  } catch (error) {
    uniqueNameError(error, name)
  }
}

/** Renames a team and replaces its members (the page's form sends the whole list), checked against the version shown. */
export async function updateTeam(teamId: string, input: { name: string; memberIds: string[]; expectedVersion: number }, ctx: { actor: TeamActor; requestId?: string | null }) {
  requirePermission(ctx.actor, 'manage:ticket')
  const name = cleanName(input.name)
  try {
    return await prisma.$transaction(async (tx) => {
      const before = await tx.team.findUnique({ where: { id: teamId }, select: { name: true, version: true, members: { select: { userId: true } } } })
      if (!before) throw new TeamError(404, 'There is no such team; it may have been deleted.')
      if (before.version !== input.expectedVersion) throw new TeamError(409, 'Someone changed this team since you opened the page — reload to see their change.')
      const members = await requireMembers(tx, input.memberIds)
      await tx.teamMember.deleteMany({ where: { teamId, userId: { notIn: members } } })
      await tx.teamMember.createMany({ data: members.map((userId) => ({ teamId, userId })), skipDuplicates: true })
      const team = await tx.team.update({ where: { id: teamId }, data: { name, version: { increment: 1 } }, select: { id: true, name: true, version: true } })
      await recordAudit(tx, {
        actorId: ctx.actor.id,
        action: 'update:team',
        entityType: 'team',
        entityId: teamId,
        before: { name: before.name, members: before.members.map((m) => m.userId).sort() },
        after: { name, members: [...members].sort() },
        requestId: ctx.requestId,
      })
      return team
    })
  } catch (error) {
    uniqueNameError(error, name)
  }
}

/** Deletes a team: its tickets keep their agent and lose the team (FK SET NULL). */
export async function deleteTeam(teamId: string, ctx: { actor: TeamActor; requestId?: string | null }) {
  requirePermission(ctx.actor, 'manage:ticket')
  return prisma.$transaction(async (tx) => {
    const team = await tx.team.findUnique({ where: { id: teamId }, select: { name: true } })
    if (!team) throw new TeamError(404, 'There is no such team; it may have been deleted already.')
    await tx.team.delete({ where: { id: teamId }, select: { id: true } })
    await recordAudit(tx, { actorId: ctx.actor.id, action: 'delete:team', entityType: 'team', entityId: teamId, before: { name: team.name }, requestId: ctx.requestId })
    return team
  })
}
