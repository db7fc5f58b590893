import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder, uniqueSuffix } from '#test/factories/index.ts'
import { applyProviderPayment, markRefundSucceeded, type ProviderPaymentInput } from './payment.server.ts'

const t0 = new Date('2026-11-25T10:00:00.000Z')
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)

async function storefrontOrder(totalAmount = 5000) {
  const graph = await createOrder(prisma, { totalAmount, status: 'confirmed', paymentStatus: 'unpaid' })
  return graph.order
}

function payment(order: { externalId?: string | null; totalAmount: number }, overrides: Partial<ProviderPaymentInput> = {}): ProviderPaymentInput {
  return {
    provider: 'payments',
    externalId: `pay_${uniqueSuffix()}`,
    order: { source: 'storefront', externalId: order.externalId! },
    status: 'authorized',
    method: 'card',
    amount: order.totalAmount,
    currency: 'GBP',
    capturedAmount: 0,
    refundedAmount: 0,
    authorizedAt: at(0),
    capturedAt: null,
    externalUpdatedAt: at(0),
    refunds: [],
    ...overrides,
  }
}

const apply = (input: ProviderPaymentInput) => prisma.$transaction((tx) => applyProviderPayment(tx, input))
const orderPaymentStatus = async (id: string) => (await prisma.order.findUniqueOrThrow({ where: { id }, select: { paymentStatus: true } })).paymentStatus

describe('applyProviderPayment', () => {
  test('creates the payment on its storefront order and re-derives the order status', async () => {
    const order = await storefrontOrder()
    const input = payment(order)
    const result = await apply(input)
    expect(result).toMatchObject({ outcome: 'created', orderId: order.id })
    const stored = await prisma.payment.findUniqueOrThrow({ where: { id: result.paymentId } })
    expect(stored).toMatchObject({ provider: 'payments', externalId: input.externalId, status: 'authorized', amount: 5000, externalUpdatedAt: at(0) })
    expect(await orderPaymentStatus(order.id)).toBe('authorized')
  })

  test('a newer state updates it, the same state is unchanged, an older one is stale and not applied', async () => {
    const order = await storefrontOrder()
    const first = payment(order)
    await apply(first)
    const captured = { ...first, status: 'captured' as const, capturedAmount: 5000, capturedAt: at(60), externalUpdatedAt: at(60) }
    expect((await apply(captured)).outcome).toBe('updated')
    expect(await orderPaymentStatus(order.id)).toBe('paid')
    expect((await apply(captured)).outcome).toBe('unchanged')
    expect((await apply(first)).outcome).toBe('stale')
    const stored = await prisma.payment.findFirstOrThrow({ where: { externalId: first.externalId } })
    expect(stored).toMatchObject({ status: 'captured', capturedAmount: 5000, externalUpdatedAt: at(60) })
    expect(await orderPaymentStatus(order.id)).toBe('paid')
  })

  test('an order OpsDeck has not imported is skipped (the next pull retries), not failed', async () => {
    const result = await apply(payment({ externalId: `so_missing_${uniqueSuffix()}`, totalAmount: 100 }))
    expect(result.outcome).toBe('skipped')
    expect(result.reason).toMatch(/not in OpsDeck yet/)
  })

  test("completes OpsDeck's own refund by reference and records one made at the provider", async () => {
    const order = await storefrontOrder()
    const base = payment(order, { status: 'captured', capturedAmount: 5000, capturedAt: at(10), externalUpdatedAt: at(10) })
    const { paymentId } = await apply(base)
    const ours = await prisma.refund.create({
      data: { orderId: order.id, paymentId, amount: 1000, currency: 'GBP', reason: 'Damaged', idempotencyKey: `refund-${uniqueSuffix()}` },
    })
    const refunded = {
      ...base,
      status: 'partially_refunded' as const,
      refundedAmount: 1500,
      externalUpdatedAt: at(100),
      refunds: [
        { externalId: `re_a${uniqueSuffix()}`, amount: 1000, reference: ours.id, reason: 'Damaged', createdAt: at(90) },
        { externalId: `re_b${uniqueSuffix()}`, amount: 500, reference: 'made-in-provider-dashboard', reason: null, createdAt: at(95) },
      ],
    }
    const result = await apply(refunded)
    expect(result.refundIds).toHaveLength(2)
    const refunds = await prisma.refund.findMany({ where: { orderId: order.id }, orderBy: { amount: 'desc' } })
    expect(refunds).toMatchObject([
      { id: ours.id, status: 'succeeded', externalId: refunded.refunds[0]!.externalId, processedAt: at(90) },
      { amount: 500, status: 'succeeded', externalId: refunded.refunds[1]!.externalId, paymentId },
    ])
    expect(await orderPaymentStatus(order.id)).toBe('partially_refunded')

    // The same refunds again (a newer payment state): nothing duplicated.
    await apply({ ...refunded, externalUpdatedAt: at(200) })
    expect(await prisma.refund.count({ where: { orderId: order.id } })).toBe(2)
  })

  test('markRefundSucceeded is idempotent', async () => {
    const order = await storefrontOrder()
    const { paymentId } = await apply(payment(order, { status: 'captured', capturedAmount: 5000, externalUpdatedAt: at(5) }))
    const refund = await prisma.refund.create({
      data: { orderId: order.id, paymentId, amount: 100, currency: 'GBP', idempotencyKey: `refund-${uniqueSuffix()}` },
    })
    for (let i = 0; i < 2; i++) await prisma.$transaction((tx) => markRefundSucceeded(tx, { refundId: refund.id, externalId: 're_x', processedAt: at(9) }))
    expect(await prisma.refund.findUniqueOrThrow({ where: { id: refund.id } })).toMatchObject({ status: 'succeeded', externalId: 're_x', version: 2 })
  })

  test('a webhook and a pull of the same payment at once store it once', async () => {
    const order = await storefrontOrder()
    const input = payment(order)
    const results = await Promise.all([apply(input), apply(input), apply({ ...input, externalUpdatedAt: at(1), status: 'voided' })])
    expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1)
    expect(await prisma.payment.count({ where: { externalId: input.externalId } })).toBe(1)
    expect(await prisma.payment.findFirstOrThrow({ where: { externalId: input.externalId } })).toMatchObject({ status: 'voided' })
    expect(await orderPaymentStatus(order.id)).toBe('voided')
  })
})
