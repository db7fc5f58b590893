/**
 * The business-hours clock behind every SLA in OpsDeck (ticket first response / next response / resolution, and
 * non-ticket clocks such as "order unfulfilled 24 h" or "return received, not refunded 48 h", which use
 * `ALWAYS_OPEN`). Pure and isomorphic: no server imports, no `Date.now()`, no I/O — safe in loaders, workers and
 * the browser countdown.
 *
 * Semantics (the tests in business-hours.test.ts pin each one with hand-computed cases):
 *
 * - **Units.** The API speaks minutes (fractional minutes are accepted and returned); internally everything is
 *   integer milliseconds since the epoch, so `businessTimeBetween(s, addBusinessTime(s, m)) === m` holds exactly
 *   for whole minutes. Input minutes are rounded to the nearest millisecond.
 * - **Open time.** A calendar is open during its weekly intervals, given as wall-clock `HH:mm` in the calendar's
 *   IANA `timeZone`. An interval includes its start and excludes its end: a 09:00–17:00 day is open at 09:00 and
 *   closed at 17:00. `end` may be `24:00` (midnight at the end of that day). Intervals never cross midnight; a
 *   night shift is two intervals on two days.
 * - **Holidays** (`YYYY-MM-DD` in the calendar's zone) close the whole local day, whatever its weekly hours.
 * - **Start in closed time.** The clock starts at the next opening: Saturday 10:00 + 1 h on a Mon–Fri 9–17 calendar
 *   is Monday 10:00.
 * - **Deadline on a boundary.** The deadline is the first instant at which `minutes` of open time have elapsed, so
 *   8 h from Friday 09:00 on a 9–17 calendar is Friday 17:00 (the closing instant), not Monday 09:00. Zero minutes
 *   therefore gives the clock's start: `start` itself when open, else the next opening.
 * - **Pauses** (ticket pending / on hold) stop the clock: paused time never counts, even when open. Pauses may
 *   overlap each other and closed time (they are merged). A pause with `to: null` is still running: if the clock
 *   has not reached its target before that pause began, there is no deadline yet and `addBusinessTime` returns
 *   `null` (recompute it when the pause ends). `businessTimeBetween` simply stops counting at the open pause.
 *   A pause that ends before it starts is a caller bug and throws a RangeError.
 * - **DST.** Interval boundaries are wall-clock times converted to instants with @date-fns/tz; elapsed time is real
 *   elapsed time between those instants. So a 09:00–17:00 day is 8 h on both DST-change days (the change happens at
 *   night) and its instants shift by the offset, while 24 h of `ALWAYS_OPEN` is always 24 real hours. An interval
 *   that itself contains the change (e.g. 00:00–04:00 on a spring-forward night) lasts its real length (3 h).
 *   Wall times resolve the way `TZDate` resolves them: a time skipped by spring-forward is read as if the clock had
 *   not changed yet (London 01:30 on 29 Mar 2026 is 01:30Z = 02:30 BST, so 01:30–03:00 that night is 30 min), and a
 *   time that occurs twice at fall-back is its second, standard-time occurrence (01:00–02:00 on 25 Oct 2026 is
 *   01:00Z–02:00Z). Segments are kept ordered and disjoint, so nothing is ever counted twice.
 * - **Direction.** `businessTimeBetween(a, b)` is antisymmetric: negative when `b` is before `a`, so a countdown can
 *   show "overdue by 1 h 20 m of business time" with the same call.
 *
 * Cost: the walk goes one local day at a time (a handful of `TZDate` constructions per day), never minute by
 * minute, so a 30-day target on a 9–5 calendar is ~42 day steps.
 *
 * NOTE: the `SlaPolicy.calendar` doc comment in prisma/schema.prisma sketches an older JSON shape
 * (`timezone`, `mon: [["09:00","17:00"]]`). This module's `BusinessCalendarSchema` is the shape to store.
 */
import { TZDate } from '@date-fns/tz'
import { z } from 'zod'

export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6

/** Wall-clock `HH:mm`; `end` may be `24:00`. The interval is [start, end). */
export type BusinessInterval = { start: string; end: string }

export type BusinessCalendar = {
  /** IANA zone, e.g. `Europe/London`. Weekly hours and holidays are read in this zone. */
  timeZone: string
  /** 0 = Sunday … 6 = Saturday (as `Date#getDay`). An empty array is a closed day. */
  weekly: Record<Weekday, BusinessInterval[]>
  /** `YYYY-MM-DD` local dates that are closed all day. */
  holidays: string[]
}

export type Pause = { from: Date; to: Date | null }

const FULL_DAY: BusinessInterval[] = [{ start: '00:00', end: '24:00' }]

/** 24×7, no holidays: the clock for areas that count real hours ("order unfulfilled 24 h"). */
export const ALWAYS_OPEN: BusinessCalendar = Object.freeze({
  timeZone: 'UTC',
  weekly: { 0: FULL_DAY, 1: FULL_DAY, 2: FULL_DAY, 3: FULL_DAY, 4: FULL_DAY, 5: FULL_DAY, 6: FULL_DAY },
  holidays: [],
}) as BusinessCalendar

// ─── Validation ────────────────────────────────────────────────────────────────────────────────────────────────

const WEEKDAYS: readonly Weekday[] = [0, 1, 2, 3, 4, 5, 6]
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const
const TIME_RE = /^([01]\d|2[0-3]):[0-5]\d$/
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/

function toMinuteOfDay(hhmm: string): number {
  if (hhmm === '24:00') return 24 * 60
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
}

function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0)
    return true
  } catch {
    return false
  }
}

function isValidLocalDate(value: string): boolean {
  const m = DATE_RE.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

const BusinessIntervalSchema = z
  .object({
    start: z.string().regex(TIME_RE, 'Start must be a time "HH:mm" between 00:00 and 23:59'),
    end: z
      .string()
      .refine((v) => v === '24:00' || TIME_RE.test(v), 'End must be a time "HH:mm" between 00:01 and 24:00'),
  })
  .refine((i) => !TIME_RE.test(i.start) || toMinuteOfDay(i.start) < toMinuteOfDay(i.end), {
    message: 'Start must be before end (an interval cannot cross midnight; split it over two days)',
    path: ['end'],
  })

const DayIntervalsSchema = z.array(BusinessIntervalSchema).superRefine((intervals, ctx) => {
  const sorted = intervals
    .map((interval, index) => ({ interval, index }))
    .sort((a, b) => toMinuteOfDay(a.interval.start) - toMinuteOfDay(b.interval.start))
  for (let k = 1; k < sorted.length; k++) {
    const prev = sorted[k - 1]
    const cur = sorted[k]
    if (toMinuteOfDay(cur.interval.start) < toMinuteOfDay(prev.interval.end)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [cur.index],
        message: `Overlaps ${prev.interval.start}–${prev.interval.end}`,
      })
    }
  }
})

export const BusinessCalendarSchema = z
  .object({
    timeZone: z.string().refine(isValidTimeZone, (v) => ({
      message: `Unknown time zone "${v}" (use an IANA name such as "Europe/London")`,
    })),
    weekly: z.object({
      0: DayIntervalsSchema,
      1: DayIntervalsSchema,
      2: DayIntervalsSchema,
      3: DayIntervalsSchema,
      4: DayIntervalsSchema,
      5: DayIntervalsSchema,
      6: DayIntervalsSchema,
    }),
    holidays: z.array(
      z.string().refine(isValidLocalDate, (v) => ({ message: `"${v}" is not a valid date "YYYY-MM-DD"` })),
    ),
  })
  .refine((c) => WEEKDAYS.some((d) => c.weekly[d].length > 0), {
    message: 'The calendar is never open: add opening hours to at least one day',
    path: ['weekly'],
  })

// Compile-time check that the schema and the hand-written type agree.
const _schemaMatchesType: (c: z.infer<typeof BusinessCalendarSchema>) => BusinessCalendar = (c) => c
void _schemaMatchesType

// ─── The clock ─────────────────────────────────────────────────────────────────────────────────────────────────

const MS_PER_MINUTE = 60_000
/** A holiday list cannot keep a calendar closed longer than this; beyond it the calendar is treated as broken. */
const MAX_CLOSED_DAYS = 3 * 366

type Segment = { start: number; end: number }

function assertUsable(calendar: BusinessCalendar): void {
  if (!WEEKDAYS.some((d) => (calendar.weekly[d] ?? []).length > 0)) {
    throw new RangeError('Business calendar has no opening hours (validate it with BusinessCalendarSchema)')
  }
}

/** Local calendar date (in `timeZone`) of an instant, as a UTC-midnight day number we can step with plain math. */
function localDayNumber(instant: number, timeZone: string): number {
  const local = new TZDate(instant, timeZone)
  return Date.UTC(local.getFullYear(), local.getMonth(), local.getDate()) / 86_400_000
}

/**
 * Wall-clock → instant conversions are the walk's only real cost (a TZDate construction each, ~40 µs), and every
 * clock walks the same recent days again and again (each ticket event recomputes its clocks), so they are memoised.
 * Pure function of its arguments, bounded: the cache is dropped whole when it grows past WALL_CLOCK_CACHE_MAX.
 */
const wallClockCache = new Map<string, number>()
const WALL_CLOCK_CACHE_MAX = 100_000

/** The instant of wall-clock `minuteOfDay` on local day `dayNumber` in `timeZone`. */
function wallClockInstant(dayNumber: number, minuteOfDay: number, timeZone: string): number {
  const key = `${timeZone}|${dayNumber}|${minuteOfDay}`
  const cached = wallClockCache.get(key)
  if (cached !== undefined) return cached
  if (wallClockCache.size >= WALL_CLOCK_CACHE_MAX) wallClockCache.clear()
  const instant = computeWallClockInstant(dayNumber, minuteOfDay, timeZone)
  wallClockCache.set(key, instant)
  return instant
}

function computeWallClockInstant(dayNumber: number, minuteOfDay: number, timeZone: string): number {
  const day = new Date((dayNumber + Math.floor(minuteOfDay / 1440)) * 86_400_000)
  const m = minuteOfDay % 1440
  return new TZDate(
    day.getUTCFullYear(),
    day.getUTCMonth(),
    day.getUTCDate(),
    Math.floor(m / 60),
    m % 60,
    timeZone,
  ).getTime()
}

function dayKey(dayNumber: number): string {
  return new Date(dayNumber * 86_400_000).toISOString().slice(0, 10)
}

/**
 * Open intervals of the calendar as instants, in order, clipped to start at or after `from`. Endless: callers stop
 * iterating. Yields nothing only if the calendar has no hours at all (rejected up front).
 */
function* openSegments(from: number, calendar: BusinessCalendar): Generator<Segment> {
  assertUsable(calendar)
  const holidays = new Set(calendar.holidays)
  const weekly = WEEKDAYS.map((d) =>
    [...(calendar.weekly[d] ?? [])]
      .map((i) => ({ start: toMinuteOfDay(i.start), end: toMinuteOfDay(i.end) }))
      .sort((a, b) => a.start - b.start),
  )
  // Segments are kept ordered and disjoint even if a zone's transitions make wall-clock instants misbehave.
  let floor = from
  let closedDays = 0
  for (let day = localDayNumber(from, calendar.timeZone); ; day++) {
    const weekday = new Date(day * 86_400_000).getUTCDay()
    const intervals = holidays.has(dayKey(day)) ? [] : weekly[weekday]
    if (intervals.length === 0) {
      if (++closedDays > MAX_CLOSED_DAYS) {
        throw new RangeError(`Business calendar is closed for more than ${MAX_CLOSED_DAYS} days in a row`)
      }
      continue
    }
    closedDays = 0
    for (const interval of intervals) {
      const start = Math.max(floor, wallClockInstant(day, interval.start, calendar.timeZone))
      const end = wallClockInstant(day, interval.end, calendar.timeZone)
      if (end > start) {
        floor = end
        yield { start, end }
      }
    }
  }
}

/** Pauses as sorted, disjoint [from, to) ranges in ms; an open pause ends at +Infinity. */
function mergePauses(pauses: readonly Pause[] | undefined): Segment[] {
  const ranges = (pauses ?? [])
    .map((p) => {
      const start = toMs(p.from, 'pause.from')
      const end = p.to === null ? Infinity : toMs(p.to, 'pause.to')
      if (end < start) {
        throw new RangeError(`A pause ends (${p.to?.toISOString()}) before it starts (${p.from.toISOString()})`)
      }
      return { start, end }
    })
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start)
  const merged: Segment[] = []
  for (const r of ranges) {
    const last = merged[merged.length - 1]
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end)
    else merged.push({ ...r })
  }
  return merged
}

/**
 * Open, unpaused segments from `from` onwards. Ends (returns) when an open-ended pause swallows the rest of time.
 */
function* countingSegments(from: number, calendar: BusinessCalendar, pauses: Segment[]): Generator<Segment> {
  let p = 0
  for (const seg of openSegments(from, calendar)) {
    let cursor = seg.start
    while (cursor < seg.end) {
      while (p < pauses.length && pauses[p].end <= cursor) p++
      const pause = pauses[p]
      if (!pause || pause.start >= seg.end) {
        yield { start: cursor, end: seg.end }
        break
      }
      if (pause.start > cursor) yield { start: cursor, end: pause.start }
      if (pause.end === Infinity) return
      cursor = pause.end
    }
  }
}

function toMs(date: Date, name: string): number {
  const ms = date.getTime()
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is an invalid Date`)
  return ms
}

/**
 * The deadline: the instant at which `minutes` of open, unpaused time have elapsed since `start`.
 * `null` when an open-ended pause (`to: null`) stops the clock before the target is reached.
 */
export function addBusinessTime(
  start: Date,
  minutes: number,
  calendar: BusinessCalendar,
  pauses?: readonly Pause[],
): Date | null {
  const from = toMs(start, 'start')
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`minutes must be a finite number ≥ 0, got ${minutes}`)
  }
  let remaining = Math.round(minutes * MS_PER_MINUTE)
  for (const seg of countingSegments(from, calendar, mergePauses(pauses))) {
    const length = seg.end - seg.start
    if (remaining <= length) return new Date(seg.start + remaining)
    remaining -= length
  }
  return null
}

/**
 * Open, unpaused minutes between two instants (fractional when the instants are not on whole minutes).
 * Negative when `to` is before `from`.
 */
export function businessTimeBetween(
  from: Date,
  to: Date,
  calendar: BusinessCalendar,
  pauses?: readonly Pause[],
): number {
  const a = toMs(from, 'from')
  const b = toMs(to, 'to')
  if (b < a) return -businessTimeBetween(to, from, calendar, pauses)
  let total = 0
  if (b === a) return 0
  for (const seg of countingSegments(a, calendar, mergePauses(pauses))) {
    if (seg.start >= b) break
    total += Math.min(seg.end, b) - seg.start
  }
  return total / MS_PER_MINUTE
}

/** Whether the calendar is open at `instant` (interval starts are open, ends are closed; holidays are closed). */
export function isOpenAt(instant: Date, calendar: BusinessCalendar): boolean {
  const t = toMs(instant, 'instant')
  for (const seg of openSegments(t, calendar)) return seg.start === t
  return false
}

/** The earliest instant at or after `instant` when the calendar is open (`instant` itself if already open). */
export function nextOpening(instant: Date, calendar: BusinessCalendar): Date {
  const t = toMs(instant, 'instant')
  for (const seg of openSegments(t, calendar)) return new Date(seg.start)
  // Unreachable: openSegments is endless or throws.
  throw new RangeError('Business calendar has no opening hours')
}
