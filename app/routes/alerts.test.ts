import type { AppLoadContext } from '@remix-run/node'
import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createAlertRule, recordMetricMinute } from '#test/factories/alerts.ts'
import { uniqueSuffix } from '#test/factories/faker.ts'
import * as index from './alerts._index/route.tsx'
import * as open from './alerts.open.tsx'
import * as editRule from './alerts.rules.$id.tsx'
import * as newRule from './alerts.rules.new.tsx'
import * as newSilence from './alerts.silences.new.tsx'

/**
 * Every loader and action of the alerts area: its own permission check (read:alert to look, create:alert /
 * update:alert to change), field errors for bad input, version-checked edits, audit entries.
 */

async function signedIn(role: Role) {
  const user = await prisma.user.create({
    data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' },
  })
  const session = await createSession(user.id)
  const cookie = (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!
  return { user, cookie }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
function get(cookie: string | null, path: string) {
  return new Request(`http://localhost${path}`, { headers: cookie ? { cookie } : {} })
}
function post(cookie: string, path: string, fields: Record<string, string>) {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  })
}
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context })
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (response: Response): Promise<any> => response.json()
async function settle(promise: Promise<unknown>): Promise<Response> {
  return (await promise.then(
    (value) => value,
    (error: unknown) => error,
  )) as Response
}

const VALID_RULE = {
  name: 'Checkout slow',
  metric: 'http_request_duration_seconds_p95',
  condition: 'gt',
  threshold: '0.5',
  durationSeconds: '60',
  severity: 'critical',
  scope: 'route=routes/orders._index',
  enabled: 'on',
}

async function firingAlert() {
  const metric = `route_test_${uniqueSuffix()}`
  const rule = await createAlertRule(prisma, { metric, threshold: 1 })
  const alert = await prisma.alert.create({ data: { ruleId: rule.id, value: 5, message: `${metric} is 5`, firedAt: new Date() }, select: { id: true, version: true } })
  return { rule, alert }
}

describe('who may do what', () => {
  test.each(['operations', 'support'] as const)('%s cannot read alerts: every loader answers 403', async (role) => {
    const { cookie } = await signedIn(role)
    const { rule } = await firingAlert()
    for (const [loader, path, params] of [
      [index.loader, '/alerts', {}],
      [open.loader, '/alerts/open', {}],
      [newRule.loader, '/alerts/rules/new', {}],
      [editRule.loader, `/alerts/rules/${rule.id}`, { id: rule.id }],
      [newSilence.loader, '/alerts/silences/new', {}],
    ] as const) {
      const response = await settle(loader(args(get(cookie, path), params)))
      expect(response.status, path).toBe(403)
    }
  })

  test.each(['operations', 'support'] as const)('%s cannot change anything: every action answers 403 and nothing changes', async (role) => {
    const { cookie } = await signedIn(role)
    const { rule, alert } = await firingAlert()
    const attempts = [
      settle(open.action(args(post(cookie, '/alerts/open', { intent: 'acknowledge', alertId: alert.id, version: '1' })))),
      settle(open.action(args(post(cookie, '/alerts/open', { intent: 'silence', alertId: alert.id, minutes: '60' })))),
      settle(index.action(args(post(cookie, '/alerts', { intent: 'disable', ruleId: rule.id, version: '1' })))),
      settle(newRule.action(args(post(cookie, '/alerts/rules/new', VALID_RULE)))),
      settle(editRule.action(args(post(cookie, `/alerts/rules/${rule.id}`, { ...VALID_RULE, version: '1' }), { id: rule.id }))),
      settle(newSilence.action(args(post(cookie, '/alerts/silences/new', { matchers: `rule=${rule.name}`, durationMinutes: '60', comment: 'x' })))),
      settle(index.action(args(post(cookie, '/alerts', { intent: 'unsilence', silenceId: 'any', version: '1' })))),
    ]
    for (const response of await Promise.all(attempts)) expect(response.status).toBe(403)
    expect(await prisma.alert.findUniqueOrThrow({ where: { id: alert.id }, select: { status: true, silencedUntil: true } })).toEqual({ status: 'firing', silencedUntil: null })
    expect(await prisma.alertRule.findUniqueOrThrow({ where: { id: rule.id }, select: { enabled: true, version: true } })).toEqual({ enabled: true, version: 1 })
    expect(await prisma.alertRule.count({ where: { name: VALID_RULE.name } })).toBe(0)
    expect(await prisma.alertSilence.count()).toBe(0)
  })

  test('anonymous visitors are sent to sign in', async () => {
    const response = await settle(index.loader(args(get(null, '/alerts'))))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/login?redirectTo=%2Falerts')
  })

  test('a manager reads every view and may act; the page says so', async () => {
    const { cookie } = await signedIn('manager')
    const { alert } = await firingAlert()
    for (const view of ['open', 'history', 'rules']) {
      const data = await body((await index.loader(args(get(cookie, `/alerts?view=${view}`)))) as Response)
      expect(data).toMatchObject({ view, canAct: true, canCreate: true })
      if (view !== 'rules') expect(data.alerts.map((a: { id: string }) => a.id)).toContain(alert.id)
    }
    const center = await body((await open.loader(args(get(cookie, '/alerts/open')))) as Response)
    expect(center).toMatchObject({ canAct: true })
    expect(center.needingAttention).toBeGreaterThanOrEqual(1)
    expect(center.alerts.find((a: { id: string }) => a.id === alert.id)).toMatchObject({ status: 'firing', silenced: false })
  })
})

describe('acknowledge and silence (the notification center endpoint)', () => {
  test('acknowledge records who and when; a second one is refused with the reason', async () => {
    const { cookie, user } = await signedIn('manager')
    const { alert } = await firingAlert()
    const first = (await open.action(args(post(cookie, '/alerts/open', { intent: 'acknowledge', alertId: alert.id, version: String(alert.version) })))) as Response
    expect(await body(first)).toEqual({ ok: true, message: 'Alert acknowledged' })
    expect(await prisma.alert.findUniqueOrThrow({ where: { id: alert.id }, select: { status: true, acknowledgedById: true } })).toEqual({ status: 'acknowledged', acknowledgedById: user.id })
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { entityId: alert.id }, select: { action: true, actorId: true, requestId: true } })
    expect(audit).toEqual({ action: 'acknowledge:alert', actorId: user.id, requestId: 'test-request' })

    const again = (await open.action(args(post(cookie, '/alerts/open', { intent: 'acknowledge', alertId: alert.id, version: String(alert.version) })))) as Response
    expect(again.status).toBe(409)
    expect(await body(again)).toMatchObject({ ok: false, error: expect.stringContaining('changed since you loaded it') })
  })

  test('silence takes minutes; bad durations are refused with a reason', async () => {
    const { cookie } = await signedIn('admin')
    const { alert } = await firingAlert()
    for (const minutes of ['0', 'soon', '20000']) {
      const response = (await open.action(args(post(cookie, '/alerts/open', { intent: 'silence', alertId: alert.id, minutes })))) as Response
      expect(response.status, minutes).toBe(400)
      expect((await body(response)).error, minutes).toMatch(/Silence for|Choose how long/)
    }
    const before = Date.now()
    const ok = (await open.action(args(post(cookie, '/alerts/open', { intent: 'silence', alertId: alert.id, minutes: '240' })))) as Response
    expect(await body(ok)).toEqual({ ok: true, message: 'Alert silenced for 4 hours' })
    const { silencedUntil } = await prisma.alert.findUniqueOrThrow({ where: { id: alert.id }, select: { silencedUntil: true } })
    expect(silencedUntil!.getTime() - before).toBeGreaterThanOrEqual(240 * 60_000 - 1_000)
    const missing = (await open.action(args(post(cookie, '/alerts/open', { intent: 'silence', alertId: 'nope', minutes: '15' })))) as Response
    expect(missing.status).toBe(404)
  })
})

describe('rules', () => {
  test('create: field errors for an unknown metric, a non-numeric threshold, a bad duration and scope; nothing written', async () => {
    const { cookie } = await signedIn('manager')
    const bad = (await newRule.action(
      args(post(cookie, '/alerts/rules/new', { ...VALID_RULE, name: '', threshold: 'high', durationSeconds: '-5', scope: 'route' })),
    )) as Response
    expect(bad.status).toBe(400)
    const data = await body(bad)
    expect(data.fieldErrors).toEqual({
      name: 'Enter a name',
      threshold: 'The threshold must be a number',
      durationSeconds: 'The duration cannot be negative',
      scope: '“route” is not label=value',
    })
    expect(data.values).toMatchObject({ threshold: 'high', scope: 'route' })

    const unknown = (await newRule.action(args(post(cookie, '/alerts/rules/new', { ...VALID_RULE, metric: 'made_up_metric' })))) as Response
    expect(unknown.status).toBe(400)
    expect((await body(unknown)).fieldErrors).toEqual({ metric: 'Unknown metric “made_up_metric”: choose one from the list' })
    const wrongLabel = (await newRule.action(args(post(cookie, '/alerts/rules/new', { ...VALID_RULE, scope: 'queue=sync' })))) as Response
    expect((await body(wrongLabel)).fieldErrors.scope).toContain('has no label “queue”')
    expect(await prisma.alertRule.count({ where: { name: VALID_RULE.name } })).toBe(0)
  })

  test('create: a metric the processes already roll up is accepted even if the catalog does not list it', async () => {
    const { cookie } = await signedIn('admin')
    const metric = `custom_${uniqueSuffix()}`
    await recordMetricMinute(prisma, { metric, bucket: new Date(), value: 1 })
    const response = await settle(newRule.action(args(post(cookie, '/alerts/rules/new', { ...VALID_RULE, name: `Custom ${metric}`, metric, scope: '' }))))
    expect(response.status).toBe(302)
    // A quantile needs a histogram: this metric has none, a histogram metric does.
    const noHistogram = (await newRule.action(args(post(cookie, '/alerts/rules/new', { ...VALID_RULE, metric: `${metric}_p95`, scope: '' })))) as Response
    expect(noHistogram.status).toBe(400)
    const timed = `custom_seconds_${uniqueSuffix()}`
    await recordMetricMinute(prisma, { metric: timed, bucket: new Date(), count: 1, sum: 0.2, histogram: { '0.2': 1, '+Inf': 1 } })
    const quantile = await settle(newRule.action(args(post(cookie, '/alerts/rules/new', { ...VALID_RULE, name: `Custom ${timed}`, metric: `${timed}_p95`, scope: '' }))))
    expect(quantile.status).toBe(302)
  })

  test('create, edit (version-checked) and disable are audited; disabling resolves the rule’s open alerts', async () => {
    const { cookie, user } = await signedIn('manager')
    const created = await settle(newRule.action(args(post(cookie, '/alerts/rules/new', VALID_RULE))))
    expect(created.status).toBe(302)
    expect(created.headers.get('location')).toBe('/alerts?view=rules')
    const rule = await prisma.alertRule.findFirstOrThrow({ where: { name: VALID_RULE.name }, select: { id: true, version: true, scope: true, threshold: true, createdById: true, enabled: true } })
    expect(rule).toMatchObject({ version: 1, scope: { route: 'routes/orders._index' }, threshold: 0.5, createdById: user.id, enabled: true })

    const loaded = await body((await editRule.loader(args(get(cookie, `/alerts/rules/${rule.id}`), { id: rule.id }))) as Response)
    expect(loaded.rule).toMatchObject({ version: 1, threshold: '0.5', scope: 'route=routes/orders._index' })

    const saved = await settle(editRule.action(args(post(cookie, `/alerts/rules/${rule.id}`, { ...VALID_RULE, threshold: '0.8', version: '1' }), { id: rule.id })))
    expect(saved.status).toBe(302)
    // The same stale form again: refused, what was typed kept, nothing changed.
    const stale = (await editRule.action(args(post(cookie, `/alerts/rules/${rule.id}`, { ...VALID_RULE, threshold: '0.9', version: '1' }), { id: rule.id }))) as Response
    expect(stale.status).toBe(409)
    expect(await body(stale)).toMatchObject({ formError: expect.stringContaining('Someone changed this rule'), values: { threshold: '0.9' } })
    expect(await prisma.alertRule.findUniqueOrThrow({ where: { id: rule.id }, select: { threshold: true, version: true } })).toEqual({ threshold: 0.8, version: 2 })

    const alert = await prisma.alert.create({ data: { ruleId: rule.id, value: 1, message: 'slow', firedAt: new Date() }, select: { id: true } })
    const disabled = await settle(index.action(args(post(cookie, '/alerts', { intent: 'disable', ruleId: rule.id, version: '2' }))))
    expect(disabled.status).toBe(302)
    expect(await prisma.alert.findUniqueOrThrow({ where: { id: alert.id }, select: { status: true } })).toEqual({ status: 'resolved' })
    const staleToggle = (await index.action(args(post(cookie, '/alerts', { intent: 'enable', ruleId: rule.id, version: '2' })))) as Response
    expect(staleToggle.status).toBe(409)

    const audit = await prisma.auditLog.findMany({ where: { entityId: rule.id }, orderBy: { createdAt: 'asc' }, select: { action: true, actorId: true, before: true, after: true } })
    expect(audit.map((entry) => entry.action)).toEqual(['create:alert.rule', 'update:alert.rule', 'disable:alert.rule'])
    expect(audit.every((entry) => entry.actorId === user.id)).toBe(true)
    expect(audit[1]).toMatchObject({ before: { threshold: 0.5, version: 1 }, after: { threshold: 0.8, version: 2 } })
    expect(audit[2]).toMatchObject({ after: { enabled: false, resolvedAlerts: [alert.id] } })
  })

  test('editing an unknown rule is a 404', async () => {
    const { cookie } = await signedIn('admin')
    const response = await settle(editRule.loader(args(get(cookie, '/alerts/rules/nope'), { id: 'nope' })))
    expect(response.status).toBe(404)
    const viaAction = (await editRule.action(args(post(cookie, '/alerts/rules/nope', { ...VALID_RULE, version: '1' }), { id: 'nope' }))) as Response
    expect(viaAction.status).toBe(404)
  })
})

describe('history', () => {
  test('filters by state, severity, rule and time, newest first, with keyset pages', async () => {
    const { cookie } = await signedIn('manager')
    const metric = `history_${uniqueSuffix()}`
    const rule = await createAlertRule(prisma, { metric, severity: 'critical' })
    const t0 = Date.UTC(2026, 0, 1, 8)
    for (let i = 0; i < 5; i++) {
      await prisma.alert.create({
        data: { ruleId: rule.id, fingerprint: `n=${i}`, value: i, message: `m${i}`, firedAt: new Date(t0 + i * 60_000), status: i < 3 ? 'resolved' : 'firing', resolvedAt: i < 3 ? new Date(t0 + i * 60_000 + 1) : null },
      })
    }
    const load = async (query: string) => body((await index.loader(args(get(cookie, `/alerts?view=history&rule=${rule.id}${query}`)))) as Response)
    expect((await load('')).alerts.map((a: { message: string }) => a.message)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0'])
    expect((await load('&status=resolved')).alerts).toHaveLength(3)
    expect((await load('&severity=info')).alerts).toHaveLength(0)
    expect((await load('&from=2026-01-01T08:01&to=2026-01-01T08:03')).alerts.map((a: { message: string }) => a.message)).toEqual(['m2', 'm1'])
    // Garbage in the URL falls back to no filter instead of failing the page.
    expect((await load('&status=bogus&from=yesterday')).alerts).toHaveLength(5)
  })
})

describe('silences by label matchers', () => {
  test('a manager creates one (field errors first), sees the alert silenced and the silence listed, and unsilences it', async () => {
    const { cookie, user } = await signedIn('manager')
    const metric = `silence_route_${uniqueSuffix()}`
    const rule = await createAlertRule(prisma, { metric, name: `Carrier errors ${uniqueSuffix()}`, threshold: 1 })
    const alert = await prisma.alert.create({
      data: { ruleId: rule.id, fingerprint: 'integration=carrier', value: 5, message: `${metric} is 5`, firedAt: new Date() },
      select: { id: true },
    })

    // "Silence by labels…" from the alert starts from its rule and series.
    const prefilled = await body((await newSilence.loader(args(get(cookie, `/alerts/silences/new?alert=${alert.id}`)))) as Response)
    expect(prefilled.values).toEqual({ matchers: `rule=${rule.name}\nintegration=carrier`, startsAt: '', durationMinutes: '60', comment: '' })

    const bad = (await newSilence.action(args(post(cookie, '/alerts/silences/new', { matchers: 'integration!=carrier', durationMinutes: '0', comment: '' })))) as Response
    expect(bad.status).toBe(400)
    expect((await body(bad)).fieldErrors).toEqual({
      matchers: 'These matchers match every alert; add one that names what to silence (e.g. rule=… or integration=…)',
      durationMinutes: 'Silence for at least a minute',
      comment: 'Say why (the others will read it)',
    })
    expect(await prisma.alertSilence.count()).toBe(0)

    const created = await settle(
      newSilence.action(args(post(cookie, '/alerts/silences/new', { matchers: prefilled.values.matchers, durationMinutes: '120', comment: 'Carrier maintenance' }))),
    )
    expect(created.status).toBe(302)
    expect(created.headers.get('location')).toBe('/alerts?view=silences')
    const silence = await prisma.alertSilence.findFirstOrThrow({ select: { id: true, createdById: true, comment: true, matchers: true } })
    expect(silence).toMatchObject({ createdById: user.id, comment: 'Carrier maintenance', matchers: [{ label: 'rule', op: '=', value: rule.name }, { label: 'integration', op: '=', value: 'carrier' }] })

    // The open list and the notification center show it silenced; it no longer needs attention.
    const openView = await body((await index.loader(args(get(cookie, '/alerts?view=open')))) as Response)
    expect(openView.alerts.find((a: { id: string }) => a.id === alert.id)).toMatchObject({ silenced: true, silenceComment: 'Carrier maintenance', silencedUntil: expect.any(String) })
    expect(openView.currentSilences).toBe(1)
    const center = await body((await open.loader(args(get(cookie, '/alerts/open')))) as Response)
    expect(center.alerts.find((a: { id: string }) => a.id === alert.id)).toMatchObject({ silenced: true })

    const listed = await body((await index.loader(args(get(cookie, '/alerts?view=silences')))) as Response)
    expect(listed.silences).toMatchObject([{ id: silence.id, state: 'active', mutedAlerts: 1, createdBy: user.name, comment: 'Carrier maintenance', version: 1 }])

    const ended = await settle(index.action(args(post(cookie, '/alerts', { intent: 'unsilence', silenceId: silence.id, version: '1' }))))
    expect(ended.status).toBe(302)
    const after = await body((await index.loader(args(get(cookie, '/alerts?view=silences')))) as Response)
    expect(after.silences).toMatchObject([{ id: silence.id, state: 'expired', expiredBy: user.name }])
    expect(after.currentSilences).toBe(0)
    const reopened = await body((await index.loader(args(get(cookie, '/alerts?view=open')))) as Response)
    expect(reopened.alerts.find((a: { id: string }) => a.id === alert.id)).toMatchObject({ silenced: false, silencedUntil: null })

    const again = (await index.action(args(post(cookie, '/alerts', { intent: 'unsilence', silenceId: silence.id, version: '2' })))) as Response
    expect(again.status).toBe(409)
    expect(await body(again)).toEqual({ formError: 'This silence has already ended.' })
    const audit = await prisma.auditLog.findMany({ where: { entityId: silence.id }, orderBy: { createdAt: 'asc' }, select: { action: true, actorId: true, requestId: true } })
    expect(audit).toEqual([
      { action: 'create:alert.silence', actorId: user.id, requestId: 'test-request' },
      { action: 'expire:alert.silence', actorId: user.id, requestId: 'test-request' },
    ])
  })
})
