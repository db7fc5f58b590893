import { applyWarehouseStock, type ApplyStockResult } from '#app/models/inventory.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { defineResource, type JobContext, type PullPage, type WebhookHandler } from '../shared/connector.ts'
import { STOCK_LIST_PATH } from './client.ts'
import { toStockInput } from './map.ts'
import { StockLevelSchema, type StockLevel } from './schemas.ts'

/** A page of 100 levels is a few hundred statements; Prisma's 5 s default is too tight on a busy database. */
const PAGE_TRANSACTION_TIMEOUT_MS = 30_000

/**
 * Applies warehouse figures in ONE transaction, sorted by level id so concurrent pages lock the same levels in the
 * same order, then by time so a page holding two figures of one level ends on the newest.
 */
export async function applyStockLevels(levels: StockLevel[], ctx: JobContext): Promise<PullPage> {
  const sorted = [...levels].sort((a, b) => a.id.localeCompare(b.id) || a.updated_at.localeCompare(b.updated_at))
  const results = await prisma.$transaction(
    async (tx) => {
      const out: Array<{ level: StockLevel; result: ApplyStockResult }> = []
      for (const level of sorted) out.push({ level, result: await applyWarehouseStock(tx, toStockInput(level)) })
      return out
    },
    { timeout: PAGE_TRANSACTION_TIMEOUT_MS },
  )

  const page: PullPage = { seen: levels.length, created: 0, updated: 0, skipped: 0 }
  const refused: string[] = []
  let moved = 0
  for (const { level, result } of results) {
    if (result.outcome === 'created') page.created++
    else if (result.outcome === 'updated') page.updated++
    else page.skipped++
    if (result.outcome === 'skipped' && result.reason) refused.push(result.reason)
    moved += result.delta
    if (result.delta !== 0) ctx.link('sku', level.sku)
  }
  // A figure below the reserved count needs a person (the warehouse lost stock that orders are waiting for).
  if (refused.length > 0) ctx.log.warn({ integration: ctx.key, skipped: refused }, `warehouse: ${refused.length} figure(s) not applied`)
  ctx.summarize(
    `${levels.length} level(s): ${page.created} created, ${page.updated} updated (net ${moved >= 0 ? '+' : ''}${moved} on hand), ` +
      `${page.skipped} unchanged/older/skipped` +
      (refused.length > 0 ? `; not applied: ${refused.slice(0, 3).join('; ')}${refused.length > 3 ? '; …' : ''}` : ''),
  )
  return page
}

export const stockResource = defineResource({
  listPath: STOCK_LIST_PATH,
  itemSchema: StockLevelSchema,
  applyPage: applyStockLevels,
})

/** stock.updated: the data is the level, applied like a pulled one; older than stored (or refused) → ignored. */
export const onStockUpdated: WebhookHandler = async (data, _event, ctx) => {
  const page = await applyStockLevels([StockLevelSchema.parse(data)], ctx)
  return page.created + page.updated > 0 ? 'processed' : 'ignored'
}
