import { UnrecoverableError } from 'bullmq'
import { getLedgerEntryForWarehouse } from '#app/models/inventory.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { EffectHandler } from '../shared/connector.ts'
import { postAdjustment } from './client.ts'
import { AdjustPayloadSchema } from './schemas.ts'

/**
 * warehouse.adjust { ledgerEntryId }: pushes one OpsDeck stock change (an adjustment, a restock, …) to the
 * warehouse as `delta = onHandDelta`, `reference = ledger entry id`. The body comes from the append-only ledger row,
 * so a retry sends the same body and the warehouse replays its first answer. The warehouse's resulting figure comes
 * back through stock.updated / the next pull and then matches OpsDeck's (no second ledger entry).
 */
export const adjust: EffectHandler = async (payload, ctx) => {
  const { ledgerEntryId } = AdjustPayloadSchema.parse(payload)
  const entry = await getLedgerEntryForWarehouse(prisma, ledgerEntryId)
  if (!entry) throw new UnrecoverableError(`ledger entry ${ledgerEntryId} not found`)
  ctx.link('sku', entry.variant.sku)
  if (entry.kind === 'sync') {
    // A sync entry is the warehouse's own figure arriving: pushing it back would count the movement twice.
    throw new UnrecoverableError(`ledger entry ${entry.id} is a warehouse sync; it is never pushed back`)
  }
  if (entry.onHandDelta === 0) {
    ctx.summarize(`ledger entry ${entry.id} (${entry.kind}) does not change on-hand stock; nothing to push`)
    return
  }
  const adjustment = await postAdjustment(
    ctx.client,
    { sku: entry.variant.sku, location: entry.location.code, delta: entry.onHandDelta, reference: String(entry.id), reason: entry.reason },
    ctx.idempotencyKey,
  )
  ctx.summarize(
    `${entry.variant.sku}@${entry.location.code} ${entry.onHandDelta > 0 ? '+' : ''}${entry.onHandDelta} (${entry.kind}, ledger ${entry.id}): ` +
      `warehouse now ${adjustment.on_hand} on hand (${adjustment.id})`,
  )
}
