import { z } from 'zod'
import { HttpError, iso, listPage, newId } from '../http.ts'
import { StoredRecord } from '../state.ts'
import type { ProviderModule, SandboxContext } from './types.ts'

/**
 * The payment gateway: authorize (on each storefront order, or by API), capture once, refund up to the captured sum,
 * void an authorization that was never captured (the order was cancelled: the hold on the card is released).
 */

export type Refund = { id: string; amount: number; reference: string; reason: string | null; created_at: string }
export type Payment = {
  id: string
  order_reference: string
  status: 'authorized' | 'captured' | 'partially_refunded' | 'refunded' | 'voided' | 'failed'
  amount: number
  currency: 'GBP' | 'EUR'
  captured_amount: number
  refunded_amount: number
  /** 'card' | 'paypal' for the payments made here; a registered payment keeps its own (e.g. 'apple_pay', or none). */
  method: string | null
  authorized_at: string | null
  captured_at: string | null
  refunds: Refund[]
  created_at: string
  updated_at: string
}

const reference = z.string().min(1).max(255)
const amount = z.number().int('must be an integer (minor units)').positive('must be more than 0')
const AuthorizeSchema = z
  .object({ order_reference: reference, amount, currency: z.enum(['GBP', 'EUR']), method: z.enum(['card', 'paypal']) })
  .strict()
const CaptureSchema = z.object({ amount: amount.optional(), reference }).strict()
const RefundSchema = z.object({ amount, reference, reason: z.string().max(500).nullish() }).strict()
const VoidSchema = z.object({ reference, reason: z.string().max(500).nullish() }).strict()

const SnapshotSchema = z.object({ payments: z.array(StoredRecord) })

const timestamp = z
  .string()
  .datetime({ offset: true, message: 'must be an ISO-8601 timestamp' })
  .transform((value) => iso(new Date(value)))
const minorUnits = z.number().int('must be an integer (minor units)').nonnegative()
/**
 * A payment the gateway already has from before this sandbox run (POST /control/payments/register): OpsDeck's demo
 * database was seeded with gateway payments, and a real staging gateway would know them. Amounts must describe a
 * state this gateway could have reached (captured ≤ amount, refunded ≤ captured, the status matching the sums).
 */
export const RegisteredPaymentSchema = z
  .object({
    id: z.string().min(1).max(255),
    order_reference: reference,
    status: z.enum(['authorized', 'captured', 'partially_refunded', 'refunded', 'voided', 'failed']),
    amount,
    currency: z.enum(['GBP', 'EUR']),
    captured_amount: minorUnits,
    refunded_amount: minorUnits,
    method: z.string().min(1).max(32).nullable(),
    authorized_at: timestamp.nullable(),
    captured_at: timestamp.nullable(),
    refunds: z
      .array(z.object({ id: z.string().min(1).max(255), amount, reference, reason: z.string().max(500).nullable(), created_at: timestamp }).strict())
      .max(100)
      .default([]),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .strict()
  .superRefine((payment, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message })
    const { status, amount, captured_amount: captured, refunded_amount: refunded } = payment
    if (captured > amount) problem(`captured_amount ${captured} is more than amount ${amount}`)
    if (refunded > captured) problem(`refunded_amount ${refunded} is more than captured_amount ${captured}`)
    const listed = payment.refunds.reduce((sum, refund) => sum + refund.amount, 0)
    if (listed > refunded) problem(`refunds add up to ${listed}, more than refunded_amount ${refunded}`)
    const expected =
      captured === 0 ? ['authorized', 'voided', 'failed'] : refunded === 0 ? ['captured'] : refunded < captured ? ['partially_refunded'] : ['refunded']
    if (!expected.includes(status)) {
      problem(`status ${status} does not fit captured_amount ${captured} / refunded_amount ${refunded} (expected ${expected.join(' or ')})`)
    }
    if (status === 'authorized' && !payment.authorized_at) problem('an authorized payment needs authorized_at')
  })
export type RegisteredPayment = z.input<typeof RegisteredPaymentSchema>
/** Up to 50,000 payments in one request (a few MB): the whole demo database in one call. */
export const RegisterPaymentsSchema = z
  .object({ payments: z.array(RegisteredPaymentSchema).max(50_000) })
  .strict()
  .superRefine(({ payments }, ctx) => {
    const seen = new Set<string>()
    payments.forEach((payment, index) => {
      if (seen.has(payment.id)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['payments', index, 'id'], message: `${payment.id} is listed twice` })
      seen.add(payment.id)
    })
  })

export type PaymentsProvider = ProviderModule & {
  payments: Map<string, Payment>
  /**
   * The authorization a new storefront order comes with (`failed` = the card was declined). Its webhook goes out
   * when the storefront calls `publish`, after `order.created`, so a receiver never sees a payment before its order.
   */
  authorizeForOrder(order: { id: string; total: number; currency: 'GBP' | 'EUR' }, failed: boolean): Payment
  publish(payment: Payment): void
  /** Voids an uncaptured authorization (the order was cancelled); no-op otherwise. */
  voidAuthorization(id: string): Payment | undefined
  onChange: (payment: Payment) => void
  /**
   * Adds payments made before this run (RegisterPaymentsSchema). An id the gateway already has is kept as it is:
   * the gateway's own record (e.g. refunded since, kept in the state file) is the truth, so registering again is a
   * no-op. No webhook and no effect: nothing happened, the gateway only learns what it had.
   */
  register(input: z.output<typeof RegisterPaymentsSchema>): { registered: number; known: number }
}

export function createPayments(ctx: SandboxContext): PaymentsProvider {
  const payments = new Map<string, Payment>()

  function changed(payment: Payment, type: string) {
    ctx.emit('payments', type, payment)
    provider.onChange(payment)
  }

  /** `publish` false: the caller sends the webhook once it has sent its own (the order before its payment). */
  function authorize(input: z.infer<typeof AuthorizeSchema>, failed = false, publish = true) {
    const at = iso(ctx.now())
    const payment: Payment = {
      id: newId('pay'),
      order_reference: input.order_reference,
      status: failed ? 'failed' : 'authorized',
      amount: input.amount,
      currency: input.currency,
      captured_amount: 0,
      refunded_amount: 0,
      method: input.method,
      authorized_at: failed ? null : at,
      captured_at: null,
      refunds: [],
      created_at: at,
      updated_at: at,
    }
    payments.set(payment.id, payment)
    if (publish) changed(payment, failed ? 'payment.failed' : 'payment.authorized')
    return payment
  }

  /** authorized → voided (false for any other status). */
  function voidIfAuthorized(payment: Payment) {
    if (payment.status !== 'authorized') return false
    payment.status = 'voided'
    payment.updated_at = iso(ctx.now())
    // NOTE: the contract has no `payment.voided` topic; the order's `order.updated` says it and the next pull
    // (updated_at bumped) brings the voided payment.
    provider.onChange(payment)
    return true
  }

  function find(id: string) {
    const payment = payments.get(id)
    if (!payment) throw new HttpError(404, 'not_found', `no payment ${id}`)
    return payment
  }

  const provider: PaymentsProvider = {
    name: 'payments',
    payments,
    onChange: () => {},
    snapshot: () => ({ payments: [...payments.values()] }),
    restore(data) {
      const snapshot = SnapshotSchema.parse(data)
      payments.clear()
      for (const payment of snapshot.payments as Payment[]) payments.set(payment.id, payment)
    },
    authorizeForOrder(order, failed) {
      const method = ctx.world.faker.number.float() < 0.8 ? 'card' : 'paypal'
      return authorize({ order_reference: order.id, amount: order.total, currency: order.currency, method }, failed, false)
    },
    publish(payment) {
      ctx.emit('payments', payment.status === 'failed' ? 'payment.failed' : 'payment.authorized', payment)
    },
    voidAuthorization(id) {
      const payment = payments.get(id)
      return payment && voidIfAuthorized(payment) ? payment : undefined
    },
    register(input) {
      let registered = 0
      for (const payment of input.payments) {
        if (payments.has(payment.id)) continue
        payments.set(payment.id, { ...payment, refunds: payment.refunds.map((refund) => ({ ...refund })) })
        registered += 1
      }
      return { registered, known: input.payments.length - registered }
    },
    routes: [
      { method: 'GET', path: '/payments', handle: ({ query }) => ({ status: 200, body: listPage(payments.values(), query) }) },
      { method: 'GET', path: '/payments/:id', handle: ({ params }) => ({ status: 200, body: find(params.id) }) },
      {
        method: 'POST',
        path: '/authorizations',
        mutation: { kind: 'authorize', schema: AuthorizeSchema, reference: (body: z.infer<typeof AuthorizeSchema>) => body.order_reference },
        handle: ({ body }) => ({ status: 201, body: authorize(body as z.infer<typeof AuthorizeSchema>) }),
      },
      {
        method: 'POST',
        path: '/payments/:id/capture',
        mutation: { kind: 'capture', schema: CaptureSchema, reference: (body: z.infer<typeof CaptureSchema>) => body.reference },
        handle: ({ params, body }) => {
          const input = body as z.infer<typeof CaptureSchema>
          const payment = find(params.id)
          if (payment.status !== 'authorized') {
            throw new HttpError(422, 'invalid_state', `payment ${payment.id} is ${payment.status}; only an authorized payment can be captured`)
          }
          const captured = input.amount ?? payment.amount
          if (captured > payment.amount) {
            throw new HttpError(422, 'invalid_state', `amount ${captured} is more than the authorized ${payment.amount}`)
          }
          const at = iso(ctx.now())
          Object.assign(payment, { status: 'captured', captured_amount: captured, captured_at: at, updated_at: at })
          changed(payment, 'payment.captured')
          return { status: 200, body: payment }
        },
      },
      {
        // Voiding what is already voided answers the payment as it is (the hold is gone either way); a payment that
        // was captured (or failed) cannot be voided: 422 — money taken is given back by a refund.
        method: 'POST',
        path: '/payments/:id/void',
        mutation: { kind: 'void', schema: VoidSchema, reference: (body: z.infer<typeof VoidSchema>) => body.reference },
        handle: ({ params }) => {
          const payment = find(params.id)
          if (payment.status !== 'voided' && !voidIfAuthorized(payment)) {
            throw new HttpError(422, 'invalid_state', `payment ${payment.id} is ${payment.status}; only an authorized payment can be voided (refund a captured one)`)
          }
          return { status: 200, body: payment }
        },
      },
      {
        method: 'POST',
        path: '/payments/:id/refunds',
        mutation: { kind: 'refund', schema: RefundSchema, reference: (body: z.infer<typeof RefundSchema>) => body.reference },
        handle: ({ params, body }) => {
          const input = body as z.infer<typeof RefundSchema>
          const payment = find(params.id)
          const refundable = payment.captured_amount - payment.refunded_amount
          if (!['captured', 'partially_refunded'].includes(payment.status) || input.amount > refundable) {
            throw new HttpError(422, 'invalid_state', `payment ${payment.id} (${payment.status}) has ${refundable} left to refund, asked ${input.amount}`)
          }
          const at = iso(ctx.now())
          const refund: Refund = { id: newId('re'), amount: input.amount, reference: input.reference, reason: input.reason ?? null, created_at: at }
          payment.refunds.push(refund)
          payment.refunded_amount += input.amount
          payment.status = payment.refunded_amount === payment.captured_amount ? 'refunded' : 'partially_refunded'
          payment.updated_at = at
          changed(payment, 'payment.refunded')
          return { status: 201, body: { refund, payment } }
        },
      },
    ],
  }
  return provider
}
