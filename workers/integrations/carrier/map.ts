import { UnrecoverableError } from 'bullmq'
import { z } from 'zod'
import type { CarrierShipmentInput } from '#app/models/fulfillment.server.ts'
import type { CarrierAddress, Shipment } from './schemas.ts'

/** Fulfillment.carrier / Return.carrier for labels bought here: the integration's name (as the seed names it). */
export const CARRIER_NAME = 'Shipping carrier'
/** The carrier sells these two services; anything else OpsDeck stores (e.g. a manual "next_day") goes standard. */
const SERVICES = ['standard', 'express'] as const
/**
 * Parcel weight when no line's variant has a weight: the carrier needs a positive weight to price the label, and a
 * light parcel is the common case for this catalogue (clothing).
 */
export const DEFAULT_PARCEL_GRAMS = 500

export function toShipmentInput(shipment: Shipment): CarrierShipmentInput {
  return {
    externalId: shipment.id,
    reference: shipment.reference,
    carrier: CARRIER_NAME,
    service: shipment.service,
    trackingNumber: shipment.tracking_number,
    trackingUrl: shipment.tracking_url,
    labelUrl: shipment.label_url,
    status: shipment.status,
    events: shipment.events.map((event) => ({
      externalId: event.id,
      status: event.status,
      description: event.description,
      location: event.location,
      occurredAt: new Date(event.occurred_at),
    })),
    externalUpdatedAt: new Date(shipment.updated_at),
  }
}

export function carrierService(service: string | null): (typeof SERVICES)[number] {
  return (SERVICES as readonly string[]).includes(service ?? '') ? (service as (typeof SERVICES)[number]) : 'standard'
}

/**
 * Order.shippingAddress is a JSON snapshot. OpsDeck's own snapshots say `postalCode`; one copied from the
 * storefront may say `postal_code`: both are read.
 */
const StoredAddressSchema = z
  .object({
    name: z.string().min(1).optional(),
    line1: z.string().min(1),
    line2: z.string().nullish(),
    city: z.string().min(1),
    postalCode: z.string().min(1).optional(),
    postal_code: z.string().min(1).optional(),
    country: z.string().regex(/^[A-Za-z]{2}$/),
  })
  .refine((address) => address.postalCode ?? address.postal_code, { message: 'has no postal code' })

/** The carrier's address from an order's stored address; a missing or incomplete one fails the effect for good. */
export function toCarrierAddress(stored: unknown, fallbackName: string, what: string): CarrierAddress {
  const parsed = StoredAddressSchema.safeParse(stored)
  if (!parsed.success) {
    const why = stored == null ? 'no address' : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'address'} ${issue.message}`).join('; ')
    throw new UnrecoverableError(`${what}: cannot buy a label (${why})`)
  }
  const address = parsed.data
  return {
    name: address.name ?? fallbackName,
    line1: address.line1,
    line2: address.line2 || null,
    city: address.city,
    postal_code: (address.postalCode ?? address.postal_code)!,
    country: address.country.toUpperCase(),
  }
}

/** One parcel holding the fulfilment's units: the variants' weights times quantities. */
export function parcelWeightGrams(lines: { quantity: number; weightGrams: number | null }[]) {
  const known = lines.reduce((sum, line) => sum + (line.weightGrams ?? 0) * line.quantity, 0)
  return known > 0 ? known : DEFAULT_PARCEL_GRAMS
}
