import { z } from 'zod'
import { HttpError, iso, listPage, newId } from '../http.ts'
import { LOCATIONS } from '../data.ts'
import { StoredRecord } from '../state.ts'
import type { ProviderModule, SandboxContext } from './types.ts'

/**
 * The warehouse system: on-hand stock per SKU and location (the demo catalogue × LON, MAN, DUB). OpsDeck pushes
 * adjustments; the warehouse also moves stock by itself (receipts, cycle counts) and says so with `stock.updated`.
 */

export type StockLevel = { id: string; sku: string; location: (typeof LOCATIONS)[number]; on_hand: number; updated_at: string }
export type Adjustment = { id: string; sku: string; location: string; delta: number; on_hand: number; reference: string; created_at: string }

const AdjustmentSchema = z
  .object({
    sku: z.string().min(1).max(64),
    location: z.string().min(1).max(16),
    delta: z
      .number()
      .int('must be an integer')
      .refine((delta) => delta !== 0, 'must not be 0'),
    reference: z.string().min(1).max(255),
    reason: z.string().max(500).nullish(),
  })
  .strict()

const SnapshotSchema = z.object({ levels: z.array(StoredRecord.extend({ on_hand: z.number().int() })) })

export type WarehouseProvider = ProviderModule & {
  levels: Map<string, StockLevel>
  setOnHand(sku: string, location: string, onHand: number): StockLevel
  /** One movement the warehouse makes by itself: a receipt (+) or a cycle-count correction (±). */
  move(): StockLevel
}

export function createWarehouse(ctx: SandboxContext): WarehouseProvider {
  const { faker, catalogue } = ctx.world
  const startedAt = iso(ctx.now())
  const levels = new Map<string, StockLevel>()
  for (const item of catalogue) {
    for (const location of LOCATIONS) {
      const id = `${item.sku}@${location}`
      levels.set(id, { id, sku: item.sku, location, on_hand: faker.number.int({ min: location === 'DUB' ? 0 : 5, max: location === 'DUB' ? 20 : 120 }), updated_at: startedAt })
    }
  }

  function find(sku: string, location: string) {
    const level = levels.get(`${sku}@${location}`)
    if (level) return level
    const knownSku = catalogue.some((item) => item.sku === sku)
    throw new HttpError(404, 'not_found', knownSku ? `unknown location ${location} (known: ${LOCATIONS.join(', ')})` : `unknown sku ${sku}`)
  }

  function changed(level: StockLevel) {
    level.updated_at = iso(ctx.now())
    ctx.emit('warehouse', 'stock.updated', level)
    return level
  }

  return {
    name: 'warehouse',
    levels,
    snapshot: () => ({ levels: [...levels.values()] }),
    restore(data) {
      const snapshot = SnapshotSchema.parse(data)
      // The seeded levels stay for any sku@location the snapshot does not have (a catalogue that grew since).
      for (const level of snapshot.levels as StockLevel[]) levels.set(level.id, level)
    },
    setOnHand(sku, location, onHand) {
      const level = find(sku, location)
      level.on_hand = onHand
      return changed(level)
    },
    move() {
      const level = faker.helpers.arrayElement([...levels.values()])
      const receipt = faker.number.float() < 0.6
      const delta = receipt ? faker.number.int({ min: 5, max: 48 }) : faker.number.int({ min: -3, max: 3 }) || 1
      level.on_hand = Math.max(0, level.on_hand + delta)
      return changed(level)
    },
    routes: [
      { method: 'GET', path: '/stock', handle: ({ query }) => ({ status: 200, body: listPage(levels.values(), query) }) },
      {
        method: 'POST',
        path: '/adjustments',
        mutation: { kind: 'adjustment', schema: AdjustmentSchema, reference: (body: z.infer<typeof AdjustmentSchema>) => body.reference },
        handle: ({ body }) => {
          const input = body as z.infer<typeof AdjustmentSchema>
          const level = find(input.sku, input.location)
          if (level.on_hand + input.delta < 0) {
            throw new HttpError(422, 'insufficient_stock', `${level.id} has ${level.on_hand} on hand; cannot apply ${input.delta}`)
          }
          level.on_hand += input.delta
          changed(level)
          const adjustment: Adjustment = {
            id: newId('adj'),
            sku: level.sku,
            location: level.location,
            delta: input.delta,
            on_hand: level.on_hand,
            reference: input.reference,
            created_at: level.updated_at,
          }
          return { status: 201, body: adjustment }
        },
      },
    ],
  }
}
