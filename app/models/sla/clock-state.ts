/**
 * The pure part of the SLA engine (ADR 0007): what a clock's deadlines are, given its start, target, calendar and
 * pauses. No I/O and no `Date.now()`, so the database engine (clock.server.ts), the timers and a browser countdown
 * all compute the same instants. Business-time arithmetic is business-hours.ts; this module only decides which
 * question to ask it.
 */
import { addBusinessTime, BusinessCalendarSchema, businessTimeBetween, type BusinessCalendar, type Pause } from './business-hours.ts'

/** A pause as stored in `AppliedSla.pauses` (ISO instants; `to` null while the clock is paused). */
export type StoredPause = { from: string; to: string | null }

export type ClockInput = {
  startedAt: Date
  targetMinutes: number
  warnAfterMinutes: number
  calendar: BusinessCalendar
  pauses: readonly Pause[]
}

export type ClockDeadlines = {
  /**
   * The deadline given the pauses so far. While paused (an open pause that began before the target was reached) it
   * is the deadline had the clock not been paused: the row keeps a meaningful value and resume moves it on.
   */
  dueAt: Date
  /** When the warning is due; null while paused before reaching it (the timer is off). */
  warningAt: Date | null
  /** Business minutes of the closed pauses (whole minutes, for display and the `pausedMinutes` column). */
  pausedMinutes: number
  /** Whether an open pause stops the clock now. */
  paused: boolean
}

export function parseStoredPauses(value: unknown): Pause[] {
  if (!Array.isArray(value)) return []
  return value.map((raw) => {
    const p = raw as StoredPause
    return { from: new Date(p.from), to: p.to === null ? null : new Date(p.to) }
  })
}

export function toStoredPauses(pauses: readonly Pause[]): StoredPause[] {
  return pauses.map((p) => ({ from: p.from.toISOString(), to: p.to ? p.to.toISOString() : null }))
}

/** A stored calendar, validated (a broken JSON value is a bug worth a loud error, not a silent 24×7 clock). */
export function parseCalendar(value: unknown): BusinessCalendar {
  return BusinessCalendarSchema.parse(value)
}

/** The business minutes after which a clock warns: `percent` of the target, or `beforeMinutes` before the deadline. */
export function warnAfterMinutes(targetMinutes: number, warning: { percent: number } | { beforeMinutes: number }): number {
  const minutes = 'percent' in warning ? Math.floor((targetMinutes * warning.percent) / 100) : targetMinutes - warning.beforeMinutes
  return Math.min(targetMinutes, Math.max(0, minutes))
}

export function computeDeadlines(clock: ClockInput): ClockDeadlines {
  const closed = clock.pauses.filter((p) => p.to !== null)
  const open = clock.pauses.some((p) => p.to === null)
  const unpausedDue = addBusinessTime(clock.startedAt, clock.targetMinutes, clock.calendar, closed)!
  const due = open ? addBusinessTime(clock.startedAt, clock.targetMinutes, clock.calendar, clock.pauses) : unpausedDue
  // `due` is null when the open pause began before the target was reached; otherwise the deadline had already
  // passed when the clock paused, and it stays where it was. Same for the warning point.
  const warningAt = addBusinessTime(clock.startedAt, clock.warnAfterMinutes, clock.calendar, clock.pauses)
  return { dueAt: due ?? unpausedDue, warningAt, pausedMinutes: closedPauseMinutes(clock.startedAt, clock.calendar, closed), paused: open }
}

function closedPauseMinutes(startedAt: Date, calendar: BusinessCalendar, closed: readonly Pause[]): number {
  if (closed.length === 0) return 0
  const end = new Date(Math.max(...closed.map((p) => p.to!.getTime())))
  if (end <= startedAt) return 0
  return Math.round(businessTimeBetween(startedAt, end, calendar) - businessTimeBetween(startedAt, end, calendar, closed))
}

/**
 * Business minutes left before the deadline at `now` (negative: overdue), counting the clock's pauses; for a paused
 * clock, what was left when it paused (the countdown stands still).
 */
export function remainingMinutes(clock: ClockInput & { dueAt: Date; pausedAt: Date | null }, now: Date): number {
  const from = clock.pausedAt && clock.pausedAt < now ? clock.pausedAt : now
  return businessTimeBetween(from, clock.dueAt, clock.calendar, clock.pauses.filter((p) => p.to !== null))
}
