import { UnrecoverableError } from 'bullmq'
import {
  applyProviderPayment,
  getPaymentForEffect,
  getRefundForProvider,
  markRefundFailed,
  markRefundSucceeded,
} from '#app/models/payment.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { EffectHandler } from '../shared/connector.ts'
import { ProviderError } from '../shared/http.ts'
import { capturePayment, refundPayment, voidPayment } from './client.ts'
import { PAYMENTS_PROVIDER, toPaymentInput } from './map.ts'
import { CapturePayloadSchema, RefundPayloadSchema, VoidPayloadSchema } from './schemas.ts'

/**
 * Outbound payment effects. Each sends the outbox row's idempotency key, and a body built only from stored rows
 * (so a retry sends the very same body: the provider replays its first answer instead of acting twice), then
 * records the provider's answer in the same way a pull would.
 */

const CAPTURED: string[] = ['captured', 'partially_refunded', 'refunded']

/** payments.capture { paymentId }: captures the full authorized amount. */
export const capture: EffectHandler = async (payload, ctx) => {
  const { paymentId } = CapturePayloadSchema.parse(payload)
  const payment = await getPaymentForEffect(prisma, paymentId)
  if (!payment) throw new UnrecoverableError(`payment ${paymentId} not found`)
  if (payment.provider !== PAYMENTS_PROVIDER) throw new UnrecoverableError(`payment ${paymentId} belongs to ${payment.provider}, not the payment gateway`)
  ctx.link('payment', payment.id)
  ctx.link('order', payment.orderId)
  if (CAPTURED.includes(payment.status)) {
    // Stored by an earlier attempt (or the provider's webhook got here first): nothing left to do.
    ctx.summarize(`payment ${payment.externalId} already ${payment.status}`)
    return
  }
  const captured = await capturePayment(ctx.client, payment.externalId, { amount: payment.amount, reference: payment.id }, ctx.idempotencyKey)
  await prisma.$transaction((tx) => applyProviderPayment(tx, toPaymentInput(captured)))
  ctx.summarize(`captured ${captured.captured_amount} ${captured.currency} of ${captured.id}`)
}

/** payments.refund { refundId }: refunds OpsDeck's pending refund; a 422 (nothing left to refund) fails it for good. */
export const refund: EffectHandler = async (payload, ctx) => {
  const { refundId } = RefundPayloadSchema.parse(payload)
  const row = await getRefundForProvider(prisma, refundId)
  if (!row) throw new UnrecoverableError(`refund ${refundId} not found`)
  ctx.link('order', row.orderId)
  if (row.status === 'succeeded') {
    ctx.summarize(`refund ${row.id} already succeeded (${row.externalId})`)
    return
  }
  if (!row.payment) throw new UnrecoverableError(`refund ${row.id} has no payment to refund`)
  if (row.payment.provider !== PAYMENTS_PROVIDER) throw new UnrecoverableError(`refund ${row.id} is on a ${row.payment.provider} payment, not the payment gateway's`)
  ctx.link('payment', row.payment.id)

  let result
  try {
    result = await refundPayment(ctx.client, row.payment.externalId, { amount: row.amount, reference: row.id, reason: row.reason }, ctx.idempotencyKey)
  } catch (error) {
    // 422: the provider refuses this refund (more than is left, payment not captured): retrying cannot help.
    if (error instanceof ProviderError && error.status === 422) await prisma.$transaction((tx) => markRefundFailed(tx, row.id))
    throw error
  }
  await prisma.$transaction(async (tx) => {
    await markRefundSucceeded(tx, { refundId: row.id, externalId: result.refund.id, processedAt: new Date(result.refund.created_at) })
    await applyProviderPayment(tx, toPaymentInput(result.payment))
  })
  ctx.summarize(`refunded ${result.refund.amount} ${row.currency} of ${result.payment.id} (${result.refund.id})`)
}

/**
 * payments.void { paymentId }: releases an authorization nothing was captured from (the order was cancelled, see
 * cancelOrder in app/models/order-actions.server.ts). The body is the stored Payment.id and the order's cancel
 * reason, so a retry sends the same request with the same key and the provider replays its answer. A payment
 * captured meanwhile cannot be voided: the job fails for good saying so (the money goes back by a refund, which a
 * person decides), and so does a provider 422.
 */
export const voidAuthorization: EffectHandler = async (payload, ctx) => {
  const { paymentId } = VoidPayloadSchema.parse(payload)
  const payment = await getPaymentForEffect(prisma, paymentId)
  if (!payment) throw new UnrecoverableError(`payment ${paymentId} not found`)
  if (payment.provider !== PAYMENTS_PROVIDER) throw new UnrecoverableError(`payment ${paymentId} belongs to ${payment.provider}, not the payment gateway`)
  ctx.link('payment', payment.id)
  ctx.link('order', payment.orderId)
  if (payment.status === 'voided') {
    ctx.summarize(`payment ${payment.externalId} already voided`)
    return
  }
  if (payment.status !== 'authorized') {
    throw new UnrecoverableError(`payment ${payment.externalId} is ${payment.status}, so there is no authorization to void; refund what was captured instead`)
  }
  const voided = await voidPayment(ctx.client, payment.externalId, { reference: payment.id, reason: payment.order.cancelReason }, ctx.idempotencyKey)
  await prisma.$transaction((tx) => applyProviderPayment(tx, toPaymentInput(voided)))
  ctx.summarize(`voided the ${voided.amount} ${voided.currency} authorization ${voided.id} (${voided.status})`)
}
