import { z } from 'zod'

/**
 * The payment provider's JSON (CONTRACTS-3.md section A, "payments"). Parsed at the edge: a body that does not
 * match is a malformed answer (ProviderClient: retryable) or a malformed webhook (the job fails permanently).
 * Unknown fields are dropped, so the provider may add fields without breaking the sync.
 */

const timestamp = z.string().datetime({ offset: true, message: 'must be an ISO-8601 timestamp' })
const minorUnits = z.number().int().nonnegative()
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO-4217 code')

export const RefundSchema = z.object({
  id: z.string().min(1),
  amount: minorUnits,
  reference: z.string(),
  reason: z.string().nullable(),
  created_at: timestamp,
})

export const PaymentSchema = z.object({
  id: z.string().min(1),
  order_reference: z.string().min(1),
  status: z.enum(['authorized', 'captured', 'partially_refunded', 'refunded', 'voided', 'failed']),
  amount: minorUnits,
  currency,
  captured_amount: minorUnits,
  refunded_amount: minorUnits,
  method: z.string().nullable(),
  authorized_at: timestamp.nullable(),
  captured_at: timestamp.nullable(),
  refunds: z.array(RefundSchema),
  created_at: timestamp,
  updated_at: timestamp,
})
export type ProviderPayment = z.infer<typeof PaymentSchema>

/** POST /payments/:id/refunds answers with the refund and the payment after it. */
export const RefundResultSchema = z.object({ refund: RefundSchema, payment: PaymentSchema })

/** Effect payloads (outbox rows; ids only). */
export const CapturePayloadSchema = z.object({ paymentId: z.string().min(1) })
export const RefundPayloadSchema = z.object({ refundId: z.string().min(1) })
export const VoidPayloadSchema = z.object({ paymentId: z.string().min(1) })
