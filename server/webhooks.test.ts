import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues, QueueUnavailableError } from '#app/queues/connection.server.ts'
import { getIntegrationQueue, jobIds } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createApp } from './app.ts'
import { createWebhookRouter, signWebhookBody, WEBHOOK_BODY_LIMIT } from './webhooks.ts'

/** The receiver through the real app factory, the real database and the real queue backend (BullMQ on Postgres). */

const SECRET = 'test-webhook-secret-0123456789'
const ORIGIN = 'http://localhost:3999'

async function serve(router: ReturnType<typeof createWebhookRouter>) {
  const app = createApp({
    logger: pino({ level: 'silent' }),
    allowedOrigins: [ORIGIN],
    httpsOnly: false,
    trustProxy: false,
    mode: 'test',
    requestHandler: (_req, res) => void res.status(404).send('remix'),
    readiness: { checks: { database: async () => {}, queue: async () => {} }, isShuttingDown: () => false },
    webhooks: router,
    originExemptPrefixes: ['/webhooks/'],
  })
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) }
}

let main: Awaited<ReturnType<typeof serve>>
let failingQueue: Awaited<ReturnType<typeof serve>>
beforeAll(async () => {
  main = await serve(createWebhookRouter({ secret: SECRET }))
  failingQueue = await serve(
    createWebhookRouter({
      secret: SECRET,
      enqueue: async () => {
        throw new QueueUnavailableError('queue backend (Postgres) unreachable: test')
      },
    }),
  )
})
afterAll(async () => {
  await main.close()
  await failingQueue.close()
  await closeQueues()
})

let seq = 0
function envelope(overrides: Record<string, unknown> = {}) {
  seq++
  return { id: `evt_test_${seq}_${Date.now()}`, type: 'order.updated', created_at: new Date().toISOString(), data: { id: `so_${seq}` }, ...overrides }
}

async function deliver(base: string, provider: string, body: string | Buffer, signature: string | null = signWebhookBody(SECRET, body)) {
  const response = await fetch(`${base}/webhooks/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'x-webhook-signature': signature } : {}), origin: 'https://evil.example' },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  })
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null }
}

const lastDelivery = () => prisma.webhookDelivery.findFirstOrThrow({ orderBy: { id: 'desc' } })

describe('POST /webhooks/:provider', () => {
  test('verified and new: stored in the inbox, processing enqueued, 202; logged as verified', async () => {
    const event = envelope()
    const result = await deliver(main.url, 'storefront', JSON.stringify(event))
    expect(result).toEqual({ status: 202, body: { accepted: true } })
    const stored = await prisma.webhookEvent.findUniqueOrThrow({ where: { provider_eventId: { provider: 'storefront', eventId: event.id } } })
    expect(stored).toMatchObject({ topic: 'order.updated', status: 'received', payload: event })
    const job = await getIntegrationQueue('storefront').getJob(jobIds.webhook(stored.id))
    expect(job?.name).toBe('webhook')
    expect(job?.data).toEqual({ webhookEventId: stored.id })
    expect(await lastDelivery()).toMatchObject({
      provider: 'storefront',
      verification: 'verified',
      statusCode: 202,
      eventId: event.id,
      topic: 'order.updated',
      duplicate: false,
      webhookEventId: stored.id,
    })
  })

  test('a redelivery of the same event is a 200 no-op: one inbox row, no second job, logged as duplicate', async () => {
    const body = JSON.stringify(envelope({ type: 'payment.captured' }))
    expect((await deliver(main.url, 'payments', body)).status).toBe(202)
    const jobsBefore = await getIntegrationQueue('payments').getJobCountByTypes('waiting', 'prioritized', 'active', 'delayed')
    const again = await deliver(main.url, 'payments', body)
    expect(again).toEqual({ status: 200, body: { duplicate: true } })
    const eventId = (JSON.parse(body) as { id: string }).id
    expect(await prisma.webhookEvent.count({ where: { provider: 'payments', eventId } })).toBe(1)
    expect(await getIntegrationQueue('payments').getJobCountByTypes('waiting', 'prioritized', 'active', 'delayed')).toBe(jobsBefore)
    expect(await lastDelivery()).toMatchObject({ verification: 'verified', statusCode: 200, duplicate: true, eventId })
  })

  test('the enqueue failing still answers 202: the event is durable in the inbox for the relay', async () => {
    const event = envelope()
    const result = await deliver(failingQueue.url, 'carrier', JSON.stringify(event))
    expect(result.status).toBe(202)
    expect(await prisma.webhookEvent.findUnique({ where: { provider_eventId: { provider: 'carrier', eventId: event.id } }, select: { status: true } })).toEqual({
      status: 'received',
    })
    const delivery = await lastDelivery()
    expect(delivery.statusCode).toBe(202)
    expect(delivery.reason).toMatch(/enqueue failed/)
  })

  test('missing and wrong signatures are 401 and store nothing but the log line', async () => {
    const event = envelope()
    const body = JSON.stringify(event)
    const before = await prisma.webhookEvent.count()
    expect(await deliver(main.url, 'warehouse', body, null)).toEqual({
      status: 401,
      body: { error: { code: 'missing_signature', message: 'Missing x-webhook-signature header.' } },
    })
    expect((await lastDelivery()).verification).toBe('missing_signature')
    for (const signature of [signWebhookBody('another-secret-0123456789', body), 'sha256=zz', signWebhookBody(SECRET, body).slice(0, -2), 'md5=abc']) {
      const result = await deliver(main.url, 'warehouse', body, signature)
      expect(result.status).toBe(401)
      expect((result.body as { error: { code: string } }).error.code).toBe('bad_signature')
    }
    // One changed byte after signing.
    expect((await deliver(main.url, 'warehouse', body.replace('order.updated', 'order.updatex'), signWebhookBody(SECRET, body))).status).toBe(401)
    expect(await prisma.webhookEvent.count()).toBe(before)
    const delivery = await lastDelivery()
    expect(delivery).toMatchObject({ verification: 'bad_signature', statusCode: 401, eventId: null, topic: null })
  })

  test('verified but not an envelope is 400 malformed: bad JSON, wrong types, missing fields', async () => {
    const bodies = [
      '{not json',
      JSON.stringify([1, 2]),
      JSON.stringify({ ...envelope(), id: 42 }),
      JSON.stringify({ ...envelope(), created_at: 'yesterday' }),
      JSON.stringify({ ...envelope(), data: 'x' }),
      JSON.stringify({ ...envelope(), id: 'x'.repeat(129) }),
      JSON.stringify({ id: 'evt_1', type: 'order.updated' }),
      '',
    ]
    const before = await prisma.webhookEvent.count()
    for (const body of bodies) {
      const result = await deliver(main.url, 'helpdesk', body)
      expect(result.status, body.slice(0, 40)).toBe(400)
      expect((result.body as { error: { code: string } }).error.code).toBe('malformed')
    }
    expect(await prisma.webhookEvent.count()).toBe(before)
    expect(await lastDelivery()).toMatchObject({ verification: 'malformed', statusCode: 400 })
  })

  test('an unknown provider is 404 and a body over the limit 413, both logged', async () => {
    const body = JSON.stringify(envelope())
    expect((await deliver(main.url, 'bank', body)).status).toBe(404)
    expect(await lastDelivery()).toMatchObject({ provider: 'bank', verification: 'unknown_provider', statusCode: 404 })

    const huge = Buffer.alloc(WEBHOOK_BODY_LIMIT + 1, 'a')
    const result = await deliver(main.url, 'storefront', huge)
    expect(result.status).toBe(413)
    expect((result.body as { error: { code: string } }).error.code).toBe('too_large')
    expect(await lastDelivery()).toMatchObject({ provider: 'storefront', verification: 'too_large', statusCode: 413, bodyBytes: WEBHOOK_BODY_LIMIT + 1 })
  })

  test('a path express cannot decode is a 4xx, not a 5xx', async () => {
    const response = await fetch(`${main.url}/webhooks/%E0%A4%A`, { method: 'POST', body: '{}' })
    expect(response.status).toBeLessThan(500)
  })

  test('webhooks skip the Origin check (a provider sends none), other writes still need it', async () => {
    const other = await fetch(`${main.url}/orders`, { method: 'POST', headers: { origin: 'https://evil.example' } })
    expect(other.status).toBe(403)
  })
})
