import type { AlertSeverity } from '#app/generated/prisma/client.ts'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createAlertRule, recordMetricMinute } from '#test/factories/alerts.ts'
import { uniqueSuffix } from '#test/factories/faker.ts'
import { createUser } from '#test/factories/users.ts'
import { ALERTS_CHANNEL, countAlertsNeedingAttention, evaluateAlertRules, listAlertHistory, listOpenAlerts, raiseAlert, type EvaluationResult } from './alert.server.ts'
import { createSilence, expireSilence, listSilences } from './alert-silence.server.ts'
import { matchesAll, parseMatchersText, parseSilenceForm, type SilenceInput } from './alert-silences.ts'

/**
 * Silences by label matchers: what they match (equality and regex, negations, absent labels), that a silenced
 * firing alert is shown as silenced and neither announced (NOTIFY) nor counted by the badge while it still fires and
 * resolves, pending / active / expired periods, unsilence, and the audit trail. Real database; synthetic time.
 */

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0)
const minute = (n: number) => new Date(T0 + n * 60_000)
const during = (n: number) => new Date(T0 + n * 60_000 + 5_000)

// Every NOTIFY on the alerts channel, as the web processes hear it.
let listener: pg.Client
const signals: Array<{ change: string; ids: string[] }> = []
beforeAll(async () => {
  listener = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await listener.connect()
  listener.on('notification', (message) => signals.push(JSON.parse(message.payload ?? '{}') as { change: string; ids: string[] }))
  await listener.query(`LISTEN ${ALERTS_CHANNEL}`)
})
afterAll(async () => {
  await listener?.end()
})

function forRule(result: EvaluationResult, ruleId: string) {
  expect(result.failed).toEqual([])
  const only = (list: EvaluationResult['fired']) => list.filter((entry) => entry.ruleId === ruleId)
  return { fired: only(result.fired), updated: only(result.updated), resolved: only(result.resolved) }
}

/** A rule on its own metric, with one series per integration breaching from minute 0. */
async function breachingRule({ severity = 'warning' as AlertSeverity, integrations = ['carrier', 'payments'] } = {}) {
  const metric = `integration_errors_${uniqueSuffix().replace(/\W/g, '')}`
  const name = `Integration errors ${uniqueSuffix()}`
  const rule = await createAlertRule(prisma, { metric, name, threshold: 1, severity })
  for (const integration of integrations) {
    for (let n = 0; n < 6; n++) await recordMetricMinute(prisma, { metric, labels: `integration=${integration}`, bucket: minute(n), value: 5 })
  }
  return { rule, metric, name }
}

function silence(matchers: string, { durationMinutes = 60, startsAt = null as Date | null, comment = 'Carrier maintenance window' } = {}): SilenceInput {
  const parsed = parseMatchersText(matchers)
  if (!parsed.ok) throw new Error(parsed.message)
  return { matchers: parsed.matchers, startsAt, durationMinutes, comment }
}

/** Waits until the NOTIFYs sent so far have arrived (a round trip on the listening connection follows them). */
async function signalsSince(count: number) {
  await listener.query('select 1')
  return signals.slice(count)
}

describe('matchers', () => {
  const labels = { rule: 'Carrier errors', severity: 'warning', metric: 'integration_error_rate', integration: 'carrier' }

  test('equality, inequality and anchored regexes; a label the alert lacks reads as empty', () => {
    const match = (text: string) => {
      const parsed = parseMatchersText(text)
      if (!parsed.ok) throw new Error(parsed.message)
      return matchesAll(parsed.matchers, labels)
    }
    expect(match('integration=carrier')).toBe(true)
    expect(match('integration = "carrier"\nseverity=warning')).toBe(true)
    expect(match('integration=carrier\nseverity=critical')).toBe(false)
    expect(match('rule=Carrier errors')).toBe(true)
    expect(match('integration!=payments\nrule=Carrier errors')).toBe(true)
    expect(match('integration=~carr.*')).toBe(true)
    // Anchored like Alertmanager: a regex must match the whole value.
    expect(match('integration=~arri')).toBe(false)
    expect(match('integration=~carrier|payments')).toBe(true)
    expect(match('integration!~carrier|payments\nseverity=warning')).toBe(false)
    expect(match('queue=""\nintegration=carrier')).toBe(true)
    expect(match('queue=sync')).toBe(false)
  })

  test('the form refuses what cannot be a matcher, a bad regex, and matchers that would mute every alert', () => {
    const errors = (form: Record<string, string>) => {
      const parsed = parseSilenceForm(form)
      return parsed.ok ? null : parsed.fieldErrors
    }
    const base = { matchers: 'integration=carrier', durationMinutes: '60', comment: 'maintenance' }
    expect(errors(base)).toBeNull()
    expect(errors({ ...base, matchers: '' })?.matchers).toBe('Add at least one matcher, e.g. rule=Checkout slow')
    expect(errors({ ...base, matchers: 'integration' })?.matchers).toBe('“integration” is not label=value, label!=value, label=~regex or label!~regex')
    expect(errors({ ...base, matchers: 'integration=~carrier(' })?.matchers).toBe('“carrier(” is not a valid regular expression')
    expect(errors({ ...base, matchers: 'integration!=carrier' })?.matchers).toMatch(/match every alert/)
    expect(errors({ ...base, matchers: 'rule=~.*' })?.matchers).toMatch(/match every alert/)
    expect(errors({ ...base, durationMinutes: '0', comment: ' ' })).toEqual({ durationMinutes: 'Silence for at least a minute', comment: 'Say why (the others will read it)' })
    expect(errors({ ...base, startsAt: 'tomorrow' })?.startsAt).toBe('Enter a date and time, or leave it empty to start now')
  })
})

describe('a silenced firing alert', () => {
  test('fires and is shown as silenced, is not announced and not counted by the badge; the others are', async () => {
    const { rule, name } = await breachingRule()
    const { user } = await createUser(prisma, { role: 'manager' })
    const baseline = await countAlertsNeedingAttention({ now: during(1) })
    await createSilence(silence(`rule=${name}\nintegration=carrier`), { id: user.id }, { now: during(0) })

    const before = signals.length
    const result = forRule(await evaluateAlertRules({ now: during(1) }), rule.id)
    const carrier = result.fired.find((entry) => entry.fingerprint === 'integration=carrier')
    const payments = result.fired.find((entry) => entry.fingerprint === 'integration=payments')
    expect(carrier).toMatchObject({ status: 'firing', silenced: true, silenceId: expect.any(String) })
    expect(payments).toMatchObject({ status: 'firing', silenced: false, silenceId: null })

    // The web processes hear 'fired' for payments only; carrier's firing comes as 'silenced' (lists re-read, no alarm).
    const heard = await signalsSince(before)
    expect(heard.filter((signal) => signal.change === 'fired').flatMap((signal) => signal.ids)).toEqual([payments!.alertId])
    expect(heard.filter((signal) => signal.change === 'silenced').flatMap((signal) => signal.ids)).toEqual([carrier!.alertId])

    expect(await countAlertsNeedingAttention({ now: during(1) })).toBe(baseline + 1)
    const open = (await listOpenAlerts({ now: during(1) })).filter((alert) => alert.ruleId === rule.id)
    expect(open.find((alert) => alert.id === carrier!.alertId)).toMatchObject({ silenced: true, silence: { comment: 'Carrier maintenance window', endsAt: during(60) } })
    expect(open.find((alert) => alert.id === payments!.alertId)).toMatchObject({ silenced: false, silence: null })
  })

  test('still de-duplicates and resolves; history does not call a resolved alert silenced', async () => {
    const { rule, name, metric } = await breachingRule({ integrations: ['carrier'] })
    const { user } = await createUser(prisma, { role: 'admin' })
    await createSilence(silence(`rule=${name}`), { id: user.id }, { now: during(0) })
    const fired = forRule(await evaluateAlertRules({ now: during(1) }), rule.id).fired
    expect(fired).toMatchObject([{ silenced: true }])
    expect(forRule(await evaluateAlertRules({ now: during(2) }), rule.id).updated).toMatchObject([{ alertId: fired[0]!.alertId, silenced: true }])
    await recordMetricMinute(prisma, { metric, labels: 'integration=carrier', bucket: minute(2), value: 0 })
    expect(forRule(await evaluateAlertRules({ now: during(3) }), rule.id).resolved).toMatchObject([{ alertId: fired[0]!.alertId }])
    const history = await listAlertHistory({ ruleId: rule.id }, { now: during(3) })
    expect(history.alerts).toMatchObject([{ status: 'resolved', silenced: false, silence: null }])
  })

  test('severity and regex matchers: a critical alert is not muted by a warning silence', async () => {
    const warning = await breachingRule({ integrations: ['carrier'] })
    const critical = await breachingRule({ severity: 'critical', integrations: ['carrier'] })
    const { user } = await createUser(prisma, { role: 'manager' })
    // Both rules' names start "Integration errors": one silence over both by regex, muting warnings only.
    await createSilence(silence(`rule=~${warning.name}|${critical.name}\nseverity=warning`), { id: user.id }, { now: during(0) })
    const result = await evaluateAlertRules({ now: during(1) })
    expect(forRule(result, warning.rule.id).fired).toMatchObject([{ silenced: true }])
    expect(forRule(result, critical.rule.id).fired).toMatchObject([{ silenced: false }])
  })

  test('an alert raised by an event (raiseAlert, e.g. an SLA breach) is muted by a matching silence like an evaluated one', async () => {
    const { rule, name } = await breachingRule()
    const { user } = await createUser(prisma, { role: 'manager' })
    await createSilence(silence(`rule=${name}\nticket=~T-.*`), { id: user.id }, { now: during(0) })

    const before = signals.length
    const muted = await raiseAlert(prisma, { ruleId: rule.id, fingerprint: 'ticket=T-1', value: 1, message: 'Breached', now: during(1) })
    const loud = await raiseAlert(prisma, { ruleId: rule.id, fingerprint: 'order=O-1', value: 1, message: 'Breached', now: during(1) })
    const heard = await signalsSince(before)
    expect(heard.filter((signal) => signal.change === 'silenced').flatMap((signal) => signal.ids)).toEqual([muted.id])
    expect(heard.filter((signal) => signal.change === 'fired').flatMap((signal) => signal.ids)).toEqual([loud.id])
  })
})

describe('periods, unsilence and audit', () => {
  test('pending until it starts, active, then expired; unsilence ends it now, once, and both are audited', async () => {
    const { rule, name } = await breachingRule({ integrations: ['carrier'] })
    const { user } = await createUser(prisma, { role: 'manager' })
    const { user: other } = await createUser(prisma, { role: 'admin' })
    const created = await createSilence(silence(`rule=${name}`, { startsAt: minute(2), durationMinutes: 30 }), { id: user.id, requestId: 'req-1' }, { now: during(0) })
    expect(created).toMatchObject({ startsAt: minute(2), endsAt: minute(32), version: 1 })

    // Pending at 1:05: the alert fires and is announced.
    expect(forRule(await evaluateAlertRules({ now: during(1) }), rule.id).fired).toMatchObject([{ silenced: false }])
    const mine = (list: Awaited<ReturnType<typeof listSilences>>) => list.find((entry) => entry.id === created.id)
    expect(mine(await listSilences({ now: during(1) }))).toMatchObject({ state: 'pending', mutedAlerts: 0, createdBy: { name: expect.any(String) } })
    // Active from minute 2: the open alert is now silenced and leaves the badge.
    const attentionBefore = await countAlertsNeedingAttention({ now: during(2) })
    expect(forRule(await evaluateAlertRules({ now: during(2) }), rule.id).updated).toMatchObject([{ silenced: true, silenceId: created.id }])
    expect(mine(await listSilences({ now: during(2) }))).toMatchObject({ state: 'active', mutedAlerts: 1, matchers: [{ label: 'rule', op: '=', value: name }] })

    // Unsilence (another person) at 3:05: expired now, who ended it recorded; the alert asks for attention again.
    const expired = await expireSilence(created.id, 1, { id: other.id, requestId: 'req-2' }, { now: during(3) })
    expect(expired).toEqual({ ok: true, endsAt: during(3) })
    expect(await countAlertsNeedingAttention({ now: during(3) })).toBe(attentionBefore + 1)
    expect(mine(await listSilences({ now: during(3) }))).toMatchObject({ state: 'expired', endsAt: during(3), expiredBy: { name: expect.any(String) } })
    expect(forRule(await evaluateAlertRules({ now: during(4) }), rule.id).updated).toMatchObject([{ silenced: false }])

    // A second unsilence, or one from a stale page, is refused; an unknown silence is a 404.
    expect(await expireSilence(created.id, 2, { id: other.id }, { now: during(4) })).toMatchObject({ ok: false, status: 409, message: 'This silence has already ended.' })
    expect(await expireSilence('missing', 1, { id: other.id })).toMatchObject({ ok: false, status: 404 })

    const audit = await prisma.auditLog.findMany({ where: { entityId: created.id }, orderBy: { createdAt: 'asc' }, select: { action: true, actorId: true, entityType: true, requestId: true, after: true } })
    expect(audit).toEqual([
      {
        action: 'create:alert.silence',
        actorId: user.id,
        entityType: 'alert_silence',
        requestId: 'req-1',
        after: { matchers: [{ label: 'rule', op: '=', value: name }], startsAt: minute(2).toISOString(), endsAt: minute(32).toISOString(), comment: 'Carrier maintenance window' },
      },
      { action: 'expire:alert.silence', actorId: other.id, entityType: 'alert_silence', requestId: 'req-2', after: { startsAt: minute(2).toISOString(), endsAt: during(3).toISOString(), version: 2 } },
    ])
  })

  test('a silence that starts or runs out by itself is signalled: the badge re-counts, the unmuted alert asks for attention again', async () => {
    const { rule, name } = await breachingRule({ integrations: ['carrier'] })
    const { user } = await createUser(prisma, { role: 'manager' })
    const alertId = forRule(await evaluateAlertRules({ now: during(1) }), rule.id).fired[0]!.alertId
    await createSilence(silence(`rule=${name}`, { startsAt: minute(2), durationMinutes: 1 }), { id: user.id }, { now: during(1) })

    // The evaluation at 2:05 (previous at 1:55) sees it start; the one at 3:05 sees it run out.
    let before = signals.length
    await evaluateAlertRules({ now: during(2), since: new Date(minute(2).getTime() - 5_000) })
    expect(await signalsSince(before)).toContainEqual(expect.objectContaining({ change: 'silenced', ids: [] }))
    before = signals.length
    const atEnd = await evaluateAlertRules({ now: during(3), since: new Date(minute(3).getTime() - 5_000) })
    expect(forRule(atEnd, rule.id).updated).toMatchObject([{ alertId, silenced: false }])
    expect((await signalsSince(before)).filter((signal) => signal.change === 'fired').flatMap((signal) => signal.ids)).toContain(alertId)
    // Outside the period: nothing more to say about it.
    before = signals.length
    await evaluateAlertRules({ now: during(4), since: new Date(minute(4).getTime() - 5_000) })
    expect((await signalsSince(before)).flatMap((signal) => signal.ids)).not.toContain(alertId)
  })

  test('unsilencing a pending silence ends it before it starts; a stale version is refused', async () => {
    const { user } = await createUser(prisma, { role: 'manager' })
    const created = await createSilence(silence('integration=warehouse', { startsAt: minute(50) }), { id: user.id }, { now: during(0) })
    expect(await expireSilence(created.id, 7, { id: user.id }, { now: during(1) })).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('changed since') })
    expect(await expireSilence(created.id, 1, { id: user.id }, { now: during(1) })).toEqual({ ok: true, endsAt: during(1) })
    expect(await prisma.alertSilence.findUniqueOrThrow({ where: { id: created.id }, select: { startsAt: true, endsAt: true, expiredById: true } })).toEqual({
      startsAt: during(1),
      endsAt: during(1),
      expiredById: user.id,
    })
  })
})
