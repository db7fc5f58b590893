import { z } from 'zod'
import { batched } from '#app/utils/batch.server.ts'
import type { ProviderClient } from '../shared/http.ts'
import { StorefrontOrderSchema, StorefrontProbeSchema, type StorefrontOrder } from './schemas.ts'

/** The storefront calls OpsDeck makes (lists are paged by the engine: shared/sync.ts). */

export function getStorefrontOrder(client: ProviderClient, id: string): Promise<StorefrontOrder> {
  return client.get(`/orders/${encodeURIComponent(id)}`, StorefrontOrderSchema)
}

/** The storefront's `ids` filter takes up to 250; a batch stays well under it. */
const MAX_IDS_PER_REQUEST = 100
const OrdersByIdSchema = z.object({ data: z.array(z.unknown()), next_cursor: z.null() })
const orderLoaders = new WeakMap<ProviderClient, (id: string) => Promise<StorefrontOrder>>()

/**
 * One order by id, fetched together with the orders this process's other jobs ask for at the same moment
 * (`GET /orders?ids=…`, one request for up to 100 `import-order` jobs). A failed request fails every job in it, with
 * the same error (so the circuit breaker counts it once). An order the list leaves out (unknown) or cannot give in a
 * readable shape is fetched on its own, so its job fails exactly as a single GET does (404, malformed answer).
 */
export function loadStorefrontOrder(client: ProviderClient, id: string): Promise<StorefrontOrder> {
  let load = orderLoaders.get(client)
  if (!load) {
    load = batched<string, StorefrontOrder>(
      async (ids) => {
        const wanted = [...new Set(ids)]
        const page = await client.get('/orders', OrdersByIdSchema, { ids: wanted.join(',') })
        const found = new Map<string, StorefrontOrder>()
        for (const item of page.data) {
          const parsed = StorefrontOrderSchema.safeParse(item)
          if (parsed.success) found.set(parsed.data.id, parsed.data)
        }
        return Promise.all(ids.map((orderId) => found.get(orderId) ?? getStorefrontOrder(client, orderId).catch((error: Error) => error)))
      },
      { maxBatchSize: MAX_IDS_PER_REQUEST },
    )
    orderLoaders.set(client, load)
  }
  return load(id)
}

export async function probeStorefront(client: ProviderClient) {
  await client.get('/customers', StorefrontProbeSchema, { limit: 1 })
}
