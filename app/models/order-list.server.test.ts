import { beforeAll, describe, expect, test } from 'vitest'
import { Prisma } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder, DAY, type CreateOrderOverrides } from '#test/factories/index.ts'
import {
  countOrders,
  iterateOrderIds,
  listOrders,
  OrderListQueryError,
  orderListPageSql,
  orderListSearchParams,
  parseOrderListQuery,
  type OrderListQuery,
} from './order-list.server.ts'

const now = new Date('2026-11-25T12:00:00.000Z')
const at = (iso: string) => new Date(`${iso}T10:00:00.000Z`)

/** Parses like the loader; fails the test with the errors when the params are invalid. */
function query(params: Record<string, string | string[]> | string): OrderListQuery {
  const search = new URLSearchParams()
  if (typeof params === 'string') for (const [k, v] of new URLSearchParams(params)) search.append(k, v)
  else for (const [key, value] of Object.entries(params)) for (const v of [value].flat()) search.append(key, v)
  const parsed = parseOrderListQuery(search)
  if ('errors' in parsed) throw new Error(`unexpected errors: ${JSON.stringify(parsed.errors)}`)
  return parsed.query
}

function errors(params: string) {
  const parsed = parseOrderListQuery(new URLSearchParams(params))
  return 'errors' in parsed ? parsed.errors : {}
}

const ids: Record<string, string> = {}

async function order(key: string, overrides: CreateOrderOverrides & { email?: string; name?: string }) {
  const { email, name, ...rest } = overrides
  const graph = await createOrder(prisma, { now, ...rest })
  if (email || name) {
    await prisma.order.update({ where: { id: graph.order.id }, data: { ...(email ? { customerEmail: email } : {}), ...(name ? { customerName: name } : {}) } })
  }
  ids[key] = graph.order.id
  return graph
}

/** The named orders a query returns, first page of 200, in list order. */
async function names(q: OrderListQuery) {
  const { rows } = await listOrders({ ...q, limit: 200 })
  const byId = new Map(Object.entries(ids).map(([k, v]) => [v, k]))
  return rows.map((row) => byId.get(row.id) ?? row.id)
}

beforeAll(async () => {
  await order('A', {
    number: '#1000101', status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled', channel: 'online_store',
    totalAmount: 1000, placedAt: at('2026-11-01'), shippingAddress: { country: 'GB', city: 'London' }, tags: ['vip'],
    email: 'olivia.smith@example.com', name: 'Olivia Smith',
  })
  await order('B', {
    number: '#1000102', status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled', channel: 'pos',
    totalAmount: 5000, placedAt: at('2026-11-05'), shippingAddress: { country: 'IE', city: 'Dublin' }, tags: ['wholesale'],
    email: 'noah@jones.test', name: 'Noah Jones',
  })
  await order('C', {
    number: '#2000103', status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'shipped', channel: 'marketplace',
    totalAmount: 12000, placedAt: at('2026-11-10'), shippingAddress: { country: 'GB' }, tags: ['vip', 'gift'],
    email: 'amelia.brown@example.org', name: 'Amelia Brown',
  })
  const d = await order('D', {
    number: '#2000104', status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', channel: 'online_store',
    totalAmount: 3000, placedAt: at('2026-11-15'), shippingAddress: { country: 'FR' }, email: 'x_y@example.com', name: 'Zoë 100% Real',
  })
  const e = await order('E', {
    number: '#3000105', status: 'cancelled', paymentStatus: 'voided', fulfillmentStatus: 'unfulfilled', channel: 'phone',
    totalAmount: 800, placedAt: at('2026-11-20'), email: 'emma.smithson@example.net', name: 'Emma Smithson',
  })
  const f = await order('F', {
    number: '#3000106', status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', channel: 'online_store',
    totalAmount: 4500, placedAt: at('2026-11-21'), email: 'finn@example.com', name: 'Finn Walker',
  })
  // D: an open return; F: a finished (resolved) return and a solved ticket; E: an open ticket.
  await prisma.return.create({ data: { number: 'RMA-T1', orderId: d.order.id, status: 'in_transit', requestedAt: now } })
  await prisma.return.create({ data: { number: 'RMA-T2', orderId: f.order.id, status: 'resolved', requestedAt: now } })
  await prisma.ticket.create({ data: { subject: 'Where is it', status: 'open', requesterEmail: 'e@x.test', requesterName: 'E', orderId: e.order.id } })
  await prisma.ticket.create({ data: { subject: 'Thanks', status: 'solved', requesterEmail: 'f@x.test', requesterName: 'F', orderId: f.order.id } })

  // Ties: seven orders tagged 'tie' with the same placedAt; totals 700, 700, 700, 900, 900, 100, 100.
  const tieTime = new Date(now.getTime() - 3 * DAY)
  const totals = [700, 700, 700, 900, 900, 100, 100]
  for (const [i, totalAmount] of totals.entries()) {
    // Fixed names: the factory's random ones could match the search tests' fragments (faker has "Smith", "Smitham").
    await order(`T${i}`, {
      number: `#9000${i}`, placedAt: tieTime, totalAmount, tags: ['tie'], status: 'confirmed', paymentStatus: 'paid',
      email: `tie${i}@example.test`, name: `Tie Customer ${i}`,
    })
  }
})

describe('parseOrderListQuery', () => {
  test('defaults, repeated and comma-separated lists, flags and types', () => {
    expect(query('')).toEqual({ sort: 'placedAt', dir: 'desc', limit: 50 })
    expect(query('status=pending&status=confirmed,on_hold&payment=paid&hasOpenReturn=1&hasOpenTicket=0&minTotal=10.5&country=gb&limit=25&cols=number,total&density=compact')).toEqual({
      status: ['pending', 'confirmed', 'on_hold'],
      payment: ['paid'],
      hasOpenReturn: true,
      minTotal: 10.5,
      country: ['GB'],
      sort: 'placedAt',
      dir: 'desc',
      limit: 25,
      cols: ['number', 'total'],
      density: 'compact',
    })
  })

  test('field messages for every kind of bad input', () => {
    expect(errors('status=shipped_to_moon')).toHaveProperty('status', expect.stringContaining('Unknown status'))
    expect(errors('fulfillment=nope')).toHaveProperty('fulfillment', expect.stringContaining('Unknown fulfilment status'))
    expect(errors('from=2026-02-30')).toHaveProperty('from', 'That date does not exist')
    expect(errors('from=yesterday')).toHaveProperty('from', 'Use a date like 2026-11-25')
    expect(errors('from=2026-11-10&to=2026-11-01')).toHaveProperty('to', 'The end date is before the start date')
    expect(errors('minTotal=abc')).toHaveProperty('minTotal')
    expect(errors('minTotal=50&maxTotal=10')).toHaveProperty('maxTotal', 'The maximum is below the minimum')
    expect(errors('country=GBR')).toHaveProperty('country')
    expect(errors('sort=customerEmail')).toHaveProperty('sort')
    expect(errors('limit=5000')).toHaveProperty('limit', 'Show at most 200 rows per page')
    expect(errors('cols=number,secret')).toHaveProperty('cols')
    expect(errors('after=a&before=b')).toHaveProperty('before')
  })

  test('refuses search patterns too short to be selective, with a message', () => {
    expect(errors('q=ab')).toEqual({ q: 'Type at least 3 characters of a name or email, or an order number like #1001' })
    expect(errors('q=%23')).toHaveProperty('q')
    expect(errors('q=%2312')).toEqual({ q: 'Type at least 3 digits of an order number (e.g. #1001)' })
    expect(errors('q=12')).toHaveProperty('q')
    expect(errors('q=a@')).toHaveProperty('q')
    expect(errors('q=%231000')).toEqual({})
    expect(errors('q=smi')).toEqual({})
  })

  test('tampered, truncated or foreign cursors are field errors, not exceptions', async () => {
    const first = await listOrders(query({ tags: 'tie', limit: '2' }))
    const good = first.nextCursor!
    expect(errors(`tags=tie&after=${good}`)).toEqual({})
    expect(errors(`after=${good.slice(0, -3)}`)).toHaveProperty('after', expect.stringContaining('not valid'))
    expect(errors('after=!!!')).toHaveProperty('after')
    expect(errors(`after=${Buffer.from('{"a":1}').toString('base64url')}`)).toHaveProperty('after')
    expect(errors(`after=${Buffer.from(JSON.stringify(['p', 'not a date', 'cabc'])).toString('base64url')}`)).toHaveProperty('after')
    expect(errors(`after=${Buffer.from(JSON.stringify(['p', '2026-11-01T00:00:00.000Z', "x'; drop table"])).toString('base64url')}`)).toHaveProperty('after')
    expect(errors(`sort=totalAmount&after=${good}`)).toHaveProperty('after', expect.stringContaining('another sort'))
    // A caller that skips the schema (bulk work) gets a typed error naming the field.
    await expect(listOrders({ ...query(''), after: 'garbage!' })).rejects.toBeInstanceOf(OrderListQueryError)
    await expect(listOrders({ ...query(''), q: 'ab' })).rejects.toMatchObject({ field: 'q' })
  })

  test('orderListSearchParams is the inverse of parseOrderListQuery', () => {
    const full = query(
      'status=pending&payment=paid&fulfillment=shipped&channel=pos&from=2026-11-01&to=2026-11-30&minTotal=1&maxTotal=99.99&country=GB&tags=vip&tags=gift&hasOpenReturn=1&hasOpenTicket=1&q=smith&sort=totalAmount&dir=asc&limit=100&cols=total,number&density=compact',
    )
    expect(query(orderListSearchParams(full).toString())).toEqual(full)
    expect(orderListSearchParams(query('')).toString()).toBe('')
  })
})

describe('filters', () => {
  const all = (extra: string) => names(query(extra))

  test('lifecycle, payment, fulfilment status and channel', async () => {
    expect(await all('status=pending,cancelled')).toEqual(['E', 'A'])
    expect(await all('payment=voided&payment=unpaid')).toEqual(['E', 'A'])
    expect(await all('fulfillment=shipped')).toEqual(['C'])
    expect(await all('channel=pos&channel=marketplace')).toEqual(['C', 'B'])
    expect(await all('status=completed&fulfillment=delivered&channel=online_store')).toEqual(['F', 'D'])
  })

  test('date range (inclusive whole days, UTC) and total range (major units, inclusive)', async () => {
    expect(await all('from=2026-11-05&to=2026-11-15')).toEqual(['D', 'C', 'B'])
    expect(await all('to=2026-11-01')).toEqual(['A'])
    expect(await all('minTotal=30&maxTotal=50&tags=')).toEqual(['F', 'D', 'B'])
    expect(await all('minTotal=120')).toEqual(['C'])
    expect(await all('maxTotal=1')).toEqual(['T6', 'T5'].sort((a, b) => (ids[b]! > ids[a]! ? 1 : -1)))
  })

  test('country, tags (any of), open return, open ticket', async () => {
    expect(await all('country=GB')).toEqual(['C', 'A'])
    expect(await all('country=ie,fr')).toEqual(['D', 'B'])
    expect(await all('tags=vip')).toEqual(['C', 'A'])
    expect(await all('tags=gift,wholesale')).toEqual(['C', 'B'])
    expect(await all('hasOpenReturn=1')).toEqual(['D'])
    expect(await all('hasOpenTicket=1')).toEqual(['E'])
    expect(await all('hasOpenTicket=1&hasOpenReturn=1')).toEqual([])
  })

  test('search: order number prefix, email and name fragments; wildcards are literal', async () => {
    expect(await all('q=%231000')).toEqual(['B', 'A'])
    expect(await all('q=1000')).toEqual(['B', 'A'])
    expect(await all('q=%232000104')).toEqual(['D'])
    expect(await all('q=olivia.smith@')).toEqual(['A'])
    expect(await all('q=@EXAMPLE.COM&to=2026-11-21')).toEqual(['F', 'D', 'A'])
    expect(await all('q=smith')).toEqual(['E', 'A'])
    expect(await all('q=oLiViA')).toEqual(['A'])
    expect(await all('q=emma smith')).toEqual(['E'])
    expect(await all('q=100%25 Real')).toEqual(['D'])
    expect(await all('q=x_y')).toEqual(['D'])
    expect(await all('q=x%25y')).toEqual([])
    expect(await all('q=zzzqqq')).toEqual([])
  })

  test('the number prefix and the trigram searches are answered by their indexes', async () => {
    const plans = await prisma.$transaction(async (tx) => {
      // A 13-row table is cheapest to scan in date order; turn that off to see which index answers each search.
      await tx.$executeRawUnsafe('set local enable_seqscan = off')
      await tx.$executeRawUnsafe('set local enable_indexscan = off')
      const plan = async (q: OrderListQuery) => {
        const sql = orderListPageSql(q)
        return (await tx.$queryRaw<{ 'QUERY PLAN': string }[]>(Prisma.sql`EXPLAIN ${sql}`)).map((r) => r['QUERY PLAN']).join('\n')
      }
      return [
        await plan(query('q=%231000&sort=totalAmount')),
        await plan(query('q=olivia.smith@')),
        await plan(query('q=smithson')),
        await plan(query('q=Emma Smithson')),
      ]
    })
    expect(plans[0]).toContain('Order_number_pattern_idx')
    expect(plans[1]).toContain('Order_customerEmail_trgm_idx')
    expect(plans[2]).toContain('Order_customerName_trgm_idx')
    expect(plans[2]).toContain('Order_customerEmail_trgm_idx')
    // A fragment with a space cannot be in an email address: only the name index is searched.
    expect(plans[3]).toContain('Order_customerName_trgm_idx')
    expect(plans[3]).not.toContain('Order_customerEmail_trgm_idx')
  })
})

describe('keyset pages', () => {
  /** Walks forward with nextCursor to the end, then back with prevCursor to the start. */
  async function walk(base: OrderListQuery) {
    const forward: string[][] = []
    let page = await listOrders(base)
    expect(page.prevCursor).toBeNull()
    forward.push(page.rows.map((r) => r.id))
    while (page.nextCursor) {
      const cursor = page.nextCursor
      page = await listOrders({ ...base, after: cursor })
      forward.push(page.rows.map((r) => r.id))
      expect(page.prevCursor).not.toBeNull()
    }
    const backward: string[][] = [page.rows.map((r) => r.id)]
    while (page.prevCursor) {
      page = await listOrders({ ...base, before: page.prevCursor })
      backward.unshift(page.rows.map((r) => r.id))
    }
    expect(page.nextCursor).not.toBeNull()
    return { forward, backward }
  }

  const expected = async (sort: 'placedAt' | 'totalAmount' | 'number', dir: 'asc' | 'desc') => {
    const rows = await prisma.order.findMany({ where: { tags: { has: 'tie' } }, select: { id: true, totalAmount: true, number: true, placedAt: true } })
    const key = (r: (typeof rows)[number]) => (sort === 'placedAt' ? r.placedAt.getTime() : sort === 'totalAmount' ? r.totalAmount : r.number)
    const sign = dir === 'asc' ? 1 : -1
    // Byte order (the database's collation is C), id as the tiebreak in the same direction.
    const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)
    return rows.sort((a, b) => sign * (cmp(key(a), key(b)) || cmp(a.id, b.id))).map((r) => r.id)
  }

  for (const [sort, dir] of [['placedAt', 'desc'], ['placedAt', 'asc'], ['totalAmount', 'desc'], ['totalAmount', 'asc'], ['number', 'asc'], ['number', 'desc']] as const) {
    test(`${sort} ${dir}: forward and back over ties visit every row once, in order, on the same pages`, async () => {
      const base = query({ tags: 'tie', sort, dir, limit: '3' })
      const { forward, backward } = await walk(base)
      expect(forward.map((p) => p.length)).toEqual([3, 3, 1])
      expect(forward.flat()).toEqual(await expected(sort, dir))
      expect(backward).toEqual(forward)
    })
  }

  test('an exact page fill has no phantom next page; an empty result has no cursors', async () => {
    const seven = await listOrders(query({ tags: 'tie', limit: '7' }))
    expect(seven.rows).toHaveLength(7)
    expect(seven.nextCursor).toBeNull()
    const none = await listOrders(query({ tags: 'no-such-tag' }))
    expect(none).toEqual({ rows: [], nextCursor: null, prevCursor: null })
  })

  test('rows carry what the list shows', async () => {
    const { rows } = await listOrders(query('q=olivia.smith@'))
    expect(rows[0]).toEqual({
      id: ids.A,
      number: '#1000101',
      placedAt: at('2026-11-01'),
      status: 'pending',
      paymentStatus: 'unpaid',
      fulfillmentStatus: 'unfulfilled',
      channel: 'online_store',
      currency: 'GBP',
      totalAmount: 1000,
      customerName: 'Olivia Smith',
      customerEmail: 'olivia.smith@example.com',
      country: 'GB',
      tags: ['vip'],
      assigneeName: null,
    })
  })

  test('iterateOrderIds yields every match in keyset order, batch by batch, ignoring page cursors', async () => {
    const base = query({ tags: 'tie', sort: 'totalAmount', dir: 'asc' })
    const batches: string[][] = []
    for await (const batch of iterateOrderIds({ ...base, after: 'ignored-position' }, 3)) batches.push(batch)
    expect(batches.map((b) => b.length)).toEqual([3, 3, 1])
    expect(batches.flat()).toEqual(await expected('totalAmount', 'asc'))
    const everything: string[] = []
    for await (const batch of iterateOrderIds(query(''), 4)) everything.push(...batch)
    expect(new Set(everything).size).toBe(13)
  })
})

describe('countOrders', () => {
  test('exact up to the cap', async () => {
    expect(await countOrders(query(''))).toEqual({ count: 13, exact: true })
    expect(await countOrders(query('tags=tie&limit=2'))).toEqual({ count: 7, exact: true })
    expect(await countOrders(query('q=smith'))).toEqual({ count: 2, exact: true })
    expect(await countOrders(query({ tags: 'tie' }), 7)).toEqual({ count: 7, exact: true })
  })

  test('above the cap: the planner estimate, never below what was seen, marked not exact', async () => {
    await prisma.$executeRawUnsafe('analyze "Order"')
    const estimate = await countOrders(query(''), 5)
    expect(estimate.exact).toBe(false)
    expect(estimate.count).toBeGreaterThanOrEqual(6)
    // With fresh statistics the estimate for the whole table is the table's size.
    expect(estimate.count).toBe(13)
    expect(await countOrders(query({ tags: 'tie' }), 6)).toMatchObject({ exact: false })
  })

  test('an estimate ten times the cap or more is answered without counting', async () => {
    await prisma.$executeRawUnsafe('analyze "Order"')
    // 13 orders, cap 1: the estimate (13) is over 10 × 1, so no capped count runs; still a labelled estimate.
    expect(await countOrders(query(''), 1)).toEqual({ count: 13, exact: false })
    // A selective filter is estimated under 10 × cap and counted exactly.
    expect(await countOrders(query('q=olivia.smith@'), 1)).toEqual({ count: 1, exact: true })
  })
})
