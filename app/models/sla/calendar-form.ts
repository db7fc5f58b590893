import { z } from 'zod'
import type { BusinessCalendar, BusinessInterval, Weekday } from './business-hours.ts'

/**
 * The SLA policy form's text forms of a business calendar and of targets, both ways (isomorphic: the page shows them,
 * the model parses them; app/models/sla/sla-policy.server.ts validates the result with BusinessCalendarSchema).
 * - a day's hours: `09:00-17:00` or `08:00-12:00, 13:00-17:00`; empty = closed;
 * - holidays: `YYYY-MM-DD`, separated by commas, spaces or lines;
 * - a duration in business time: `90`, `45m`, `8h`, `1h 30m` (minutes when no unit).
 */

/** The SLA policy form as posted (isomorphic: the route's action schema is built from it on both sides): text fields (targets as durations, the calendar as one text per weekday). */
export const SlaPolicyFormSchema = z.object({
  name: z.string().max(200),
  priority: z.string().max(20).optional(),
  tag: z.string().max(200).optional(),
  position: z.string().max(10).optional(),
  firstResponse: z.string().max(40),
  nextResponse: z.string().max(40),
  resolution: z.string().max(40),
  warningMode: z.enum(['percent', 'before']).default('percent'),
  warningValue: z.string().max(40).optional(),
  timeZone: z.string().max(100),
  day0: z.string().max(200).default(''),
  day1: z.string().max(200).default(''),
  day2: z.string().max(200).default(''),
  day3: z.string().max(200).default(''),
  day4: z.string().max(200).default(''),
  day5: z.string().max(200).default(''),
  day6: z.string().max(200).default(''),
  holidays: z.string().max(4000).default(''),
})
export type SlaPolicyForm = z.infer<typeof SlaPolicyFormSchema>

export const WEEK_ORDER: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 0]
export const DAY_LABELS: Record<Weekday, string> = { 0: 'Sunday', 1: 'Monday', 2: 'Tuesday', 3: 'Wednesday', 4: 'Thursday', 5: 'Friday', 6: 'Saturday' }

export function formatDayHours(intervals: readonly BusinessInterval[]) {
  return intervals.map((interval) => `${interval.start}-${interval.end}`).join(', ')
}

/** `09:00-12:00, 13:00-17:00` → intervals (unvalidated times: the schema says what is wrong with them). */
export function parseDayHours(text: string): BusinessInterval[] | { error: string } {
  const parts = text
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter(Boolean)
  const intervals: BusinessInterval[] = []
  for (const part of parts) {
    const match = /^(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})$/.exec(part)
    if (!match) return { error: `“${part}” is not hours like 09:00-17:00` }
    const pad = (time: string) => (time.length === 4 ? `0${time}` : time)
    intervals.push({ start: pad(match[1]!), end: pad(match[2]!) })
  }
  return intervals
}

export function parseHolidays(text: string) {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))].sort()
}

/** `1h 30m` → 90; `90` → 90; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const value = text.trim().toLowerCase()
  if (/^\d+$/.test(value)) return Number(value)
  const match = /^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$/.exec(value)
  if (!match || (match[1] === undefined && match[2] === undefined)) return null
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)
}

/** 90 → `1h 30m`; 480 → `8h`; 45 → `45m`. */
export function formatDuration(minutes: number) {
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return [hours ? `${hours}h` : null, rest || !hours ? `${rest}m` : null].filter(Boolean).join(' ')
}

/** One line for the policies table: `Mon–Fri 09:00-17:00 · Europe/London · 2 holidays`. */
export function describeCalendar(calendar: BusinessCalendar) {
  const groups: { days: Weekday[]; hours: string }[] = []
  for (const day of WEEK_ORDER) {
    const hours = formatDayHours(calendar.weekly[day] ?? [])
    const last = groups.at(-1)
    if (last && last.hours === hours) last.days.push(day)
    else groups.push({ days: [day], hours })
  }
  const short = (day: Weekday) => DAY_LABELS[day].slice(0, 3)
  const parts = groups
    .filter((group) => group.hours !== '')
    .map((group) => `${group.days.length > 1 ? `${short(group.days[0]!)}–${short(group.days.at(-1)!)}` : short(group.days[0]!)} ${group.hours === '00:00-24:00' ? 'all day' : group.hours}`)
  const holidays = calendar.holidays.length
  return [parts.join(', ') || 'never open', calendar.timeZone, holidays ? `${holidays} holiday${holidays === 1 ? '' : 's'}` : null].filter(Boolean).join(' · ')
}
