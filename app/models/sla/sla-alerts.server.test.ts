import { afterAll, describe, expect, test } from 'vitest'
import { countAlertsNeedingAttention, listOpenAlerts } from '#app/models/alert.server.ts'
import { createTicketFromUi, replyToTicket } from '#app/models/ticket-actions.server.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createReturn, createUser } from '#test/factories/index.ts'
import { ALWAYS_OPEN } from './business-hours.ts'
import { evaluateClock, startClock, stopClock, sweepSlaClocks } from './clock.server.ts'
import { SLA_ALERT_RULES, slaAlertFingerprint } from './sla-alerts.server.ts'

/**
 * SLA warnings and breaches reach the alerts pipeline: the engine's warning/breach (timer or sweep) fires the clock's
 * alert on the system rules, a breach supersedes the warning, meeting the target resolves it, a disabled rule is
 * respected. Fixed instants; ALWAYS_OPEN calendars, so the expected instants are plain arithmetic.
 */

afterAll(async () => {
  await closeQueues()
})

const at = (iso: string) => new Date(iso)

async function alertsFor(fingerprint: string) {
  return prisma.alert.findMany({
    where: { fingerprint },
    orderBy: [{ firedAt: 'asc' }, { id: 'asc' }],
    select: { ruleId: true, status: true, message: true, firedAt: true, resolvedAt: true },
  })
}

describe('SLA alerts', () => {
  test('warning fires a warning alert; the breach resolves it and fires a critical one; meeting the target resolves that', async () => {
    const { ret } = await createReturn(prisma, { status: 'received' })
    const key = { subjectType: 'return', subjectId: ret.id, metric: 'resolution' as const }
    const fingerprint = slaAlertFingerprint(key)
    await startClock(prisma, { ...key, targetMinutes: 100, at: at('2026-11-23T10:00:00Z') })
    // Nothing yet before the warning point (75 min).
    expect(await evaluateClock((await prisma.appliedSla.findFirstOrThrow({ where: key })).id, at('2026-11-23T11:00:00Z'))).toBeNull()
    expect(await alertsFor(fingerprint)).toEqual([])

    const clockId = (await prisma.appliedSla.findFirstOrThrow({ where: key })).id
    expect(await evaluateClock(clockId, at('2026-11-23T11:16:00Z'))).toBe('warning')
    let alerts = await alertsFor(fingerprint)
    expect(alerts).toEqual([
      { ruleId: SLA_ALERT_RULES.warning.id, status: 'firing', message: `Return ${ret.id}: resolution SLA due 2026-11-23 11:40 UTC`, firedAt: at('2026-11-23T11:16:00Z'), resolvedAt: null },
    ])
    const rule = await prisma.alertRule.findUniqueOrThrow({ where: { id: SLA_ALERT_RULES.warning.id }, select: { name: true, severity: true, enabled: true } })
    expect(rule).toEqual({ name: 'SLA warning', severity: 'warning', enabled: true })
    // It is in the notification center's list and asks for attention.
    expect((await listOpenAlerts({ now: at('2026-11-23T11:17:00Z') })).map((alert) => alert.message)).toContain(alerts[0]!.message)
    expect(await countAlertsNeedingAttention({ now: at('2026-11-23T11:17:00Z') })).toBeGreaterThanOrEqual(1)

    // The deadline passes and the timer was lost: the sweep records the breach.
    const sweep = await sweepSlaClocks(at('2026-11-23T11:45:00Z'), { horizonMs: 0 })
    expect(sweep.breached).toBeGreaterThanOrEqual(1)
    alerts = await alertsFor(fingerprint)
    expect(alerts).toEqual([
      expect.objectContaining({ ruleId: SLA_ALERT_RULES.warning.id, status: 'resolved', resolvedAt: at('2026-11-23T11:45:00Z') }),
      { ruleId: SLA_ALERT_RULES.breached.id, status: 'firing', message: `Return ${ret.id}: resolution SLA breached (was due 2026-11-23 11:40 UTC)`, firedAt: at('2026-11-23T11:45:00Z'), resolvedAt: null },
    ])
    // Evaluating again (a duplicate timer) changes nothing: one alert per clock.
    expect(await evaluateClock(clockId, at('2026-11-23T11:50:00Z'))).toBeNull()
    expect(await alertsFor(fingerprint)).toHaveLength(2)

    // Refunded at last: the clock is met (late), the breach alert resolves; the SLA history keeps both events.
    await stopClock(prisma, key, at('2026-11-23T12:30:00Z'))
    alerts = await alertsFor(fingerprint)
    expect(alerts.map((alert) => alert.status)).toEqual(['resolved', 'resolved'])
    expect(alerts[1]!.resolvedAt).toEqual(at('2026-11-23T12:30:00Z'))
    expect((await prisma.slaEvent.findMany({ where: { subjectId: ret.id }, select: { kind: true } })).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['warning', 'breached', 'satisfied']),
    )
  })

  test('a ticket’s alert names the ticket; a late first reply fires the breach and resolves it at once', async () => {
    const agent = (await createUser(prisma, { role: 'support', name: 'Alert Agent' })).user
    const actor = { id: agent.id, role: agent.role }
    await prisma.slaPolicy.create({
      data: { name: 'Alerts test', priority: 'urgent', tag: 'sla-alert-test', firstResponseMinutes: 30, nextResponseMinutes: 60, resolutionMinutes: 600, calendar: ALWAYS_OPEN as object, position: -10 },
    })
    const created = at('2026-11-24T09:00:00Z')
    const ticket = await createTicketFromUi(
      { requesterEmail: 'late@example.com', requesterName: 'Late Reply', subject: 'Parcel never came', body: 'Where is it?', priority: 'urgent', channel: 'phone', tags: ['sla-alert-test'] },
      { actor, now: created },
    )
    const fingerprint = slaAlertFingerprint({ subjectType: 'ticket', subjectId: ticket.id, metric: 'first_response' })
    const first = await prisma.appliedSla.findFirstOrThrow({ where: { ticketId: ticket.id, metric: 'first_response' }, select: { id: true } })
    expect(await evaluateClock(first.id, at('2026-11-24T09:25:00Z'))).toBe('warning')
    expect((await alertsFor(fingerprint))[0]!.message).toBe(`Ticket #${ticket.number} “Parcel never came”: first response SLA due 2026-11-24 09:30 UTC`)

    const message = await prisma.ticketMessage.findFirstOrThrow({ where: { ticketId: ticket.id }, select: { id: true } })
    await replyToTicket(ticket.id, { kind: 'public_reply', body: 'Sorry for the wait', lastSeenMessageId: message.id }, { actor, now: at('2026-11-24T09:40:00Z') })
    const alerts = await alertsFor(fingerprint)
    expect(alerts.map((alert) => [alert.ruleId, alert.status])).toEqual([
      [SLA_ALERT_RULES.warning.id, 'resolved'],
      [SLA_ALERT_RULES.breached.id, 'resolved'],
    ])
    expect(alerts[1]!.message).toContain('breached (was due 2026-11-24 09:30 UTC)')
  })

  test('a disabled SLA rule raises nothing (the SLA history still records the breach)', async () => {
    await prisma.alertRule.upsert({
      where: { id: SLA_ALERT_RULES.breached.id },
      create: { id: SLA_ALERT_RULES.breached.id, name: 'SLA breached', metric: 'sla_breached', condition: 'gt', threshold: 0, severity: 'critical', enabled: false },
      update: { enabled: false },
    })
    try {
      const { ret } = await createReturn(prisma, { status: 'received' })
      const key = { subjectType: 'return', subjectId: ret.id, metric: 'resolution' as const }
      const clock = await startClock(prisma, { ...key, targetMinutes: 10, at: at('2026-11-23T10:00:00Z') })
      expect(await evaluateClock(clock.id, at('2026-11-23T10:20:00Z'))).toBe('breached')
      expect((await alertsFor(slaAlertFingerprint(key))).filter((alert) => alert.ruleId === SLA_ALERT_RULES.breached.id)).toEqual([])
      expect(await prisma.slaEvent.count({ where: { subjectId: ret.id, kind: 'breached' } })).toBe(1)
    } finally {
      await prisma.alertRule.update({ where: { id: SLA_ALERT_RULES.breached.id }, data: { enabled: true } })
    }
  })
})
