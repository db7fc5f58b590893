import { z } from 'zod'
import { HttpError, iso, listPage, newId } from '../http.ts'
import { StoredRecord } from '../state.ts'
import type { ProviderModule, SandboxContext } from './types.ts'

/**
 * The parcel carrier: shipments get a label and a tracking number, then tracking advances one step per
 * `stepSeconds` (or per POST /control/carrier/advance): label_created → in_transit → out_for_delivery → delivered.
 * About 10 % of shipments hit one `exception` (a failed delivery attempt) when out for delivery, then go out for
 * delivery again and are delivered.
 */

export type ShipmentStatus = 'label_created' | 'in_transit' | 'out_for_delivery' | 'delivered' | 'exception'
export type TrackingEvent = { id: string; status: ShipmentStatus; description: string; location: string | null; occurred_at: string }
export type Shipment = {
  id: string
  reference: string
  tracking_number: string
  tracking_url: string
  label_url: string
  service: 'standard' | 'express'
  status: ShipmentStatus
  events: TrackingEvent[]
  created_at: string
  updated_at: string
}
/**
 * A return label: the customer's parcel coming back. It is tracked like a shipment, more coarsely: label_created →
 * in_transit (handed in) → delivered (at the warehouse), one step per tick, with a `return_label.updated` webhook.
 */
export type ReturnLabelStatus = 'label_created' | 'in_transit' | 'delivered'
export type ReturnLabel = {
  id: string
  reference: string
  tracking_number: string
  label_url: string
  status: ReturnLabelStatus
  created_at: string
  updated_at: string
}

// Links point at a reserved domain (RFC 2606): the sandbox does not render labels or tracking pages.
const LINKS = 'https://carrier.sandbox.invalid'

export const AddressSchema = z
  .object({
    name: z.string().min(1).max(200),
    line1: z.string().min(1).max(200),
    line2: z.string().max(200).nullish(),
    city: z.string().min(1).max(100),
    postal_code: z.string().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code like GB'),
  })
  .strict()
const reference = z.string().min(1).max(255)
const ShipmentSchema = z
  .object({
    reference,
    service: z.enum(['standard', 'express']),
    ship_to: AddressSchema,
    parcels: z
      .array(z.object({ weight_grams: z.number().int().positive().max(70_000) }).strict())
      .min(1, 'needs at least one parcel')
      .max(20),
  })
  .strict()
const ReturnLabelSchema = z.object({ reference, ship_from: AddressSchema }).strict()

const DESCRIPTIONS: Record<ShipmentStatus, string> = {
  label_created: 'Label created, parcel not yet collected',
  in_transit: 'Parcel in transit',
  out_for_delivery: 'Out for delivery',
  delivered: 'Delivered',
  exception: 'Delivery attempted, nobody home; we will try again',
}
const HUBS = ['Heathrow hub', 'Birmingham hub', 'Manchester depot', 'Dublin depot', 'Leeds depot']

const SnapshotSchema = z.object({
  shipments: z.array(StoredRecord.extend({ status: z.string(), events: z.array(z.unknown()) })),
  returnLabels: z.array(z.object({ id: z.string() }).passthrough()),
  /** Shipments that already had their one exception. */
  hadException: z.array(z.string()),
  /** [shipment id, destination city] */
  destinations: z.array(z.tuple([z.string(), z.string()])),
})

export type CarrierProvider = ProviderModule & {
  shipments: Map<string, Shipment>
  /** Moves every shipment that is not delivered one step on; returns the ones that moved. */
  advance(id?: string): Shipment[]
}

export function createCarrier(ctx: SandboxContext): CarrierProvider {
  const { faker } = ctx.world
  const shipments = new Map<string, Shipment>()
  const returnLabels = new Map<string, ReturnLabel>()
  const hadException = new Set<string>()
  const destinations = new Map<string, string>()

  const trackingNumber = () => `OD${faker.string.numeric(10)}GB`

  function addEvent(shipment: Shipment, status: ShipmentStatus, location: string | null) {
    const at = iso(ctx.now())
    shipment.status = status
    shipment.events.push({ id: newId('te'), status, description: DESCRIPTIONS[status], location, occurred_at: at })
    shipment.updated_at = at
  }

  function nextStatus(shipment: Shipment): ShipmentStatus | null {
    switch (shipment.status) {
      case 'label_created':
        return 'in_transit'
      case 'exception':
        return 'out_for_delivery'
      case 'in_transit':
        return 'out_for_delivery'
      case 'out_for_delivery':
        if (!hadException.has(shipment.id) && faker.number.float() < 0.1) return 'exception'
        return 'delivered'
      case 'delivered':
        return null
    }
  }

  function step(shipment: Shipment) {
    const status = nextStatus(shipment)
    if (!status) return false
    if (status === 'exception') hadException.add(shipment.id)
    const location = status === 'in_transit' ? faker.helpers.arrayElement(HUBS) : destinations.get(shipment.id) ?? null
    addEvent(shipment, status, location)
    ctx.emit('carrier', 'tracking.updated', shipment)
    return true
  }

  /** Moves a return parcel one step on; false when it is already delivered. */
  function stepReturn(label: ReturnLabel) {
    const next: ReturnLabelStatus | null = label.status === 'label_created' ? 'in_transit' : label.status === 'in_transit' ? 'delivered' : null
    if (!next) return false
    label.status = next
    label.updated_at = iso(ctx.now())
    ctx.emit('carrier', 'return_label.updated', label)
    return true
  }

  function find(id: string) {
    const shipment = shipments.get(id)
    if (!shipment) throw new HttpError(404, 'not_found', `no shipment ${id}`)
    return shipment
  }

  return {
    name: 'carrier',
    shipments,
    snapshot: () => ({
      shipments: [...shipments.values()],
      returnLabels: [...returnLabels.values()],
      hadException: [...hadException],
      destinations: [...destinations],
    }),
    restore(data) {
      const snapshot = SnapshotSchema.parse(data)
      shipments.clear()
      for (const shipment of snapshot.shipments as Shipment[]) shipments.set(shipment.id, shipment)
      returnLabels.clear()
      // Labels saved before return tracking existed have no status: they start at label_created.
      for (const label of snapshot.returnLabels as Partial<ReturnLabel>[]) {
        returnLabels.set(label.id!, { ...label, status: label.status ?? 'label_created', updated_at: label.updated_at ?? label.created_at! } as ReturnLabel)
      }
      hadException.clear()
      for (const id of snapshot.hadException) hadException.add(id)
      destinations.clear()
      for (const [id, city] of snapshot.destinations) destinations.set(id, city)
    },
    advance(id) {
      if (id && returnLabels.has(id)) {
        stepReturn(returnLabels.get(id)!)
        return []
      }
      const targets = id ? [find(id)] : [...shipments.values()]
      // Return parcels move with every general tick too (a specific id moves only that parcel).
      if (!id) for (const label of returnLabels.values()) stepReturn(label)
      return targets.filter(step)
    },
    routes: [
      { method: 'GET', path: '/shipments', handle: ({ query }) => ({ status: 200, body: listPage(shipments.values(), query) }) },
      { method: 'GET', path: '/shipments/:id', handle: ({ params }) => ({ status: 200, body: find(params.id) }) },
      {
        method: 'POST',
        path: '/shipments',
        mutation: { kind: 'shipment', schema: ShipmentSchema, reference: (body: z.infer<typeof ShipmentSchema>) => body.reference },
        handle: ({ body }) => {
          const input = body as z.infer<typeof ShipmentSchema>
          const id = newId('shp')
          const tracking = trackingNumber()
          const at = iso(ctx.now())
          const shipment: Shipment = {
            id,
            reference: input.reference,
            tracking_number: tracking,
            tracking_url: `${LINKS}/track/${tracking}`,
            label_url: `${LINKS}/labels/${id}.pdf`,
            service: input.service,
            status: 'label_created',
            events: [],
            created_at: at,
            updated_at: at,
          }
          addEvent(shipment, 'label_created', null)
          shipments.set(id, shipment)
          destinations.set(id, input.ship_to.city)
          ctx.emit('carrier', 'tracking.updated', shipment)
          return { status: 201, body: shipment }
        },
      },
      { method: 'GET', path: '/return-labels', handle: ({ query }) => ({ status: 200, body: listPage(returnLabels.values(), query) }) },
      {
        method: 'POST',
        path: '/return-labels',
        mutation: { kind: 'return_label', schema: ReturnLabelSchema, reference: (body: z.infer<typeof ReturnLabelSchema>) => body.reference },
        handle: ({ body }) => {
          const input = body as z.infer<typeof ReturnLabelSchema>
          const id = newId('rl')
          const at = iso(ctx.now())
          const label: ReturnLabel = {
            id,
            reference: input.reference,
            tracking_number: trackingNumber(),
            label_url: `${LINKS}/labels/${id}.pdf`,
            status: 'label_created',
            created_at: at,
            updated_at: at,
          }
          returnLabels.set(id, label)
          return { status: 201, body: label }
        },
      },
    ],
  }
}
