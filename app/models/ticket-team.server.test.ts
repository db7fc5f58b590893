import { beforeAll, describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createTicket, createUser } from '#test/factories/index.ts'
import { uniqueSuffix } from '#test/factories/faker.ts'
import { assignTicket, assignTicketRoundRobin, assignTicketTeam, autoAssignTickets, type Actor } from './ticket-actions.server.ts'
import { countTicketViews, listTickets, parseTicketListQuery } from './ticket-list.server.ts'
import { createTeam, deleteTeam, listTeams, TeamError, updateTeam } from './ticket-team.server.ts'

/**
 * Teams: membership and its rules, assignment to a team (an agent outside it is taken off), round-robin within a
 * team among its online members (its own rotation, apart from the desk-wide one), and the team views and counts.
 */

let sam: Actor
let ana: Actor
let tom: Actor
let ada: Actor
let mia: Actor
let ops: Actor

beforeAll(async () => {
  const make = async (role: Actor['role'], name: string) => ({ id: (await createUser(prisma, { role, name })).user.id, role })
  ;[sam, ana, tom, ada, mia, ops] = await Promise.all([
    make('support', 'Sam Agent'),
    make('support', 'Ana Agent'),
    make('support', 'Tom Agent'),
    make('admin', 'Ada Admin'),
    make('manager', 'Mia Manager'),
    make('operations', 'Oli Ops'),
  ])
})

const ctx = (actor: Actor) => ({ actor })
const team = async (name: string, members: Actor[]) => (await createTeam({ name: `${name} ${uniqueSuffix()}`, memberIds: members.map((m) => m.id) }, ctx(mia)))!
const unassigned = async (teamId: string | null = null) => {
  const { ticket } = await createTicket(prisma, { status: 'new', assigneeId: null })
  if (teamId) await prisma.ticket.update({ where: { id: ticket.id }, data: { teamId } })
  return ticket
}
const assigneeOf = async (id: string) => (await prisma.ticket.findUniqueOrThrow({ where: { id }, select: { assigneeId: true, teamId: true } }))

describe('managing teams', () => {
  test('managers and admins run teams; agents may not; members must be people who work tickets', async () => {
    await expect(createTeam({ name: 'Nope', memberIds: [] }, ctx(sam))).rejects.toMatchObject({ status: 403 })
    await expect(createTeam({ name: 'Ops team', memberIds: [ops.id] }, ctx(mia))).rejects.toMatchObject({ status: 400, field: 'members' })
    await expect(createTeam({ name: '   ', memberIds: [] }, ctx(mia))).rejects.toMatchObject({ status: 400, field: 'name' })
    const billing = await team('Billing', [sam, ada])
    await expect(createTeam({ name: billing.name, memberIds: [] }, ctx(ada))).rejects.toMatchObject({ status: 409, field: 'name' })

    const listed = (await listTeams()).find((t) => t.id === billing.id)!
    expect(listed.members.map((m) => m.name)).toEqual(['Ada Admin', 'Sam Agent'])
    // The whole member list replaces the old one, checked against the version the page showed.
    await updateTeam(billing.id, { name: billing.name, memberIds: [ana.id], expectedVersion: listed.version }, ctx(mia))
    await expect(updateTeam(billing.id, { name: billing.name, memberIds: [sam.id], expectedVersion: listed.version }, ctx(mia))).rejects.toMatchObject({ status: 409 })
    expect((await listTeams()).find((t) => t.id === billing.id)!.members.map((m) => m.id)).toEqual([ana.id])
    const audit = await prisma.auditLog.findMany({ where: { entityType: 'team', entityId: billing.id }, orderBy: { id: 'asc' }, select: { action: true } })
    expect(audit.map((a) => a.action)).toEqual(['create:team', 'update:team'])

    // Deleting a team leaves its tickets with their agent, without a team.
    const ticket = await unassigned(billing.id)
    await assignTicket(ticket.id, ana.id, undefined, ctx(ana))
    await deleteTeam(billing.id, ctx(mia))
    expect(await assigneeOf(ticket.id)).toEqual({ assigneeId: ana.id, teamId: null })
    expect(new TeamError(404, 'x')).toBeInstanceOf(Error)
  })
})

describe('assigning to a team', () => {
  test('an agent outside the new team is taken off; a member keeps the ticket', async () => {
    const shipping = await team('Shipping', [sam])
    const a = await unassigned()
    await assignTicket(a.id, ana.id, undefined, ctx(sam))
    await assignTicketTeam(a.id, shipping.id, undefined, ctx(sam))
    expect(await assigneeOf(a.id)).toEqual({ assigneeId: null, teamId: shipping.id })
    const b = await unassigned()
    await assignTicket(b.id, sam.id, undefined, ctx(sam))
    await assignTicketTeam(b.id, shipping.id, undefined, ctx(sam))
    expect(await assigneeOf(b.id)).toEqual({ assigneeId: sam.id, teamId: shipping.id })
    await expect(assignTicketTeam(b.id, 'no-such-team', undefined, ctx(sam))).rejects.toMatchObject({ status: 400, field: 'teamId' })
    await expect(assignTicketTeam(b.id, null, undefined, ctx(mia))).rejects.toMatchObject({ status: 403 })
  })

  test('a team ticket without an agent goes round-robin to the team’s online members only, in turn', async () => {
    // Ada (an admin) is a member: membership is the opt-in, whatever the role. Tom is online but not a member.
    const billing = await team('Billing', [sam, ada])
    const members = [sam.id, ada.id].sort()
    const online = [sam.id, ana.id, tom.id, ada.id]
    const tickets = await Promise.all([1, 2, 3].map(() => unassigned()))
    const given: string[] = []
    for (const ticket of tickets) {
      const result = await assignTicketTeam(ticket.id, billing.id, undefined, ctx(ana), { onlineAgentIds: online })
      given.push(result.autoAssignedTo!)
      expect((await assigneeOf(ticket.id)).assigneeId).toBe(result.autoAssignedTo)
    }
    expect(members).toContain(given[0])
    // Alternates between the two members, never anyone outside the team.
    expect(given[1]).toBe(members.find((id) => id !== given[0]))
    expect(given[2]).toBe(given[0])

    // Nobody from the team online: the ticket waits in the team's queue.
    const waiting = await unassigned()
    const result = await assignTicketTeam(waiting.id, billing.id, undefined, ctx(ana), { onlineAgentIds: [ana.id, tom.id] })
    expect(result.autoAssignedTo).toBeNull()
    expect(await assigneeOf(waiting.id)).toEqual({ assigneeId: null, teamId: billing.id })
    // When a member comes online, new-ticket round-robin picks it up from the team's pool.
    expect(await autoAssignTickets([waiting.id], [tom.id, sam.id])).toEqual([{ ticketId: waiting.id, assigneeId: sam.id }])
  })

  test('team rotations and the desk-wide rotation keep separate pointers', async () => {
    const returns = await team('Returns', [sam, ana])
    const pair = [sam.id, ana.id].sort()
    const first = await autoAssignTickets([(await unassigned(returns.id)).id], pair)
    // A desk-wide assignment in between (no team) must not move the team's pointer.
    await autoAssignTickets([(await unassigned()).id], [tom.id])
    const second = await autoAssignTickets([(await unassigned(returns.id)).id], pair)
    expect(second[0]!.assigneeId).toBe(pair.find((id) => id !== first[0]!.assigneeId))
  })

  test('bulk round-robin reassigns in turn among the chosen agents, respecting a ticket’s team', async () => {
    const vip = await team('VIP', [tom])
    const chosen = [sam.id, ana.id].sort()
    const a = await unassigned()
    const b = await unassigned()
    const first = await assignTicketRoundRobin(a.id, chosen, ctx(sam))
    const second = await assignTicketRoundRobin(b.id, chosen, ctx(sam))
    expect(new Set([first.assigneeId, second.assigneeId])).toEqual(new Set(chosen))
    const teamTicket = await unassigned(vip.id)
    await expect(assignTicketRoundRobin(teamTicket.id, chosen, ctx(sam))).rejects.toMatchObject({ status: 400, message: expect.stringContaining('team') })
    expect((await assignTicketRoundRobin(teamTicket.id, [...chosen, tom.id], ctx(sam))).assigneeId).toBe(tom.id)
    const solved = (await createTicket(prisma, { status: 'solved', assigneeId: sam.id })).ticket
    await expect(assignTicketRoundRobin(solved.id, chosen, ctx(sam))).rejects.toMatchObject({ status: 400 })
  })
})

describe('team views', () => {
  test('"My teams" lists the unsolved tickets of the viewer’s teams; ?team= filters; the sidebar counts each team', async () => {
    const escalations = await team('Escalations', [ana])
    const mine = await unassigned(escalations.id)
    const solved = (await createTicket(prisma, { status: 'solved', assigneeId: ana.id })).ticket
    await prisma.ticket.update({ where: { id: solved.id }, data: { teamId: escalations.id } })
    const other = await unassigned()

    const parse = (search: string) => {
      const parsed = parseTicketListQuery(new URLSearchParams(search))
      if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors))
      return parsed.query
    }
    const ids = async (search: string, viewer: Actor) => (await listTickets(parse(search), viewer)).rows.map((row) => row.id)
    const anaTeam = await ids('view=team&limit=100', ana)
    expect(anaTeam).toContain(mine.id)
    expect(anaTeam).not.toContain(solved.id)
    expect(anaTeam).not.toContain(other.id)
    expect(await ids('view=team', mia)).not.toContain(mine.id)
    expect(await ids(`view=all&team=${escalations.id}`, mia)).toEqual(expect.arrayContaining([mine.id, solved.id]))
    const row = (await listTickets(parse(`view=all&team=${escalations.id}`), mia)).rows.find((r) => r.id === mine.id)!
    expect(row).toMatchObject({ teamId: escalations.id, teamName: escalations.name })

    const counts = await countTicketViews(ana)
    expect(counts.teams.find((t) => t.id === escalations.id)).toEqual({ id: escalations.id, name: escalations.name, count: { count: 1, exact: true } })
    expect(counts.views.team.count).toBeGreaterThanOrEqual(1)
  })
})
