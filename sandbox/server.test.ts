import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { createSandboxServer } from './server.ts'

const apiKey = 'test-sandbox-key'
const server = createSandboxServer({ apiKey, random: () => 0.5 })
let base = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })

test('GET /healthz answers', async () => {
  const response = await fetch(`${base}/healthz`)
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual({ ok: true })
})

test('GET /control/state lists every provider with no faults', async () => {
  const { providers } = await (await fetch(`${base}/control/state`)).json()
  expect(providers.map((provider: { name: string }) => provider.name)).toEqual(['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk'])
  expect(providers[0].faults).toEqual({ latencyMs: 0, errorRate: 0, errorStatus: 503 })
})

test('provider routes need the API key', async () => {
  expect((await fetch(`${base}/carrier/ping`)).status).toBe(401)
  expect((await fetch(`${base}/carrier/ping`, { headers: { 'x-api-key': 'wrong-key-value!' } })).status).toBe(401)
  const response = await fetch(`${base}/carrier/ping`, { headers: { 'x-api-key': apiKey } })
  expect(response.status).toBe(200)
  expect(await response.json()).toEqual({ provider: 'carrier', ok: true })
})

test('POST /control/faults validates and applies latency and errors', async () => {
  const bad = await post('/control/faults/payments', { errorRate: 2, latencyMs: 'slow' })
  expect(bad.status).toBe(400)
  expect((await bad.json()).error).toMatch(/errorRate.*latencyMs|latencyMs.*errorRate/)
  expect((await post('/control/faults/payments', 'not json')).status).toBe(400)
  expect((await post('/control/faults/payments', { extra: 1 })).status).toBe(400)
  expect((await post('/control/faults/nope', { errorRate: 0 })).status).toBe(404)

  const set = await post('/control/faults/payments', { errorRate: 1, errorStatus: 502, latencyMs: 50 })
  expect(set.status).toBe(200)
  const started = Date.now()
  const failing = await fetch(`${base}/payments/ping`, { headers: { 'x-api-key': apiKey } })
  expect(failing.status).toBe(502)
  expect(Date.now() - started).toBeGreaterThanOrEqual(45)
  const { providers } = await (await fetch(`${base}/control/state`)).json()
  expect(providers.find((provider: { name: string }) => provider.name === 'payments').faults).toEqual({ latencyMs: 50, errorRate: 1, errorStatus: 502 })

  await post('/control/faults/payments', { errorRate: 0, latencyMs: 0 })
  expect((await fetch(`${base}/payments/ping`, { headers: { 'x-api-key': apiKey } })).status).toBe(200)
})

test('unknown routes answer 404 with the route', async () => {
  const response = await fetch(`${base}/nowhere`)
  expect(response.status).toBe(404)
  expect((await response.json()).error).toContain('/nowhere')
})
