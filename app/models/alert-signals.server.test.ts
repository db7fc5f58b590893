import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createAlertRule, recordMetricMinute } from '#test/factories/alerts.ts'
import { createStockedOrder } from '#test/factories/orders.ts'
import { evaluateAlertRules } from './alert.server.ts'
import { checkMetricsFreshness, forgetTopSkus, METRICS_STALE_RULE, recordTopSkuStockouts } from './alert-signals.server.ts'

/**
 * "Stock-out of a top SKU" end to end on the real database: best sellers from order lines, availability from
 * inventory levels, a `top_sku_stockout{sku}` row per top SKU and minute, and a rule that fires for the SKU that ran
 * out and resolves when it is restocked. This file's database holds only its own orders.
 */

test('a best-selling SKU that runs out fires its alert; restocking resolves it; other SKUs stay quiet', async () => {
  const t0 = new Date()
  const placedAt = new Date(t0.getTime() - 24 * 3600_000)
  // Three units of the first variant, one of the second (createStockedOrder's quantities).
  const stocked = await createStockedOrder(prisma, { lineCount: 2, spare: 5, now: placedAt, placedAt, scenario: { status: 'confirmed' } })
  const [best, second] = stocked.variants
  const minute = (n: number) => new Date(Math.floor(t0.getTime() / 60_000) * 60_000 + n * 60_000)
  forgetTopSkus()

  const quiet = await recordTopSkuStockouts({ now: new Date(minute(0).getTime() + 1_000) })
  expect(quiet.skus.sort()).toEqual([best!.sku, second!.sku].sort())
  expect(quiet.outOfStock).toEqual([])

  const rule = await createAlertRule(prisma, { metric: 'top_sku_stockout', condition: 'gte', threshold: 1, name: 'Top SKU out' })
  // Everything the best seller had on hand is reserved: nothing available.
  await prisma.inventoryLevel.updateMany({ where: { variantId: best!.id }, data: { onHand: stocked.levels.find((l) => l.variantId === best!.id)!.reserved } })
  const out = await recordTopSkuStockouts({ now: new Date(minute(1).getTime() + 1_000) })
  expect(out.outOfStock).toEqual([best!.sku])
  // The same minute again overwrites its row (the last tick of the minute wins).
  await recordTopSkuStockouts({ now: new Date(minute(1).getTime() + 50_000) })
  const rows = await prisma.metricRollup.findMany({ where: { metric: 'top_sku_stockout', bucket: minute(1) }, select: { labels: true, sum: true, count: true }, orderBy: { labels: 'asc' } })
  expect(rows).toEqual(
    [
      { labels: `sku=${best!.sku}`, sum: 1, count: 1n },
      { labels: `sku=${second!.sku}`, sum: 0, count: 1n },
    ].sort((a, b) => a.labels.localeCompare(b.labels)),
  )

  const fired = await evaluateAlertRules({ now: new Date(minute(2).getTime() + 2_000) })
  expect(fired.fired.filter((entry) => entry.ruleId === rule.id).map((entry) => entry.fingerprint)).toEqual([`sku=${best!.sku}`])
  const alert = await prisma.alert.findFirstOrThrow({ where: { ruleId: rule.id }, select: { message: true, status: true } })
  expect(alert).toEqual({ status: 'firing', message: `Top SKU out: top_sku_stockout{sku=${best!.sku}} is 1, at or above the threshold 1 in the last minute` })

  // Restocked during minute 2: the alert resolves when minute 2 is complete.
  await prisma.inventoryLevel.updateMany({ where: { variantId: best!.id }, data: { onHand: { increment: 4 } } })
  await recordTopSkuStockouts({ now: new Date(minute(2).getTime() + 30_000) })
  const resolved = await evaluateAlertRules({ now: new Date(minute(3).getTime() + 2_000) })
  expect(resolved.resolved.filter((entry) => entry.ruleId === rule.id).map((entry) => entry.fingerprint)).toEqual([`sku=${best!.sku}`])
})

test('cancelled orders do not make a best seller, and no orders means no signal', async () => {
  forgetTopSkus()
  await prisma.order.updateMany({ data: { status: 'cancelled' } })
  const result = await recordTopSkuStockouts({ now: new Date(Date.now() + 3 * 3600_000) })
  expect(result).toEqual({ skus: [], outOfStock: [] })
})

test('a metrics pipeline that stops writing rollups fires "Metrics pipeline stale"; fresh rollups resolve it; disabled, it stays quiet', async () => {
  // This file's database: no `processes` rollups yet (a fresh install has nothing to be stale).
  const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 90 * 24 * 3600_000
  const at = (minutes: number) => new Date(t0 + minutes * 60_000)
  const openStale = () => prisma.alert.findMany({ where: { ruleId: METRICS_STALE_RULE.id, status: { not: 'resolved' } }, select: { status: true, message: true, value: true } })
  expect(await checkMetricsFreshness({ now: at(0) })).toMatchObject({ stale: false, newest: null })

  await recordMetricMinute(prisma, { metric: 'processes', labels: 'kind=worker', bucket: at(0), value: 1 })
  // Within METRICS_STALE_AFTER_MS of the minute's end: fine.
  expect((await checkMetricsFreshness({ now: at(5) })).stale).toBe(false)
  expect(await openStale()).toEqual([])

  // A worker that (re)started two minutes ago gives the collector time to catch up first.
  expect((await checkMetricsFreshness({ now: at(7), runningSince: at(5) })).stale).toBe(false)
  expect(await openStale()).toEqual([])

  // Seven minutes on, nothing newer: one critical alert naming when metrics stopped; a later tick refreshes, not repeats.
  expect((await checkMetricsFreshness({ now: at(7) })).stale).toBe(true)
  await checkMetricsFreshness({ now: at(8) })
  const [alert, ...others] = await openStale()
  expect(others).toEqual([])
  expect(alert).toMatchObject({ status: 'firing', value: 8 })
  expect(alert!.message).toContain(`No metrics recorded since ${at(0).toISOString().slice(0, 16).replace('T', ' ')} UTC (8 min)`)
  const rule = await prisma.alertRule.findUniqueOrThrow({ where: { id: METRICS_STALE_RULE.id }, select: { severity: true, enabled: true } })
  expect(rule).toEqual({ severity: 'critical', enabled: true })

  // The collector writes again: resolved.
  await recordMetricMinute(prisma, { metric: 'processes', labels: 'kind=worker', bucket: at(9), value: 1 })
  expect((await checkMetricsFreshness({ now: at(10) })).stale).toBe(false)
  expect(await openStale()).toEqual([])

  // Someone disabled the rule on /alerts: stale again, but nothing is raised.
  await prisma.alertRule.update({ where: { id: METRICS_STALE_RULE.id }, data: { enabled: false } })
  expect((await checkMetricsFreshness({ now: at(30) })).stale).toBe(true)
  expect(await openStale()).toEqual([])
})
