import type {
  FulfillmentStatus,
  OrderFulfillmentStatus,
  OrderPaymentStatus,
  Prisma,
} from '#app/generated/prisma/client.ts'

/**
 * The derived order statuses stored in `Order.paymentStatus` / `Order.fulfillmentStatus` (indexed columns the
 * list filters on), computed from payments and refunds, line counters and fulfilments. One place for the rules
 * (docs/decisions/0003-data-model.md): the seed, the factories and the orders model all use these.
 */

/** Quantities needed by the derivation. */
export type LineCounters = Pick<
  Prisma.OrderLineCreateManyInput,
  'quantityOrdered' | 'quantityFulfilled' | 'quantityShipped' | 'quantityReturned' | 'quantityCancelled'
>

export function deriveFulfillmentStatus(
  lines: LineCounters[],
  fulfillments: { shippedAt?: Date | string | null; status: FulfillmentStatus }[],
): OrderFulfillmentStatus {
  let active = 0
  let fulfilled = 0
  let shipped = 0
  let returned = 0
  for (const line of lines) {
    active += line.quantityOrdered - (line.quantityCancelled ?? 0)
    fulfilled += line.quantityFulfilled ?? 0
    shipped += line.quantityShipped ?? 0
    returned += line.quantityReturned ?? 0
  }
  if (active <= 0) return 'unfulfilled'
  if (returned > 0) return returned >= active ? 'returned' : 'partially_returned'
  if (shipped >= active) {
    const shippedOnes = fulfillments.filter((f) => f.shippedAt && f.status !== 'cancelled')
    return shippedOnes.length > 0 && shippedOnes.every((f) => f.status === 'delivered') ? 'delivered' : 'shipped'
  }
  if (shipped > 0) return 'partially_shipped'
  if (fulfilled >= active) return 'fulfilled'
  if (fulfilled > 0) return 'partially_fulfilled'
  return 'unfulfilled'
}

export function derivePaymentStatus(
  totalAmount: number,
  payments: { status: Prisma.PaymentCreateManyInput['status']; amount: number; capturedAmount?: number; refundedAmount?: number }[],
): OrderPaymentStatus {
  const live = payments.filter((p) => p.status !== 'failed' && p.status !== 'pending')
  if (live.length === 0) return 'unpaid'
  if (live.every((p) => p.status === 'voided')) return 'voided'
  const captured = live.reduce((sum, p) => sum + (p.capturedAmount ?? 0), 0)
  const refunded = live.reduce((sum, p) => sum + (p.refundedAmount ?? 0), 0)
  if (captured > 0 && refunded >= captured) return 'refunded'
  if (refunded > 0) return 'partially_refunded'
  if (captured >= totalAmount && captured > 0) return 'paid'
  if (captured > 0) return 'partially_paid'
  const authorized = live.filter((p) => p.status === 'authorized').reduce((sum, p) => sum + p.amount, 0)
  if (authorized >= totalAmount) return 'authorized'
  return 'unpaid'
}
