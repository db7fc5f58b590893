import { z } from 'zod'
import type { ProviderClient } from '../shared/http.ts'
import { AdjustmentSchema } from './schemas.ts'

/** The warehouse system's calls OpsDeck makes, typed (base URL `${WAREHOUSE_URL}`, e.g. the sandbox's /warehouse). */

export const STOCK_LIST_PATH = '/stock'

/** Cheapest authenticated call: one item of the list (the breaker's probe). */
export async function probeWarehouse(client: ProviderClient) {
  await client.get(STOCK_LIST_PATH, z.object({ data: z.array(z.unknown()) }), { limit: 1 })
}

/** Moves the warehouse's on-hand figure by `delta`; `reference` is OpsDeck's ledger entry id. */
export function postAdjustment(
  client: ProviderClient,
  body: { sku: string; location: string; delta: number; reference: string; reason: string | null },
  idempotencyKey: string,
) {
  return client.post('/adjustments', body, AdjustmentSchema, { idempotencyKey })
}
