import { expect, test } from 'vitest'
import { acknowledgeAlert, evaluateAlertRules, silenceAlert } from '#app/models/alert.server.ts'
import { setAlertRuleEnabled } from '#app/models/alert-rule.server.ts'
import type { AlertsChanged } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createAlertRule, recordMetricMinute } from '#test/factories/alerts.ts'
import { uniqueSuffix } from '#test/factories/faker.ts'
import { createUser } from '#test/factories/users.ts'
import { realtimeHarness } from '#test/helpers/realtime.ts'

/**
 * Live alerts through the real path: model change → NOTIFY (on commit) → every web node's LISTEN → `alerts.changed`
 * to that node's members of the alerts room. Subscribing needs read:alert.
 */

const realtime = realtimeHarness()

async function startNode() {
  const url = await realtime.startNode()
  const listening = () =>
    prisma.$queryRaw<Array<{ n: number }>>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'opsdeck-alert-feed' and state = 'idle' and query like 'LISTEN%'`
  const liveNodes = realtime.nodeCount()
  await expect.poll(async () => (await listening())[0]!.n, { timeout: 5_000, interval: 50 }).toBeGreaterThanOrEqual(liveNodes)
  return url
}

async function connectAs(url: string, role: 'admin' | 'manager' | 'operations' | 'support') {
  const { user } = await createUser(prisma, { role })
  return { socket: await realtime.connectAs(url, user), user }
}

const minute = (n: number) => new Date(Date.UTC(2026, 10, 25, 12, n))

/** A rule on a metric of its own, breaching at minute 0: evaluating at 1:05 fires it. */
async function breachingRule() {
  const metric = `rt_alerts_${uniqueSuffix()}`
  const rule = await createAlertRule(prisma, { metric, threshold: 1 })
  await recordMetricMinute(prisma, { metric, bucket: minute(0), value: 5 })
  return { rule, metric }
}

test.each(['operations', 'support'] as const)('%s may not follow alerts', async (role) => {
  const url = await startNode()
  const { socket } = await connectAs(url, role)
  expect(await socket.emitWithAck('alerts.subscribe', {})).toEqual({ ok: false, error: 'forbidden: needs read:alert' })
  // Unknown fields are refused before the permission check.
  expect(await socket.emitWithAck('alerts.subscribe', { all: true } as never)).toMatchObject({ ok: false, error: expect.stringContaining('invalid payload') })
})

test('followers hear fired, acknowledged, silenced, resolved and rule changes; others hear nothing', async () => {
  const url = await startNode()
  const { socket: manager, user } = await connectAs(url, 'manager')
  const { socket: admin } = await connectAs(url, 'admin')
  const { socket: bystander } = await connectAs(url, 'manager')
  expect(await manager.emitWithAck('alerts.subscribe', {})).toEqual({ ok: true, needingAttention: 0 })
  expect(await admin.emitWithAck('alerts.subscribe', {})).toMatchObject({ ok: true })
  const heard: AlertsChanged[] = []
  manager.on('alerts.changed', (signal) => heard.push(signal))
  const overheard: AlertsChanged[] = []
  bystander.on('alerts.changed', (signal) => overheard.push(signal))

  const { rule } = await breachingRule()
  const result = await evaluateAlertRules({ now: new Date(minute(1).getTime() + 5_000) })
  const fired = result.fired.find((entry) => entry.ruleId === rule.id)!
  await expect.poll(() => heard.map((signal) => signal.change)).toContain('fired')
  expect(heard.find((signal) => signal.change === 'fired')).toEqual({ change: 'fired', ids: [fired.alertId], many: false, at: expect.any(String) })
  // The badge count a newly subscribing tab gets.
  expect(await admin.emitWithAck('alerts.subscribe', {})).toEqual({ ok: true, needingAttention: 1 })

  // Re-evaluating the same minute only refreshes the value: no signal.
  const count = heard.length
  await evaluateAlertRules({ now: new Date(minute(1).getTime() + 15_000) })

  await silenceAlert(fired.alertId, new Date(Date.now() + 60_000), user.id)
  await expect.poll(() => heard.slice(count).map((signal) => signal.change)).toEqual(['silenced'])
  const [{ version }] = await prisma.alert.findMany({ where: { id: fired.alertId }, select: { version: true } })
  await acknowledgeAlert(fired.alertId, user.id, version!)
  await expect.poll(() => heard.slice(count).map((signal) => signal.change)).toEqual(['silenced', 'acknowledged'])

  // Disabling the rule resolves its open alert: the rules change and the resolution are both signalled.
  const stored = await prisma.alertRule.findUniqueOrThrow({ where: { id: rule.id }, select: { version: true } })
  await setAlertRuleEnabled(rule.id, stored.version, false, { id: user.id })
  await expect.poll(() => heard.slice(count).map((signal) => signal.change)).toEqual(['silenced', 'acknowledged', 'rules', 'resolved'])
  expect(heard.at(-1)!.ids).toEqual([fired.alertId])

  // After unsubscribing, nothing more.
  expect(await manager.emitWithAck('alerts.unsubscribe', {})).toEqual({ ok: true })
  const after = heard.length
  const { rule: other } = await breachingRule()
  await evaluateAlertRules({ now: new Date(minute(1).getTime() + 5_000) })
  await expect.poll(async () => prisma.alert.count({ where: { ruleId: other.id } })).toBe(1)
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect(heard.length).toBe(after)
  expect(overheard).toEqual([])
})

test('a rolled-back acknowledgement is never announced', async () => {
  const url = await startNode()
  const { socket } = await connectAs(url, 'manager')
  await socket.emitWithAck('alerts.subscribe', {})
  const heard: AlertsChanged[] = []
  socket.on('alerts.changed', (signal) => heard.push(signal))
  await expect(
    prisma.$transaction(async (tx) => {
      await tx.$executeRaw`select pg_notify('opsdeck_alerts', ${JSON.stringify({ change: 'acknowledged', ids: ['x'], many: false })})`
      throw new Error('rolled back')
    }),
  ).rejects.toThrow('rolled back')
  // A committed one after it arrives alone.
  const { rule } = await breachingRule()
  await evaluateAlertRules({ now: new Date(minute(1).getTime() + 5_000) })
  await expect.poll(() => heard.length).toBe(1)
  expect(heard[0]).toMatchObject({ change: 'fired' })
  expect(await prisma.alert.count({ where: { ruleId: rule.id } })).toBe(1)
})

test('every web node tells its own followers once (two nodes, one NOTIFY)', async () => {
  const urlA = await startNode()
  const urlB = await startNode()
  const { socket: onA } = await connectAs(urlA, 'manager')
  const { socket: onB } = await connectAs(urlB, 'admin')
  for (const socket of [onA, onB]) expect(await socket.emitWithAck('alerts.subscribe', {})).toMatchObject({ ok: true })
  const heardA: AlertsChanged[] = []
  const heardB: AlertsChanged[] = []
  onA.on('alerts.changed', (signal) => heardA.push(signal))
  onB.on('alerts.changed', (signal) => heardB.push(signal))
  await breachingRule()
  await evaluateAlertRules({ now: new Date(minute(1).getTime() + 5_000) })
  await expect.poll(() => [heardA.length, heardB.length]).toEqual([1, 1])
  await new Promise((resolve) => setTimeout(resolve, 300))
  expect([heardA.length, heardB.length]).toEqual([1, 1])
  expect(heardA[0]!.ids).toEqual(heardB[0]!.ids)
})
