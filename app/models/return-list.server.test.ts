import { afterAll, beforeAll, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createReturn, HOUR, DAY } from '#test/factories/index.ts'
import { countOverdueReturns, countReturns, getReturnInsights, listReturns, parseReturnListQuery, returnSla } from './return-list.server.ts'

/**
 * The returns queue against the real database: filters (status, reason, age, SLA overdue, search), keyset pages in
 * both directions with no row lost or repeated, refused cursors and params, the 48 h refund clock, and insights.
 */

const now = new Date()
const ids: Record<string, string> = {}

beforeAll(async () => {
  // 30 requested returns spread over 30 days, plus one received 50 h ago (overdue) and one received 10 h ago.
  for (let i = 0; i < 30; i++) {
    const { ret } = await createReturn(prisma, { status: 'requested', now, createdAt: new Date(now.getTime() - i * DAY - 1000) })
    await prisma.return.update({ where: { id: ret.id }, data: { requestedAt: new Date(now.getTime() - i * DAY - 1000) } })
  }
  await prisma.returnLine.updateMany({ data: { reasonCode: 'size_fit' } })
  const overdue = await createReturn(prisma, { status: 'received', now })
  await prisma.return.update({ where: { id: overdue.ret.id }, data: { receivedAt: new Date(now.getTime() - 50 * HOUR) } })
  await prisma.returnLine.updateMany({ where: { returnId: overdue.ret.id }, data: { reasonCode: 'wrong_item' } })
  const fresh = await createReturn(prisma, { status: 'received', now })
  await prisma.return.update({ where: { id: fresh.ret.id }, data: { receivedAt: new Date(now.getTime() - 10 * HOUR) } })
  await prisma.returnLine.updateMany({ where: { returnId: fresh.ret.id }, data: { reasonCode: 'defective' } })
  ids.overdue = overdue.ret.id
  ids.fresh = fresh.ret.id
  ids.overdueNumber = overdue.ret.number
})
afterAll(() => closeQueues())

const parse = (search: string) => {
  const parsed = parseReturnListQuery(new URLSearchParams(search))
  if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors))
  return parsed.query
}

test('keyset pages walk every return once, forwards and back, newest first', async () => {
  const seen: string[] = []
  let query = parse('limit=25')
  let page = await listReturns(query, now)
  seen.push(...page.rows.map((r) => r.id))
  expect(page.prevCursor).toBeNull()
  while (page.nextCursor) {
    query = parse(`limit=25&after=${page.nextCursor}`)
    page = await listReturns(query, now)
    seen.push(...page.rows.map((r) => r.id))
  }
  expect(seen).toHaveLength(32)
  expect(new Set(seen).size).toBe(32)
  const all = await prisma.return.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { id: true } })
  expect(seen).toEqual(all.map((r) => r.id))
  // Back from the last page lands on the first page again.
  const back = await listReturns(parse(`limit=25&before=${page.prevCursor}`), now)
  expect(back.rows.map((r) => r.id)).toEqual(seen.slice(0, 25))
  expect(back.prevCursor).toBeNull()
})

test('filters: status, reason, age, overdue SLA, search; counts agree', async () => {
  expect((await listReturns(parse('status=received'), now)).rows.map((r) => r.id).sort()).toEqual([ids.overdue, ids.fresh].sort())
  expect((await listReturns(parse('reason=wrong_item'), now)).rows.map((r) => r.id)).toEqual([ids.overdue])
  expect((await listReturns(parse('reason=wrong_item,defective&status=received'), now)).rows).toHaveLength(2)
  const older = await listReturns(parse('age=7&status=requested'), now)
  expect(older.rows).toHaveLength(23) // requested 7 … 29 days ago
  expect(await countReturns(parse('age=7&status=requested'), now)).toEqual({ count: 23, exact: true })
  const overdue = await listReturns(parse('sla=overdue'), now)
  expect(overdue.rows.map((r) => r.id)).toEqual([ids.overdue])
  expect(overdue.rows[0]!.sla!.overdue).toBe(true)
  expect(await countOverdueReturns(now)).toBe(1)
  const fresh = (await listReturns(parse('status=received'), now)).rows.find((r) => r.id === ids.fresh)!
  expect(fresh.sla).toEqual({ dueAt: new Date(fresh.receivedAt!.getTime() + 48 * HOUR), overdue: false })
  expect((await listReturns(parse(`q=${encodeURIComponent(ids.overdueNumber!)}`), now)).rows.map((r) => r.id)).toEqual([ids.overdue])
})

test('refused params are messages per field', () => {
  expect(parseReturnListQuery(new URLSearchParams('status=lost&age=2&limit=7&sla=late'))).toEqual({
    errors: {
      status: expect.stringContaining('Choose from'),
      age: 'Choose 1, 3, 7 or 14 days',
      limit: 'Choose 25, 50 or 100 rows',
      sla: 'Only "overdue" is a filter',
    },
  })
  expect(parseReturnListQuery(new URLSearchParams('after=not-a-cursor!'))).toEqual({ errors: { after: expect.stringContaining('not valid') } })
})

test('the refund clock runs only while received, 48 h of wall time', () => {
  const receivedAt = new Date('2026-11-27T17:00:00Z') // a Friday evening: weekends count
  expect(returnSla({ status: 'received', receivedAt }, new Date('2026-11-29T16:59:59Z'))).toEqual({ dueAt: new Date('2026-11-29T17:00:00Z'), overdue: false })
  expect(returnSla({ status: 'received', receivedAt }, new Date('2026-11-29T17:00:00Z'))!.overdue).toBe(true)
  expect(returnSla({ status: 'resolved', receivedAt }, new Date('2026-12-30T00:00:00Z'))).toBeNull()
})

test('insights: units by reason per week and return rate by product', async () => {
  const insights = await getReturnInsights(now)
  const total = insights.reasonsByWeek.reduce((sum, week) => sum + insights.reasons.reduce((s, r) => s + (Number((week as Record<string, unknown>)[r]) || 0), 0), 0)
  const expected = await prisma.returnLine.aggregate({ _sum: { quantityRequested: true }, where: { return: { requestedAt: { gte: new Date(now.getTime() - 13 * 7 * DAY) } } } })
  expect(total).toBeLessThanOrEqual(expected._sum.quantityRequested!)
  expect(total).toBeGreaterThan(0)
  expect(insights.reasonsByWeek.length).toBeGreaterThanOrEqual(12)
  expect(insights.reasons).toContain('wrong_item')
  expect(insights.products.length).toBeGreaterThan(0)
  for (const product of insights.products) {
    expect(product.ratePercent).toBe(Math.round((1000 * product.returned) / product.shipped) / 10)
  }
  // The trend: the top products (by returned units), one point per week, a rate only where the product shipped.
  expect(insights.productTrend.products).toEqual(insights.products.slice(0, 5).map((p) => p.product))
  expect(insights.productTrend.points).toHaveLength(insights.reasonsByWeek.length)
  const top = insights.productTrend.products[0]!
  const rates = insights.productTrend.points.map((point) => point[top]).filter((v): v is number => typeof v === 'number')
  expect(rates.length).toBeGreaterThan(0)
  expect(rates.every((v) => v >= 0 && v <= 100)).toBe(true)
  expect(rates.some((v) => v > 0)).toBe(true)
})
