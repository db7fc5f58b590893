import { afterAll, beforeAll, expect, test } from 'vitest'
import type { TicketStatus } from '#app/generated/prisma/enums.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { sweepSlaClocks } from './clock.server.ts'
import { seedTicketClocks, type SeedTicketHistory } from './seed-clocks.server.ts'
import { recordTicketSlaEvent, type TicketSlaEventKind } from './ticket-sla.server.ts'

/**
 * The demo seed's in-memory replay and the app's database path are the same engine: one ticket history replayed
 * both ways gives the same clocks and the same history.
 */

const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }]
const at = (iso: string) => new Date(iso)

beforeAll(async () => {
  await prisma.slaPolicy.create({
    data: {
      name: 'Normal',
      priority: 'normal',
      firstResponseMinutes: 240,
      nextResponseMinutes: 480,
      resolutionMinutes: 1440,
      calendar: { timeZone: 'Europe/London', weekly: { 0: [], 1: NINE_TO_FIVE, 2: NINE_TO_FIVE, 3: NINE_TO_FIVE, 4: NINE_TO_FIVE, 5: NINE_TO_FIVE, 6: [] }, holidays: [] },
    },
  })
})
afterAll(async () => {
  await closeQueues()
})

async function newTicket(status: TicketStatus, firstResponseAt: Date | null) {
  return (
    await prisma.ticket.create({
      data: { subject: 'Seed replay', requesterEmail: 'replay@example.com', requesterName: 'Rae Play', status, firstResponseAt, createdAt: at('2026-11-23T09:00:00Z') },
      select: { id: true },
    })
  ).id
}

const comparable = async (ticketId: string) => ({
  clocks: await prisma.appliedSla.findMany({
    where: { subjectId: ticketId },
    orderBy: { metric: 'asc' },
    select: { metric: true, policyId: true, targetMinutes: true, startedAt: true, dueAt: true, warningAt: true, pausedAt: true, pausedMinutes: true, pauses: true, warnedAt: true, breachedAt: true, satisfiedAt: true },
  }),
  events: await prisma.slaEvent.findMany({ where: { subjectId: ticketId }, orderBy: { id: 'asc' }, select: { metric: true, kind: true, at: true, dueAt: true } }),
})

test('a pending ticket with a late first reply and a customer answer: same clocks and history either way', async () => {
  const now = at('2026-11-27T12:00:00Z')
  // Created Mon 09:00; customer writes 09:00 (opening message); agent replies Mon 14:00 (late: due 13:00); customer
  // answers Tue 10:00; the agent answers Tue 11:00 and sets pending.
  const messages: SeedTicketHistory['messages'] = [
    { kind: 'public_reply', fromCustomer: true, createdAt: at('2026-11-23T09:00:00Z') },
    { kind: 'public_reply', fromCustomer: false, createdAt: at('2026-11-23T14:00:00Z') },
    { kind: 'internal_note', fromCustomer: false, createdAt: at('2026-11-23T15:00:00Z') },
    { kind: 'public_reply', fromCustomer: true, createdAt: at('2026-11-24T10:00:00Z') },
    { kind: 'public_reply', fromCustomer: false, createdAt: at('2026-11-24T11:00:00Z') },
  ]
  const firstResponseAt = at('2026-11-23T14:00:00Z')
  const seeded = await newTicket('pending', firstResponseAt)
  await prisma.$transaction((tx) =>
    seedTicketClocks(
      tx,
      [{ id: seeded, status: 'pending', priority: 'normal', tags: [], createdAt: at('2026-11-23T09:00:00Z'), firstResponseAt, lastMessageAt: at('2026-11-24T11:00:00Z'), solvedAt: null, closedAt: null, messages }],
      now,
    ),
  )

  // The same life, action by action through the database path, then the sweep's evaluation at `now`.
  const live = await newTicket('new', null)
  const steps: Array<[TicketSlaEventKind, string, { status?: TicketStatus; firstResponseAt?: Date }]> = [
    ['created', '2026-11-23T09:00:00Z', {}],
    ['agent_public_reply', '2026-11-23T14:00:00Z', { status: 'open', firstResponseAt }],
    ['customer_message', '2026-11-24T10:00:00Z', {}],
    ['agent_public_reply', '2026-11-24T11:00:00Z', {}],
    ['status_changed', '2026-11-24T11:00:00Z', { status: 'pending' }],
  ]
  for (const [kind, when, change] of steps) {
    await prisma.$transaction(async (tx) => {
      if (Object.keys(change).length) await tx.ticket.update({ where: { id: live }, data: change, select: { id: true } })
      await recordTicketSlaEvent(tx, { ticketId: live, kind, at: at(when) })
    })
  }

  await sweepSlaClocks(now, { horizonMs: 0 })

  const [a, b] = [await comparable(seeded), await comparable(live)]
  expect(a).toEqual(b)
  // And what they agree on is right: first response breached at Mon 13:00, resolution paused on Tue 11:00.
  expect(a.clocks.find((c) => c.metric === 'first_response')!.breachedAt).toEqual(at('2026-11-23T13:00:00Z'))
  expect(a.clocks.find((c) => c.metric === 'resolution')!.pausedAt).toEqual(at('2026-11-24T11:00:00Z'))
  expect(a.events.map((e) => `${e.metric}:${e.kind}`)).toContain('next_response:satisfied')
})
