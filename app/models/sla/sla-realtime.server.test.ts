import { expect, test } from 'vitest'
import type { SlaSignal } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createUser } from '#test/factories/index.ts'
import { realtimeHarness, type RealtimeClient } from '#test/helpers/realtime.ts'
import { evaluateClock, startClock } from './clock.server.ts'
import { roomsForSlaSignal } from './sla-realtime.server.ts'

/**
 * Live SLA signals end to end: the engine records a breach in a transaction (NOTIFY), a real web node's Socket.IO
 * (createRealtime, which registers the SLA listener) tells the sockets of the roles that may read the subject.
 */
const harness = realtimeHarness()

async function listening() {
  const deadline = Date.now() + 15_000
  for (;;) {
    const [row] = await prisma.$queryRaw<Array<{ n: number }>>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'opsdeck-sla-signals' and query ilike 'LISTEN%'`
    if (row!.n > 0) return
    if (Date.now() > deadline) throw new Error('the SLA signal listener never started')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function collect(socket: RealtimeClient) {
  const seen: Array<{ event: string; signal: SlaSignal }> = []
  socket.on('sla.breached', (signal) => seen.push({ event: 'sla.breached', signal }))
  socket.on('sla.warning', (signal) => seen.push({ event: 'sla.warning', signal }))
  return seen
}

async function until(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test('a breach reaches the roles that may read its subject, and only them', async () => {
  const url = await harness.startNode()
  const support = collect(await harness.connectAs(url, (await createUser(prisma, { role: 'support' })).user))
  const operations = collect(await harness.connectAs(url, (await createUser(prisma, { role: 'operations' })).user))
  await listening()

  const at = new Date('2026-11-23T10:00:00Z')
  const ticketClock = await startClock(prisma, { subjectType: 'ticket', subjectId: 'rt-ticket-1', metric: 'first_response', targetMinutes: 60, at })
  const returnClock = await startClock(prisma, { subjectType: 'return', subjectId: 'rt-return-1', metric: 'resolution', targetMinutes: 60, at })
  expect(await evaluateClock(ticketClock.id, new Date('2026-11-23T10:50:00Z'))).toBe('warning')
  expect(await evaluateClock(returnClock.id, new Date('2026-11-23T11:30:00Z'))).toBe('breached')

  await until(() => support.length >= 1 && operations.length >= 1)
  expect(support).toEqual([
    {
      event: 'sla.warning',
      signal: { kind: 'warning', subjectType: 'ticket', subjectId: 'rt-ticket-1', ticketId: null, metric: 'first_response', dueAt: '2026-11-23T11:00:00.000Z', at: '2026-11-23T10:50:00.000Z' },
    },
  ])
  expect(operations).toEqual([
    {
      event: 'sla.breached',
      signal: { kind: 'breached', subjectType: 'return', subjectId: 'rt-return-1', ticketId: null, metric: 'resolution', dueAt: '2026-11-23T11:00:00.000Z', at: '2026-11-23T11:30:00.000Z' },
    },
  ])
  // Nothing else arrives (each node tells its own sockets once).
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect([support.length, operations.length]).toEqual([1, 1])
})

test('rooms: the ticket’s own room plus every role that may read the subject; unknown subjects reach no role', () => {
  expect(roomsForSlaSignal({ subjectType: 'ticket', ticketId: 't1' })).toEqual(['ticket:t1', 'role:admin', 'role:manager', 'role:support'])
  expect(roomsForSlaSignal({ subjectType: 'return', ticketId: null })).toEqual(['role:admin', 'role:manager', 'role:operations'])
  expect(roomsForSlaSignal({ subjectType: 'weather', ticketId: null })).toEqual([])
})
