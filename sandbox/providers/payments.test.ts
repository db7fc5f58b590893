import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

let sandbox: TestSandbox
let api: ReturnType<typeof sandboxApi>
beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
})
afterAll(() => sandbox.close())

async function authorize(amount = 10_000) {
  const reference = `so_test_${Math.random().toString(36).slice(2)}`
  const response = await api.post('/payments/authorizations', { order_reference: reference, amount, currency: 'GBP', method: 'card' }, `auth-${reference}`)
  expect(response.status).toBe(201)
  return response.json()
}

test('authorize → capture → partial and full refunds, each an effect', async () => {
  const payment = await authorize(10_000)
  expect(payment).toMatchObject({ status: 'authorized', amount: 10_000, captured_amount: 0, refunded_amount: 0, refunds: [] })
  expect(payment.id).toMatch(/^pay_/)

  const captured = await api.post(`/payments/payments/${payment.id}/capture`, { amount: 8_000, reference: `cap-${payment.id}` }, `cap-${payment.id}`)
  expect(captured.status).toBe(200)
  expect(await captured.json()).toMatchObject({ status: 'captured', captured_amount: 8_000, captured_at: expect.any(String) })

  const partial = await api.post(`/payments/payments/${payment.id}/refunds`, { amount: 3_000, reference: `re1-${payment.id}`, reason: 'damaged' }, `re1-${payment.id}`)
  expect(partial.status).toBe(201)
  const { refund, payment: afterPartial } = await partial.json()
  expect(refund).toMatchObject({ amount: 3_000, reference: `re1-${payment.id}`, reason: 'damaged' })
  expect(refund.id).toMatch(/^re_/)
  expect(afterPartial).toMatchObject({ status: 'partially_refunded', refunded_amount: 3_000 })

  const tooMuch = await api.post(`/payments/payments/${payment.id}/refunds`, { amount: 5_001, reference: `re2-${payment.id}` }, `re2-${payment.id}`)
  expect(tooMuch.status).toBe(422)
  expect((await tooMuch.json()).error.code).toBe('invalid_state')

  const rest = await api.post(`/payments/payments/${payment.id}/refunds`, { amount: 5_000, reference: `re3-${payment.id}` }, `re3-${payment.id}`)
  expect((await rest.json()).payment).toMatchObject({ status: 'refunded', refunded_amount: 8_000 })

  const { effects } = await sandbox.control.effects({ provider: 'payments' })
  expect(effects.filter((effect) => effect.reference.endsWith(payment.id)).map((effect) => effect.kind)).toEqual(['capture', 'refund', 'refund'])
  const fetched = await (await api.get(`/payments/payments/${payment.id}`)).json()
  expect(fetched.refunds).toHaveLength(2)
})

test('capture over the authorized amount, or a second capture, is 422 invalid_state', async () => {
  const payment = await authorize(5_000)
  const over = await api.post(`/payments/payments/${payment.id}/capture`, { amount: 5_001, reference: 'over' }, `over-${payment.id}`)
  expect(over.status).toBe(422)
  expect((await over.json()).error.code).toBe('invalid_state')
  expect((await api.post(`/payments/payments/${payment.id}/capture`, { reference: 'ok' }, `ok-${payment.id}`)).status).toBe(200)
  const twice = await api.post(`/payments/payments/${payment.id}/capture`, { reference: 'again' }, `again-${payment.id}`)
  expect(twice.status).toBe(422)
  // The refusal is stored with its key: the same retry gets the same 422, replayed.
  const replay = await api.post(`/payments/payments/${payment.id}/capture`, { reference: 'again' }, `again-${payment.id}`)
  expect(replay.status).toBe(422)
  expect(replay.headers.get('idempotent-replayed')).toBe('true')
})

test('a replayed capture returns the payment as it was then, not as it is now', async () => {
  const payment = await authorize(4_000)
  const key = `cap-then-${payment.id}`
  await api.post(`/payments/payments/${payment.id}/capture`, { reference: key }, key)
  await api.post(`/payments/payments/${payment.id}/refunds`, { amount: 1_000, reference: `r-${key}` }, `r-${key}`)
  const replay = await (await api.post(`/payments/payments/${payment.id}/capture`, { reference: key }, key)).json()
  expect(replay).toMatchObject({ status: 'captured', refunded_amount: 0 })
})

test('capturing a storefront order payment marks the order paid', async () => {
  let order: { id: string; payment_id: string; financial_status: string; updated_at: string }
  do {
    const [id] = await sandbox.control.createOrders(1)
    order = await (await api.get(`/storefront/orders/${id}`)).json()
  } while (order.financial_status !== 'authorized')
  await api.post(`/payments/payments/${order.payment_id}/capture`, { reference: `cap-${order.id}` }, `cap-${order.id}`)
  const after = await (await api.get(`/storefront/orders/${order.id}`)).json()
  expect(after.financial_status).toBe('paid')
  expect(after.updated_at >= order.updated_at).toBe(true)
})

test('cancelling an order voids its uncaptured authorization', async () => {
  let order: { id: string; payment_id: string; financial_status: string }
  do {
    const [id] = await sandbox.control.createOrders(1)
    order = await (await api.get(`/storefront/orders/${id}`)).json()
  } while (order.financial_status !== 'authorized')
  const cancelled = await sandbox.control.cancelOrder(order.id, 'customer')
  expect(cancelled).toMatchObject({ status: 'cancelled', financial_status: 'voided', cancel_reason: 'customer', cancelled_at: expect.any(String) })
  expect((await (await api.get(`/payments/payments/${order.payment_id}`)).json()).status).toBe('voided')
})

test('void releases an uncaptured authorization once; a replay answers the same; a captured payment cannot be voided', async () => {
  const payment = await authorize(7_000)
  const key = `void-${payment.id}`
  const voided = await api.post(`/payments/payments/${payment.id}/void`, { reference: `ref-${payment.id}`, reason: 'order cancelled' }, key)
  expect(voided.status).toBe(200)
  const body = await voided.json()
  expect(body).toMatchObject({ id: payment.id, status: 'voided', captured_amount: 0 })
  expect(body.updated_at >= payment.updated_at).toBe(true)

  // The same request again (a retried job): the stored answer, replayed, and no second effect.
  const replay = await api.post(`/payments/payments/${payment.id}/void`, { reference: `ref-${payment.id}`, reason: 'order cancelled' }, key)
  expect(replay.status).toBe(200)
  expect(replay.headers.get('idempotent-replayed')).toBe('true')
  // A voided authorization can no longer be captured.
  const capture = await api.post(`/payments/payments/${payment.id}/capture`, { reference: `cap-${payment.id}` }, `cap-${payment.id}`)
  expect(capture.status).toBe(422)

  const captured = await authorize(3_000)
  await api.post(`/payments/payments/${captured.id}/capture`, { reference: `cap-${captured.id}` }, `cap-${captured.id}`)
  const refused = await api.post(`/payments/payments/${captured.id}/void`, { reference: `ref-${captured.id}` }, `void-${captured.id}`)
  expect(refused.status).toBe(422)
  expect((await refused.json()).error).toMatchObject({ code: 'invalid_state', message: expect.stringContaining('refund') })
  expect((await (await api.get(`/payments/payments/${captured.id}`)).json()).status).toBe('captured')

  const { effects, duplicates } = await sandbox.control.effects({ provider: 'payments', kind: 'void' })
  expect(effects.map((effect) => effect.reference)).toEqual([`ref-${payment.id}`])
  expect(duplicates).toEqual([])
  // Without an idempotency key the POST is refused, like every state-changing call.
  expect((await fetch(`${sandbox.url}/payments/payments/${payment.id}/void`, { method: 'POST', headers: { 'x-api-key': sandbox.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ reference: 'x' }) })).status).toBe(400)
})

test('bad bodies are 400 naming the field', async () => {
  const response = await api.post('/payments/authorizations', { order_reference: 'so_1', amount: 12.5, currency: 'USD', method: 'card' }, 'bad-auth')
  expect(response.status).toBe(400)
  const message = (await response.json()).error.message
  expect(message).toContain('amount')
  expect(message).toContain('currency')
})
