import { randomUUID } from 'node:crypto'
import type { SlaEventKind, SlaMetric } from '#app/generated/prisma/enums.ts'
import { enqueueSlaTimer } from '#app/queues/sla.server.ts'
import type { SlaSignal } from '#app/realtime/events.ts'
import { prisma, type Db, type Prisma } from '#app/utils/db.server.ts'
import { ALWAYS_OPEN, type BusinessCalendar, type Pause } from './business-hours.ts'
import { computeDeadlines, parseCalendar, parseStoredPauses, remainingMinutes, toStoredPauses, warnAfterMinutes } from './clock-state.ts'
import { raiseSlaAlert, resolveSlaAlerts } from './sla-alerts.server.ts'

/**
 * The SLA engine (docs/decisions/0007-sla-engine.md): every SLA clock in OpsDeck — a ticket's first response, next
 * response and resolution, and any other area's "X must happen within N hours" (a return refunded within 48 h, an
 * order fulfilled within 24 h) — is one `AppliedSla` row keyed by (subjectType, subjectId, metric), changed only
 * through the functions here, with its history in `SlaEvent`.
 *
 * - Deadlines are computed in business time (business-hours.ts) from the row's start, target, calendar snapshot and
 *   pauses (clock-state.ts) and stored on the row (`dueAt`, `warningAt`).
 * - Every change schedules the clock's timers (delayed `sla-timer` jobs on the system queue at the warning point and
 *   the deadline, with deterministic ids) inside the caller's transaction; the job re-reads the row, so a job for an
 *   instant that moved or a rolled-back change does nothing. A lost or early job (Redis lost, enqueue failed, the
 *   process died at the commit) is repaired by `sweepSlaClocks`, run every SLA_SWEEP_EVERY_MS
 *   (app/queues/sla.server.ts) by the worker.
 * - Warnings and breaches set `warnedAt` / `breachedAt` (the instant itself, not when it was noticed), append an
 *   SlaEvent and NOTIFY `opsdeck_sla` in the same transaction; the web process turns that into `sla.warning` /
 *   `sla.breached` socket signals (sla-realtime.server.ts). They also raise the clock's alert in the alerts pipeline,
 *   resolved when the clock is met, restarted or cancelled (sla-alerts.server.ts).
 *
 * Every function takes the time of the change (`at`) or of the evaluation (`now`): no decision here reads the wall
 * clock (only a timer's delay is real time). All are idempotent: starting a running clock, stopping a stopped one, pausing a paused one change nothing.
 */

export type ClockKey = { subjectType: string; subjectId: string; metric: SlaMetric }

/** NOTIFY channel for warnings and breaches (payload: SlaSignalPayload JSON); LISTENed by the web process. */
export const SLA_SIGNAL_CHANNEL = 'opsdeck_sla'
export type SlaSignalPayload = SlaSignal & { clockId: string }

const CLOCK_SELECT = {
  id: true,
  policyId: true,
  ticketId: true,
  subjectType: true,
  subjectId: true,
  metric: true,
  targetMinutes: true,
  warnAfterMinutes: true,
  calendar: true,
  pauses: true,
  startedAt: true,
  dueAt: true,
  warningAt: true,
  pausedAt: true,
  pausedMinutes: true,
  warnedAt: true,
  breachedAt: true,
  satisfiedAt: true,
} as const satisfies Prisma.AppliedSlaSelect

type ClockRecord = Prisma.AppliedSlaGetPayload<{ select: typeof CLOCK_SELECT }>

/** A clock as the engine works with it (calendar and pauses parsed). */
export type Clock = Omit<ClockRecord, 'calendar' | 'pauses'> & { calendar: BusinessCalendar; pauses: Pause[] }

/** What pages show: the stored instants plus the business minutes left (frozen while paused). */
export type ClockView = {
  id: string
  subjectType: string
  subjectId: string
  ticketId: string | null
  policyId: string | null
  metric: SlaMetric
  targetMinutes: number
  startedAt: Date
  dueAt: Date
  warningAt: Date | null
  pausedAt: Date | null
  pausedMinutes: number
  warnedAt: Date | null
  breachedAt: Date | null
  satisfiedAt: Date | null
  /** Business minutes left at `now` (negative: overdue); null once satisfied. */
  remainingMinutes: number | null
}

function toClock(record: ClockRecord): Clock {
  return { ...record, calendar: parseCalendar(record.calendar), pauses: parseStoredPauses(record.pauses) }
}

export function toClockView(clock: Clock, now: Date): ClockView {
  const { calendar: _calendar, pauses: _pauses, warnAfterMinutes: _warnAfter, ...stored } = clock
  return { ...stored, remainingMinutes: clock.satisfiedAt ? null : Math.round(remainingMinutes(clock, now) * 10) / 10 }
}

// ─── Transactions and locks ──────────────────────────────────────────────────────────────────────────────────────

/** Runs `fn` in the caller's transaction, or in a new one when given the root client. */
export async function inTransaction<T>(db: Db, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  return '$transaction' in db ? db.$transaction(fn) : fn(db)
}

/**
 * Serialises every change to one subject's clocks (a ticket's three, a return's one) for the rest of the transaction,
 * including the first insert, which has no row to lock yet. The timer's evaluation locks the row itself.
 */
export async function lockSubjectClocks(tx: Prisma.TransactionClient, subjectType: string, subjectId: string): Promise<Clock[]> {
  await tx.$queryRaw`select 1 as locked from pg_advisory_xact_lock(hashtextextended(${`sla:${subjectType}:${subjectId}`}, 0))`
  await tx.$queryRaw`select id from "AppliedSla" where "subjectType" = ${subjectType} and "subjectId" = ${subjectId} for update`
  const records = await tx.appliedSla.findMany({ where: { subjectType, subjectId }, select: CLOCK_SELECT, orderBy: { metric: 'asc' } })
  return records.map(toClock)
}

// ─── Where changes go ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The engine's writes, behind one interface: `dbWriter(tx)` (the app: rows, events, NOTIFY and timer jobs as each
 * change happens) or `memoryWriter()` (the demo seed: everything collected, then inserted set-based).
 */
export interface ClockWriter {
  insert(clock: Omit<Clock, 'id'>): Promise<Clock>
  update(clock: Clock): Promise<void>
  remove(clock: Clock): Promise<void>
  event(clock: Clock, kind: SlaEventKind, at: Date): Promise<void>
  signal(clock: Clock, kind: 'warning' | 'breached', at: Date): Promise<void>
  timers(clock: Clock): Promise<void>
}

function eventRow(clock: Clock, kind: SlaEventKind, at: Date): Prisma.SlaEventCreateManyInput {
  return {
    appliedSlaId: clock.id,
    ticketId: clock.ticketId,
    subjectType: clock.subjectType,
    subjectId: clock.subjectId,
    metric: clock.metric,
    kind,
    at,
    dueAt: clock.dueAt,
    policyId: clock.policyId,
  }
}

function clockRow(clock: Omit<Clock, 'id'>) {
  return {
    policyId: clock.policyId,
    ticketId: clock.ticketId,
    subjectType: clock.subjectType,
    subjectId: clock.subjectId,
    metric: clock.metric,
    targetMinutes: clock.targetMinutes,
    warnAfterMinutes: clock.warnAfterMinutes,
    calendar: clock.calendar,
    pauses: toStoredPauses(clock.pauses),
    startedAt: clock.startedAt,
    dueAt: clock.dueAt,
    warningAt: clock.warningAt,
    pausedAt: clock.pausedAt,
    pausedMinutes: clock.pausedMinutes,
    warnedAt: clock.warnedAt,
    breachedAt: clock.breachedAt,
    satisfiedAt: clock.satisfiedAt,
  }
}

export function dbWriter(tx: Prisma.TransactionClient): ClockWriter {
  return {
    async insert(clock) {
      const { id } = await tx.appliedSla.create({ data: clockRow(clock), select: { id: true } })
      return { ...clock, id }
    },
    async update(clock) {
      await tx.appliedSla.update({ where: { id: clock.id }, data: { ...clockRow(clock), version: { increment: 1 } }, select: { id: true } })
    },
    async remove(clock) {
      await tx.appliedSla.delete({ where: { id: clock.id }, select: { id: true } })
    },
    async event(clock, kind, at) {
      await tx.slaEvent.create({ data: eventRow(clock, kind, at), select: { id: true } })
      await resolveSlaAlerts(tx, clock, kind, at)
    },
    async signal(clock, kind, at) {
      const payload: SlaSignalPayload = {
        kind,
        clockId: clock.id,
        subjectType: clock.subjectType,
        subjectId: clock.subjectId,
        ticketId: clock.ticketId,
        metric: clock.metric,
        dueAt: clock.dueAt.toISOString(),
        at: at.toISOString(),
      }
      // Delivered by Postgres on commit only, to every web process LISTENing (sla-realtime.server.ts).
      await tx.$executeRaw`select pg_notify(${SLA_SIGNAL_CHANNEL}, ${JSON.stringify(payload)})`
      await raiseSlaAlert(tx, clock, kind, at)
    },
    async timers(clock) {
      await scheduleClockTimers(clock)
    },
  }
}

/** Collects clocks and events in memory; `flush(tx)` inserts them set-based (no signals, no timer jobs). */
export function memoryWriter() {
  const clocks = new Map<string, Clock>()
  const events: Prisma.SlaEventCreateManyInput[] = []
  const writer: ClockWriter = {
    async insert(clock) {
      const saved = { ...clock, id: randomUUID() }
      clocks.set(saved.id, saved)
      return saved
    },
    async update(clock) {
      clocks.set(clock.id, clock)
    },
    async remove(clock) {
      clocks.delete(clock.id)
      for (const event of events) if (event.appliedSlaId === clock.id) event.appliedSlaId = null
    },
    async event(clock, kind, at) {
      events.push(eventRow(clock, kind, at))
    },
    async signal() {},
    async timers() {},
  }
  async function flush(tx: Prisma.TransactionClient) {
    const rows = [...clocks.values()]
    for (let i = 0; i < rows.length; i += 2_000) {
      await tx.appliedSla.createMany({ data: rows.slice(i, i + 2_000).map((c) => ({ id: c.id, ...clockRow(c) })) })
    }
    for (let i = 0; i < events.length; i += 5_000) await tx.slaEvent.createMany({ data: events.slice(i, i + 5_000) })
    return { clocks: rows.length, events: events.length }
  }
  return { writer, clocks, flush }
}

// ─── Changes to one clock (the engine's only state transitions) ────────────────────────────────────────────────

type ClockChanges = Partial<Pick<Clock, 'policyId' | 'targetMinutes' | 'warnAfterMinutes' | 'calendar' | 'pauses' | 'startedAt' | 'warnedAt' | 'breachedAt' | 'satisfiedAt'>>

/** The clock with `changes` applied and its deadlines, pause figures and pausedAt recomputed. */
function withChanges<C extends Omit<Clock, 'id'>>(clock: C, changes: ClockChanges): C {
  const next = { ...clock, ...changes }
  const deadlines = computeDeadlines(next)
  const openPause = next.pauses.find((p) => p.to === null)
  return { ...next, dueAt: deadlines.dueAt, warningAt: deadlines.warningAt, pausedMinutes: deadlines.pausedMinutes, pausedAt: openPause?.from ?? null }
}

/** Applies `changes`, writes the row and its event, and (re)schedules its timers. */
async function saveClock(w: ClockWriter, clock: Clock, changes: ClockChanges, kind: SlaEventKind, at: Date): Promise<Clock> {
  const saved = withChanges(clock, changes)
  await w.update(saved)
  await w.event(saved, kind, at)
  await w.timers(saved)
  return saved
}

export type NewClock = ClockKey & {
  ticketId?: string | null
  policyId?: string | null
  targetMinutes: number
  /** Business minutes after which to warn; default 75 % of the target. */
  warnAfterMinutes?: number
  /** Default: ALWAYS_OPEN (real hours). */
  calendar?: BusinessCalendar
  startedAt: Date
}

async function insertClock(w: ClockWriter, input: NewClock, at: Date): Promise<Clock> {
  if (!Number.isInteger(input.targetMinutes) || input.targetMinutes <= 0) throw new RangeError(`targetMinutes must be a whole number > 0, got ${input.targetMinutes}`)
  const fresh = withChanges(
    {
      policyId: input.policyId ?? null,
      ticketId: input.ticketId ?? null,
      subjectType: input.subjectType,
      subjectId: input.subjectId,
      metric: input.metric,
      targetMinutes: input.targetMinutes,
      warnAfterMinutes: input.warnAfterMinutes ?? warnAfterMinutes(input.targetMinutes, { percent: 75 }),
      calendar: parseCalendar(input.calendar ?? ALWAYS_OPEN),
      pauses: [] as Pause[],
      startedAt: input.startedAt,
      dueAt: input.startedAt,
      warningAt: null,
      pausedAt: null,
      pausedMinutes: 0,
      warnedAt: null,
      breachedAt: null,
      satisfiedAt: null,
    },
    {},
  )
  const clock = await w.insert(fresh)
  await w.event(clock, 'started', at)
  await w.timers(clock)
  return clock
}

/** Stops a running clock (paused or not) at `at`. A clock stopped after its deadline is breached at the deadline. */
async function satisfy(w: ClockWriter, clock: Clock, at: Date): Promise<Clock> {
  if (clock.satisfiedAt) return clock
  const pauses = closeOpenPause(clock.pauses, at)
  const { dueAt } = computeDeadlines({ ...clock, pauses })
  if (!clock.breachedAt && dueAt < at) {
    const breached = withChanges(clock, { pauses, breachedAt: dueAt, warnedAt: clock.warnedAt ?? clock.warningAt ?? dueAt })
    await w.event(breached, 'breached', dueAt)
    await w.signal(breached, 'breached', at)
    return saveClock(w, breached, { satisfiedAt: at }, 'satisfied', at)
  }
  return saveClock(w, clock, { pauses, satisfiedAt: at }, 'satisfied', at)
}

function closeOpenPause(pauses: readonly Pause[], at: Date): Pause[] {
  return pauses.map((p) => (p.to === null ? { from: p.from, to: at < p.from ? p.from : at } : p))
}

async function pause(w: ClockWriter, clock: Clock, at: Date): Promise<Clock> {
  if (clock.satisfiedAt || clock.pausedAt) return clock
  return saveClock(w, clock, { pauses: [...clock.pauses, { from: at < clock.startedAt ? clock.startedAt : at, to: null }] }, 'paused', at)
}

async function resume(w: ClockWriter, clock: Clock, at: Date): Promise<Clock> {
  if (clock.satisfiedAt || !clock.pausedAt) return clock
  return saveClock(w, clock, { pauses: closeOpenPause(clock.pauses, at) }, 'resumed', at)
}

/** A stopped clock runs again; the time it was stopped counts as a pause (a solved ticket's resolution clock). */
async function reopen(w: ClockWriter, clock: Clock, at: Date): Promise<Clock> {
  if (!clock.satisfiedAt) return clock
  const stopped = clock.satisfiedAt < at ? [{ from: clock.satisfiedAt, to: at }] : []
  return saveClock(w, clock, { satisfiedAt: null, pauses: [...clock.pauses, ...stopped] }, 'reopened', at)
}

export type ClockTarget = Pick<Clock, 'policyId' | 'targetMinutes' | 'warnAfterMinutes' | 'calendar'>

/** A new run of the same clock from `at` (next response after each customer message): pauses and breach cleared. */
async function restart(w: ClockWriter, clock: Clock, at: Date, target?: ClockTarget): Promise<Clock> {
  return saveClock(w, clock, { ...target, startedAt: at, pauses: [], warnedAt: null, breachedAt: null, satisfiedAt: null }, 'restarted', at)
}

/**
 * Measures a running clock by a new target (a ticket re-matched to another policy), from its original start with its
 * pauses. A warning or breach that the new deadlines put back in the future is cleared (still in the history).
 */
async function retarget(w: ClockWriter, clock: Clock, target: ClockTarget, at: Date): Promise<Clock> {
  const same =
    clock.policyId === target.policyId &&
    clock.targetMinutes === target.targetMinutes &&
    clock.warnAfterMinutes === target.warnAfterMinutes &&
    JSON.stringify(clock.calendar) === JSON.stringify(target.calendar)
  if (same || clock.satisfiedAt) return clock
  const next = computeDeadlines({ ...clock, ...target })
  return saveClock(
    w,
    clock,
    {
      ...target,
      breachedAt: clock.breachedAt && next.dueAt <= at ? next.dueAt : null,
      // Paused (no warning instant): a warning already given stands.
      warnedAt: clock.warnedAt && (next.warningAt === null || next.warningAt <= at) ? clock.warnedAt : null,
    },
    'rematched',
    at,
  )
}

async function cancel(w: ClockWriter, clock: Clock, at: Date): Promise<void> {
  await w.event(clock, 'cancelled', at)
  await w.remove(clock)
}

export type EvaluateOutcome = 'breached' | 'warning' | null

/**
 * The timer's decision (also the sweep's): at `now`, a running clock past its deadline is breached (at the deadline),
 * else one past its warning point is warned. A breach without a recorded warning counts as warned too.
 */
async function evaluate(w: ClockWriter, clock: Clock, now: Date): Promise<{ clock: Clock; outcome: EvaluateOutcome }> {
  if (clock.satisfiedAt) return { clock, outcome: null }
  // A paused clock stands still: only an instant it passed before the pause is due (a pause that began a moment
  // after the instant, before its timer ran).
  const horizon = clock.pausedAt && clock.pausedAt < now ? clock.pausedAt : now
  if (!clock.breachedAt && clock.dueAt <= horizon) {
    const breached = { ...clock, breachedAt: clock.dueAt, warnedAt: clock.warnedAt ?? clock.warningAt ?? clock.dueAt }
    await w.update(breached)
    await w.event(breached, 'breached', clock.dueAt)
    await w.signal(breached, 'breached', now)
    return { clock: breached, outcome: 'breached' }
  }
  if (!clock.warnedAt && !clock.breachedAt && clock.warningAt && clock.warningAt <= horizon) {
    const warned = { ...clock, warnedAt: clock.warningAt }
    await w.update(warned)
    await w.event(warned, 'warning', clock.warningAt)
    await w.signal(warned, 'warning', now)
    return { clock: warned, outcome: 'warning' }
  }
  return { clock, outcome: null }
}

/** The engine's operations on locked clocks, for the ticket rules (ticket-sla.server.ts) and the demo seed. */
export const clockOps = { insertClock, satisfy, pause, resume, reopen, restart, retarget, cancel, evaluate }

// ─── Timers ──────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Schedules the clock's pending instants. Never throws: a timer that cannot be scheduled now (queue backend down) is
 * found by the sweep before it is due (see sweepSlaClocks' horizon) or, at the latest, when it is overdue.
 */
export async function scheduleClockTimers(clock: Pick<Clock, 'id' | 'satisfiedAt' | 'pausedAt' | 'warnedAt' | 'warningAt' | 'breachedAt' | 'dueAt'>, nowMs = Date.now()): Promise<number> {
  if (clock.satisfiedAt || clock.pausedAt) return 0
  const timers: Array<['warning' | 'deadline', Date]> = []
  if (!clock.warnedAt && clock.warningAt && clock.warningAt < clock.dueAt) timers.push(['warning', clock.warningAt])
  if (!clock.breachedAt) timers.push(['deadline', clock.dueAt])
  let scheduled = 0
  for (const [kind, at] of timers) {
    try {
      await enqueueSlaTimer(clock.id, kind, at, nowMs)
      scheduled++
    } catch {
      // The sweep repairs it (see above); the caller's change must not fail because a timer could not be queued.
    }
  }
  return scheduled
}

/** The timer job's work: evaluates the clock at `now` in its own transaction (row locked). Stale jobs do nothing. */
export async function evaluateClock(clockId: string, now: Date, db: Db = prisma): Promise<EvaluateOutcome> {
  return inTransaction(db, async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`select id from "AppliedSla" where id = ${clockId} for update`
    if (locked.length === 0) return null
    const clock = toClock(await tx.appliedSla.findUniqueOrThrow({ where: { id: clockId }, select: CLOCK_SELECT }))
    return (await evaluate(dbWriter(tx), clock, now)).outcome
  })
}

/** The sweep re-schedules timers due within this horizon (in case their jobs were lost). */
export const SLA_SWEEP_HORIZON_MS = 10 * 60_000

export type SweepResult = { breached: number; warned: number; scheduled: number }

/**
 * Repairs whatever the timers missed: evaluates every running clock whose warning or deadline has passed without
 * being recorded (a lost Redis, a job that ran before its transaction committed, a dead worker) and re-schedules the
 * timers of those due within SLA_SWEEP_HORIZON_MS (scheduling is idempotent, so a job that exists stays one job).
 * Both scans use the partial indexes on running clocks (migration 20261126120000_sla_engine).
 */
export async function sweepSlaClocks(now: Date, options: { limit?: number; horizonMs?: number; nowMs?: number } = {}): Promise<SweepResult> {
  const limit = options.limit ?? 1_000
  const horizon = new Date(now.getTime() + (options.horizonMs ?? SLA_SWEEP_HORIZON_MS))
  const overdue = await prisma.$queryRaw<Array<{ id: string }>>`
    (select id from "AppliedSla" where "satisfiedAt" is null and "breachedAt" is null and "pausedAt" is null and "dueAt" <= ${now} order by "dueAt" limit ${limit})
    union
    (select id from "AppliedSla" where "satisfiedAt" is null and "warnedAt" is null and "pausedAt" is null and "warningAt" <= ${now} order by "warningAt" limit ${limit})`
  const result: SweepResult = { breached: 0, warned: 0, scheduled: 0 }
  for (const { id } of overdue) {
    const outcome = await evaluateClock(id, now)
    if (outcome === 'breached') result.breached++
    else if (outcome === 'warning') result.warned++
  }
  const upcoming = await prisma.appliedSla.findMany({
    where: {
      satisfiedAt: null,
      pausedAt: null,
      OR: [
        { breachedAt: null, dueAt: { gt: now, lte: horizon } },
        { warnedAt: null, warningAt: { gt: now, lte: horizon } },
      ],
    },
    select: { id: true, satisfiedAt: true, pausedAt: true, warnedAt: true, warningAt: true, breachedAt: true, dueAt: true },
    take: limit,
  })
  for (const clock of upcoming) result.scheduled += await scheduleClockTimers(clock, options.nowMs)
  return result
}

// ─── The generic API (any area: returns, orders, …) ─────────────────────────────────────────────────────────────

export type StartClockInput = ClockKey & {
  targetMinutes: number
  at: Date
  /** Default: ALWAYS_OPEN (the target counts real hours). */
  calendar?: BusinessCalendar
  /** Default: warn at 75 % of the target. */
  warning?: { percent: number } | { beforeMinutes: number }
  /** Start a new run if the clock already exists (default: starting an existing clock is a no-op). */
  restart?: boolean
}

/** Starts the clock (subjectType, subjectId, metric) at `at`, or returns it unchanged if it exists. */
export async function startClock(db: Db, input: StartClockInput): Promise<ClockView> {
  return inTransaction(db, async (tx) => {
    const existing = (await lockSubjectClocks(tx, input.subjectType, input.subjectId)).find((c) => c.metric === input.metric)
    if (existing && !input.restart) return toClockView(existing, input.at)
    const w = dbWriter(tx)
    const target = { policyId: null, targetMinutes: input.targetMinutes, warnAfterMinutes: warnAfterMinutes(input.targetMinutes, input.warning ?? { percent: 75 }), calendar: parseCalendar(input.calendar ?? ALWAYS_OPEN) }
    const clock = existing
      ? await restart(w, existing, input.at, target)
      : await insertClock(w, { ...input, ...target, startedAt: input.at }, input.at)
    return toClockView(clock, input.at)
  })
}

type KeyedChange = (w: ClockWriter, clock: Clock, at: Date) => Promise<Clock>

async function changeClock(db: Db, key: ClockKey, at: Date, change: KeyedChange): Promise<ClockView | null> {
  return inTransaction(db, async (tx) => {
    const clock = (await lockSubjectClocks(tx, key.subjectType, key.subjectId)).find((c) => c.metric === key.metric)
    return clock ? toClockView(await change(dbWriter(tx), clock, at), at) : null
  })
}

/** The target was met at `at` (a return refunded): the clock stops; late means breached. Null if there is no clock. */
export const stopClock = (db: Db, key: ClockKey, at: Date) => changeClock(db, key, at, satisfy)
export const pauseClock = (db: Db, key: ClockKey, at: Date) => changeClock(db, key, at, pause)
export const resumeClock = (db: Db, key: ClockKey, at: Date) => changeClock(db, key, at, resume)
/** A stopped clock runs again from where it stopped (the stopped time does not count). */
export const reopenClock = (db: Db, key: ClockKey, at: Date) => changeClock(db, key, at, reopen)

/** Removes a clock that no longer applies (its history stays). Returns whether there was one. */
export async function cancelClock(db: Db, key: ClockKey, at: Date): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const clock = (await lockSubjectClocks(tx, key.subjectType, key.subjectId)).find((c) => c.metric === key.metric)
    if (clock) await cancel(dbWriter(tx), clock, at)
    return Boolean(clock)
  })
}

/** Clocks of these subjects, by subject id. */
export async function getClocks(db: Db, subjectType: string, subjectIds: readonly string[], now: Date): Promise<Map<string, ClockView[]>> {
  const result = new Map<string, ClockView[]>()
  if (subjectIds.length === 0) return result
  const records = await db.appliedSla.findMany({
    where: { subjectType, subjectId: { in: [...new Set(subjectIds)] } },
    select: CLOCK_SELECT,
    orderBy: [{ subjectId: 'asc' }, { metric: 'asc' }],
  })
  for (const record of records) {
    const list = result.get(record.subjectId) ?? []
    list.push(toClockView(toClock(record), now))
    result.set(record.subjectId, list)
  }
  return result
}

/** The history of one subject's clocks, oldest first. */
export async function getClockHistory(db: Db, subjectType: string, subjectId: string) {
  return db.slaEvent.findMany({
    where: { subjectType, subjectId },
    orderBy: [{ at: 'asc' }, { id: 'asc' }],
    select: { id: true, metric: true, kind: true, at: true, dueAt: true, policyId: true },
  })
}

// ─── Cheap figures for live ops ──────────────────────────────────────────────────────────────────────────────────

export type SlaBreachCounts = {
  /** Running clocks past their deadline now, by subject type (partial index AppliedSla_open_breach_idx). */
  open: Record<string, number>
  /** Breaches recorded since `since` (SlaEvent kind + at index). */
  since: number
}

/** For the live-ops metric and its alert rule (`sla_breaches_open`): two index-only counts. */
export async function getSlaBreachCounts(db: Db, since: Date): Promise<SlaBreachCounts> {
  const [open, recent] = await Promise.all([
    db.$queryRaw<Array<{ subjectType: string; n: number }>>`
      select "subjectType", count(*)::int as n from "AppliedSla"
      where "satisfiedAt" is null and "breachedAt" is not null group by "subjectType"`,
    db.slaEvent.count({ where: { kind: 'breached', at: { gte: since } } }),
  ])
  return { open: Object.fromEntries(open.map((row) => [row.subjectType, Number(row.n)])), since: recent }
}
