import { afterAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { slaJobId } from '#app/queues/sla.server.ts'
import { getSystemQueue } from '#app/queues/system.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createReturn } from '#test/factories/index.ts'
import {
  cancelClock,
  evaluateClock,
  getClockHistory,
  getClocks,
  getSlaBreachCounts,
  pauseClock,
  reopenClock,
  resumeClock,
  startClock,
  stopClock,
  sweepSlaClocks,
} from './clock.server.ts'

/**
 * The generic clock API on a non-ticket subject (a return: "received, not refunded within 48 h"), with a fixed
 * clock. ALWAYS_OPEN is the default calendar, so every expected instant is plain UTC arithmetic.
 */

afterAll(async () => {
  await closeQueues()
})

const at = (iso: string) => new Date(iso)
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : d)
const H = 60

async function aReturn() {
  const { ret } = await createReturn(prisma, { status: 'received' })
  return { subjectType: 'return', subjectId: ret.id, metric: 'resolution' as const }
}

describe('generic clocks on a return', () => {
  test('start is idempotent; due after 48 real hours, warning at 75 %; timers are scheduled with deterministic ids', async () => {
    const key = await aReturn()
    const started = await startClock(prisma, { ...key, targetMinutes: 48 * H, at: at('2026-11-23T10:00:00Z') })
    expect(iso(started.dueAt)).toBe('2026-11-25T10:00:00.000Z')
    expect(iso(started.warningAt)).toBe('2026-11-24T22:00:00.000Z')
    expect(started).toMatchObject({ policyId: null, ticketId: null, targetMinutes: 48 * H, remainingMinutes: 48 * H })
    // Starting again (a retried action) returns the same clock unchanged.
    const again = await startClock(prisma, { ...key, targetMinutes: 24 * H, at: at('2026-11-23T11:00:00Z') })
    expect(again.id).toBe(started.id)
    expect(iso(again.dueAt)).toBe('2026-11-25T10:00:00.000Z')
    expect((await getClockHistory(prisma, key.subjectType, key.subjectId)).map((e) => e.kind)).toEqual(['started'])
    // The warning and deadline timers are delayed jobs named by clock, kind and instant (no ':' for bullmq 6.7).
    const queue = getSystemQueue()
    const deadline = await queue.getJob(slaJobId(started.id, 'deadline', started.dueAt))
    const warning = await queue.getJob(slaJobId(started.id, 'warning', started.warningAt!))
    expect(deadline?.data).toEqual({ clockId: started.id, kind: 'deadline' })
    expect(warning?.data).toEqual({ clockId: started.id, kind: 'warning' })
    expect(warning?.name).toBe('sla-timer')
    expect(slaJobId(started.id, 'deadline', started.dueAt)).not.toContain(':')
  })

  test('a custom warning N minutes before the deadline, and a business calendar', async () => {
    const key = await aReturn()
    const clock = await startClock(prisma, {
      ...key,
      targetMinutes: 8 * H,
      warning: { beforeMinutes: 30 },
      calendar: { timeZone: 'UTC', weekly: { 0: [], 1: [{ start: '09:00', end: '17:00' }], 2: [{ start: '09:00', end: '17:00' }], 3: [], 4: [], 5: [], 6: [] }, holidays: [] },
      at: at('2026-11-23T13:00:00Z'),
    })
    // Mon 13:00 + 8 h on Mon/Tue 09–17: Mon 4 h, Tue 09–13 → Tue 13:00; warning 30 min before → Tue 12:30.
    expect(iso(clock.dueAt)).toBe('2026-11-24T13:00:00.000Z')
    expect(iso(clock.warningAt)).toBe('2026-11-24T12:30:00.000Z')
  })

  test('pause and resume move the deadline by the paused time; stop before the deadline is met, twice is once', async () => {
    const key = await aReturn()
    await startClock(prisma, { ...key, targetMinutes: 48 * H, at: at('2026-11-23T10:00:00Z') })
    const paused = await pauseClock(prisma, key, at('2026-11-23T12:00:00Z'))
    expect(iso(paused!.pausedAt)).toBe('2026-11-23T12:00:00.000Z')
    expect(paused!.warningAt).toBeNull()
    // Paused twice: the second is a no-op.
    await pauseClock(prisma, key, at('2026-11-23T13:00:00Z'))
    const resumed = await resumeClock(prisma, key, at('2026-11-23T14:30:00Z'))
    // 2 h 30 paused → due Wed 12:30.
    expect(resumed).toMatchObject({ pausedAt: null, pausedMinutes: 150 })
    expect(iso(resumed!.dueAt)).toBe('2026-11-25T12:30:00.000Z')

    const stopped = await stopClock(prisma, key, at('2026-11-24T09:00:00Z'))
    expect(iso(stopped!.satisfiedAt)).toBe('2026-11-24T09:00:00.000Z')
    expect(stopped!.breachedAt).toBeNull()
    expect(stopped!.remainingMinutes).toBeNull()
    await stopClock(prisma, key, at('2026-11-24T10:00:00Z'))
    expect((await getClockHistory(prisma, key.subjectType, key.subjectId)).map((e) => e.kind)).toEqual(['started', 'paused', 'resumed', 'satisfied'])
    // Stopped clocks are never breached by the sweep.
    await sweepSlaClocks(at('2026-11-30T00:00:00Z'), { horizonMs: 0 })
    expect((await getClocks(prisma, 'return', [key.subjectId], at('2026-11-30T00:00:00Z'))).get(key.subjectId)![0]!.breachedAt).toBeNull()
  })

  test('not refunded in 48 h: the sweep records the warning, then the breach at the deadline; a late stop keeps it; counts are cheap', async () => {
    const key = await aReturn()
    const clock = await startClock(prisma, { ...key, targetMinutes: 48 * H, at: at('2026-11-23T10:00:00Z') })
    const before = await getSlaBreachCounts(prisma, at('2026-11-20T00:00:00Z'))

    // Nothing yet at 35 h; at 37 h the warning (at its instant, 36 h); at 49 h the breach (at 48 h).
    expect(await evaluateClock(clock.id, at('2026-11-24T21:00:00Z'))).toBeNull()
    expect(await evaluateClock(clock.id, at('2026-11-24T23:00:00Z'))).toBe('warning')
    expect(await evaluateClock(clock.id, at('2026-11-24T23:00:00Z'))).toBeNull()
    await sweepSlaClocks(at('2026-11-25T11:00:00Z'), { horizonMs: 0 })
    let view = (await getClocks(prisma, 'return', [key.subjectId], at('2026-11-25T11:00:00Z'))).get(key.subjectId)![0]!
    expect(iso(view.warnedAt)).toBe('2026-11-24T22:00:00.000Z')
    expect(iso(view.breachedAt)).toBe('2026-11-25T10:00:00.000Z')
    expect(view.remainingMinutes).toBe(-60)

    const after = await getSlaBreachCounts(prisma, at('2026-11-20T00:00:00Z'))
    expect((after.open.return ?? 0) - (before.open.return ?? 0)).toBe(1)
    expect(after.since - before.since).toBe(1)

    // Refunded late: satisfied, the breach stays, and the clock no longer counts as an open breach.
    await stopClock(prisma, key, at('2026-11-25T12:00:00Z'))
    view = (await getClocks(prisma, 'return', [key.subjectId], at('2026-11-25T12:00:00Z'))).get(key.subjectId)![0]!
    expect(iso(view.breachedAt)).toBe('2026-11-25T10:00:00.000Z')
    expect((await getSlaBreachCounts(prisma, at('2026-11-20T00:00:00Z'))).open.return ?? 0).toBe(before.open.return ?? 0)
    const history = await getClockHistory(prisma, key.subjectType, key.subjectId)
    expect(history.map((e) => [e.kind, iso(e.at)])).toEqual([
      ['started', '2026-11-23T10:00:00.000Z'],
      ['warning', '2026-11-24T22:00:00.000Z'],
      ['breached', '2026-11-25T10:00:00.000Z'],
      ['satisfied', '2026-11-25T12:00:00.000Z'],
    ])
  })

  test('reopen runs a stopped clock again (the stopped time does not count); restart starts a new run; cancel removes it and keeps the history', async () => {
    const key = await aReturn()
    await startClock(prisma, { ...key, targetMinutes: 48 * H, at: at('2026-11-23T10:00:00Z') })
    await stopClock(prisma, key, at('2026-11-23T20:00:00Z'))
    const reopened = await reopenClock(prisma, key, at('2026-11-24T08:00:00Z'))
    // Stopped 12 h → due Wed 10:00 + 12 h = Wed 22:00.
    expect(iso(reopened!.dueAt)).toBe('2026-11-25T22:00:00.000Z')
    expect(reopened!.satisfiedAt).toBeNull()

    const restarted = await startClock(prisma, { ...key, targetMinutes: 24 * H, at: at('2026-11-24T09:00:00Z'), restart: true })
    expect(restarted).toMatchObject({ id: reopened!.id, pausedMinutes: 0, targetMinutes: 24 * H })
    expect(iso(restarted.dueAt)).toBe('2026-11-25T09:00:00.000Z')

    expect(await cancelClock(prisma, key, at('2026-11-24T10:00:00Z'))).toBe(true)
    expect(await cancelClock(prisma, key, at('2026-11-24T10:00:00Z'))).toBe(false)
    expect((await getClocks(prisma, 'return', [key.subjectId], at('2026-11-24T10:00:00Z'))).size).toBe(0)
    expect((await getClockHistory(prisma, key.subjectType, key.subjectId)).map((e) => e.kind)).toEqual([
      'started',
      'satisfied',
      'reopened',
      'restarted',
      'cancelled',
    ])
    // Changing a clock that does not exist is a no-op that says so.
    expect(await stopClock(prisma, key, at('2026-11-24T11:00:00Z'))).toBeNull()
  })

  test('concurrent starts of one clock make one clock; a stop racing the breach timer leaves a consistent row', async () => {
    const key = await aReturn()
    const views = await Promise.all(
      Array.from({ length: 8 }, () => startClock(prisma, { ...key, targetMinutes: 60, at: at('2026-11-23T10:00:00Z') })),
    )
    expect(new Set(views.map((v) => v.id)).size).toBe(1)
    expect(await prisma.appliedSla.count({ where: { subjectId: key.subjectId } })).toBe(1)
    expect((await getClockHistory(prisma, key.subjectType, key.subjectId)).map((e) => e.kind)).toEqual(['started'])

    // The refund (stop at 11:30, late) and the deadline timer (evaluating at 11:30) at once: whichever goes first, the
    // clock ends satisfied at 11:30 and breached once, at its deadline (11:00).
    await Promise.all([stopClock(prisma, key, at('2026-11-23T11:30:00Z')), evaluateClock(views[0]!.id, at('2026-11-23T11:30:00Z'))])
    const [clock] = (await getClocks(prisma, 'return', [key.subjectId], at('2026-11-23T12:00:00Z'))).get(key.subjectId)!
    expect([iso(clock!.satisfiedAt), iso(clock!.breachedAt)]).toEqual(['2026-11-23T11:30:00.000Z', '2026-11-23T11:00:00.000Z'])
    expect((await getClockHistory(prisma, key.subjectType, key.subjectId)).filter((e) => e.kind === 'breached')).toHaveLength(1)
  })

  test('start inside a caller transaction rolls back with it', async () => {
    const key = await aReturn()
    await expect(
      prisma.$transaction(async (tx) => {
        await startClock(tx, { ...key, targetMinutes: 60, at: at('2026-11-23T10:00:00Z') })
        throw new Error('the refund failed')
      }),
    ).rejects.toThrow('the refund failed')
    expect(await prisma.appliedSla.count({ where: { subjectId: key.subjectId } })).toBe(0)
    expect(await prisma.slaEvent.count({ where: { subjectId: key.subjectId } })).toBe(0)
  })

  test('invalid targets are refused', async () => {
    const key = await aReturn()
    await expect(startClock(prisma, { ...key, targetMinutes: 0, at: at('2026-11-23T10:00:00Z') })).rejects.toThrow(/targetMinutes/)
    await expect(startClock(prisma, { ...key, targetMinutes: 1.5, at: at('2026-11-23T10:00:00Z') })).rejects.toThrow(/targetMinutes/)
  })
})
