import { networkInterfaces } from 'node:os'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'
import { createSandboxServer } from '../server.ts'
import type { RegisteredPayment } from './payments.ts'

/** POST /control/payments/register: payments the gateway had before this run (the demo database's, on `npm start`). */

let sandbox: TestSandbox
let api: ReturnType<typeof sandboxApi>
beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
})
afterAll(() => sandbox.close())

const register = (body: unknown) =>
  fetch(`${sandbox.url}/control/payments/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

function seededPayment(id: string, overrides: Partial<RegisteredPayment> = {}): RegisteredPayment {
  return {
    id,
    order_reference: `so_${id}`,
    status: 'captured',
    amount: 12_000,
    currency: 'GBP',
    captured_amount: 12_000,
    refunded_amount: 0,
    method: 'apple_pay',
    authorized_at: '2026-11-20T10:00:00.000Z',
    captured_at: '2026-11-20T10:30:00.000Z',
    refunds: [],
    created_at: '2026-11-20T10:00:00.000Z',
    updated_at: '2026-11-20T10:30:00.000Z',
    ...overrides,
  }
}

describe('POST /control/payments/register', () => {
  test('registers payments the gateway serves, refunds and captures as its own; registering again changes nothing', async () => {
    const payments = [
      seededPayment('pay_seedCaptured0001'),
      seededPayment('pay_seedPartRefund01', {
        status: 'partially_refunded',
        refunded_amount: 2_500,
        refunds: [{ id: 're_seedRefund000001', amount: 2_500, reference: 'refund_row_1', reason: 'Returned items', created_at: '2026-11-21T09:00:00+00:00' }],
      }),
      seededPayment('pay_seedAuthorized01', { status: 'authorized', captured_amount: 0, captured_at: null, currency: 'EUR' }),
    ]
    const first = await register({ payments })
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ registered: 3, known: 0 })

    // Served like any payment, timestamps in the API's form (UTC, milliseconds).
    const partial = await (await api.get('/payments/payments/pay_seedPartRefund01')).json()
    expect(partial).toMatchObject({ status: 'partially_refunded', refunded_amount: 2_500, method: 'apple_pay', order_reference: 'so_pay_seedPartRefund01' })
    expect(partial.refunds).toEqual([{ id: 're_seedRefund000001', amount: 2_500, reference: 'refund_row_1', reason: 'Returned items', created_at: '2026-11-21T09:00:00.000Z' }])

    // Usable: a refund of the captured one, a capture of the authorized one (the provider's rules apply as usual).
    const refunded = await api.post('/payments/payments/pay_seedCaptured0001/refunds', { amount: 4_000, reference: 'r-1' }, 'register-test-refund')
    expect(refunded.status).toBe(201)
    expect((await refunded.json()).payment).toMatchObject({ status: 'partially_refunded', refunded_amount: 4_000 })
    const tooMuch = await api.post('/payments/payments/pay_seedPartRefund01/refunds', { amount: 9_501, reference: 'r-2' }, 'register-test-too-much')
    expect(tooMuch.status).toBe(422)
    const captured = await api.post('/payments/payments/pay_seedAuthorized01/capture', { reference: 'c-1' }, 'register-test-capture')
    expect(await captured.json()).toMatchObject({ status: 'captured', captured_amount: 12_000 })

    // Again (the next `npm start`): the gateway's own records win, nothing is reset or duplicated.
    const again = await register({ payments: [...payments, seededPayment('pay_seedNewOne00001')] })
    expect(await again.json()).toEqual({ registered: 1, known: 3 })
    const after = await (await api.get('/payments/payments/pay_seedCaptured0001')).json()
    expect(after).toMatchObject({ status: 'partially_refunded', refunded_amount: 4_000 })
    expect((await (await api.get('/payments/payments/pay_seedAuthorized01')).json()).status).toBe('captured')

    // Registration is not an effect (nothing happened at the gateway) and sends no webhook.
    const { effects } = await sandbox.control.effects({ provider: 'payments' })
    expect(effects.map((effect) => effect.kind).sort()).toEqual(['capture', 'refund'])
  })

  test('bad input is 400 with the reason, and nothing of the batch is registered', async () => {
    const cases: [unknown, RegExp][] = [
      ['not json', /not valid JSON/],
      [{}, /payments/],
      [{ payments: [seededPayment('pay_bad1', { status: 'refunded' })] }, /status refunded does not fit captured_amount 12000 \/ refunded_amount 0 \(expected captured\)/],
      [{ payments: [seededPayment('pay_bad2', { refunded_amount: 13_000, status: 'refunded' })] }, /refunded_amount 13000 is more than captured_amount 12000/],
      [{ payments: [seededPayment('pay_bad3', { currency: 'USD' as 'GBP' })] }, /currency/],
      [{ payments: [seededPayment('pay_bad4', { updated_at: 'yesterday' })] }, /updated_at.*ISO-8601/],
      [{ payments: [seededPayment('pay_bad5', { amount: 0 })] }, /amount/],
      [{ payments: [{ ...seededPayment('pay_bad6'), extra: 1 }] }, /extra/],
      [{ payments: [seededPayment('pay_ok_but_twice'), seededPayment('pay_ok_but_twice')] }, /pay_ok_but_twice is listed twice/],
      [
        { payments: [seededPayment('pay_fine_first'), seededPayment('pay_bad7', { status: 'authorized', captured_amount: 0, captured_at: null, authorized_at: null })] },
        /authorized payment needs authorized_at/,
      ],
    ]
    for (const [body, reason] of cases) {
      const response = await register(body)
      expect(response.status, JSON.stringify(body)).toBe(400)
      expect((await response.json()).error.message).toMatch(reason)
    }
    expect((await api.get('/payments/payments/pay_fine_first')).status).toBe(404)
    expect((await api.get('/payments/payments/pay_ok_but_twice')).status).toBe(404)
    expect((await fetch(`${sandbox.url}/control/payments/register`)).status).toBe(405)
  })

  test('thousands in one request', async () => {
    const payments = Array.from({ length: 5_000 }, (_, index) => seededPayment(`pay_bulk${String(index).padStart(6, '0')}`))
    const started = performance.now()
    const response = await register({ payments })
    expect(await response.json()).toEqual({ registered: 5_000, known: 0 })
    expect(performance.now() - started).toBeLessThan(5_000)
  })

  test('like the rest of the control API: no key needed, loopback callers only', async () => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry && !entry.internal && entry.family === 'IPv4')?.address
    expect(address, 'this test needs a non-loopback IPv4 interface').toBeDefined()
    const server = createSandboxServer({ apiKey: 'k', webhookSecret: 'secret-secret-secret', webhookUrl: null, carrierStepSeconds: 0 })
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', () => resolve()))
    try {
      const { port } = server.address() as AddressInfo
      const body = JSON.stringify({ payments: [seededPayment('pay_from_outside')] })
      const outside = await fetch(`http://${address}:${port}/control/payments/register`, { method: 'POST', body })
      expect(outside.status).toBe(403)
      const inside = await fetch(`http://127.0.0.1:${port}/control/payments/register`, { method: 'POST', body })
      expect(await inside.json()).toEqual({ registered: 1, known: 0 })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
