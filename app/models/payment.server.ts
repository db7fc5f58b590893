import type { PaymentStatus } from '#app/generated/prisma/enums.ts'
import type { Prisma } from '#app/utils/db.server.ts'
import { derivePaymentStatus } from './order-status.ts'
import { addOutboxMessage } from './outbox.server.ts'

/**
 * Payments and refunds as the payment provider reports them, and the order's derived `paymentStatus` that follows
 * from them. Every write re-derives the order's status in the same transaction, with the order row locked first, so
 * two payments of one order applied at once (a webhook and a pull) cannot both derive from a stale set.
 */

/** A payment in OpsDeck's terms (the payments connector maps the provider's JSON to this). */
export type ProviderPaymentInput = {
  /** Integration that reports it (`payments`); with `externalId` the payment's identity. */
  provider: string
  externalId: string
  /** The order it pays: Order.source + Order.externalId (the storefront's order id). */
  order: { source: string; externalId: string }
  status: PaymentStatus
  method: string | null
  amount: number
  currency: string
  capturedAmount: number
  refundedAmount: number
  authorizedAt: Date | null
  capturedAt: Date | null
  /** The provider's `updated_at`: a state older than (or as old as) the stored one is not applied again. */
  externalUpdatedAt: Date
  refunds: ProviderRefundInput[]
}

export type ProviderRefundInput = {
  externalId: string
  amount: number
  /** What the refund was created with; an OpsDeck refund sends its own Refund.id here. */
  reference: string
  reason: string | null
  createdAt: Date
}

/**
 * created/updated: stored; unchanged: the stored state is as new (nothing written); stale: older than the stored
 * state (ignored); skipped: cannot be applied yet (e.g. the order has not been imported; the next pull retries).
 */
export type ApplyOutcome = 'created' | 'updated' | 'unchanged' | 'stale' | 'skipped'

export type ApplyPaymentResult = {
  outcome: ApplyOutcome
  reason?: string
  paymentId?: string
  orderId?: string
  /** Refund rows created or completed by this change (for record links). */
  refundIds: string[]
}

/**
 * Upserts a provider payment and its refunds, ignoring a state older than the stored one, and re-derives the
 * order's paymentStatus. Call inside a transaction (the order row is locked until it ends).
 */
export async function applyProviderPayment(tx: Prisma.TransactionClient, input: ProviderPaymentInput): Promise<ApplyPaymentResult> {
  const [order] = await tx.$queryRaw<{ id: string }[]>`
    select id from "Order" where source = ${input.order.source} and "externalId" = ${input.order.externalId} for update`
  if (!order) {
    return { outcome: 'skipped', reason: `order ${input.order.externalId} is not in OpsDeck yet`, refundIds: [] }
  }

  const fields = {
    status: input.status,
    method: input.method,
    amount: input.amount,
    currency: input.currency,
    capturedAmount: input.capturedAmount,
    refundedAmount: input.refundedAmount,
    authorizedAt: input.authorizedAt,
    capturedAt: input.capturedAt,
    failureReason: input.status === 'failed' ? 'reported failed by the payment provider' : null,
    externalUpdatedAt: input.externalUpdatedAt,
  }
  const inserted = await tx.payment.createMany({
    data: [{ orderId: order.id, provider: input.provider, externalId: input.externalId, ...fields }],
    skipDuplicates: true,
  })
  let outcome: ApplyOutcome = 'created'
  if (inserted.count === 0) {
    // Single conditional statement: only a strictly newer provider state replaces the stored one, whoever races us.
    const updated = await tx.payment.updateMany({
      where: {
        provider: input.provider,
        externalId: input.externalId,
        OR: [{ externalUpdatedAt: null }, { externalUpdatedAt: { lt: input.externalUpdatedAt } }],
      },
      data: { ...fields, version: { increment: 1 } },
    })
    if (updated.count === 0) {
      const stored = await tx.payment.findUniqueOrThrow({
        where: { provider_externalId: { provider: input.provider, externalId: input.externalId } },
        select: { id: true, externalUpdatedAt: true },
      })
      const same = stored.externalUpdatedAt?.getTime() === input.externalUpdatedAt.getTime()
      return { outcome: same ? 'unchanged' : 'stale', paymentId: stored.id, orderId: order.id, refundIds: [] }
    }
    outcome = 'updated'
  }
  const payment = await tx.payment.findUniqueOrThrow({
    where: { provider_externalId: { provider: input.provider, externalId: input.externalId } },
    select: { id: true },
  })

  const refundIds: string[] = []
  for (const refund of input.refunds) {
    const id = await applyProviderRefund(tx, { orderId: order.id, paymentId: payment.id, currency: input.currency }, refund)
    if (id) refundIds.push(id)
  }
  await rederiveOrderPaymentStatus(tx, order.id)
  return { outcome, paymentId: payment.id, orderId: order.id, refundIds }
}

/**
 * One refund the provider reports: completes OpsDeck's own refund (matched by reference = Refund.id, or by its
 * external id once stored) or records one made at the provider directly. Returns the Refund id when it wrote one.
 */
async function applyProviderRefund(
  tx: Prisma.TransactionClient,
  payment: { orderId: string; paymentId: string; currency: string },
  refund: ProviderRefundInput,
): Promise<string | null> {
  const existing = await tx.refund.findFirst({
    where: { orderId: payment.orderId, OR: [{ externalId: refund.externalId }, { id: refund.reference }] },
    select: { id: true, status: true, externalId: true },
  })
  if (existing) {
    if (existing.status === 'succeeded' && existing.externalId === refund.externalId) return null
    await tx.refund.update({
      where: { id: existing.id },
      data: { status: 'succeeded', externalId: refund.externalId, processedAt: refund.createdAt, paymentId: payment.paymentId, version: { increment: 1 } },
      select: { id: true },
    })
    return existing.id
  }
  // A refund made at the provider (not through OpsDeck). Its idempotency key is derived from the provider's id, so
  // a concurrent apply of the same refund inserts nothing the second time.
  const idempotencyKey = `provider-refund-${refund.externalId}`
  const created = await tx.refund.createMany({
    data: [
      {
        orderId: payment.orderId,
        paymentId: payment.paymentId,
        amount: refund.amount,
        currency: payment.currency,
        reason: refund.reason,
        status: 'succeeded',
        idempotencyKey,
        externalId: refund.externalId,
        processedAt: refund.createdAt,
        createdAt: refund.createdAt,
      },
    ],
    skipDuplicates: true,
  })
  if (created.count === 0) return null
  const row = await tx.refund.findUniqueOrThrow({ where: { idempotencyKey }, select: { id: true } })
  return row.id
}

/** Recomputes Order.paymentStatus from the order's payments (call with the order row locked). */
export async function rederiveOrderPaymentStatus(tx: Prisma.TransactionClient, orderId: string) {
  const order = await tx.order.findUniqueOrThrow({
    where: { id: orderId },
    select: {
      totalAmount: true,
      paymentStatus: true,
      payments: { select: { status: true, amount: true, capturedAmount: true, refundedAmount: true } },
    },
  })
  const paymentStatus = derivePaymentStatus(order.totalAmount, order.payments)
  // A derived column, never edited by a person: no version bump, so nobody's open edit form goes stale over it.
  if (paymentStatus !== order.paymentStatus) await tx.order.update({ where: { id: orderId }, data: { paymentStatus }, select: { id: true } })
  return paymentStatus
}

/** What the capture and void effects need to call the provider (the void sends the order's cancel reason). */
export async function getPaymentForEffect(tx: Prisma.TransactionClient, paymentId: string) {
  return tx.payment.findUnique({
    where: { id: paymentId },
    select: {
      id: true,
      orderId: true,
      provider: true,
      externalId: true,
      status: true,
      amount: true,
      capturedAmount: true,
      currency: true,
      order: { select: { cancelReason: true } },
    },
  })
}

/** Payment.provider of the payment gateway's payments (the `payments` integration; workers/integrations/payments). */
export const GATEWAY_PROVIDER = 'payments'

/** The void of one authorization is one business effect: its outbox key is the payment's, whoever cancels, however often. */
export const paymentVoidKey = (paymentId: string) => `payments.void:${paymentId}`

/**
 * Inside a cancel (order row locked): an outbox `payments.void` row for every gateway authorization of the order that
 * nothing was captured from. Captured money is not touched: giving it back is a refund, a separate decision. Returns
 * the voided payments (for the audit entry) and the outbox ids to dispatch after the commit.
 */
export async function requestAuthorizationVoids(tx: Prisma.TransactionClient, orderId: string) {
  const payments = await tx.payment.findMany({
    where: { orderId, provider: GATEWAY_PROVIDER, status: 'authorized', capturedAmount: 0 },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, amount: true, currency: true },
  })
  const outboxIds: bigint[] = []
  for (const payment of payments) {
    outboxIds.push(await addOutboxMessage(tx, { topic: 'payments.void', payload: { paymentId: payment.id }, idempotencyKey: paymentVoidKey(payment.id) }))
  }
  return { payments, outboxIds }
}

/** What the refund effect needs to call the provider. */
export async function getRefundForProvider(tx: Prisma.TransactionClient, refundId: string) {
  return tx.refund.findUnique({
    where: { id: refundId },
    select: {
      id: true,
      orderId: true,
      amount: true,
      currency: true,
      reason: true,
      status: true,
      externalId: true,
      payment: { select: { id: true, provider: true, externalId: true } },
    },
  })
}

/** The provider accepted OpsDeck's refund: mark it succeeded with the provider's id (idempotent). */
export async function markRefundSucceeded(tx: Prisma.TransactionClient, input: { refundId: string; externalId: string; processedAt: Date }) {
  await tx.refund.updateMany({
    where: { id: input.refundId, OR: [{ status: { not: 'succeeded' } }, { externalId: null }] },
    data: { status: 'succeeded', externalId: input.externalId, processedAt: input.processedAt, version: { increment: 1 } },
  })
}

/**
 * The provider refused OpsDeck's refund for good (e.g. more than is left to refund). The provider's message stays
 * with the failed job (run log and dead letter); `reason` remains the person's reason for the refund.
 */
export async function markRefundFailed(tx: Prisma.TransactionClient, refundId: string) {
  await tx.refund.updateMany({ where: { id: refundId, status: 'pending' }, data: { status: 'failed', version: { increment: 1 } } })
}
