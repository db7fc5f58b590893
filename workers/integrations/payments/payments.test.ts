import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { getIntegrationQueue, jobIds } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { cancelOrder } from '#app/models/order-actions.server.ts'
import { paymentVoidKey } from '#app/models/payment.server.ts'
import { createOrder, createUser, uniqueSuffix } from '#test/factories/index.ts'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'
import { startConnectorEngine } from '#test/helpers/connector-harness.ts'
import { paymentsConnector } from './index.ts'
import { PaymentSchema, type ProviderPayment } from './schemas.ts'

let sandbox: TestSandbox
let engine: Awaited<ReturnType<typeof startConnectorEngine>>
let api: ReturnType<typeof sandboxApi>

/** The OpsDeck order of a sandbox storefront order, as the storefront import would have stored it. */
async function importStorefrontOrder(externalId: string) {
  const remote = (await (await api.get(`/storefront/orders/${externalId}`)).json()) as { total: number; currency: string; number: string }
  const graph = await createOrder(prisma, { totalAmount: remote.total, currency: remote.currency, status: 'confirmed', paymentStatus: 'unpaid' })
  await prisma.order.update({ where: { id: graph.order.id }, data: { externalId, source: 'storefront' } })
  return { ...graph.order, externalId, totalAmount: remote.total }
}

async function remotePaymentOf(orderExternalId: string): Promise<ProviderPayment> {
  const page = (await (await api.get('/payments/payments', { limit: 200 })).json()) as { data: unknown[] }
  const payment = page.data.map((item) => PaymentSchema.parse(item)).find((item) => item.order_reference === orderExternalId)
  if (!payment) throw new Error(`no sandbox payment for ${orderExternalId}`)
  return payment
}

const orderStatus = async (id: string) => (await prisma.order.findUniqueOrThrow({ where: { id }, select: { paymentStatus: true } })).paymentStatus

beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
  engine = await startConnectorEngine(paymentsConnector, sandbox)
})

afterAll(async () => {
  await closeQueues()
  await sandbox?.close()
})

describe('payments connector', () => {
  let order: Awaited<ReturnType<typeof importStorefrontOrder>>
  let authorized: ProviderPayment
  let paymentId: string
  let waiting: string[] = []

  test('probe is an authenticated list call', async () => {
    await expect(paymentsConnector.probe(engine.client)).resolves.toBeUndefined()
  })

  test('a pull maps provider payments onto their orders; a payment of an order not imported yet is skipped, not failed', async () => {
    // Storefront orders come with an authorization; about one card in ten is declined: use an authorized one.
    const ids = await sandbox.control.createOrders(6)
    const payments = await Promise.all(ids.map(remotePaymentOf))
    const index = payments.findIndex((payment) => payment.status === 'authorized')
    expect(index).toBeGreaterThanOrEqual(0)
    const ours = ids[index]!
    const notImported = ids.filter((id) => id !== ours)
    waiting = notImported
    order = await importStorefrontOrder(ours)
    authorized = payments[index]!

    const job = await engine.pull('payments')
    expect(job).toMatchObject({ status: 'completed', attempt: 1 })
    // The order not imported yet: seen, not stored, and the job still succeeds.
    expect(job.summary).toMatch(/6 seen, 1 created, 0 updated, 5 unchanged\/older/)

    const payment = await prisma.payment.findFirstOrThrow({ where: { orderId: order.id } })
    paymentId = payment.id
    expect(payment).toMatchObject({
      provider: 'payments',
      externalId: authorized.id,
      status: authorized.status,
      amount: authorized.amount,
      currency: authorized.currency,
      method: authorized.method,
      capturedAmount: 0,
      authorizedAt: new Date(authorized.authorized_at!),
      externalUpdatedAt: new Date(authorized.updated_at),
    })
    expect(await orderStatus(order.id)).toBe('authorized')
    expect(await prisma.payment.count()).toBe(1)
    expect(await engine.links(job.jobId)).toEqual(
      expect.arrayContaining([
        { entityType: 'payment', entityId: payment.id },
        { entityType: 'order', entityId: order.id },
      ]),
    )
  })

  test('a payment whose order is missing holds the pull cursor, queues the order import, and is applied once the order is there', async () => {
    // The first pull queued the storefront import of every order it could not place.
    const storefront = getIntegrationQueue('storefront')
    for (const id of waiting) expect(await storefront.getJob(jobIds.importOrder(id))).toBeTruthy()
    const late = await importStorefrontOrder(waiting[0]!)
    const job = await engine.pull('payments')
    expect(job.summary).toMatch(/1 created/)
    expect(await prisma.payment.count({ where: { orderId: late.id } })).toBe(1)
  })

  test('capture calls the provider once with the outbox key, even when the effect runs again', async () => {
    const key = `capture-${paymentId}`
    const job = await engine.effect('payments.capture', { paymentId }, key)
    expect(job).toMatchObject({ status: 'completed', outbox: { status: 'sent' } })
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: paymentId } })).toMatchObject({ status: 'captured', capturedAmount: authorized.amount })
    expect(await orderStatus(order.id)).toBe('paid')

    // A worker killed after the provider call, before storing the answer: the stored row still says authorized
    // and the job runs again. Same key, same body → the provider replays its answer.
    await prisma.payment.update({ where: { id: paymentId }, data: { status: 'authorized', capturedAmount: 0, externalUpdatedAt: new Date(authorized.updated_at) } })
    await engine.rerunEffect('payments.capture', { paymentId }, key)
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: paymentId } })).status).toBe('captured')

    const { effects, duplicates } = await sandbox.control.effects({ provider: 'payments', kind: 'capture' })
    expect(effects.filter((effect) => effect.reference === paymentId)).toEqual([expect.objectContaining({ idempotencyKey: key })])
    expect(duplicates).toEqual([])
    const posts = (await sandbox.control.requests('payments')).filter((request) => request.method === 'POST' && request.path.endsWith('/capture'))
    expect(posts).toHaveLength(2)
  })

  test('a webhook older than the stored state is ignored', async () => {
    const job = await engine.webhook('payment.authorized', authorized as unknown as Record<string, unknown>)
    expect(job).toMatchObject({ status: 'completed', event: { status: 'ignored' } })
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: paymentId } })).status).toBe('captured')
    expect(await orderStatus(order.id)).toBe('paid')
  })

  test('a webhook newer than the stored state is processed', async () => {
    // OpsDeck holds the authorized state (its capture answer was lost); the provider's payment.captured arrives.
    await prisma.payment.update({ where: { id: paymentId }, data: { status: 'authorized', capturedAmount: 0, externalUpdatedAt: new Date(authorized.updated_at) } })
    const current = await remotePaymentOf(order.externalId)
    const job = await engine.webhook('payment.captured', current)
    expect(job.event.status).toBe('processed')
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: paymentId } })).toMatchObject({
      status: 'captured',
      externalUpdatedAt: new Date(current.updated_at),
    })
    expect(await orderStatus(order.id)).toBe('paid')
  })

  test('refund: one provider refund with reference = refund id; the Refund succeeds and the order is partially refunded', async () => {
    const refund = await prisma.refund.create({
      data: { orderId: order.id, paymentId, amount: 100, currency: authorized.currency, reason: 'Goodwill', idempotencyKey: `refund-${uniqueSuffix()}` },
    })
    const job = await engine.effect('payments.refund', { refundId: refund.id }, refund.idempotencyKey)
    expect(job.status).toBe('completed')
    const stored = await prisma.refund.findUniqueOrThrow({ where: { id: refund.id } })
    expect(stored).toMatchObject({ status: 'succeeded', externalId: expect.stringMatching(/^re_/) })
    expect(await orderStatus(order.id)).toBe('partially_refunded')
    expect(await prisma.refund.count({ where: { orderId: order.id } })).toBe(1)

    await engine.rerunEffect('payments.refund', { refundId: refund.id }, refund.idempotencyKey)
    const { effects, duplicates } = await sandbox.control.effects({ provider: 'payments', kind: 'refund' })
    expect(effects.filter((effect) => effect.reference === refund.id)).toHaveLength(1)
    expect(duplicates).toEqual([])
  })

  test("a refund the provider refuses (422) fails for good with the provider's message", async () => {
    const refund = await prisma.refund.create({
      data: { orderId: order.id, paymentId, amount: authorized.amount, currency: authorized.currency, idempotencyKey: `refund-${uniqueSuffix()}` },
    })
    const job = await engine.effect('payments.refund', { refundId: refund.id }, refund.idempotencyKey)
    expect(job).toMatchObject({ status: 'failed', attempt: 1, outbox: { status: 'failed' } })
    expect(job.error).toMatch(/422 invalid_state: .*left to refund/)
    expect((await prisma.refund.findUniqueOrThrow({ where: { id: refund.id } })).status).toBe('failed')
    const dead = await engine.deadLetter(job.jobId)
    expect(dead).toMatchObject({ attempts: 1, response: expect.objectContaining({ status: 422 }) })
    expect(dead.error).toMatch(/left to refund/)
  })

  test('a capture that meets a provider outage is retried and still captures once', async () => {
    let fresh: ProviderPayment | undefined
    let freshOrder = ''
    for (let i = 0; i < 10 && fresh?.status !== 'authorized'; i++) {
      ;[freshOrder] = (await sandbox.control.createOrders(1)) as [string]
      fresh = await remotePaymentOf(freshOrder)
    }
    const other = await importStorefrontOrder(freshOrder)
    expect((await engine.webhook('payment.authorized', fresh!)).event.status).toBe('processed')
    const payment = await prisma.payment.findFirstOrThrow({ where: { orderId: other.id } })

    await sandbox.control.setFaults('payments', { errorRate: 1, errorStatus: 503 })
    const running = engine.effect('payments.capture', { paymentId: payment.id }, `capture-${payment.id}`)
    // First attempt: 503 → retrying (backoff), no effect at the provider.
    for (let i = 0; i < 400; i++) {
      if (await prisma.jobRun.findFirst({ where: { queue: 'sync-payments', status: 'retrying', summary: null, error: { contains: '503' } } })) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    await sandbox.control.reset()
    const job = await running
    expect(job).toMatchObject({ status: 'completed', attempt: 2, outbox: { status: 'sent' } })
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('captured')
    const { effects } = await sandbox.control.effects({ provider: 'payments', kind: 'capture' })
    expect(effects.filter((effect) => effect.reference === payment.id)).toHaveLength(1)
  })

  test('a webhook whose payment does not validate fails for good with a readable message', async () => {
    const job = await engine.webhook('payment.captured', { id: 'pay_broken', status: 'captured', amount: 'a lot' })
    expect(job).toMatchObject({ status: 'failed', attempt: 1, event: { status: 'failed' } })
    expect(job.error).toMatch(/order_reference|amount/)
  })

  test('a capture of a payment that is not ours fails for good without calling the provider', async () => {
    const job = await engine.effect('payments.capture', { paymentId: 'no-such-payment' }, `capture-missing-${uniqueSuffix()}`)
    expect(job).toMatchObject({ status: 'failed', attempt: 1 })
    expect(job.error).toContain('payment no-such-payment not found')
  })
})

describe('cancel → void', () => {
  /** A storefront order with an authorized payment, imported and its payment stored (webhook), as in production. */
  async function authorizedOrder() {
    let remote: ProviderPayment | undefined
    let externalId = ''
    for (let i = 0; i < 10 && remote?.status !== 'authorized'; i++) {
      ;[externalId] = (await sandbox.control.createOrders(1)) as [string]
      remote = await remotePaymentOf(externalId)
    }
    expect(remote?.status).toBe('authorized')
    const local = await importStorefrontOrder(externalId)
    expect((await engine.webhook('payment.authorized', remote!)).event.status).toBe('processed')
    const payment = await prisma.payment.findFirstOrThrow({ where: { orderId: local.id }, select: { id: true, externalId: true } })
    expect(await orderStatus(local.id)).toBe('authorized')
    return { order: local, payment, remote: remote! }
  }

  test('cancelling an order in OpsDeck voids its authorization at the provider, once, and the order reads voided', async () => {
    const { order: local, payment } = await authorizedOrder()
    const { user } = await createUser(prisma, { role: 'operations' })
    const result = await cancelOrder(local.id, { reason: 'Customer changed their mind' }, { actor: { id: user.id, role: 'operations' } })
    expect(result).toMatchObject({ status: 'cancelled', voidRequested: 1 })

    // The cancel wrote the effect and dispatched it after its commit; the connector's worker runs it.
    const outbox = await prisma.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: paymentVoidKey(payment.id) } })
    const job = await engine.waitForJob(jobIds.effect(outbox.id))
    expect(job).toMatchObject({ status: 'completed' })
    expect(job.summary).toContain(`authorization ${payment.externalId}`)
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: 'voided', capturedAmount: 0 })
    expect(await orderStatus(local.id)).toBe('voided')
    expect((await (await api.get(`/payments/payments/${payment.externalId}`)).json()).status).toBe('voided')
    expect(await engine.links(job.jobId)).toEqual(expect.arrayContaining([{ entityType: 'order', entityId: local.id }, { entityType: 'payment', entityId: payment.id }]))

    // A redelivered job with the stored row still saying authorized: same key, same body → replayed, not a 2nd void.
    await prisma.payment.update({ where: { id: payment.id }, data: { status: 'authorized', externalUpdatedAt: new Date(0) } })
    await engine.rerunEffect('payments.void', { paymentId: payment.id }, outbox.idempotencyKey)
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe('voided')
    const { effects, duplicates } = await sandbox.control.effects({ provider: 'payments', kind: 'void' })
    expect(effects.filter((effect) => effect.reference === payment.id)).toEqual([expect.objectContaining({ idempotencyKey: paymentVoidKey(payment.id) })])
    expect(duplicates).toEqual([])
    const posts = (await sandbox.control.requests('payments')).filter((request) => request.method === 'POST' && request.path.endsWith(`${payment.externalId}/void`))
    expect(posts).toHaveLength(2)
  })

  test('an authorization captured at the provider meanwhile is not voided: the effect fails for good with the reason', async () => {
    const { order: local, payment } = await authorizedOrder()
    // Captured at the provider; OpsDeck has not heard yet (its row still says authorized).
    await api.post(`/payments/payments/${payment.externalId}/capture`, { reference: `cap-${payment.id}` }, `cap-elsewhere-${payment.id}`)
    const job = await engine.effect('payments.void', { paymentId: payment.id }, paymentVoidKey(payment.id))
    expect(job).toMatchObject({ status: 'failed', attempt: 1, outbox: { status: 'failed' } })
    expect(job.error).toMatch(/422 invalid_state: .*refund/)
    expect((await (await api.get(`/payments/payments/${payment.externalId}`)).json()).status).toBe('captured')
    expect(await orderStatus(local.id)).toBe('authorized')
  })

  test('a payment OpsDeck already knows as captured makes no call', async () => {
    const { payment } = await authorizedOrder()
    await prisma.payment.update({ where: { id: payment.id }, data: { status: 'captured' } })
    const before = (await sandbox.control.requests('payments')).length
    const job = await engine.effect('payments.void', { paymentId: payment.id }, `${paymentVoidKey(payment.id)}-captured`)
    expect(job).toMatchObject({ status: 'failed', attempt: 1 })
    expect(job.error).toContain('no authorization to void')
    expect((await sandbox.control.requests('payments')).length).toBe(before)
  })
})
