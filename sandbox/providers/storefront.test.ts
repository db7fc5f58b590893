import { afterAll, beforeAll, expect, test } from 'vitest'
import { createSandboxServer } from '../server.ts'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

let sandbox: TestSandbox
let api: ReturnType<typeof sandboxApi>
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 42 })
  api = sandboxApi(sandbox)
})
afterAll(() => sandbox.close())

type Order = {
  id: string
  number: string
  currency: string
  line_items: { sku: string; quantity: number; unit_price: number; discount: number; tax: number; total: number }[]
  subtotal: number
  discount_total: number
  shipping_total: number
  tax_total: number
  total: number
  payment_id: string
  financial_status: string
  shipping_address: { country: string }
}

test('orders are numbered from #500001, use the demo SKUs and add up', async () => {
  const ids = await sandbox.control.createOrders(30)
  expect(ids[0]).toBe('so_500001')
  const { data } = (await (await api.get('/storefront/orders', { limit: 200 })).json()) as { data: Order[] }
  expect(data).toHaveLength(30)
  expect(data[0].number).toBe('#500001')
  for (const order of data) {
    for (const line of order.line_items) {
      expect(line.sku).toMatch(/^OD-10[0-3]\d-[SML]$/)
      expect(line.total).toBe(line.unit_price * line.quantity - line.discount + line.tax)
    }
    expect(order.subtotal).toBe(order.line_items.reduce((sum, line) => sum + line.unit_price * line.quantity, 0))
    expect(order.total).toBe(order.subtotal - order.discount_total + order.shipping_total + order.tax_total)
    expect(order.currency).toBe(order.shipping_address.country === 'IE' ? 'EUR' : 'GBP')
    const payment = await (await api.get(`/payments/payments/${order.payment_id}`)).json()
    expect(payment).toMatchObject({ order_reference: order.id, amount: order.total, currency: order.currency })
    expect(order.financial_status).toBe(payment.status === 'failed' ? 'pending' : 'authorized')
  }
})

test('the same seed generates the same orders', async () => {
  const other = await startSandbox({ seed: 42 })
  await other.control.createOrders(30)
  const strip = (orders: Order[]) => orders.map(({ line_items, total, shipping_address }) => ({ line_items, total, shipping_address }))
  const mine = (await (await api.get('/storefront/orders', { limit: 30 })).json()).data
  const theirs = (await (await sandboxApi(other).get('/storefront/orders', { limit: 30 })).json()).data
  expect(strip(theirs)).toEqual(strip(mine))
  await other.close()
})

test('update and cancel bump updated_at; cancelling twice is 409', async () => {
  const [id] = await sandbox.control.createOrders(1)
  const before = await (await api.get(`/storefront/orders/${id}`)).json()
  await new Promise((resolve) => setTimeout(resolve, 2))
  const updated = await sandbox.control.updateOrder(id)
  expect((updated.updated_at as string) > before.updated_at).toBe(true)
  expect(JSON.stringify([updated.tags, updated.note])).not.toBe(JSON.stringify([before.tags, before.note]))
  await sandbox.control.cancelOrder(id)
  const again = await fetch(`${sandbox.url}/control/storefront/orders/${id}/cancel`, { method: 'POST' })
  expect(again.status).toBe(409)
})

test('the generator and tracking timers stop when the server closes', async () => {
  // Every generated order reads the clock; after close nothing may read it any more.
  let clockReads = 0
  const now = () => {
    clockReads += 1
    return new Date()
  }
  const server = createSandboxServer({ apiKey: 'k'.repeat(16), webhookSecret: 's'.repeat(16), ordersPerMinute: 6000, carrierStepSeconds: 1, now })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  await new Promise((resolve) => setTimeout(resolve, 60))
  expect(clockReads).toBeGreaterThan(3)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const atClose = clockReads
  await new Promise((resolve) => setTimeout(resolve, 60))
  expect(clockReads).toBe(atClose)
})
