import type { ProviderPaymentInput } from '#app/models/payment.server.ts'
import type { ProviderPayment } from './schemas.ts'

/** Payment.provider of the rows this integration owns. */
export const PAYMENTS_PROVIDER = 'payments'
/** Payments reference storefront orders by the storefront's order id (Order.source + Order.externalId). */
export const ORDER_SOURCE = 'storefront'

/** The provider's payment in OpsDeck's terms; the statuses are the same words on both sides. */
export function toPaymentInput(payment: ProviderPayment): ProviderPaymentInput {
  return {
    provider: PAYMENTS_PROVIDER,
    externalId: payment.id,
    order: { source: ORDER_SOURCE, externalId: payment.order_reference },
    status: payment.status,
    method: payment.method,
    amount: payment.amount,
    currency: payment.currency,
    capturedAmount: payment.captured_amount,
    refundedAmount: payment.refunded_amount,
    authorizedAt: payment.authorized_at ? new Date(payment.authorized_at) : null,
    capturedAt: payment.captured_at ? new Date(payment.captured_at) : null,
    externalUpdatedAt: new Date(payment.updated_at),
    refunds: payment.refunds.map((refund) => ({
      externalId: refund.id,
      amount: refund.amount,
      reference: refund.reference,
      reason: refund.reason,
      createdAt: new Date(refund.created_at),
    })),
  }
}
