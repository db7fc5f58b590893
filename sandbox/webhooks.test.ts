import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest'
import { startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

/** A real receiver, like OpsDeck's: verifies the HMAC over the raw bytes, records what came, answers `nextStatus`. */
type Received = { provider: string; id: string; type: string; data: { id: string; [key: string]: unknown }; verified: boolean }
const received: Received[] = []
const failNext: number[] = []
let receiver: Server
let receiverUrl = ''

const draws: number[] = []
const random = () => draws.shift() ?? 0.99
let sandbox: TestSandbox

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const raw = Buffer.concat(chunks)
      const expected = Buffer.from(`sha256=${createHmac('sha256', sandbox.webhookSecret).update(raw).digest('hex')}`)
      const given = Buffer.from(String(request.headers['x-webhook-signature'] ?? ''))
      const verified = given.length === expected.length && timingSafeEqual(given, expected) && request.headers['content-type'] === 'application/json'
      const envelope = JSON.parse(raw.toString('utf8'))
      received.push({ provider: request.url!.split('/').pop()!, id: envelope.id, type: envelope.type, data: envelope.data, verified })
      response.writeHead(failNext.shift() ?? 202).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks`
  sandbox = await startSandbox({ random, webhookUrl: receiverUrl, webhookRetryDelaysMs: [20, 40, 80] })
})
afterAll(async () => {
  await sandbox.close()
  await new Promise((resolve) => receiver.close(resolve))
})
beforeEach(() => {
  received.length = 0
  failNext.length = 0
  draws.length = 0
})
afterEach(() => sandbox.control.reset())

async function until(check: () => boolean, timeoutMs = 3000) {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for webhooks')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 150))

test('a new order sends order.created then payment.authorized, signed over the raw body', async () => {
  const [id] = await sandbox.control.createOrders(1)
  await until(() => received.length >= 2)
  expect(received.map((event) => [event.provider, event.type, event.data.id])).toEqual([
    ['storefront', 'order.created', id],
    ['payments', expect.stringMatching(/^payment\.(authorized|failed)$/), expect.stringMatching(/^pay_/)],
  ])
  expect(received.every((event) => event.verified && /^evt_/.test(event.id))).toBe(true)
  expect(received[1].data.order_reference).toBe(id)
})

test('a wrong secret would not verify (the receiver really checks)', async () => {
  const other = await startSandbox({ webhookUrl: receiverUrl, webhookSecret: 'another-secret-0123456789abcdef' })
  await other.control.createMessages({ count: 1 })
  await until(() => received.length === 1)
  expect(received[0].verified).toBe(false)
  await other.close()
})

test('webhookDropRate: the event is never sent and is counted as dropped', async () => {
  await sandbox.control.setFaults('helpdesk', { webhookDropRate: 1 })
  const before = (await sandbox.control.state()).providers.find((provider) => provider.name === 'helpdesk')!.stats.webhooksDropped
  await sandbox.control.createMessages({ count: 2 })
  await settle()
  expect(received).toEqual([])
  const after = (await sandbox.control.state()).providers.find((provider) => provider.name === 'helpdesk')!.stats.webhooksDropped
  expect(after - before).toBe(2)
})

test('webhookDuplicateRate: the same event id arrives twice', async () => {
  await sandbox.control.setFaults('helpdesk', { webhookDuplicateRate: 1 })
  const [message] = await sandbox.control.createMessages({ count: 1 })
  await until(() => received.length === 2)
  expect(received[0].id).toBe(received[1].id)
  expect(received.map((event) => event.data.id)).toEqual([message.id, message.id])
  const { deliveries } = await sandbox.control.webhooks('helpdesk')
  expect(deliveries.filter((delivery) => delivery.eventId === received[0].id).map((delivery) => delivery.note)).toEqual([undefined, 'duplicate'])
})

test('webhookOutOfOrderRate: a held event is delivered after the next one', async () => {
  const [id] = await sandbox.control.createOrders(1)
  await until(() => received.length === 2)
  received.length = 0
  await sandbox.control.setFaults('storefront', { webhookOutOfOrderRate: 0.5 })
  draws.push(0.1, 0.9) // hold the first update, send the second
  await sandbox.control.updateOrder(id, { note: 'first' })
  await settle()
  expect(received).toEqual([])
  expect((await sandbox.control.state()).webhooks.held).toBe(1)
  await sandbox.control.updateOrder(id, { note: 'second' })
  await until(() => received.length === 2)
  expect(received.map((event) => event.data.note)).toEqual(['second', 'first'])
})

test('held events go out on POST /control/webhooks/flush', async () => {
  await sandbox.control.setFaults('warehouse', { webhookOutOfOrderRate: 1 })
  await sandbox.control.setStock('OD-1003-M', 'DUB', 4)
  await settle()
  expect(received).toEqual([])
  expect(await sandbox.control.flushWebhooks()).toBe(1)
  await until(() => received.length === 1)
  expect(received[0]).toMatchObject({ provider: 'warehouse', type: 'stock.updated', data: { id: 'OD-1003-M@DUB', on_hand: 4 } })
})

test('outage: no webhooks go out', async () => {
  await sandbox.control.setFaults('carrier', { outage: true })
  await sandbox.control.setFaults('storefront', { outage: true })
  await sandbox.control.setFaults('payments', { outage: true })
  await sandbox.control.createOrders(2)
  await settle()
  expect(received).toEqual([])
})

test('a non-2xx answer is retried with backoff until accepted; after 3 retries the sandbox gives up', async () => {
  failNext.push(500, 503)
  await sandbox.control.createMessages({ count: 1 })
  await until(() => received.length === 3)
  const { deliveries } = await sandbox.control.webhooks('helpdesk')
  const attempts = deliveries.filter((delivery) => delivery.eventId === received[0].id)
  expect(attempts.map((delivery) => [delivery.attempt, delivery.status])).toEqual([
    [1, 500],
    [2, 503],
    [3, 202],
  ])

  received.length = 0
  const failedBefore = (await sandbox.control.state()).providers.find((provider) => provider.name === 'helpdesk')!.stats.webhooksFailed
  failNext.push(500, 500, 500, 500)
  await sandbox.control.createMessages({ count: 1 })
  await until(() => received.length === 4)
  await settle()
  expect(received).toHaveLength(4)
  const failedAfter = (await sandbox.control.state()).providers.find((provider) => provider.name === 'helpdesk')!.stats.webhooksFailed
  expect(failedAfter - failedBefore).toBe(1)
})

test('a connection error is retried too', async () => {
  const closed = await startSandbox({ webhookUrl: 'http://127.0.0.1:1/webhooks', webhookRetryDelaysMs: [10, 10, 10] })
  await closed.control.createMessages({ count: 1 })
  await new Promise((resolve) => setTimeout(resolve, 300))
  const { deliveries } = await closed.control.webhooks()
  expect(deliveries.map((delivery) => [delivery.attempt, delivery.status])).toEqual([
    [1, null],
    [2, null],
    [3, null],
    [4, null],
  ])
  expect(deliveries[0].error).toBeTruthy()
  await closed.close()
})
