import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues, enqueue } from '#app/queues/connection.server.ts'
import { getIntegrationQueue } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { seedDemo } from '../prisma/seed.ts'
import { startConnectorEngine } from '#test/helpers/connector-harness.ts'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'
import { paymentsConnector } from '#workers/integrations/payments/index.ts'
import { gatewayPayments, registerDatabasePayments, registrationTarget } from './sandbox-payments.ts'

/**
 * The demo seed's gateway payments (made-up `pay_…` ids) registered with a fresh sandbox, then refunded, captured and
 * voided through the real payments connector, as an operations person would in the `npm start` demo.
 */

let sandbox: TestSandbox
let engine: Awaited<ReturnType<typeof startConnectorEngine>>
let api: ReturnType<typeof sandboxApi>
/** One seeded payment of each state the tests use, picked before any test changes them. */
let seeded: Record<'captured' | 'partiallyRefunded' | 'authorized' | 'authorized2', Awaited<ReturnType<typeof prisma.payment.findFirstOrThrow>>>

beforeAll(async () => {
  // The seed first: it writes the integrations' rows, which the engine would otherwise create.
  await seedDemo(prisma)
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
  engine = await startConnectorEngine(paymentsConnector, sandbox)
  const first = (status: 'captured' | 'partially_refunded' | 'authorized', skip = 0) =>
    prisma.payment.findFirstOrThrow({ where: { provider: 'payments', status, capturedAmount: status === 'captured' ? { gt: 1000 } : undefined }, orderBy: { id: 'asc' }, skip })
  seeded = { captured: await first('captured'), partiallyRefunded: await first('partially_refunded'), authorized: await first('authorized'), authorized2: await first('authorized', 1) }
}, 120_000)

afterAll(async () => {
  await closeQueues()
  await sandbox?.close()
})

describe('registrationTarget: only the local sandbox', () => {
  test.each([
    [{ SANDBOX_PORT: '4321' }, { sandboxUrl: 'http://127.0.0.1:4321' }],
    [{}, { sandboxUrl: 'http://127.0.0.1:4010' }],
    [{ SANDBOX_URL: 'http://localhost:9000/', PAYMENTS_URL: 'http://localhost:9000/payments' }, { sandboxUrl: 'http://localhost:9000' }],
    [{ NODE_ENV: 'production' }, { skip: 'NODE_ENV=production' }],
    [{ PAYMENTS_URL: 'https://api.gateway.example/v1' }, { skip: "PAYMENTS_URL (https://api.gateway.example/v1) is not the sandbox's" }],
    [{ SANDBOX_URL: 'https://sandbox.staging.example' }, { skip: 'the sandbox (https://sandbox.staging.example) is not on this machine' }],
  ])('%j → %j', (env, expected) => {
    expect(registrationTarget(env)).toEqual(expected)
  })
})

describe('the demo database\'s gateway payments, registered with the sandbox', () => {
  const env = () => ({ SANDBOX_URL: sandbox.url })
  const gatewayCount = () => prisma.payment.count({ where: { provider: 'payments' } })

  test('every seeded payment registers in one request; the next start registers none again', async () => {
    const total = await gatewayCount()
    expect(total).toBeGreaterThan(500)
    expect(await registerDatabasePayments(prisma, env())).toBe(
      `sandbox payments: ${total} of the database's gateway payments registered with the sandbox, 0 it already had`,
    )
    expect(await registerDatabasePayments(prisma, env())).toBe(
      `sandbox payments: 0 of the database's gateway payments registered with the sandbox, ${total} it already had`,
    )
    // A real provider URL: nothing is sent.
    expect(await registerDatabasePayments(prisma, { ...env(), PAYMENTS_URL: 'https://api.gateway.example/v1' })).toMatch(/not registering/)
  })

  test('a seeded captured payment is refunded through the connector: no 404, no dead letter', async () => {
    const payment = seeded.captured
    const refund = await prisma.refund.create({
      data: { orderId: payment.orderId, paymentId: payment.id, amount: 1000, currency: payment.currency, reason: 'Goodwill', idempotencyKey: `refund-seeded-${payment.id}` },
    })
    const job = await engine.effect('payments.refund', { refundId: refund.id }, refund.idempotencyKey)
    expect(job).toMatchObject({ status: 'completed', attempt: 1 })
    expect(await prisma.refund.findUniqueOrThrow({ where: { id: refund.id } })).toMatchObject({ status: 'succeeded', externalId: expect.stringMatching(/^re_/) })
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: 'partially_refunded', refundedAmount: 1000 })
    expect((await prisma.order.findUniqueOrThrow({ where: { id: payment.orderId } })).paymentStatus).toBe('partially_refunded')
    const remote = await (await api.get(`/payments/payments/${payment.externalId}`)).json()
    expect(remote).toMatchObject({ status: 'partially_refunded', captured_amount: payment.capturedAmount, refunded_amount: 1000 })
    expect(await prisma.deadLetter.count()).toBe(0)
  })

  test('a seeded partially refunded payment: the rest is refunded; its seeded refund is kept, not doubled', async () => {
    const payment = seeded.partiallyRefunded
    const left = payment.capturedAmount - payment.refundedAmount
    const refund = await prisma.refund.create({
      data: { orderId: payment.orderId, paymentId: payment.id, amount: left, currency: payment.currency, reason: 'Returned items', idempotencyKey: `refund-seeded-${payment.id}` },
    })
    const job = await engine.effect('payments.refund', { refundId: refund.id }, refund.idempotencyKey)
    expect(job).toMatchObject({ status: 'completed', attempt: 1 })
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({ status: 'refunded', refundedAmount: payment.capturedAmount })
    expect(await prisma.refund.count({ where: { paymentId: payment.id } })).toBe(2)
  })

  test('seeded authorizations are captured and voided through the connector', async () => {
    const [toCapture, toVoid] = [seeded.authorized, seeded.authorized2]
    const captured = await engine.effect('payments.capture', { paymentId: toCapture!.id }, `payments.capture:${toCapture!.id}`)
    expect(captured).toMatchObject({ status: 'completed', attempt: 1 })
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: toCapture!.id } })).toMatchObject({ status: 'captured', capturedAmount: toCapture!.amount })

    const voided = await engine.effect('payments.void', { paymentId: toVoid!.id }, `payments.void:${toVoid!.id}`)
    expect(voided).toMatchObject({ status: 'completed', attempt: 1 })
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: toVoid!.id } })).status).toBe('voided')
    expect(await prisma.deadLetter.count()).toBe(0)
  })

  test('a pull of all the registered payments changes nothing OpsDeck had', { timeout: 180_000 }, async () => {
    const before = await gatewayPayments(prisma)
    // The first pull reads the whole list (~1,500 payments, one transaction per page): longer than the harness's wait.
    const jobId = 'pull-payments-all-registered'
    await enqueue(getIntegrationQueue('payments'), 'pull', { resource: 'payments' }, { jobId })
    const job = await engine.waitForJob(jobId, 150_000)
    expect(job).toMatchObject({ status: 'completed' })
    const after = await gatewayPayments(prisma)
    // Only the pulled state's bookkeeping (externalUpdatedAt → updated_at) may differ; statuses, sums and refunds not.
    const essentials = (list: typeof before.payments) => list.map(({ updated_at: _, ...rest }) => rest)
    expect(essentials(after.payments)).toEqual(essentials(before.payments))
  })
})
