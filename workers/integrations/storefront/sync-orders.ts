import { importOrder, importOrders } from '#app/models/order-import.server.ts'
import type { JobContext, PullPage, WebhookHandler } from '../shared/connector.ts'
import { ProviderError } from '../shared/http.ts'
import { loadStorefrontOrder } from './client.ts'
import { mapStorefrontOrder } from './map.ts'
import { StorefrontOrderSchema, type StorefrontOrder } from './schemas.ts'

/** Orders: pull/reconcile pages, the order webhooks and the `import-order` job all end in the same upsert. */

/** One page of orders (pull or reconcile) in one transaction; older-than-stored ones are skipped. */
export async function applyOrdersPage(orders: StorefrontOrder[], ctx: JobContext): Promise<PullPage> {
  const results = await importOrders(orders.map(mapStorefrontOrder))
  const page: PullPage = { seen: orders.length, created: 0, updated: 0, skipped: 0 }
  for (const result of results) {
    page[result.outcome]++
    // Only what this run changed: a reconciliation touching 5,000 unchanged orders links none of them.
    if (result.outcome !== 'skipped') {
      ctx.link('order', result.orderId)
      if (result.customerId && result.outcome === 'created') ctx.link('customer', result.customerId)
    }
  }
  return page
}

/** `order.created` / `order.updated`: the event carries the whole order; older than stored → ignored. */
export const handleOrderEvent: WebhookHandler = async (data, event, ctx) => {
  const parsed = StorefrontOrderSchema.safeParse(data)
  // A signed event with a body we cannot read will not get better by retrying; reconciliation fetches the order.
  if (!parsed.success) throw new ProviderError(`${event.type} ${event.id}: unexpected order payload (${parsed.error.issues[0]?.message})`, {
    kind: 'permanent',
    request: { method: 'WEBHOOK', url: event.type, headers: {} },
  })
  const result = await importOrder(mapStorefrontOrder(parsed.data))
  ctx.link('order', result.orderId)
  ctx.summarize(`${event.type} ${parsed.data.number}: ${result.outcome === 'skipped' ? 'ignored (not newer than stored)' : result.outcome}`)
  return result.outcome === 'skipped' ? 'ignored' : 'processed'
}

/** `import-order`: fetch one order by its storefront id and upsert it (concurrent jobs share the request and the statement). */
export async function importStorefrontOrder(data: { externalId: string }, ctx: JobContext) {
  const order = await loadStorefrontOrder(ctx.client, data.externalId)
  const result = await importOrder(mapStorefrontOrder(order))
  ctx.link('order', result.orderId)
  ctx.summarize(`order ${order.number}: ${result.outcome}`)
}
