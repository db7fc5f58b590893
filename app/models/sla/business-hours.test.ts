import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  ALWAYS_OPEN,
  addBusinessTime,
  type BusinessCalendar,
  BusinessCalendarSchema,
  type BusinessInterval,
  businessTimeBetween,
  isOpenAt,
  nextOpening,
  type Pause,
} from './business-hours.ts'

// Reference dates (2026): Mon 5 Jan … Fri 9 Jan, Sat 10, Sun 11, Mon 12 Jan. In January London is on GMT (= UTC)
// and New York on EST (UTC−5). DST changes: London Sun 29 Mar (01:00 GMT → 02:00 BST) and Sun 25 Oct
// (02:00 BST → 01:00 GMT); New York Sun 8 Mar (02:00 EST → 03:00 EDT).

const at = (iso: string) => new Date(iso)
const iso = (d: Date | null) => (d === null ? null : d.toISOString())
const H = 60

function weekdays(intervals: BusinessInterval[], timeZone: string, holidays: string[] = []): BusinessCalendar {
  const w = intervals
  return { timeZone, weekly: { 0: [], 1: w, 2: w, 3: w, 4: w, 5: w, 6: [] }, holidays }
}
function everyDay(intervals: BusinessInterval[], timeZone: string): BusinessCalendar {
  const w = intervals
  return { timeZone, weekly: { 0: w, 1: w, 2: w, 3: w, 4: w, 5: w, 6: w }, holidays: [] }
}
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }]
const LONDON = weekdays(NINE_TO_FIVE, 'Europe/London')
const NEW_YORK = weekdays(NINE_TO_FIVE, 'America/New_York')
const SPLIT_UTC = weekdays(
  [
    { start: '09:00', end: '12:00' },
    { start: '13:00', end: '17:00' },
  ],
  'UTC',
)

describe('addBusinessTime: within a day, overnight, weekends', () => {
  test('within one day', () => {
    // Mon 10:00 + 1 h 30 = Mon 11:30 (GMT = UTC in January)
    expect(iso(addBusinessTime(at('2026-01-05T10:00:00Z'), 90, LONDON))).toBe('2026-01-05T11:30:00.000Z')
  })

  test('a target that ends exactly at closing is due at closing, not at the next opening', () => {
    // Mon 09:00 + 8 h = Mon 17:00 (the closing instant), not Tue 09:00
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), 8 * H, LONDON))).toBe('2026-01-05T17:00:00.000Z')
  })

  test('overnight', () => {
    // Mon 16:00 + 2 h: 1 h Mon (16–17) + 1 h Tue (09–10) = Tue 10:00
    expect(iso(addBusinessTime(at('2026-01-05T16:00:00Z'), 2 * H, LONDON))).toBe('2026-01-06T10:00:00.000Z')
  })

  test('over a weekend', () => {
    // Fri 16:00 + 2 h: 1 h Fri (16–17), Sat and Sun closed, 1 h Mon (09–10) = Mon 10:00
    expect(iso(addBusinessTime(at('2026-01-09T16:00:00Z'), 2 * H, LONDON))).toBe('2026-01-12T10:00:00.000Z')
  })

  test('a full business week', () => {
    // Wed 13:00 + 40 h: Wed 4 h + Thu 8 + Fri 8 + Mon 8 + Tue 8 = 36 h, 4 h left on Wed 14 Jan → 13:00
    expect(iso(addBusinessTime(at('2026-01-07T13:00:00Z'), 40 * H, LONDON))).toBe('2026-01-14T13:00:00.000Z')
  })

  test('30 business days are computed day by day, not minute by minute', () => {
    // 30 × 8 h from Mon 5 Jan 09:00 = six full Mon–Fri weeks → Fri 13 Feb 17:00
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), 30 * 8 * H, LONDON))).toBe('2026-02-13T17:00:00.000Z')
    // Five years of business hours (≈ 1 300 days) must still be instant.
    const t0 = performance.now()
    // 260 weeks × 40 h from Mon 5 Jan 2026 09:00 (UTC calendar) ends at the 260th Friday's closing:
    // 5 Jan 2026 + 260 weeks = Mon 30 Dec 2030; minus 3 days = Fri 27 Dec 2030, 17:00
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), 260 * 40 * H, weekdays(NINE_TO_FIVE, 'UTC')))).toBe(
      '2030-12-27T17:00:00.000Z',
    )
    expect(performance.now() - t0).toBeLessThan(500)
  })
})

describe('addBusinessTime: starting in closed time, zero and fractional minutes', () => {
  test('start on a Saturday: the clock starts at Monday opening', () => {
    // Sat 10:00 → clock starts Mon 09:00; + 1 h = Mon 10:00
    expect(iso(addBusinessTime(at('2026-01-10T10:00:00Z'), H, LONDON))).toBe('2026-01-12T10:00:00.000Z')
  })

  test('start before opening', () => {
    // Mon 07:00 → starts 09:00; + 1 h = 10:00
    expect(iso(addBusinessTime(at('2026-01-05T07:00:00Z'), H, LONDON))).toBe('2026-01-05T10:00:00.000Z')
  })

  test('start at the closing instant (interval end is exclusive)', () => {
    // Mon 17:00 is closed → starts Tue 09:00; + 1 h = Tue 10:00
    expect(iso(addBusinessTime(at('2026-01-05T17:00:00Z'), H, LONDON))).toBe('2026-01-06T10:00:00.000Z')
  })

  test('zero minutes is the start of the clock', () => {
    // Open: the start itself. Closed (Sat 10:00): the next opening, Mon 09:00.
    expect(iso(addBusinessTime(at('2026-01-05T10:15:00Z'), 0, LONDON))).toBe('2026-01-05T10:15:00.000Z')
    expect(iso(addBusinessTime(at('2026-01-10T10:00:00Z'), 0, LONDON))).toBe('2026-01-12T09:00:00.000Z')
  })

  test('fractional minutes are honoured to the millisecond', () => {
    // Mon 16:59:30 + 1.5 min: 30 s Mon + 60 s Tue = Tue 09:01:00
    expect(iso(addBusinessTime(at('2026-01-05T16:59:30Z'), 1.5, LONDON))).toBe('2026-01-06T09:01:00.000Z')
  })

  test('rejects negative or non-finite minutes and invalid dates', () => {
    expect(() => addBusinessTime(at('2026-01-05T10:00:00Z'), -1, LONDON)).toThrow(/minutes must be/)
    expect(() => addBusinessTime(at('2026-01-05T10:00:00Z'), Number.NaN, LONDON)).toThrow(/minutes must be/)
    expect(() => addBusinessTime(new Date('nope'), 1, LONDON)).toThrow(/invalid Date/)
  })

  test('a calendar with no hours at all throws instead of looping forever', () => {
    const never = weekdays([], 'UTC')
    expect(() => addBusinessTime(at('2026-01-05T10:00:00Z'), 1, never)).toThrow(/no opening hours/)
  })
})

describe('holidays', () => {
  test('a holiday on the Monday after a weekend', () => {
    // Fri 16:00 + 2 h: 1 h Fri, Sat/Sun closed, Mon 12 Jan holiday, 1 h Tue → Tue 13 Jan 10:00
    const cal = weekdays(NINE_TO_FIVE, 'Europe/London', ['2026-01-12'])
    expect(iso(addBusinessTime(at('2026-01-09T16:00:00Z'), 2 * H, cal))).toBe('2026-01-13T10:00:00.000Z')
  })

  test('Christmas: Fri 25 and Mon 28 Dec closed', () => {
    // Thu 24 Dec 16:00 + 2 h: 1 h Thu, Fri (holiday), Sat, Sun, Mon (holiday) closed, 1 h Tue 29 → 10:00
    const cal = weekdays(NINE_TO_FIVE, 'Europe/London', ['2026-12-25', '2026-12-28'])
    expect(iso(addBusinessTime(at('2026-12-24T16:00:00Z'), 2 * H, cal))).toBe('2026-12-29T10:00:00.000Z')
    expect(businessTimeBetween(at('2026-12-24T16:00:00Z'), at('2026-12-29T10:00:00Z'), cal)).toBe(2 * H)
  })

  test('a holiday is the local day, not the UTC day', () => {
    // New York, holiday Fri 9 Jan. Fri 9 Jan 03:00Z is still Thu 8 Jan 22:00 EST (closed, not the holiday).
    // Thu 8 Jan 21:00Z (16:00 EST) + 2 h: 1 h Thu, Fri holiday, 1 h Mon 12 (09–10 EST = 14–15Z) → 15:00Z
    const cal = weekdays(NINE_TO_FIVE, 'America/New_York', ['2026-01-09'])
    expect(iso(addBusinessTime(at('2026-01-08T21:00:00Z'), 2 * H, cal))).toBe('2026-01-12T15:00:00.000Z')
    expect(isOpenAt(at('2026-01-09T15:00:00Z'), cal)).toBe(false)
    expect(isOpenAt(at('2026-01-08T15:00:00Z'), cal)).toBe(true)
  })
})

describe('time zones', () => {
  test('New York calendar vs UTC instants (EST, UTC−5)', () => {
    // Mon 5 Jan 20:00Z = 15:00 EST. + 3 h: 2 h Mon (15–17 EST), 1 h Tue (09–10 EST = 14–15Z) → Tue 15:00Z
    expect(iso(addBusinessTime(at('2026-01-05T20:00:00Z'), 3 * H, NEW_YORK))).toBe('2026-01-06T15:00:00.000Z')
    // Sat 10 Jan 01:00Z is a UTC Saturday but Fri 9 Jan 20:00 EST: closed, next opening Mon 09:00 EST = 14:00Z
    expect(iso(nextOpening(at('2026-01-10T01:00:00Z'), NEW_YORK))).toBe('2026-01-12T14:00:00.000Z')
    // Mon 13:59Z = 08:59 EST closed, 14:00Z = 09:00 EST open
    expect(isOpenAt(at('2026-01-05T13:59:00Z'), NEW_YORK)).toBe(false)
    expect(isOpenAt(at('2026-01-05T14:00:00Z'), NEW_YORK)).toBe(true)
  })

  test('London in summer (BST, UTC+1)', () => {
    // Mon 1 Jun 07:00Z = 08:00 BST → opens 09:00 BST = 08:00Z; + 1 h = 09:00Z
    expect(iso(addBusinessTime(at('2026-06-01T07:00:00Z'), H, LONDON))).toBe('2026-06-01T09:00:00.000Z')
    // The same instant on a UTC calendar: 07:00Z closed, opens 09:00Z, + 1 h = 10:00Z
    expect(iso(addBusinessTime(at('2026-06-01T07:00:00Z'), H, weekdays(NINE_TO_FIVE, 'UTC')))).toBe(
      '2026-06-01T10:00:00.000Z',
    )
  })

  test('a zone east of UTC, where the local Monday starts on the UTC Sunday', () => {
    // Asia/Tokyo is UTC+9, no DST. Sun 4 Jan 15:30Z = Mon 5 Jan 00:30 JST (closed); opens 09:00 JST = Mon 00:00Z
    const tokyo = weekdays(NINE_TO_FIVE, 'Asia/Tokyo')
    expect(iso(nextOpening(at('2026-01-04T15:30:00Z'), tokyo))).toBe('2026-01-05T00:00:00.000Z')
    expect(isOpenAt(at('2026-01-04T23:59:00Z'), tokyo)).toBe(false)
    // Mon 07:00Z = Mon 16:00 JST. + 2 h: 1 h Mon (16–17 JST), 1 h Tue 09–10 JST (= Tue 00–01Z) → Tue 01:00Z
    expect(iso(addBusinessTime(at('2026-01-05T07:00:00Z'), 2 * H, tokyo))).toBe('2026-01-06T01:00:00.000Z')
  })
})

describe('DST changes', () => {
  test('London spring forward (Sun 29 Mar 2026): Fri GMT, Mon BST', () => {
    // Fri 27 Mar 16:00Z = 16:00 GMT. + 2 h: 1 h Fri, 1 h Mon 30 Mar 09–10 BST = 08–09Z → 09:00Z
    expect(iso(addBusinessTime(at('2026-03-27T16:00:00Z'), 2 * H, LONDON))).toBe('2026-03-30T09:00:00.000Z')
    // Fri 09:00Z → Mon 09:00Z: Fri 8 h (09–17 GMT) + Mon 1 h (09–10 BST) = 9 h
    expect(businessTimeBetween(at('2026-03-27T09:00:00Z'), at('2026-03-30T09:00:00Z'), LONDON)).toBe(9 * H)
  })

  test('London 09:00–17:00 is 8 h on both change days, with instants shifted by the offset', () => {
    const daily = everyDay(NINE_TO_FIVE, 'Europe/London')
    // Sun 29 Mar: opens 09:00 BST = 08:00Z; + 8 h = 17:00 BST = 16:00Z
    expect(iso(addBusinessTime(at('2026-03-29T00:00:00Z'), 8 * H, daily))).toBe('2026-03-29T16:00:00.000Z')
    // Sun 25 Oct: opens 09:00 GMT = 09:00Z; + 8 h = 17:00 GMT = 17:00Z
    expect(iso(addBusinessTime(at('2026-10-25T00:00:00Z'), 8 * H, daily))).toBe('2026-10-25T17:00:00.000Z')
    // Sat 24 Oct 08:00Z (09:00 BST) → Sun 25 Oct 17:00Z (17:00 GMT): 8 h + 8 h = 16 h
    expect(businessTimeBetween(at('2026-10-24T08:00:00Z'), at('2026-10-25T17:00:00Z'), daily)).toBe(16 * H)
    // Sat 28 Mar 16:00Z (16:00 GMT) + 2 h: 1 h Sat, Sun opens 09:00 BST = 08:00Z, + 1 h → 09:00Z
    expect(iso(addBusinessTime(at('2026-03-28T16:00:00Z'), 2 * H, daily))).toBe('2026-03-29T09:00:00.000Z')
  })

  test('London fall back (Sun 25 Oct 2026): Fri BST, Mon GMT', () => {
    // Fri 23 Oct 15:00Z = 16:00 BST. + 2 h: 1 h Fri (16–17 BST), 1 h Mon 26 Oct 09–10 GMT → 10:00Z
    expect(iso(addBusinessTime(at('2026-10-23T15:00:00Z'), 2 * H, LONDON))).toBe('2026-10-26T10:00:00.000Z')
  })

  test('New York spring forward (Sun 8 Mar 2026): Fri EST, Mon EDT', () => {
    // Fri 6 Mar 21:00Z = 16:00 EST. + 2 h: 1 h Fri, Mon 9 Mar opens 09:00 EDT = 13:00Z, + 1 h → 14:00Z
    expect(iso(addBusinessTime(at('2026-03-06T21:00:00Z'), 2 * H, NEW_YORK))).toBe('2026-03-09T14:00:00.000Z')
    expect(isOpenAt(at('2026-03-09T13:00:00Z'), NEW_YORK)).toBe(true)
    expect(isOpenAt(at('2026-03-09T12:59:00Z'), NEW_YORK)).toBe(false)
  })

  test('24×7 counts real hours across the changes', () => {
    const londonAllDay = { ...ALWAYS_OPEN, timeZone: 'Europe/London' }
    const newYorkAllDay = { ...ALWAYS_OPEN, timeZone: 'America/New_York' }
    // 24 h from Sat 28 Mar 12:00Z = Sun 29 Mar 12:00Z (24 real hours; the wall clock says 13:00 BST)
    expect(iso(addBusinessTime(at('2026-03-28T12:00:00Z'), 24 * H, londonAllDay))).toBe('2026-03-29T12:00:00.000Z')
    expect(iso(addBusinessTime(at('2026-10-24T12:00:00Z'), 24 * H, londonAllDay))).toBe('2026-10-25T12:00:00.000Z')
    expect(iso(addBusinessTime(at('2026-03-07T17:00:00Z'), 24 * H, newYorkAllDay))).toBe('2026-03-08T17:00:00.000Z')
    expect(iso(addBusinessTime(at('2026-03-28T12:00:00Z'), 24 * H, ALWAYS_OPEN))).toBe('2026-03-29T12:00:00.000Z')
    // The local day itself: 29 Mar London is 23 h (00:00 GMT = 00:00Z → 24:00 BST = 23:00Z), 25 Oct is 25 h
    // (00:00 BST = 24 Oct 23:00Z → 24:00 GMT = 26 Oct 00:00Z).
    expect(businessTimeBetween(at('2026-03-29T00:00:00Z'), at('2026-03-29T23:00:00Z'), londonAllDay)).toBe(23 * H)
    expect(businessTimeBetween(at('2026-10-24T23:00:00Z'), at('2026-10-26T00:00:00Z'), londonAllDay)).toBe(25 * H)
  })

  test('an interval that contains the change lasts its real length', () => {
    // Open Sundays 00:00–04:00 London. On 29 Mar: 00:00 GMT = 00:00Z to 04:00 BST = 03:00Z → 3 h.
    const nightShift: BusinessCalendar = {
      timeZone: 'Europe/London',
      weekly: { 0: [{ start: '00:00', end: '04:00' }], 1: [], 2: [], 3: [], 4: [], 5: [], 6: [] },
      holidays: [],
    }
    expect(businessTimeBetween(at('2026-03-29T00:00:00Z'), at('2026-03-29T12:00:00Z'), nightShift)).toBe(3 * H)
    // On 25 Oct: 00:00 BST = 24 Oct 23:00Z to 04:00 GMT = 04:00Z → 5 h
    expect(businessTimeBetween(at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z'), nightShift)).toBe(5 * H)
  })
})

describe('wall times skipped or repeated by a DST change (London)', () => {
  const sundays = (interval: BusinessInterval): BusinessCalendar => ({
    timeZone: 'Europe/London',
    weekly: { 0: [interval], 1: [], 2: [], 3: [], 4: [], 5: [], 6: [] },
    holidays: [],
  })
  // Noon to noon around each change.
  const [SAT_28_MAR, SUN_29_MAR] = [at('2026-03-28T12:00:00Z'), at('2026-03-29T12:00:00Z')]
  const [SAT_24_OCT, SUN_25_OCT] = [at('2026-10-24T12:00:00Z'), at('2026-10-25T12:00:00Z')]

  test('spring forward: a skipped start time is read before the change', () => {
    // 29 Mar: 01:30 does not exist; read as 01:30 GMT = 01:30Z (= 02:30 BST). 03:00 BST = 02:00Z → 30 min
    expect(businessTimeBetween(SAT_28_MAR, SUN_29_MAR, sundays({ start: '01:30', end: '03:00' }))).toBe(30)
    // 01:00–02:00 is the hour that does not exist: 01:00Z → 01:00Z, nothing open
    expect(businessTimeBetween(SAT_28_MAR, SUN_29_MAR, sundays({ start: '01:00', end: '02:00' }))).toBe(0)
  })

  test('fall back: a repeated time is its second (GMT) occurrence', () => {
    // 25 Oct: 01:00–02:00 → 01:00 GMT = 01:00Z to 02:00 GMT = 02:00Z → 1 h, starting at 01:00Z (not 00:00Z)
    const cal = sundays({ start: '01:00', end: '02:00' })
    expect(businessTimeBetween(SAT_24_OCT, SUN_25_OCT, cal)).toBe(H)
    expect(iso(nextOpening(SAT_24_OCT, cal))).toBe('2026-10-25T01:00:00.000Z')
    // 00:30–02:00 → 00:30 BST = 24 Oct 23:30Z to 02:00Z → 2 h 30 (both 01:00–02:00 hours)
    expect(businessTimeBetween(SAT_24_OCT, SUN_25_OCT, sundays({ start: '00:30', end: '02:00' }))).toBe(150)
  })
})

describe('split days (09:00–12:00, 13:00–17:00)', () => {
  test('lunch does not count', () => {
    // Mon 11:00 + 2 h: 1 h (11–12), lunch, 1 h (13–14) → 14:00
    expect(iso(addBusinessTime(at('2026-01-05T11:00:00Z'), 2 * H, SPLIT_UTC))).toBe('2026-01-05T14:00:00.000Z')
    // Start at lunch 12:30 → clock starts 13:00; + 30 min → 13:30
    expect(iso(addBusinessTime(at('2026-01-05T12:30:00Z'), 30, SPLIT_UTC))).toBe('2026-01-05T13:30:00.000Z')
    // Target ending exactly at 12:00 is due at 12:00, not 13:00: 09:00 + 3 h
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), 3 * H, SPLIT_UTC))).toBe('2026-01-05T12:00:00.000Z')
    // A day is 7 h: Mon 09:00 → Tue 09:00 = 7 h
    expect(businessTimeBetween(at('2026-01-05T09:00:00Z'), at('2026-01-06T09:00:00Z'), SPLIT_UTC)).toBe(7 * H)
  })

  test('open/closed around lunch', () => {
    expect(isOpenAt(at('2026-01-05T11:59:59.999Z'), SPLIT_UTC)).toBe(true)
    expect(isOpenAt(at('2026-01-05T12:00:00Z'), SPLIT_UTC)).toBe(false)
    expect(isOpenAt(at('2026-01-05T13:00:00Z'), SPLIT_UTC)).toBe(true)
    expect(iso(nextOpening(at('2026-01-05T12:00:00Z'), SPLIT_UTC))).toBe('2026-01-05T13:00:00.000Z')
  })
})

describe('pauses (pending / on hold)', () => {
  const p = (from: string, to: string | null): Pause => ({ from: at(from), to: to === null ? null : at(to) })

  test('a pause inside open time pushes the deadline by its length', () => {
    // Mon 09:00 + 4 h = 13:00; paused 10:00–11:00 → 14:00
    const pauses = [p('2026-01-05T10:00:00Z', '2026-01-05T11:00:00Z')]
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), 4 * H, LONDON, pauses))).toBe('2026-01-05T14:00:00.000Z')
    expect(businessTimeBetween(at('2026-01-05T09:00:00Z'), at('2026-01-05T14:00:00Z'), LONDON, pauses)).toBe(4 * H)
  })

  test('a pause spanning a weekend only removes the open time it covers', () => {
    // Fri 16:00 + 2 h, paused Fri 16:30 → Mon 09:30: 30 min Fri, Mon from 09:30 + 1 h 30 → Mon 11:00
    const pauses = [p('2026-01-09T16:30:00Z', '2026-01-12T09:30:00Z')]
    expect(iso(addBusinessTime(at('2026-01-09T16:00:00Z'), 2 * H, LONDON, pauses))).toBe('2026-01-12T11:00:00.000Z')
  })

  test('overlapping pauses are merged, not counted twice', () => {
    // 10:00–11:00 ∪ 10:30–11:30 ∪ 11:15–11:20 = 10:00–11:30 (1 h 30). Mon 09:00 + 4 h = 13:00 + 1 h 30 → 14:30
    const pauses = [
      p('2026-01-05T10:30:00Z', '2026-01-05T11:30:00Z'),
      p('2026-01-05T10:00:00Z', '2026-01-05T11:00:00Z'),
      p('2026-01-05T11:15:00Z', '2026-01-05T11:20:00Z'),
    ]
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), 4 * H, LONDON, pauses))).toBe('2026-01-05T14:30:00.000Z')
  })

  test('a pause in closed time changes nothing; a pause before the start only matters where it overlaps', () => {
    const weekendPause = [p('2026-01-10T08:00:00Z', '2026-01-11T20:00:00Z')]
    expect(iso(addBusinessTime(at('2026-01-09T16:00:00Z'), 2 * H, LONDON, weekendPause))).toBe(
      '2026-01-12T10:00:00.000Z',
    )
    // Paused 08:00–10:00, start 09:00: counting starts at 10:00; + 1 h → 11:00
    const early = [p('2026-01-05T08:00:00Z', '2026-01-05T10:00:00Z')]
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), H, LONDON, early))).toBe('2026-01-05T11:00:00.000Z')
  })

  test('an open-ended pause means no deadline yet (null), unless the target is reached before it', () => {
    // Mon 09:00 + 4 h, paused from 10:00 with no end: only 1 h counted → null
    const running = [p('2026-01-05T10:00:00Z', null)]
    expect(addBusinessTime(at('2026-01-05T09:00:00Z'), 4 * H, LONDON, running)).toBeNull()
    // The same pause from 14:00 comes after the 13:00 deadline → 13:00
    const later = [p('2026-01-05T14:00:00Z', null)]
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), 4 * H, LONDON, later))).toBe('2026-01-05T13:00:00.000Z')
    // Target reached exactly when the pause begins: 09:00 + 1 h = 10:00 → 10:00
    expect(iso(addBusinessTime(at('2026-01-05T09:00:00Z'), H, LONDON, running))).toBe('2026-01-05T10:00:00.000Z')
    // Elapsed stops counting at the open pause: 09:00 → 17:00 counts only 09:00–10:00
    expect(businessTimeBetween(at('2026-01-05T09:00:00Z'), at('2026-01-05T17:00:00Z'), LONDON, running)).toBe(H)
  })

  test('a pause across a DST change (London fall back, Sun 25 Oct 2026) removes local open hours on both sides', () => {
    // Fri 23 Oct 09:00 BST (08:00Z) + 16 h; paused Fri 16:00 BST (15:00Z) → Tue 27 Oct 10:00 GMT (10:00Z).
    // Counted: Fri 09–16 (7 h). Paused: Fri 16–17, Mon 26 (09:00–17:00 GMT), Tue 09–10. Remaining 9 h: Tue 10–17 (7 h),
    // Wed 09:00–11:00 GMT → Wed 28 Oct 11:00Z.
    const pauses = [p('2026-10-23T15:00:00Z', '2026-10-27T10:00:00Z')]
    expect(iso(addBusinessTime(at('2026-10-23T08:00:00Z'), 16 * H, LONDON, pauses))).toBe('2026-10-28T11:00:00.000Z')
    expect(businessTimeBetween(at('2026-10-23T08:00:00Z'), at('2026-10-28T11:00:00Z'), LONDON, pauses)).toBe(16 * H)
    // The paused business time is 1 h (Fri) + 8 h (Mon) + 1 h (Tue), each in its own offset.
    expect(businessTimeBetween(at('2026-10-23T15:00:00Z'), at('2026-10-27T10:00:00Z'), LONDON)).toBe(10 * H)
  })

  test('a pause that ends before it starts is rejected', () => {
    const backwards = [p('2026-01-05T11:00:00Z', '2026-01-05T10:00:00Z')]
    expect(() => addBusinessTime(at('2026-01-05T09:00:00Z'), H, LONDON, backwards)).toThrow(/ends .* before it starts/)
  })

  test('pauses on a 24×7 clock', () => {
    // "Return received, not refunded 48 h" paused 6 h: Mon 10:00Z + 48 h = Wed 10:00Z, + 6 h → Wed 16:00Z
    const pauses = [p('2026-01-05T12:00:00Z', '2026-01-05T18:00:00Z')]
    expect(iso(addBusinessTime(at('2026-01-05T10:00:00Z'), 48 * H, ALWAYS_OPEN, pauses))).toBe(
      '2026-01-07T16:00:00.000Z',
    )
  })
})

describe('businessTimeBetween', () => {
  test('elapsed open minutes, antisymmetric, zero for closed spans', () => {
    // Fri 16:00 → Mon 10:00: 1 h + 1 h
    expect(businessTimeBetween(at('2026-01-09T16:00:00Z'), at('2026-01-12T10:00:00Z'), LONDON)).toBe(2 * H)
    // Reversed: overdue by 2 h
    expect(businessTimeBetween(at('2026-01-12T10:00:00Z'), at('2026-01-09T16:00:00Z'), LONDON)).toBe(-2 * H)
    expect(businessTimeBetween(at('2026-01-05T10:00:00Z'), at('2026-01-05T10:00:00Z'), LONDON)).toBe(0)
    // Sat 00:00 → Mon 09:00: nothing open
    expect(businessTimeBetween(at('2026-01-10T00:00:00Z'), at('2026-01-12T09:00:00Z'), LONDON)).toBe(0)
    // 30 s of open time = 0.5 min
    expect(businessTimeBetween(at('2026-01-05T10:00:00Z'), at('2026-01-05T10:00:30Z'), LONDON)).toBe(0.5)
    // A full week Mon 00:00 → next Mon 00:00 = 5 × 8 h = 40 h
    expect(businessTimeBetween(at('2026-01-05T00:00:00Z'), at('2026-01-12T00:00:00Z'), LONDON)).toBe(40 * H)
  })
})

describe('isOpenAt / nextOpening', () => {
  test('interval start is open, end is closed; holidays are closed', () => {
    expect(isOpenAt(at('2026-01-05T09:00:00Z'), LONDON)).toBe(true)
    expect(isOpenAt(at('2026-01-05T16:59:59.999Z'), LONDON)).toBe(true)
    expect(isOpenAt(at('2026-01-05T17:00:00Z'), LONDON)).toBe(false)
    expect(isOpenAt(at('2026-01-10T12:00:00Z'), LONDON)).toBe(false)
    expect(isOpenAt(at('2026-01-05T12:00:00Z'), weekdays(NINE_TO_FIVE, 'Europe/London', ['2026-01-05']))).toBe(false)
    expect(isOpenAt(at('2026-03-29T01:30:00Z'), ALWAYS_OPEN)).toBe(true)
  })

  test('next opening is the instant itself when open, else the next interval start', () => {
    expect(iso(nextOpening(at('2026-01-05T10:00:00Z'), LONDON))).toBe('2026-01-05T10:00:00.000Z')
    expect(iso(nextOpening(at('2026-01-05T17:00:00Z'), LONDON))).toBe('2026-01-06T09:00:00.000Z')
    expect(iso(nextOpening(at('2026-01-09T18:00:00Z'), LONDON))).toBe('2026-01-12T09:00:00.000Z')
    // Holiday Monday after the weekend → Tuesday
    const cal = weekdays(NINE_TO_FIVE, 'Europe/London', ['2026-01-12'])
    expect(iso(nextOpening(at('2026-01-09T18:00:00Z'), cal))).toBe('2026-01-13T09:00:00.000Z')
  })
})

describe('BusinessCalendarSchema', () => {
  const messages = (input: unknown) => {
    const result = BusinessCalendarSchema.safeParse(input)
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
  }

  test('accepts the calendars used above and ALWAYS_OPEN', () => {
    for (const cal of [LONDON, NEW_YORK, SPLIT_UTC, ALWAYS_OPEN, weekdays(NINE_TO_FIVE, 'UTC', ['2026-12-25'])]) {
      expect(messages(cal)).toEqual([])
    }
  })

  test('touching intervals are allowed', () => {
    expect(
      messages(weekdays([{ start: '09:00', end: '12:00' }, { start: '12:00', end: '17:00' }], 'UTC')),
    ).toEqual([])
  })

  test('explains what is wrong, where', () => {
    expect(messages({ ...LONDON, timeZone: 'Europe/Londn' })).toEqual([
      'timeZone: Unknown time zone "Europe/Londn" (use an IANA name such as "Europe/London")',
    ])
    expect(messages(weekdays([{ start: '17:00', end: '09:00' }], 'UTC'))).toContain(
      'weekly.1.0.end: Start must be before end (an interval cannot cross midnight; split it over two days)',
    )
    expect(
      messages(weekdays([{ start: '09:00', end: '13:00' }, { start: '12:00', end: '17:00' }], 'UTC')),
    ).toContain('weekly.1.1: Overlaps 09:00–13:00')
    expect(messages(weekdays([{ start: '9:00', end: '17:00' }], 'UTC'))).toContain(
      'weekly.1.0.start: Start must be a time "HH:mm" between 00:00 and 23:59',
    )
    expect(messages(weekdays([{ start: '09:00', end: '24:30' }], 'UTC'))).toContain(
      'weekly.1.0.end: End must be a time "HH:mm" between 00:01 and 24:00',
    )
    expect(messages(weekdays(NINE_TO_FIVE, 'UTC', ['2026-02-30', '25/12/2026']))).toEqual([
      'holidays.0: "2026-02-30" is not a valid date "YYYY-MM-DD"',
      'holidays.1: "25/12/2026" is not a valid date "YYYY-MM-DD"',
    ])
    expect(messages(weekdays([], 'UTC'))).toEqual([
      'weekly: The calendar is never open: add opening hours to at least one day',
    ])
  })
})

// ─── Properties over random calendars ────────────────────────────────────────────────────────────────────────

const ZONES = ['UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns']

const pad = (n: number) => String(n).padStart(2, '0')
const hhmm = (quarter: number) =>
  quarter === 96 ? '24:00' : `${pad(Math.floor(quarter / 4))}:${pad((quarter % 4) * 15)}`

/** 0–3 non-overlapping intervals on quarter-hour boundaries (including ones around midnight and DST hours). */
const dayArb = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 }).map((qs) => {
  const sorted = [...qs].sort((a, b) => a - b)
  const intervals: BusinessInterval[] = []
  for (let k = 0; k + 1 < sorted.length; k += 2) intervals.push({ start: hhmm(sorted[k]), end: hhmm(sorted[k + 1]) })
  return intervals
})

const START_MS = Date.UTC(2026, 0, 1)
const END_MS = Date.UTC(2027, 0, 1)
const dayKeyArb = fc
  .integer({ min: 0, max: 364 })
  .map((d) => new Date(START_MS + d * 86_400_000).toISOString().slice(0, 10))

const calendarArb: fc.Arbitrary<BusinessCalendar> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    weekly: fc.record({ 0: dayArb, 1: dayArb, 2: dayArb, 3: dayArb, 4: dayArb, 5: dayArb, 6: dayArb }),
    holidays: fc.array(dayKeyArb, { maxLength: 20 }),
  })
  .filter((c) => BusinessCalendarSchema.safeParse(c).success)

const instantArb = fc.integer({ min: START_MS, max: END_MS }).map((ms) => new Date(ms))
/** Instants within the first 100 days of 2026 (spans a DST change in every DST zone above), to keep spans cheap. */
const nearArb = fc.integer({ min: START_MS, max: START_MS + 100 * 86_400_000 }).map((ms) => new Date(ms))
const pausesArb = fc.array(
  fc.record({ from: fc.integer({ min: START_MS, max: END_MS }), length: fc.integer({ min: 0, max: 5 * 86_400_000 }) }),
  { maxLength: 4 },
)
const toPauses = (ps: Array<{ from: number; length: number }>): Pause[] =>
  ps.map((x) => ({ from: new Date(x.from), to: new Date(x.from + x.length) }))

describe('properties', () => {
  test('businessTimeBetween(s, addBusinessTime(s, m)) === m, and the deadline is the first such instant', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, fc.integer({ min: 0, max: 10_000 }), pausesArb, (cal, s, m, ps) => {
        const pauses = toPauses(ps)
        const due = addBusinessTime(s, m, cal, pauses)
        expect(due).not.toBeNull()
        expect(businessTimeBetween(s, due!, cal, pauses)).toBe(m)
        if (m > 0) expect(businessTimeBetween(s, new Date(due!.getTime() - 1), cal, pauses)).toBeLessThan(m)
      }),
      { numRuns: 200 },
    )
  })

  test('monotonic: more minutes never give an earlier deadline; a later end never gives less elapsed time', () => {
    fc.assert(
      fc.property(
        calendarArb,
        instantArb,
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 5_000 }),
        pausesArb,
        (cal, s, a, b, ps) => {
          const pauses = toPauses(ps)
          const [lo, hi] = a <= b ? [a, b] : [b, a]
          const dLo = addBusinessTime(s, lo, cal, pauses)!.getTime()
          const dHi = addBusinessTime(s, hi, cal, pauses)!.getTime()
          expect(dLo).toBeLessThanOrEqual(dHi)
          const t1 = new Date(s.getTime() + lo * 60_000)
          const t2 = new Date(s.getTime() + hi * 60_000)
          expect(businessTimeBetween(s, t1, cal, pauses)).toBeLessThanOrEqual(businessTimeBetween(s, t2, cal, pauses))
        },
      ),
      { numRuns: 200 },
    )
  })

  test('additivity: time from a to c equals a to b plus b to c', () => {
    fc.assert(
      fc.property(calendarArb, nearArb, nearArb, nearArb, pausesArb, (cal, x, y, z, ps) => {
        const [a, b, c] = [x, y, z].sort((p, q) => p.getTime() - q.getTime())
        const pauses = toPauses(ps)
        const whole = businessTimeBetween(a, c, cal, pauses) * 60_000
        const parts = (businessTimeBetween(a, b, cal, pauses) + businessTimeBetween(b, c, cal, pauses)) * 60_000
        expect(Math.round(parts)).toBe(Math.round(whole))
      }),
      { numRuns: 100 },
    )
  })

  test('24×7 in any zone is real time', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), instantArb, fc.integer({ min: 0, max: 100_000 }), (zone, s, m) => {
        const due = addBusinessTime(s, m, { ...ALWAYS_OPEN, timeZone: zone })
        expect(due!.getTime() - s.getTime()).toBe(m * 60_000)
      }),
      { numRuns: 200 },
    )
  })
})
