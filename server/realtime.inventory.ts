import type { Logger } from 'pino'
import { listStockAlerts } from '#app/models/inventory-list.server.ts'
import { ClientEventSchemas, INVENTORY_ROOM, INVENTORY_SIGNAL_INTERVAL_MS, type InventoryStockSignal } from '#app/realtime/events.ts'
import type { OpsDeckServer } from '#app/realtime/io.server.ts'
import { onEvent, type OpsDeckSocket } from './realtime.ts'

/**
 * Low-stock / out-of-stock signals (`inventory.stock` to INVENTORY_ROOM, joined with `inventory.subscribe`, needs
 * read:inventory). Each web node looks every INVENTORY_SIGNAL_INTERVAL_MS — only while someone is in the room — for
 * levels at or below their threshold changed since its last look (the partial index InventoryLevel_low_stock_idx),
 * and tells its own sockets (`io.local`, like the order feed).
 *
 * Why a poll and not NOTIFY: a transaction that NOTIFYs takes one database-wide lock at commit, which serialised
 * every reservation's commit (bench/hot-sku.ts measured ~3× fewer reservations/s). The same rows are queryable any time
 * (listStockAlerts / countStockAlerts in app/models/inventory-list.server.ts) for metrics and alert rules.
 */

/** A level's `updatedAt` is its transaction's start: look back this far so a slow commit is not missed. */
const OVERLAP_MS = 10_000

export function registerInventorySignals(io: OpsDeckServer, logger: Logger, options: { intervalMs?: number } = {}) {
  const log = logger.child({ component: 'inventory-signals' })
  const localMembers = () => io.of('/').adapter.rooms.get(INVENTORY_ROOM)?.size ?? 0
  let watermark = new Date()
  const seen = new Map<string, number>()
  let running = false

  async function look() {
    if (running || localMembers() === 0) return
    running = true
    try {
      const since = new Date(watermark.getTime() - OVERLAP_MS)
      const rows = await listStockAlerts(undefined, { since })
      const fresh = rows.filter((row) => seen.get(row.levelId) !== row.updatedAt.getTime())
      for (const row of rows) seen.set(row.levelId, row.updatedAt.getTime())
      const newest = rows.reduce((max, row) => (row.updatedAt > max ? row.updatedAt : max), watermark)
      watermark = newest
      // Forget what is older than the look-back window.
      for (const [id, at] of seen) if (at < watermark.getTime() - 2 * OVERLAP_MS) seen.delete(id)
      if (fresh.length === 0) return
      const payload: InventoryStockSignal = {
        levels: fresh.map(({ levelId, variantId, sku, locationCode, available, threshold, state }) => ({ levelId, variantId, sku, locationCode, available, threshold, state })),
        at: new Date().toISOString(),
      }
      io.local.to(INVENTORY_ROOM).emit('inventory.stock', payload)
    } catch (error) {
      log.warn({ err: error }, 'inventory signal look failed')
    } finally {
      running = false
    }
  }

  const timer = setInterval(() => void look(), options.intervalMs ?? INVENTORY_SIGNAL_INTERVAL_MS)
  timer.unref()

  io.on('connection', (socket: OpsDeckSocket) => {
    onEvent(socket, 'inventory.subscribe', 'read:inventory', ClientEventSchemas['inventory.subscribe'], async (_payload, { socket: s }) => {
      await s.join(INVENTORY_ROOM)
      return {}
    }, log)
    onEvent(socket, 'inventory.unsubscribe', null, ClientEventSchemas['inventory.unsubscribe'], async (_payload, { socket: s }) => {
      await s.leave(INVENTORY_ROOM)
      return {}
    }, log)
  })

  return {
    /** For tests: look now. */
    look,
    close: () => clearInterval(timer),
  }
}
