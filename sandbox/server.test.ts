import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

/** Draws for the fault decisions: the queued values first, then 0.99 (no fault below a rate of 1). */
const draws: number[] = []
const random = () => draws.shift() ?? 0.99

let sandbox: TestSandbox
let api: ReturnType<typeof sandboxApi>
beforeAll(async () => {
  sandbox = await startSandbox({ random })
  api = sandboxApi(sandbox)
})
afterAll(() => sandbox.close())
afterEach(async () => {
  draws.length = 0
  await sandbox.control.reset()
})

const control = (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') =>
  fetch(`${sandbox.url}/control${path}`, { method, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body) })

describe('routing and auth', () => {
  test('GET /healthz answers without a key', async () => {
    const response = await fetch(`${sandbox.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
  })

  test('provider routes need the API key', async () => {
    expect((await fetch(`${sandbox.url}/storefront/orders`)).status).toBe(401)
    const wrong = await fetch(`${sandbox.url}/storefront/orders`, { headers: { 'x-api-key': 'wrong-key-value!' } })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('x-api-key') } })
    expect((await api.get('/storefront/orders')).status).toBe(200)
    expect(await (await api.get('/carrier/ping')).json()).toEqual({ provider: 'carrier', ok: true })
  })

  test('unknown routes and methods answer 404/405 with the route', async () => {
    const missing = await fetch(`${sandbox.url}/nowhere`)
    expect(missing.status).toBe(404)
    expect((await missing.json()).error.message).toContain('/nowhere')
    expect((await api.get('/payments/nothing')).status).toBe(404)
    expect((await api.post('/storefront/orders', {}, 'k')).status).toBe(405)
    expect((await control('/nothing')).status).toBe(404)
    expect((await control('/state', {})).status).toBe(405)
  })

  test('unknown ids answer 404 not_found', async () => {
    const response = await api.get('/storefront/orders/so_999')
    expect(response.status).toBe(404)
    expect((await response.json()).error.code).toBe('not_found')
  })
})

describe('lists', () => {
  test('pages by cursor in (updated_at, id) order with no gaps or repeats', async () => {
    await sandbox.control.createOrders(7)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const response = await api.get('/storefront/orders', cursor ? { limit: 3, cursor } : { limit: 3 })
      expect(response.status).toBe(200)
      const page = (await response.json()) as { data: { id: string; updated_at: string }[]; next_cursor: string | null }
      seen.push(...page.data.map((order) => order.id))
      cursor = page.next_cursor
      pages += 1
    } while (cursor)
    const all = (await (await api.get('/storefront/orders', { limit: 200 })).json()).data as { id: string; updated_at: string }[]
    expect(seen).toEqual(all.map((order) => order.id))
    expect(new Set(seen).size).toBe(seen.length)
    expect(pages).toBe(Math.ceil(all.length / 3))
    const keys = all.map((order) => `${order.updated_at} ${order.id}`)
    expect(keys).toEqual([...keys].sort())
  })

  test('updated_since is inclusive and an updated order moves to the end', async () => {
    const [first, second] = await sandbox.control.createOrders(2)
    const since = ((await (await api.get(`/storefront/orders/${second}`)).json()) as { updated_at: string }).updated_at
    const updated = await sandbox.control.updateOrder(first, { tags: ['vip'], note: 'moved' })
    expect((updated.updated_at as string) >= since).toBe(true)
    const page = (await (await api.get('/storefront/orders', { updated_since: since, limit: 200 })).json()) as { data: { id: string; tags: string[] }[] }
    const ids = page.data.map((order) => order.id)
    expect(ids).toContain(second)
    expect(ids.at(-1)).toBe(first)
    expect(page.data.at(-1)!.tags).toEqual(['vip'])
  })

  test('bad limit, updated_since or cursor → 400 naming the field', async () => {
    for (const [query, field] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 201 }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ updated_since: 'yesterday' }, 'updated_since'],
      [{ cursor: 'bm9wZQ' }, 'cursor'],
    ] as const) {
      const response = await api.get('/storefront/customers', query)
      expect(response.status, JSON.stringify(query)).toBe(400)
      expect((await response.json()).error.message).toContain(field)
    }
  })

  test('?ids= answers the named orders that exist, in the order named, on one page; too many ids → 400', async () => {
    const [a, , c] = await sandbox.control.createOrders(3)
    const response = await api.get('/storefront/orders', { ids: `${c},so_404,${a},${c}` })
    expect(response.status).toBe(200)
    const page = (await response.json()) as { data: { id: string }[]; next_cursor: string | null }
    expect(page.data.map((order) => order.id)).toEqual([c, a])
    expect(page.next_cursor).toBeNull()

    const tooMany = await api.get('/storefront/orders', { ids: Array.from({ length: 251 }, (_, i) => `so_${i}`).join(',') })
    expect(tooMany.status).toBe(400)
    expect((await tooMany.json()).error.message).toMatch(/ids.*at most 250/)
    expect((await api.get('/storefront/orders', { ids: '' })).status).toBe(400)
  })

  test('customers are seeded and listed', async () => {
    const page = (await (await api.get('/storefront/customers', { limit: 200 })).json()) as { data: { id: string; email: string }[]; next_cursor: string | null }
    expect(page.data).toHaveLength(200)
    expect(page.data[0].id).toMatch(/^cus_sb_/)
    expect(page.next_cursor).toBeNull()
  })
})

describe('idempotency and effects', () => {
  /** A new order whose card was not declined (about 3 % are). */
  async function authorizedPayment() {
    for (;;) {
      const [orderId] = await sandbox.control.createOrders(1)
      const order = (await (await api.get(`/storefront/orders/${orderId}`)).json()) as { payment_id: string; total: number; financial_status: string }
      if (order.financial_status === 'authorized') return order
    }
  }

  test('same key + same body replays the answer without a new effect; other body → 409', async () => {
    const order = await authorizedPayment()
    const key = `cap-${order.payment_id}`
    const first = await api.post(`/payments/payments/${order.payment_id}/capture`, { reference: `ref-${key}`, amount: order.total }, key)
    expect(first.status).toBe(200)
    const firstBody = await first.json()
    expect(firstBody.status).toBe('captured')
    // Keys in another order are the same request.
    const again = await api.post(`/payments/payments/${order.payment_id}/capture`, `{"amount":${order.total},"reference":"ref-${key}"}`, key)
    expect(again.status).toBe(200)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await again.json()).toEqual(firstBody)

    const conflict = await api.post(`/payments/payments/${order.payment_id}/capture`, { reference: `ref-${key}`, amount: 1 }, key)
    expect(conflict.status).toBe(409)
    expect((await conflict.json()).error.code).toBe('idempotency_conflict')

    const { effects, duplicates } = await sandbox.control.effects({ provider: 'payments', kind: 'capture' })
    expect(effects.filter((effect) => effect.reference === `ref-${key}`)).toEqual([
      expect.objectContaining({ provider: 'payments', kind: 'capture', idempotencyKey: key }),
    ])
    expect(duplicates).toEqual([])
  })

  test('a POST without idempotency-key → 400; an invalid body → 400 naming the field and nothing stored', async () => {
    const order = await authorizedPayment()
    const missing = await api.post(`/payments/payments/${order.payment_id}/refunds`, { amount: 1, reference: 'r' })
    expect(missing.status).toBe(400)
    expect((await missing.json()).error.code).toBe('missing_idempotency_key')
    const invalid = await api.post(`/payments/payments/${order.payment_id}/refunds`, { amount: -1, reference: 'r' }, 'bad-1')
    expect(invalid.status).toBe(400)
    expect((await invalid.json()).error.message).toMatch(/amount/)
    expect((await api.post(`/payments/payments/${order.payment_id}/refunds`, '{not json', 'bad-2')).status).toBe(400)
  })

  test('the effects log reports the same reference applied twice under different keys', async () => {
    const reference = `adj-${Date.now()}`
    const body = { sku: 'OD-1001-M', location: 'LON', delta: 2, reference }
    expect((await api.post('/warehouse/adjustments', body, `${reference}-a`)).status).toBe(201)
    expect((await api.post('/warehouse/adjustments', body, `${reference}-b`)).status).toBe(201)
    const { duplicates } = await sandbox.control.effects({ provider: 'warehouse' })
    expect(duplicates).toContainEqual({ provider: 'warehouse', kind: 'adjustment', reference, count: 2 })
  })
})

describe('faults', () => {
  test('latency delays the answer', async () => {
    await sandbox.control.setFaults('helpdesk', { latencyMs: 80 })
    const started = Date.now()
    expect((await api.get('/helpdesk/messages')).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(75)
  })

  test('errorRate answers errorStatus for the share of requests whose draw falls under it', async () => {
    await sandbox.control.setFaults('storefront', { errorRate: 0.5, errorStatus: 502 })
    draws.push(0.2, 0.7)
    const failed = await api.get('/storefront/orders')
    expect(failed.status).toBe(502)
    expect((await failed.json()).error.code).toBe('injected_error')
    expect((await api.get('/storefront/orders')).status).toBe(200)
  })

  test('timeoutRate holds the request unanswered until the client gives up', async () => {
    await sandbox.control.setFaults('carrier', { timeoutRate: 1 })
    const started = Date.now()
    const outcome = await fetch(`${sandbox.url}/carrier/shipments`, { headers: { 'x-api-key': sandbox.apiKey }, signal: AbortSignal.timeout(150) }).then(
      () => 'answered',
      (error: Error) => error.name,
    )
    expect(outcome).toBe('TimeoutError')
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  test('429 with Retry-After in seconds and as an HTTP-date', async () => {
    await sandbox.control.setFaults('payments', { rateLimitRate: 1, retryAfterSeconds: 7 })
    const seconds = await api.get('/payments/payments')
    expect(seconds.status).toBe(429)
    expect(seconds.headers.get('retry-after')).toBe('7')
    expect((await seconds.json()).error.code).toBe('rate_limited')

    await sandbox.control.setFaults('payments', { retryAfterFormat: 'http-date', retryAfterSeconds: 30 })
    const before = Date.now()
    const dated = await api.get('/payments/payments')
    expect(dated.status).toBe(429)
    const header = dated.headers.get('retry-after')!
    expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/)
    const waitMs = Date.parse(header) - before
    expect(waitMs).toBeGreaterThanOrEqual(29_000)
    expect(waitMs).toBeLessThanOrEqual(32_000)
  })

  test('malformedRate: a 200 that is not JSON, or JSON with the wrong types', async () => {
    await sandbox.control.createOrders(1)
    await sandbox.control.setFaults('storefront', { malformedRate: 1 })
    draws.push(0.5, 0.1) // hit, then "not JSON"
    const broken = await api.get('/storefront/orders')
    expect(broken.status).toBe(200)
    const text = await broken.text()
    expect(() => JSON.parse(text)).toThrow()

    draws.push(0.5, 0.9) // hit, then "wrong types"
    const wrong = await api.get('/storefront/orders')
    expect(wrong.status).toBe(200)
    const body = await wrong.json()
    expect(Array.isArray(body.data)).toBe(false)
  })

  test('a malformed answer to a POST still applied the effect; the retry with the same key gets the real answer', async () => {
    const reference = `adj-malformed-${Date.now()}`
    const body = { sku: 'OD-1002-S', location: 'MAN', delta: 3, reference }
    await sandbox.control.setFaults('warehouse', { malformedRate: 1 })
    draws.push(0.5, 0.1)
    const garbled = await api.post('/warehouse/adjustments', body, reference)
    expect(garbled.status).toBe(200)
    const garbledText = await garbled.text()
    expect(() => JSON.parse(garbledText)).toThrow()
    await sandbox.control.setFaults('warehouse', { malformedRate: 0 })
    const retry = await api.post('/warehouse/adjustments', body, reference)
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect((await retry.json()).reference).toBe(reference)
    const { effects } = await sandbox.control.effects({ provider: 'warehouse', kind: 'adjustment' })
    expect(effects.filter((effect) => effect.reference === reference)).toHaveLength(1)
  })

  test('outage: every API call answers 503; control and healthz still answer', async () => {
    await sandbox.control.setFaults('helpdesk', { outage: true })
    const down = await api.get('/helpdesk/messages')
    expect(down.status).toBe(503)
    expect((await down.json()).error.code).toBe('outage')
    expect((await api.post('/helpdesk/replies', {}, 'k')).status).toBe(503)
    expect((await fetch(`${sandbox.url}/healthz`)).status).toBe(200)
    expect((await control('/state')).status).toBe(200)
    await sandbox.control.reset()
    expect((await api.get('/helpdesk/messages')).status).toBe(200)
  })

  test('faults apply to their provider only', async () => {
    await sandbox.control.setFaults('payments', { outage: true })
    expect((await api.get('/storefront/orders')).status).toBe(200)
    expect((await api.get('/payments/payments')).status).toBe(503)
  })
})

describe('control API', () => {
  test('fault patches are validated field by field; unknown provider 404', async () => {
    const bad = await control('/faults/payments', { errorRate: 2, latencyMs: 'slow', retryAfterFormat: 'minutes' })
    expect(bad.status).toBe(400)
    const message = (await bad.json()).error.message as string
    expect(message).toMatch(/errorRate/)
    expect(message).toMatch(/latencyMs/)
    expect(message).toMatch(/retryAfterFormat/)
    expect((await control('/faults/payments', 'not json')).status).toBe(400)
    expect((await control('/faults/payments', { extra: 1 })).status).toBe(400)
    expect((await control('/faults/payments', { errorStatus: 404 })).status).toBe(400)
    expect((await control('/faults/nope', { errorRate: 0 })).status).toBe(404)
  })

  test('state shows faults, stats, generator and carrier settings; reset clears the faults', async () => {
    await sandbox.control.setFaults('carrier', { latencyMs: 5, webhookDropRate: 0.5 })
    let state = await sandbox.control.state()
    expect(state.providers.map((provider) => provider.name)).toEqual(['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk'])
    expect(state.providers[2].faults).toMatchObject({ latencyMs: 5, webhookDropRate: 0.5, errorStatus: 503, retryAfterFormat: 'seconds' })
    expect(state.providers[0].stats.requests).toBeGreaterThan(0)
    expect(state.generator).toEqual({ ordersPerMinute: 0 })
    expect(state.carrier).toEqual({ stepSeconds: 0 })
    await sandbox.control.reset()
    state = await sandbox.control.state()
    expect(state.providers[2].faults).toMatchObject({ latencyMs: 0, webhookDropRate: 0 })
  })

  test('other control bodies are validated', async () => {
    for (const [path, body, field] of [
      ['/storefront/orders', { count: 0 }, 'count'],
      ['/storefront/orders', { count: 5001 }, 'count'],
      ['/generator', { ordersPerMinute: -1 }, 'ordersPerMinute'],
      ['/carrier', { stepSeconds: 1.5 }, 'stepSeconds'],
      ['/warehouse/stock', { sku: 'OD-1000-S', location: 'PAR', on_hand: 1 }, 'location'],
      ['/warehouse/stock', { sku: 'OD-1000-S', location: 'LON', on_hand: -1 }, 'on_hand'],
      ['/helpdesk/messages', { order_number: '500012' }, 'order_number'],
      ['/webhooks', { url: 'not a url' }, 'url'],
    ] as const) {
      const response = await control(path, body)
      expect(response.status, path).toBe(400)
      expect((await response.json()).error.message, path).toContain(field)
    }
    expect((await control('/effects?kind=teleport')).status).toBe(400)
    expect((await control('/requests?since=later')).status).toBe(400)
    expect((await control('/storefront/orders/so_1/cancel', {})).status).toBe(404)
  })

  test('the generator setting starts and stops order creation', async () => {
    const before = (await (await api.get('/storefront/orders', { limit: 200 })).json()).data.length as number
    await sandbox.control.setGenerator(6000) // one every 10 ms
    await new Promise((resolve) => setTimeout(resolve, 120))
    await sandbox.control.setGenerator(0)
    const after = (await (await api.get('/storefront/orders', { limit: 200 })).json()).data.length as number
    expect(after).toBeGreaterThan(before)
    expect((await sandbox.control.state()).generator.ordersPerMinute).toBe(0)
  })

  test('the request log lists provider calls with their status, filtered by provider and time', async () => {
    const since = new Date()
    await api.get('/carrier/shipments')
    await fetch(`${sandbox.url}/carrier/shipments`)
    const requests = await sandbox.control.requests('carrier', since)
    expect(requests.map((request) => [request.method, request.path, request.status])).toEqual([
      ['GET', '/carrier/shipments', 200],
      ['GET', '/carrier/shipments', 401],
    ])
    expect(await sandbox.control.requests('helpdesk', new Date(Date.now() + 60_000))).toEqual([])
  })
})

test('close() is prompt even with a request held by the timeout fault', async () => {
  const other = await startSandbox()
  await other.control.setFaults('storefront', { timeoutRate: 1 })
  const pending = fetch(`${other.url}/storefront/orders`, { headers: { 'x-api-key': other.apiKey } }).then(
    () => 'answered',
    () => 'cut',
  )
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = Date.now()
  await other.close()
  expect(Date.now() - started).toBeLessThan(1000)
  expect(await pending).toBe('cut')
})
