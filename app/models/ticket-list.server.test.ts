import { beforeAll, describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder, createTicket, createUser } from '#test/factories/index.ts'
import { classifyTicketSearch, countTicketViews, listTickets, parseTicketListQuery, type TicketListQuery } from './ticket-list.server.ts'

/**
 * Views, counts, search and keyset pages on a small, fully known set of tickets (this file's own database).
 */

let me: { id: string }
let other: { id: string }
const ids: Record<string, string> = {}
const now = new Date('2026-11-25T12:00:00Z')
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000)

beforeAll(async () => {
  me = (await createUser(prisma, { role: 'support', name: 'Me Agent' })).user
  other = (await createUser(prisma, { role: 'support', name: 'Other Agent' })).user
  const { order } = await createOrder(prisma, { number: '#424242' })
  const make = async (key: string, input: Parameters<typeof createTicket>[1], extra: { tags?: string[]; updatedAt?: Date } = {}) => {
    const { ticket } = await createTicket(prisma, { now, ...input })
    await prisma.ticket.update({ where: { id: ticket.id }, data: { tags: extra.tags ?? [], updatedAt: extra.updatedAt ?? minutesAgo(Object.keys(ids).length + 1) } })
    ids[key] = ticket.id
  }
  await make('mineOpen', { status: 'open', assigneeId: me.id, priority: 'urgent', subject: 'Parcel crushed in transit' }, { tags: ['damaged'] })
  await make('minePending', { status: 'pending', assigneeId: me.id, subject: 'Waiting for photos' })
  await make('otherOpen', { status: 'open', assigneeId: other.id, order: { id: order.id, number: order.number }, subject: 'Where is it' }, { tags: ['damaged', 'vip'] })
  await make('unassigned', { status: 'new', assigneeId: null, subject: 'Sizing question' })
  await make('solved', { status: 'solved', assigneeId: me.id, subject: 'Thanks all sorted' })
  await prisma.ticketMessage.create({ data: { ticketId: ids.unassigned!, kind: 'public_reply', fromCustomer: true, body: 'the zebra-striped scarf is too short' } })
  // SLA clocks (the SLA engine writes these): one breached, one due in 30 minutes, one paused.
  const policy = await prisma.$queryRaw<{ id: string }[]>`INSERT INTO "SlaPolicy" (id, name, "firstResponseMinutes", "nextResponseMinutes", "resolutionMinutes", calendar, "updatedAt")
    VALUES ('pol-test', 'Test', 60, 60, 600, '{}'::jsonb, now()) RETURNING id`
  // Columns the SLA engine's own migrations require get neutral values (this test only reads dueAt/pausedAt/breachedAt).
  const required = await prisma.$queryRaw<{ column_name: string; data_type: string }[]>`
    SELECT column_name::text AS column_name, data_type::text AS data_type FROM information_schema.columns
     WHERE table_name = 'AppliedSla' AND is_nullable = 'NO' AND column_default IS NULL
       AND column_name NOT IN ('id', 'policyId', 'subjectType', 'subjectId', 'metric', 'startedAt', 'dueAt', 'updatedAt')`
  const neutral = (type: string) => (type.includes('json') ? `'{}'::jsonb` : type.includes('int') || type === 'numeric' ? '1' : type.includes('time') ? 'now()' : type === 'ARRAY' ? `'{}'` : `''`)
  const clock = (ticketId: string, dueAt: Date, paused: boolean) =>
    prisma.$executeRawUnsafe(
      `INSERT INTO "AppliedSla" (id, "policyId", "ticketId", "subjectType", "subjectId", metric, "startedAt", "dueAt", "updatedAt", "pausedAt"${required.map((c) => `, "${c.column_name}"`).join('')})
       VALUES ($1, $2, $3, 'ticket', $3, 'first_response', $4, $5, now(), ${paused ? '$4' : 'NULL'}${required.map((c) => `, ${neutral(c.data_type)}`).join('')})`,
      `clk-${ticketId}`,
      policy[0]!.id,
      ticketId,
      minutesAgo(120),
      dueAt,
    )
  await clock(ids.otherOpen!, minutesAgo(5), false)
  await clock(ids.mineOpen!, new Date(now.getTime() + 30 * 60_000), false)
  await clock(ids.minePending!, minutesAgo(10), true)
})

const query = (search: string): TicketListQuery => {
  const parsed = parseTicketListQuery(new URLSearchParams(search))
  if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors))
  return parsed.query
}
const listIds = async (search: string) => (await listTickets(query(search), me, now)).rows.map((row) => row.id)

describe('views', () => {
  test('each built-in view lists what it says, newest update first', async () => {
    expect(await listIds('view=mine')).toEqual([ids.mineOpen, ids.minePending])
    expect(await listIds('view=unassigned')).toEqual([ids.unassigned])
    expect(await listIds('view=open')).toEqual([ids.mineOpen, ids.minePending, ids.otherOpen, ids.unassigned])
    expect(await listIds('view=pending')).toEqual([ids.minePending])
    expect(await listIds('view=breached')).toEqual([ids.otherOpen])
    expect(await listIds('view=breaching')).toEqual([ids.mineOpen])
    expect(await listIds('view=all')).toHaveLength(5)
    expect(await listIds('view=open&priority=urgent')).toEqual([ids.mineOpen])
    expect(await listIds('view=open&tag=vip')).toEqual([ids.otherOpen])
  })

  test('counts per view, per priority, per tag and for saved views, in one statement', async () => {
    const counts = await countTicketViews(me, [{ id: 'v1', search: 'view=open&tag=damaged' }, { id: 'bad', search: 'view=nope' }], now)
    expect(counts.views).toMatchObject({ mine: { count: 2, exact: true }, unassigned: { count: 1 }, open: { count: 4 }, pending: { count: 1 }, breached: { count: 1 }, breaching: { count: 1 }, all: { count: 5 } })
    expect(counts.priorities.urgent).toEqual({ count: 1, exact: true })
    expect(counts.tags).toEqual([
      { tag: 'damaged', count: { count: 2, exact: true } },
      { tag: 'vip', count: { count: 1, exact: true } },
    ])
    expect(counts.custom).toEqual({ v1: { count: 2, exact: true } })
    // Capped: above the cap the count says "at least".
    const capped = await countTicketViews(me, [], now, 3)
    expect(capped.views.all).toEqual({ count: 3, exact: false })
  })
})

describe('search and pages', () => {
  test('by subject or message words, requester email, ticket number or order number', async () => {
    expect(await listIds('view=all&q=crushed')).toEqual([ids.mineOpen])
    expect(await listIds('view=all&q=zebra-striped')).toEqual([ids.unassigned])
    expect(await listIds('view=all&q=424242')).toEqual([ids.otherOpen])
    const ticket = await prisma.ticket.findUniqueOrThrow({ where: { id: ids.solved! }, select: { number: true, requesterEmail: true } })
    expect(await listIds(`view=all&q=${encodeURIComponent(ticket.requesterEmail)}`)).toContain(ids.solved)
    expect(await listIds(`view=all&q=%23${String(ticket.number).padStart(3, '0')}`)).toContain(ids.solved)
    expect(classifyTicketSearch('ab')).toEqual({ error: expect.stringContaining('at least 3') })
  })

  test('keyset pages: the next page starts after the last row, with no overlap', async () => {
    const first = await listTickets({ ...query('view=all'), limit: 25 }, me, now)
    expect(first.nextCursor).toBeNull()
    const small = { ...query('view=all'), limit: 2 }
    const page1 = await listTickets(small, me, now)
    const page2 = await listTickets({ ...small, after: page1.nextCursor! }, me, now)
    const page3 = await listTickets({ ...small, after: page2.nextCursor! }, me, now)
    expect([...page1.rows, ...page2.rows, ...page3.rows].map((row) => row.id)).toEqual(first.rows.map((row) => row.id))
    expect(page3.nextCursor).toBeNull()
    // "Previous" from the last page reads the middle page again; from the second page, the first (no further back).
    const back = await listTickets({ ...small, before: page3.prevCursor! }, me, now)
    expect(back.rows.map((row) => row.id)).toEqual(page2.rows.map((row) => row.id))
    const first2 = await listTickets({ ...small, before: page2.prevCursor! }, me, now)
    expect(first2.rows.map((row) => row.id)).toEqual(page1.rows.map((row) => row.id))
    expect(first2.prevCursor).toBeNull()
    expect(first2.nextCursor).toBe(page1.nextCursor)
    expect(page1.prevCursor).toBeNull()
  })

  test('bad params are field errors, never a crash', () => {
    expect(parseTicketListQuery(new URLSearchParams('view=bogus&status=lost&limit=7&after=%%%&q=a'))).toEqual({
      errors: { view: expect.any(String), status: expect.any(String), limit: 'Choose 25, 50 or 100', after: expect.stringContaining('not valid') },
    })
    expect(parseTicketListQuery(new URLSearchParams('q=ab'))).toEqual({ errors: { q: expect.stringContaining('at least 3') } })
  })
})
