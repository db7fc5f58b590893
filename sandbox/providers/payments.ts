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
  method: 'card' | 'paypal'
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
