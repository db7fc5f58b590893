import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createTicketFromUi, setTicketStatus, type Actor } from '#app/models/ticket-actions.server.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createUser } from '#test/factories/index.ts'
import { describeCalendar, formatDuration, parseDuration } from './calendar-form.ts'
import { createSlaPolicy, listSlaPolicies, parseSlaPolicyForm, setSlaPolicyActive, updateSlaPolicy, type SlaPolicyForm } from './sla-policy.server.ts'

/**
 * SLA policy admin: the form's text (durations, weekly hours, holidays) to a validated policy, who may change it, the
 * version check, and what a change does to clocks (new clocks use it; a running one at its ticket's next change).
 */

afterAll(async () => {
  await closeQueues()
})

let mia: Actor
let sam: Actor
beforeAll(async () => {
  mia = { id: (await createUser(prisma, { role: 'manager', name: 'Mia Policy' })).user.id, role: 'manager' }
  sam = { id: (await createUser(prisma, { role: 'support', name: 'Sam Policy' })).user.id, role: 'support' }
})

const weekdays = { day1: '09:00-17:00', day2: '09:00-17:00', day3: '09:00-17:00', day4: '09:00-17:00', day5: '9:00-12:00, 13:00-17:00', day6: '', day0: '' }
const form = (overrides: Partial<SlaPolicyForm> = {}): SlaPolicyForm => ({
  name: 'Urgent VIP',
  priority: 'urgent',
  tag: 'VIP Customer',
  position: '-5',
  firstResponse: '1h',
  nextResponse: '2h 30m',
  resolution: '8h',
  warningMode: 'before',
  warningValue: '15m',
  timeZone: 'Europe/London',
  holidays: '2026-12-25, 2026-12-26\n2026-12-25',
  ...weekdays,
  ...overrides,
})

describe('the policy form', () => {
  test('durations, weekly hours and holidays become a validated policy', () => {
    expect([parseDuration('90'), parseDuration('1h 30m'), parseDuration('45m'), parseDuration('8h'), parseDuration('soon')]).toEqual([90, 90, 45, 480, null])
    expect([formatDuration(90), formatDuration(480), formatDuration(45)]).toEqual(['1h 30m', '8h', '45m'])
    const parsed = parseSlaPolicyForm(form())
    if (!('data' in parsed)) throw new Error(JSON.stringify(parsed.fieldErrors))
    expect(parsed.data).toMatchObject({
      priority: 'urgent',
      tag: 'vip-customer',
      position: -5,
      firstResponseMinutes: 60,
      nextResponseMinutes: 150,
      resolutionMinutes: 480,
      warningMinutesBefore: 15,
      calendar: { timeZone: 'Europe/London', holidays: ['2026-12-25', '2026-12-26'] },
    })
    expect(parsed.data.calendar.weekly[5]).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
    ])
    expect(describeCalendar(parsed.data.calendar)).toBe('Mon–Thu 09:00-17:00, Fri 09:00-12:00, 13:00-17:00 · Europe/London · 2 holidays')
  })

  test('each mistake is reported on its own field', () => {
    const parsed = parseSlaPolicyForm(form({ name: ' ', firstResponse: 'soon', warningMode: 'percent', warningValue: '120', timeZone: 'Mars/Olympus', day3: '17:00-09:00', holidays: '2026-02-30' }))
    expect('fieldErrors' in parsed && parsed.fieldErrors).toMatchObject({
      name: expect.any(String),
      firstResponse: expect.stringContaining('duration'),
      warningValue: expect.stringContaining('1–99'),
      timeZone: expect.stringContaining('Unknown time zone'),
      day3: expect.stringContaining('before end'),
      holidays: expect.stringContaining('not a valid date'),
    })
    const closed = parseSlaPolicyForm(form({ day1: '', day2: '', day3: '', day4: '', day5: '' }))
    expect('fieldErrors' in closed && closed.fieldErrors.day1).toContain('never open')
    expect('fieldErrors' in parseSlaPolicyForm(form({ day2: 'nine to five' })) && parseSlaPolicyForm(form({ day2: 'nine to five' }))).toMatchObject({ fieldErrors: { day2: expect.stringContaining('09:00-17:00') } })
  })
})

describe('managing policies', () => {
  test('only manage:ticket changes policies; edits are version-checked and audited', async () => {
    expect(await createSlaPolicy(sam, form())).toMatchObject({ ok: false, status: 403 })
    expect(await createSlaPolicy(mia, form({ resolution: '' }))).toMatchObject({ ok: false, status: 400, fieldErrors: { resolution: expect.any(String) } })
    const created = await createSlaPolicy(mia, form({ name: 'Versioned' }))
    if (!created.ok) throw new Error(created.message)
    expect(await updateSlaPolicy(mia, created.id, form({ name: 'Versioned v2' }), 1)).toEqual({ ok: true, id: created.id })
    expect(await updateSlaPolicy(mia, created.id, form({ name: 'Stale' }), 1)).toMatchObject({ ok: false, status: 409 })
    expect(await updateSlaPolicy(sam, created.id, form(), 2)).toMatchObject({ ok: false, status: 403 })
    const listed = (await listSlaPolicies()).find((policy) => policy.id === created.id)!
    expect(listed).toMatchObject({ name: 'Versioned v2', version: 2, isActive: true, runningClocks: 0 })
    expect((await prisma.auditLog.findMany({ where: { entityId: created.id }, orderBy: { id: 'asc' }, select: { action: true } })).map((a) => a.action)).toEqual([
      'create:sla_policy',
      'update:sla_policy',
    ])
    expect(await setSlaPolicyActive(mia, created.id, false)).toEqual({ ok: true, id: created.id })
    expect((await listSlaPolicies()).find((policy) => policy.id === created.id)!.isActive).toBe(false)
  })

  test('an edit applies to new clocks at once, and to a running clock at its ticket’s next change (from its original start)', async () => {
    const created = await createSlaPolicy(mia, form({ name: 'Always', priority: 'high', tag: 'edit-test', position: '-20', timeZone: 'UTC', firstResponse: '60', ...allDay }))
    if (!created.ok) throw new Error(created.message)
    const at = new Date('2026-11-24T10:00:00Z')
    const ticket = await createTicketFromUi(
      { requesterEmail: 'policy-edit@example.com', requesterName: 'Policy Edit', subject: 'Edit me', body: 'x', priority: 'high', channel: 'phone', tags: ['edit-test'] },
      { actor: sam, now: at },
    )
    const firstResponse = () => prisma.appliedSla.findFirstOrThrow({ where: { ticketId: ticket.id, metric: 'first_response' }, select: { targetMinutes: true, dueAt: true } })
    expect(await firstResponse()).toEqual({ targetMinutes: 60, dueAt: new Date('2026-11-24T11:00:00Z') })

    expect(await updateSlaPolicy(mia, created.id, form({ name: 'Always', priority: 'high', tag: 'edit-test', position: '-20', timeZone: 'UTC', firstResponse: '30', ...allDay }), 1)).toMatchObject({ ok: true })
    // The running clock keeps its target until the ticket changes…
    expect((await firstResponse()).targetMinutes).toBe(60)
    // …then it is re-measured from its original start.
    await setTicketStatus(ticket.id, 'open', undefined, { actor: sam, now: new Date('2026-11-24T10:05:00Z') })
    expect(await firstResponse()).toEqual({ targetMinutes: 30, dueAt: new Date('2026-11-24T10:30:00Z') })
    // A new ticket gets the edited target from the start.
    const next = await createTicketFromUi(
      { requesterEmail: 'policy-new@example.com', requesterName: 'Policy New', subject: 'New', body: 'x', priority: 'high', channel: 'phone', tags: ['edit-test'] },
      { actor: sam, now: at },
    )
    expect((await prisma.appliedSla.findFirstOrThrow({ where: { ticketId: next.id, metric: 'first_response' }, select: { targetMinutes: true } })).targetMinutes).toBe(30)
  })
})

const allDay = { day0: '00:00-24:00', day1: '00:00-24:00', day2: '00:00-24:00', day3: '00:00-24:00', day4: '00:00-24:00', day5: '00:00-24:00', day6: '00:00-24:00', holidays: '' }
