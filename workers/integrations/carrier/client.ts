import { z } from 'zod'
import type { ProviderClient } from '../shared/http.ts'
import { ReturnLabelSchema, ShipmentSchema, type CarrierAddress } from './schemas.ts'

/** The carrier's calls OpsDeck makes, typed (base URL `${CARRIER_URL}`, e.g. the sandbox's /carrier). */

export const SHIPMENTS_LIST_PATH = '/shipments'
export const RETURN_LABELS_LIST_PATH = '/return-labels'

/** Cheapest authenticated call: one item of the list (the breaker's probe). */
export async function probeCarrier(client: ProviderClient) {
  await client.get(SHIPMENTS_LIST_PATH, z.object({ data: z.array(z.unknown()) }), { limit: 1 })
}

/** Buys a label; `reference` is OpsDeck's Fulfillment.id (it comes back on every tracking update). */
export function createShipment(
  client: ProviderClient,
  body: { reference: string; service: 'standard' | 'express'; ship_to: CarrierAddress; parcels: { weight_grams: number }[] },
  idempotencyKey: string,
) {
  return client.post(SHIPMENTS_LIST_PATH, body, ShipmentSchema, { idempotencyKey })
}

/** Buys a return label; `reference` is OpsDeck's Return.id. */
export function createReturnLabel(client: ProviderClient, body: { reference: string; ship_from: CarrierAddress }, idempotencyKey: string) {
  return client.post(RETURN_LABELS_LIST_PATH, body, ReturnLabelSchema, { idempotencyKey })
}
