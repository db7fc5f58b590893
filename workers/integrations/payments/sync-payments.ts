import { applyProviderPayment, type ApplyPaymentResult } from '#app/models/payment.server.ts'
import { enqueueOrderImport } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { defineResource, type JobContext, type PullPage, type WebhookHandler } from '../shared/connector.ts'
import { PAYMENTS_LIST_PATH } from './client.ts'
import { toPaymentInput } from './map.ts'
import { PaymentSchema, type ProviderPayment } from './schemas.ts'

/** A page of 100 payments is a few hundred statements; Prisma's 5 s default is too tight on a busy database. */
const PAGE_TRANSACTION_TIMEOUT_MS = 30_000

/**
 * Applies provider payments in ONE transaction. Sorted by order so that two pages touching the same orders lock
 * them in the same sequence (no deadlock between a pull and a reconciliation), then by time so a page holding two
 * states of one payment ends on the newest.
 */
export async function applyPayments(payments: ProviderPayment[], ctx: JobContext): Promise<PullPage> {
  const sorted = [...payments].sort(
    (a, b) => a.order_reference.localeCompare(b.order_reference) || a.updated_at.localeCompare(b.updated_at) || a.id.localeCompare(b.id),
  )
  const results = await prisma.$transaction(
    async (tx) => {
      const out: Array<{ payment: ProviderPayment; result: ApplyPaymentResult }> = []
      for (const payment of sorted) out.push({ payment, result: await applyProviderPayment(tx, toPaymentInput(payment)) })
      return out
    },
    { timeout: PAGE_TRANSACTION_TIMEOUT_MS },
  )

  const page: PullPage = { seen: payments.length, created: 0, updated: 0, skipped: 0, deferred: [] }
  const notes: string[] = []
  const missingOrders = new Set<string>()
  for (const { payment, result } of results) {
    if (result.outcome === 'created') page.created++
    else if (result.outcome === 'updated') page.updated++
    else page.skipped++
    if (result.outcome === 'skipped') {
      notes.push(`${payment.id}: ${result.reason}`)
      page.deferred!.push(payment.updated_at)
      missingOrders.add(payment.order_reference)
    }
    // Linked only when this job wrote something: a page re-seeing 100 unchanged payments tags nothing.
    if (result.outcome === 'created' || result.outcome === 'updated') {
      if (result.paymentId) ctx.link('payment', result.paymentId)
      if (result.orderId) ctx.link('order', result.orderId)
    }
  }
  if (notes.length > 0) ctx.log.info({ integration: ctx.key, skipped: notes }, `payments: ${notes.length} skipped (order not imported yet)`)
  await importMissingOrders(missingOrders, ctx)
  ctx.summarize(
    `${payments.length} payment(s): ${page.created} created, ${page.updated} updated, ${page.skipped} unchanged/older/skipped` +
      (notes.length > 0 ? `; ${notes.slice(0, 3).join('; ')}${notes.length > 3 ? '; …' : ''}` : ''),
  )
  return page
}

export const paymentsResource = defineResource({
  listPath: PAYMENTS_LIST_PATH,
  itemSchema: PaymentSchema,
  applyPage: applyPayments,
})

/**
 * The payment webhook often beats the order's own (two providers, two delivery queues): ask the storefront for
 * those orders now, so the payment can be applied on its next try instead of at the next reconciliation.
 * Best effort: when the queue is unreachable, the pull's held cursor and the reconciliation still bring them.
 */
async function importMissingOrders(orderReferences: Set<string>, ctx: JobContext) {
  for (const reference of orderReferences) {
    await enqueueOrderImport(reference).catch((error: unknown) =>
      ctx.log.warn({ err: error, order: reference }, `could not queue the import of order ${reference}`),
    )
  }
}

/**
 * payment.authorized / captured / refunded / failed: the data is the whole payment, applied like a pulled one.
 * Older than stored → ignored. For an order not imported yet → its import is queued and this job fails with a
 * readable cause, so the retry (backoff 2 s, 4 s, …) applies it once the order is there.
 */
export const onPaymentEvent: WebhookHandler = async (data, _event, ctx) => {
  const payment = PaymentSchema.parse(data)
  const page = await applyPayments([payment], ctx)
  if (page.deferred?.length) throw new Error(`order ${payment.order_reference} is not imported yet; its import is queued, retrying`)
  return page.created + page.updated > 0 ? 'processed' : 'ignored'
}
