import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SlaMetric, TicketPriority, TicketStatus } from '#app/generated/prisma/enums.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { BusinessCalendar } from './business-hours.ts'
import { getClockHistory, sweepSlaClocks } from './clock.server.ts'
import { getTicketSlaStatus, listActiveSlaPolicies, matchSlaPolicy, recordTicketSlaEvent, type TicketSlaEventKind } from './ticket-sla.server.ts'

/**
 * The ticket rules of the SLA engine against the real database, with a fixed clock (every `at` is given). Reference
 * week: Mon 23 … Fri 27 Nov 2026, Mon 30 Nov; London is on GMT (= UTC) then, so 09:00 local is 09:00Z. Policies
 * count on a Mon–Fri 09:00–17:00 London calendar. Every expected instant below is computed by hand in its comment.
 */

const at = (iso: string) => new Date(iso)
const H = 60
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }]
const LONDON_9_5: BusinessCalendar = {
  timeZone: 'Europe/London',
  weekly: { 0: [], 1: NINE_TO_FIVE, 2: NINE_TO_FIVE, 3: NINE_TO_FIVE, 4: NINE_TO_FIVE, 5: NINE_TO_FIVE, 6: [] },
  holidays: ['2026-12-25'],
}

const policy = { vip: '', urgent: '', normal: '', inactive: '' }

beforeAll(async () => {
  const create = async (data: { name: string; priority: TicketPriority | null; tag: string | null; position: number; first: number; next: number; resolution: number; isActive?: boolean }) =>
    (
      await prisma.slaPolicy.create({
        data: {
          name: data.name,
          priority: data.priority,
          tag: data.tag,
          position: data.position,
          firstResponseMinutes: data.first,
          nextResponseMinutes: data.next,
          resolutionMinutes: data.resolution,
          calendar: LONDON_9_5,
          isActive: data.isActive ?? true,
        },
        select: { id: true },
      })
    ).id
  policy.inactive = await create({ name: 'Old catch-all', priority: null, tag: null, position: -1, first: 1, next: 1, resolution: 1, isActive: false })
  policy.vip = await create({ name: 'VIP', priority: null, tag: 'vip', position: 0, first: 30, next: 60, resolution: 4 * H })
  policy.urgent = await create({ name: 'Urgent', priority: 'urgent', tag: null, position: 1, first: 2 * H, next: 2 * H, resolution: 8 * H })
  policy.normal = await create({ name: 'Normal', priority: 'normal', tag: null, position: 2, first: 4 * H, next: 8 * H, resolution: 24 * H })
})

afterAll(async () => {
  await closeQueues()
})

let counter = 0
async function newTicket(input: { createdAt: string; priority?: TicketPriority; tags?: string[]; status?: TicketStatus }) {
  const ticket = await prisma.ticket.create({
    data: {
      subject: `SLA case ${++counter}`,
      requesterEmail: 'sla-case@example.com',
      requesterName: 'Sam Case',
      priority: input.priority ?? 'normal',
      tags: input.tags ?? [],
      status: input.status ?? 'new',
      createdAt: at(input.createdAt),
    },
    select: { id: true },
  })
  await act(ticket.id, 'created', input.createdAt)
  return ticket.id
}

/** One ticket action: the ticket change and the SLA event in one transaction, as the tickets actions do. */
async function act(
  ticketId: string,
  kind: TicketSlaEventKind,
  when: string,
  change: { status?: TicketStatus; priority?: TicketPriority; tags?: string[]; firstResponseAt?: Date } = {},
) {
  await prisma.$transaction(async (tx) => {
    if (Object.keys(change).length) await tx.ticket.update({ where: { id: ticketId }, data: change, select: { id: true } })
    await recordTicketSlaEvent(tx, { ticketId, kind, at: at(when) })
  })
}

async function agentReply(ticketId: string, when: string, status: TicketStatus = 'open') {
  const { firstResponseAt } = await prisma.ticket.findUniqueOrThrow({ where: { id: ticketId }, select: { firstResponseAt: true } })
  await act(ticketId, 'agent_public_reply', when, { status, firstResponseAt: firstResponseAt ?? at(when) })
}

async function clocks(ticketId: string) {
  const rows = await prisma.appliedSla.findMany({ where: { subjectType: 'ticket', subjectId: ticketId } })
  return Object.fromEntries(rows.map((row) => [row.metric, row])) as Partial<Record<SlaMetric, (typeof rows)[number]>>
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : d)

describe('policy matching', () => {
  test('by priority and tag, most specific first by position; inactive policies never match', async () => {
    const active = await listActiveSlaPolicies(prisma)
    expect(active.map((p) => p.name)).toEqual(['VIP', 'Urgent', 'Normal'])
    expect(matchSlaPolicy(active, { priority: 'normal', tags: [] })?.id).toBe(policy.normal)
    expect(matchSlaPolicy(active, { priority: 'urgent', tags: ['billing'] })?.id).toBe(policy.urgent)
    // The VIP tag policy comes first by position, whatever the priority.
    expect(matchSlaPolicy(active, { priority: 'urgent', tags: ['vip'] })?.id).toBe(policy.vip)
    // No policy for low priority: no SLA.
    expect(matchSlaPolicy(active, { priority: 'low', tags: [] })).toBeNull()
  })

  test('at the same position the more specific policy wins (priority + tag over priority alone)', () => {
    const policies = [
      { id: 'any-normal', priority: 'normal' as const, tag: null, position: 5 },
      { id: 'normal-refund', priority: 'normal' as const, tag: 'refund', position: 5 },
    ]
    expect(matchSlaPolicy(policies, { priority: 'normal', tags: ['refund'] })?.id).toBe('normal-refund')
    expect(matchSlaPolicy(policies, { priority: 'normal', tags: [] })?.id).toBe('any-normal')
  })
})

describe('a ticket’s clocks', () => {
  test('created: first response and resolution deadlines in business hours, warning at 75 %', async () => {
    // Mon 16:00 + 4 h: Mon 16–17 (1 h), Tue 09–12 (3 h) → Tue 12:00. Warning at 3 h → Tue 11:00.
    // Resolution 24 h: Mon 1 + Tue 8 + Wed 8 = 17 h, Thu 09–16 (7 h) → Thu 16:00. Warning at 18 h → Thu 10:00.
    const id = await newTicket({ createdAt: '2026-11-23T16:00:00Z' })
    const c = await clocks(id)
    expect(Object.keys(c).sort()).toEqual(['first_response', 'resolution'])
    expect(c.first_response).toMatchObject({ policyId: policy.normal, targetMinutes: 4 * H, warnAfterMinutes: 3 * H, ticketId: id })
    expect(iso(c.first_response!.startedAt)).toBe('2026-11-23T16:00:00.000Z')
    expect(iso(c.first_response!.dueAt)).toBe('2026-11-24T12:00:00.000Z')
    expect(iso(c.first_response!.warningAt)).toBe('2026-11-24T11:00:00.000Z')
    expect(iso(c.resolution!.dueAt)).toBe('2026-11-26T16:00:00.000Z')
    expect(iso(c.resolution!.warningAt)).toBe('2026-11-26T10:00:00.000Z')
    // Calling again for the same moment changes nothing (idempotent).
    await act(id, 'status_changed', '2026-11-23T16:00:00Z')
    expect((await clocks(id)).first_response!.version).toBe(c.first_response!.version)
    expect((await getClockHistory(prisma, 'ticket', id)).map((e) => e.kind)).toEqual(['started', 'started'])
  })

  test('pending pauses every running clock; back to open resumes them and the deadlines move by the paused business time', async () => {
    const id = await newTicket({ createdAt: '2026-11-23T16:00:00Z' })
    // Pending on Tue 10:00: first response has used Mon 16–17 + Tue 09–10 = 2 h of its 4 h.
    await act(id, 'status_changed', '2026-11-24T10:00:00Z', { status: 'pending' })
    let c = await clocks(id)
    for (const clock of [c.first_response!, c.resolution!]) {
      expect(iso(clock.pausedAt)).toBe('2026-11-24T10:00:00.000Z')
      expect(clock.warningAt).toBeNull()
    }
    // While paused the deadline is the one it had when it paused, and the countdown stands still at 2 h.
    expect(iso(c.first_response!.dueAt)).toBe('2026-11-24T12:00:00.000Z')
    const frozen = (await getTicketSlaStatus(prisma, [id], at('2026-11-25T16:00:00Z'))).get(id)!
    expect(frozen.find((x) => x.metric === 'first_response')!.remainingMinutes).toBe(2 * H)
    // The deadline passes while paused: the sweep (over every clock in the database) records nothing for this one.
    await sweepSlaClocks(at('2026-11-25T16:00:00Z'), { horizonMs: 0 })
    c = await clocks(id)
    expect([c.first_response!.breachedAt, c.first_response!.warnedAt, c.resolution!.breachedAt]).toEqual([null, null, null])

    // Open again on Wed 15:00. Paused business time: Tue 10–17 (7 h) + Wed 09–15 (6 h) = 13 h.
    // First response: 2 h left from Wed 15:00 → Wed 17:00. Resolution: 22 h left: Wed 15–17 (2), Thu (8), Fri (8),
    // Mon 30 Nov 09–13 (4) → Mon 13:00.
    await act(id, 'status_changed', '2026-11-25T15:00:00Z', { status: 'open' })
    c = await clocks(id)
    expect(c.first_response).toMatchObject({ pausedAt: null, pausedMinutes: 13 * H, breachedAt: null })
    expect(iso(c.first_response!.dueAt)).toBe('2026-11-25T17:00:00.000Z')
    // Warning at 3 h of 4: 1 h after the resume → Wed 16:00.
    expect(iso(c.first_response!.warningAt)).toBe('2026-11-25T16:00:00.000Z')
    expect(iso(c.resolution!.dueAt)).toBe('2026-11-30T13:00:00.000Z')
    expect(c.first_response!.pauses).toEqual([{ from: '2026-11-24T10:00:00.000Z', to: '2026-11-25T15:00:00.000Z' }])

    // On hold pauses the same way.
    await act(id, 'status_changed', '2026-11-25T16:30:00Z', { status: 'on_hold' })
    expect(iso((await clocks(id)).first_response!.pausedAt)).toBe('2026-11-25T16:30:00.000Z')
    expect((await getClockHistory(prisma, 'ticket', id)).filter((e) => e.metric === 'first_response').map((e) => e.kind)).toEqual([
      'started',
      'paused',
      'resumed',
      'paused',
    ])
  })

  test('the first public agent reply satisfies first response; the customer writing again starts next response, which restarts after each reply', async () => {
    const id = await newTicket({ createdAt: '2026-11-23T09:00:00Z' })
    // A customer message before any agent reply starts nothing.
    await act(id, 'customer_message', '2026-11-23T09:30:00Z')
    expect((await clocks(id)).next_response).toBeUndefined()

    await agentReply(id, '2026-11-23T10:00:00Z')
    let c = await clocks(id)
    expect(iso(c.first_response!.satisfiedAt)).toBe('2026-11-23T10:00:00.000Z')
    expect(c.first_response!.breachedAt).toBeNull()
    expect(c.resolution!.satisfiedAt).toBeNull()

    // Customer writes Mon 11:00 → next response 8 h: Mon 11–17 (6 h) + Tue 09–11 → Tue 11:00.
    await act(id, 'customer_message', '2026-11-23T11:00:00Z')
    c = await clocks(id)
    expect(iso(c.next_response!.startedAt)).toBe('2026-11-23T11:00:00.000Z')
    expect(iso(c.next_response!.dueAt)).toBe('2026-11-24T11:00:00.000Z')
    // A second customer message before the agent answers does not move it.
    await act(id, 'customer_message', '2026-11-23T11:20:00Z')
    expect(iso((await clocks(id)).next_response!.startedAt)).toBe('2026-11-23T11:00:00.000Z')

    await agentReply(id, '2026-11-23T12:00:00Z')
    expect(iso((await clocks(id)).next_response!.satisfiedAt)).toBe('2026-11-23T12:00:00.000Z')
    // First response stays satisfied at the first reply.
    expect(iso((await clocks(id)).first_response!.satisfiedAt)).toBe('2026-11-23T10:00:00.000Z')

    // Customer writes again Tue 16:00 → a new run: Tue 16–17 (1 h) + Wed 09–16 (7 h) → Wed 16:00.
    await act(id, 'customer_message', '2026-11-24T16:00:00Z')
    c = await clocks(id)
    expect(c.next_response).toMatchObject({ satisfiedAt: null, breachedAt: null, warnedAt: null, pausedMinutes: 0 })
    expect(iso(c.next_response!.startedAt)).toBe('2026-11-24T16:00:00.000Z')
    expect(iso(c.next_response!.dueAt)).toBe('2026-11-25T16:00:00.000Z')
    expect((await getClockHistory(prisma, 'ticket', id)).filter((e) => e.metric === 'next_response').map((e) => e.kind)).toEqual([
      'started',
      'satisfied',
      'restarted',
    ])
  })

  test('a reply after the deadline satisfies the clock and records the breach at the deadline', async () => {
    // Mon 09:00 + 4 h → Mon 13:00; the agent replies at 14:00.
    const id = await newTicket({ createdAt: '2026-11-23T09:00:00Z' })
    await agentReply(id, '2026-11-23T14:00:00Z')
    const c = await clocks(id)
    expect(iso(c.first_response!.satisfiedAt)).toBe('2026-11-23T14:00:00.000Z')
    expect(iso(c.first_response!.breachedAt)).toBe('2026-11-23T13:00:00.000Z')
    const breaches = (await getClockHistory(prisma, 'ticket', id)).filter((e) => e.kind === 'breached')
    expect(breaches.map((e) => [e.metric, iso(e.at)])).toEqual([['first_response', '2026-11-23T13:00:00.000Z']])
  })

  test('solving satisfies every running clock; a reopened ticket reopens resolution (the solved time is a pause) and starts next response', async () => {
    const id = await newTicket({ createdAt: '2026-11-23T09:00:00Z' })
    await agentReply(id, '2026-11-23T10:00:00Z')
    await act(id, 'status_changed', '2026-11-23T12:00:00Z', { status: 'solved' })
    let c = await clocks(id)
    expect(iso(c.resolution!.satisfiedAt)).toBe('2026-11-23T12:00:00.000Z')
    // Resolution was due Mon 09:00 + 24 h = Wed 17:00.
    expect(iso(c.resolution!.dueAt)).toBe('2026-11-25T17:00:00.000Z')

    // The customer answers Tue 10:00 and the ticket reopens. Stopped business time: Mon 12–17 (5 h) + Tue 09–10 (1 h)
    // = 6 h → resolution due Wed 17:00 + 6 h = Thu 15:00. Next response from Tue 10:00 + 8 h → Wed 10:00.
    await act(id, 'customer_message', '2026-11-24T10:00:00Z', { status: 'open' })
    c = await clocks(id)
    expect(c.resolution).toMatchObject({ satisfiedAt: null, pausedAt: null, pausedMinutes: 6 * H })
    expect(iso(c.resolution!.dueAt)).toBe('2026-11-26T15:00:00.000Z')
    expect(iso(c.next_response!.dueAt)).toBe('2026-11-25T10:00:00.000Z')
    expect((await getClockHistory(prisma, 'ticket', id)).filter((e) => e.metric === 'resolution').map((e) => e.kind)).toEqual([
      'started',
      'satisfied',
      'reopened',
    ])
    // Closing satisfies again.
    await act(id, 'status_changed', '2026-11-24T11:00:00Z', { status: 'closed' })
    c = await clocks(id)
    expect(Object.values(c).every((clock) => clock!.satisfiedAt !== null)).toBe(true)
  })

  test('a policy may warn N business minutes before the deadline instead of at a share of the target', async () => {
    await prisma.slaPolicy.update({ where: { id: policy.urgent }, data: { warningMinutesBefore: 20 } })
    try {
      // Urgent: first response 2 h from Mon 16:30 → Mon 16:30–17:00 (30 min) + Tue 09:00–10:30 → Tue 10:30; warning
      // 20 business minutes before: Tue 10:10. Resolution 8 h → Mon 30 min + Tue 09:00–16:30 → Tue 16:30; warning 16:10.
      const id = await newTicket({ createdAt: '2026-11-23T16:30:00Z', priority: 'urgent' })
      const c = await clocks(id)
      expect([iso(c.first_response!.dueAt), iso(c.first_response!.warningAt)]).toEqual(['2026-11-24T10:30:00.000Z', '2026-11-24T10:10:00.000Z'])
      expect([iso(c.resolution!.dueAt), iso(c.resolution!.warningAt)]).toEqual(['2026-11-24T16:30:00.000Z', '2026-11-24T16:10:00.000Z'])
    } finally {
      await prisma.slaPolicy.update({ where: { id: policy.urgent }, data: { warningMinutesBefore: null } })
    }
  })

  test('a ticket created pending starts with its clocks paused', async () => {
    const id = await newTicket({ createdAt: '2026-11-23T09:00:00Z', status: 'pending' })
    const c = await clocks(id)
    expect(iso(c.first_response!.pausedAt)).toBe('2026-11-23T09:00:00.000Z')
    expect(iso(c.resolution!.pausedAt)).toBe('2026-11-23T09:00:00.000Z')
  })

  test('a priority or tag change re-matches the policy (targets from the original start); no policy cancels the running clocks', async () => {
    const id = await newTicket({ createdAt: '2026-11-23T09:00:00Z' })
    // Urgent at Mon 10:00: first response 2 h from Mon 09:00 → 11:00; resolution 8 h → Mon 17:00.
    await act(id, 'priority_or_tags_changed', '2026-11-23T10:00:00Z', { priority: 'urgent' })
    let c = await clocks(id)
    expect(c.first_response).toMatchObject({ policyId: policy.urgent, targetMinutes: 2 * H })
    expect(iso(c.first_response!.dueAt)).toBe('2026-11-23T11:00:00.000Z')
    expect(iso(c.resolution!.dueAt)).toBe('2026-11-23T17:00:00.000Z')

    // VIP tag at 10:00 as well: first response 30 min → Mon 09:30, already past: the sweep breaches it at 09:30.
    await act(id, 'priority_or_tags_changed', '2026-11-23T10:00:00Z', { tags: ['vip'] })
    c = await clocks(id)
    expect(c.first_response!.policyId).toBe(policy.vip)
    expect(iso(c.first_response!.dueAt)).toBe('2026-11-23T09:30:00.000Z')
    expect(c.first_response!.breachedAt).toBeNull()
    await sweepSlaClocks(at('2026-11-23T10:00:01Z'), { horizonMs: 0 })
    expect(iso((await clocks(id)).first_response!.breachedAt)).toBe('2026-11-23T09:30:00.000Z')
    expect((await getTicketSlaStatus(prisma, [id], at('2026-11-23T10:00:01Z'))).get(id)!.map((x) => x.metric)).toEqual(['first_response', 'resolution'])

    // Low priority and no tag: no policy matches, running clocks go (their history stays).
    await act(id, 'priority_or_tags_changed', '2026-11-23T10:30:00Z', { priority: 'low', tags: [] })
    expect(await clocks(id)).toEqual({})
    const history = await getClockHistory(prisma, 'ticket', id)
    expect(history.filter((e) => e.kind === 'cancelled').map((e) => e.metric).sort()).toEqual(['first_response', 'resolution'])
    expect(history.filter((e) => e.kind === 'breached')).toHaveLength(1)
    expect(await getTicketSlaStatus(prisma, [id])).toEqual(new Map())
  })
})
