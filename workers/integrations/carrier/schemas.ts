import { z } from 'zod'

/**
 * The carrier's JSON (CONTRACTS-3.md section A, "carrier"). Unknown fields are dropped, so the carrier may add some
 * without breaking the sync.
 */

const timestamp = z.string().datetime({ offset: true, message: 'must be an ISO-8601 timestamp' })
export const ShipmentStatusSchema = z.enum(['label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception'])

export const TrackingEventSchema = z.object({
  id: z.string().min(1),
  status: ShipmentStatusSchema,
  description: z.string(),
  location: z.string().nullable(),
  occurred_at: timestamp,
})

export const ShipmentSchema = z.object({
  id: z.string().min(1),
  reference: z.string().min(1),
  tracking_number: z.string().min(1),
  tracking_url: z.string().url(),
  label_url: z.string().url(),
  service: z.string().min(1),
  status: ShipmentStatusSchema,
  events: z.array(TrackingEventSchema),
  created_at: timestamp,
  updated_at: timestamp,
})
export type Shipment = z.infer<typeof ShipmentSchema>

export const ReturnLabelSchema = z
  .object({
    id: z.string().min(1),
    reference: z.string().min(1),
    tracking_number: z.string().min(1),
    label_url: z.string().url(),
    /** The return parcel's progress (absent from carriers that do not track returns: as bought). */
    status: z.enum(['label_created', 'in_transit', 'delivered']).default('label_created'),
    created_at: timestamp,
    updated_at: timestamp.optional(),
  })
  .transform((label) => ({ ...label, updated_at: label.updated_at ?? label.created_at }))
export type ReturnLabel = z.infer<typeof ReturnLabelSchema>

/** The address shape the carrier takes (ship_to / ship_from). */
export type CarrierAddress = { name: string; line1: string; line2: string | null; city: string; postal_code: string; country: string }

/** Effect payloads (outbox rows; ids only). */
export const CreateShipmentPayloadSchema = z.object({ fulfillmentId: z.string().min(1) })
export const ReturnLabelPayloadSchema = z.object({ returnId: z.string().min(1) })
