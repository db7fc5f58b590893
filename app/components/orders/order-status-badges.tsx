import type { OrderFulfillmentStatus, OrderPaymentStatus, OrderStatus } from '#app/generated/prisma/enums.ts'
import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'

/**
 * The order's three statuses as badges. The text always names the status (colour is never the only cue); payment
 * and fulfilment carry a prefix in the header, where the three sit side by side.
 */

const STATUS_TONE: Record<OrderStatus, BadgeTone> = {
  pending: 'warning',
  confirmed: 'info',
  on_hold: 'warning',
  processing: 'info',
  completed: 'success',
  cancelled: 'danger',
}

const PAYMENT_TONE: Record<OrderPaymentStatus, BadgeTone> = {
  unpaid: 'warning',
  authorized: 'info',
  partially_paid: 'warning',
  paid: 'success',
  partially_refunded: 'warning',
  refunded: 'neutral',
  voided: 'neutral',
}

const FULFILLMENT_TONE: Record<OrderFulfillmentStatus, BadgeTone> = {
  unfulfilled: 'warning',
  partially_fulfilled: 'warning',
  fulfilled: 'info',
  partially_shipped: 'info',
  shipped: 'info',
  delivered: 'success',
  partially_returned: 'warning',
  returned: 'neutral',
}

export const humanize = (value: string) => value.replaceAll('_', ' ')

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  return (
    <span data-testid="order-status" data-status={status}>
      <StatusBadge tone={STATUS_TONE[status]}>{humanize(status)}</StatusBadge>
    </span>
  )
}

export function PaymentStatusBadge({ status, prefix = false }: { status: OrderPaymentStatus; prefix?: boolean }) {
  return (
    <span data-testid="payment-status" data-status={status}>
      <StatusBadge tone={PAYMENT_TONE[status]}>
        {prefix ? 'Payment: ' : ''}
        {humanize(status)}
      </StatusBadge>
    </span>
  )
}

export function FulfillmentStatusBadge({ status, prefix = false }: { status: OrderFulfillmentStatus; prefix?: boolean }) {
  return (
    <span data-testid="fulfillment-status" data-status={status}>
      <StatusBadge tone={FULFILLMENT_TONE[status]}>
        {prefix ? 'Fulfilment: ' : ''}
        {humanize(status)}
      </StatusBadge>
    </span>
  )
}

/** A badge for the smaller records on the page (payments, refunds, parcels, returns, tickets, jobs). */
export function RecordStatusBadge({ status }: { status: string }) {
  const tone: BadgeTone = ['captured', 'succeeded', 'delivered', 'completed', 'processed', 'resolved', 'solved', 'closed'].includes(status)
    ? 'success'
    : ['failed', 'exception', 'rejected', 'cancelled', 'voided'].includes(status)
      ? 'danger'
      : ['pending', 'retrying', 'rate_limited', 'requested', 'on_hold', 'new', 'open', 'received'].includes(status)
        ? 'warning'
        : 'info'
  return <StatusBadge tone={tone}>{humanize(status)}</StatusBadge>
}
