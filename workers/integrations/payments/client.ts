import { z } from 'zod'
import type { ProviderClient } from '../shared/http.ts'
import { PaymentSchema, RefundResultSchema } from './schemas.ts'

/** The payment provider's calls OpsDeck makes, typed (base URL `${PAYMENTS_URL}`, e.g. the sandbox's /payments). */

export const PAYMENTS_LIST_PATH = '/payments'

/** Cheapest authenticated call: one item of the list (the breaker's probe). */
export async function probePayments(client: ProviderClient) {
  await client.get(PAYMENTS_LIST_PATH, z.object({ data: z.array(z.unknown()) }), { limit: 1 })
}

/** Captures the authorized amount; `reference` (OpsDeck's Payment.id) names the effect in the provider's log. */
export function capturePayment(client: ProviderClient, externalId: string, body: { amount: number; reference: string }, idempotencyKey: string) {
  return client.post(`/payments/${encodeURIComponent(externalId)}/capture`, body, PaymentSchema, { idempotencyKey })
}

/**
 * Voids an uncaptured authorization (the order was cancelled): the hold on the customer's card is released and
 * nothing is ever charged. `reference` is OpsDeck's Payment.id. The provider answers 422 for a captured payment.
 */
export function voidPayment(client: ProviderClient, externalId: string, body: { reference: string; reason: string | null }, idempotencyKey: string) {
  return client.post(`/payments/${encodeURIComponent(externalId)}/void`, body, PaymentSchema, { idempotencyKey })
}

/** Refunds part or all of a captured payment; `reference` is OpsDeck's Refund.id. */
export function refundPayment(
  client: ProviderClient,
  externalId: string,
  body: { amount: number; reference: string; reason: string | null },
  idempotencyKey: string,
) {
  return client.post(`/payments/${encodeURIComponent(externalId)}/refunds`, body, RefundResultSchema, { idempotencyKey })
}
