import type { AppLoadContext } from '@remix-run/node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createTicket } from '#test/factories/tickets.ts'
import { action as ticketAction } from '../tickets.$id/route.tsx'
import { action as listAction } from '../tickets._index/route.tsx'
import { action as slaAction, loader as slaLoader } from '../tickets.sla/route.tsx'
import { action as teamsAction, loader as teamsLoader } from '../tickets.teams.tsx'
import { loader } from './route.tsx'

/**
 * The routes added for teams, bulk on "all matching", and SLA policy admin, against the real database: each checks
 * its permission (manage:ticket for desk setup, update:ticket for bulk), bad input is a 4xx with the reason, and the
 * bulk action on a whole view becomes a tracked operation with its progress page.
 */

async function signedIn(role: Role) {
  const user = await prisma.user.create({ data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' } })
  const session = await createSession(user.id)
  return { user, cookie: (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]! }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const get = (cookie: string, path: string, params: Record<string, string> = {}) => ({ request: new Request(`http://localhost${path}`, { headers: { cookie } }), params, context })
const post = (cookie: string, path: string, fields: Record<string, string | number | string[]>, params: Record<string, string> = {}) => {
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item))
  return { request: new Request(`http://localhost${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form }), params, context }
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (response: Response): Promise<any> => response.json()
const thrownBy = async (promise: Promise<unknown>) => (await promise.then(() => null, (error: unknown) => error)) as Response

let support: Awaited<ReturnType<typeof signedIn>>
let manager: Awaited<ReturnType<typeof signedIn>>
let operations: Awaited<ReturnType<typeof signedIn>>

beforeAll(async () => {
  ;[support, manager, operations] = [await signedIn('support'), await signedIn('manager'), await signedIn('operations')]
})
afterAll(async () => {
  await closeQueues()
})

const policyForm = {
  intent: 'create',
  name: 'Route policy',
  priority: 'low',
  tag: '',
  position: '9',
  firstResponse: '2h',
  nextResponse: '4h',
  resolution: '2d',
  warningMode: 'percent',
  warningValue: '80',
  timeZone: 'Europe/Paris',
  day1: '09:00-18:00',
  day2: '09:00-18:00',
  day3: '09:00-18:00',
  day4: '09:00-18:00',
  day5: '09:00-18:00',
  day6: '',
  day0: '',
  holidays: '2026-12-25',
}

describe('desk setup: teams and SLA policies', () => {
  test('agents read teams and policies; only managers and admins change them; field errors come back with 400', async () => {
    expect((await thrownBy(teamsLoader(get(operations.cookie, '/tickets/teams')))).status).toBe(403)
    expect((await body(await teamsLoader(get(support.cookie, '/tickets/teams')))).manage).toBe(false)
    expect((await thrownBy(teamsAction(post(support.cookie, '/tickets/teams', { intent: 'create', name: 'Nope' })))).status).toBe(403)
    const created = await teamsAction(post(manager.cookie, '/tickets/teams', { intent: 'create', name: 'Route team', members: [support.user.id] }))
    expect(created.status).toBe(302)
    expect(await prisma.team.findUniqueOrThrow({ where: { name: 'Route team' }, select: { members: { select: { userId: true } } } })).toEqual({ members: [{ userId: support.user.id }] })
    const duplicate = await teamsAction(post(manager.cookie, '/tickets/teams', { intent: 'create', name: 'Route team' }))
    expect(duplicate.status).toBe(409)

    expect((await body(await slaLoader(get(support.cookie, '/tickets/sla')))).manage).toBe(false)
    expect((await thrownBy(slaAction(post(support.cookie, '/tickets/sla', policyForm)))).status).toBe(403)
    const bad = await slaAction(post(manager.cookie, '/tickets/sla', { ...policyForm, resolution: '2d' }))
    expect(bad.status).toBe(400)
    expect((await body(bad)).fieldErrors).toEqual({ resolution: expect.stringContaining('duration') })
    expect((await slaAction(post(manager.cookie, '/tickets/sla', { ...policyForm, resolution: '48h' }))).status).toBe(302)
    const page = await body(await slaLoader(get(manager.cookie, '/tickets/sla')))
    expect(page.policies.find((policy: { name: string }) => policy.name === 'Route policy')).toMatchObject({
      priority: 'low',
      resolutionMinutes: 48 * 60,
      warningPercent: 80,
      calendar: { timeZone: 'Europe/Paris', holidays: ['2026-12-25'] },
    })
  })
})

describe('tickets: team intent and bulk on all matching', () => {
  test('the ticket page sets a team (version-checked); a manager may not', async () => {
    const team = await prisma.team.create({ data: { name: `Page team ${crypto.randomUUID()}` } })
    const { ticket } = await createTicket(prisma, { status: 'open', assigneeId: support.user.id })
    const refused = await ticketAction(post(manager.cookie, `/tickets/${ticket.id}`, { intent: 'team', expectedVersion: 1, teamId: team.id }, { id: ticket.id })).catch((error: Response) => error)
    expect(refused.status).toBe(403)
    const response = await ticketAction(post(support.cookie, `/tickets/${ticket.id}`, { intent: 'team', expectedVersion: 1, teamId: team.id }, { id: ticket.id }))
    expect(response.status).toBe(302)
    // The agent is not in the team: taken off; nobody online (no socket server here): it waits in the team's queue.
    expect(await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id }, select: { teamId: true, assigneeId: true } })).toEqual({ teamId: team.id, assigneeId: null })
    const stale = await ticketAction(post(support.cookie, `/tickets/${ticket.id}`, { intent: 'team', expectedVersion: 1, teamId: '' }, { id: ticket.id }))
    expect(stale.status).toBe(409)
  })

  test('"close all matching" creates a tracked operation and goes to its progress page; its loader shows it to its starter only', async () => {
    const tag = `route-bulk-${Date.now()}`
    for (let i = 0; i < 3; i++) {
      const { ticket } = await createTicket(prisma, { status: 'open', assigneeId: support.user.id })
      await prisma.ticket.update({ where: { id: ticket.id }, data: { tags: [tag] } })
    }
    const response = await listAction(post(support.cookie, '/tickets', { intent: 'bulk', op: 'close', scope: 'query', query: `view=open&tag=${tag}`, back: `/tickets?view=open&tag=${tag}` }))
    expect(response.status).toBe(302)
    const location = response.headers.get('location')!
    expect(location).toMatch(/^\/tickets\/bulk\/[\w-]+$/)
    const id = location.split('/').at(-1)!
    expect(await prisma.bulkOperation.findUniqueOrThrow({ where: { id }, select: { area: true, kind: true, total: true, status: true } })).toEqual({ area: 'tickets', kind: 'close', total: 3, status: 'queued' })
    const page = await body(await loader(get(support.cookie, location, { id })))
    expect(page.operation).toMatchObject({ kind: 'close', selection: { kind: 'query' } })
    expect(page.progress).toMatchObject({ total: 3, processed: 0 })
    const other = await signedIn('support')
    expect((await thrownBy(loader(get(other.cookie, location, { id })))).status).toBe(404)
    // Solve on all matching is refused (only close), and nothing is created.
    const solve = await listAction(post(support.cookie, '/tickets', { intent: 'bulk', op: 'solve', scope: 'query', query: `tag=${tag}`, back: '/tickets' }))
    expect(solve.headers.get('location')).toBe('/tickets')
    expect(await prisma.bulkOperation.count({ where: { area: 'tickets', actorId: support.user.id } })).toBe(1)
  })
})
