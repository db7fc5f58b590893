import type { ProviderClient } from '../shared/http.ts'
import { StorefrontOrderSchema, StorefrontProbeSchema, type StorefrontOrder } from './schemas.ts'

/** The storefront calls OpsDeck makes (lists are paged by the engine: shared/sync.ts). */

export function getStorefrontOrder(client: ProviderClient, id: string): Promise<StorefrontOrder> {
  return client.get(`/orders/${encodeURIComponent(id)}`, StorefrontOrderSchema)
}

export async function probeStorefront(client: ProviderClient) {
  await client.get('/customers', StorefrontProbeSchema, { limit: 1 })
}
