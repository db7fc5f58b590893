import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'
import type { FlashSaleState } from './flash-sale.ts'

let sandbox: TestSandbox
beforeAll(async () => {
  sandbox = await startSandbox({ ordersPerMinute: 0 })
})
afterAll(() => sandbox.close())

const control = async (path: string, body?: unknown) => {
  const response = await fetch(`${sandbox.url}/control${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as { flashSale: FlashSaleState | null; error?: { message: string } } }
}

async function storefrontOrders() {
  let count = 0
  let cursor: string | null = null
  do {
    const response = await fetch(`${sandbox.url}/storefront/orders?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: { 'x-api-key': sandbox.apiKey } })
    const page = (await response.json()) as { data: unknown[]; next_cursor: string | null }
    count += page.data.length
    cursor = page.next_cursor
  } while (cursor)
  return count
}

describe('flash sale', () => {
  test('runs the generator at rate × N for M minutes, then restores the rate; reports exactly what it sent, per minute', async () => {
    expect((await control('/flash-sale')).body.flashSale).toBeNull()
    const before = await storefrontOrders()
    const started = await control('/flash-sale', { ordersPerMinute: 300, multiplier: 4, minutes: 0.05 })
    expect(started.status).toBe(200)
    expect(started.body.flashSale).toMatchObject({ active: true, ordersPerMinute: 1200, baseOrdersPerMinute: 0, multiplier: 4 })
    const state = await sandbox.control.state()
    expect(state.generator.ordersPerMinute).toBe(1200)

    // 1200/min for 3 s: ~60 orders, then the generator is back at 0 (its rate before the sale).
    await expect.poll(async () => (await control('/flash-sale')).body.flashSale?.active, { timeout: 10_000, interval: 200 }).toBe(false)
    const ended = (await control('/flash-sale')).body.flashSale!
    expect((await sandbox.control.state()).generator.ordersPerMinute).toBe(0)
    expect(ended.ordersSent).toBeGreaterThanOrEqual(45)
    expect(ended.ordersSent).toBeLessThanOrEqual(61)
    const total = await storefrontOrders()
    expect(total - before).toBe(ended.ordersSent)
    expect(ended.perMinute.reduce((sum, minute) => sum + minute.orders, 0)).toBe(total)
    // Nothing more arrives after the end.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await storefrontOrders()).toBe(total)
  })

  test('bad input is refused with the field named', async () => {
    const bad = await control('/flash-sale', { multiplier: 0, minutes: 500 })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.body)).toMatch(/multiplier/)
    expect(JSON.stringify(bad.body)).toMatch(/minutes/)
  })
})
