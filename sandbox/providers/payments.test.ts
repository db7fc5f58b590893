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

test('bad bodies are 400 naming the field', async () => {
  const response = await api.post('/payments/authorizations', { order_reference: 'so_1', amount: 12.5, currency: 'USD', method: 'card' }, 'bad-auth')
  expect(response.status).toBe(400)
  const message = (await response.json()).error.message
  expect(message).toContain('amount')
  expect(message).toContain('currency')
})
