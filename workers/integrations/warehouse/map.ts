import type { WarehouseStockInput } from '#app/models/inventory.server.ts'
import type { StockLevel } from './schemas.ts'

/** The warehouse's location codes are OpsDeck's Location.code values (LON, MAN, DUB). */
export function toStockInput(level: StockLevel): WarehouseStockInput {
  return { sku: level.sku, locationCode: level.location, onHand: level.on_hand, externalUpdatedAt: new Date(level.updated_at) }
}
