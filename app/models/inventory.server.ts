import type { Db, Prisma } from '#app/utils/db.server.ts'
import type { ApplyOutcome } from './payment.server.ts'

/**
 * Stock levels. Inventory is a ledger (DESIGN.md "Data"): every change of a level writes an InventoryLedgerEntry in
 * the same transaction, with the deltas it applied, and `available = onHand - reserved` never goes below zero (a
 * CHECK plus conditional updates).
 */

/** One warehouse figure: the on-hand count of a SKU at a location, as of the warehouse's `updated_at`. */
export type WarehouseStockInput = {
  sku: string
  locationCode: string
  onHand: number
  externalUpdatedAt: Date
}

export type ApplyStockResult = {
  outcome: ApplyOutcome
  reason?: string
  levelId?: string
  variantId?: string
  /** onHand after minus before (0 when nothing changed). */
  delta: number
}

/**
 * Sets a level's onHand to the warehouse's figure, with one `sync` ledger entry of the difference (none when equal),
 * ignoring a figure older than the stored one. A figure below what is reserved would make available stock negative:
 * it is skipped (not stored) and reported, so a person can sort out the reservations. Call inside a transaction.
 */
export async function applyWarehouseStock(tx: Prisma.TransactionClient, input: WarehouseStockInput): Promise<ApplyStockResult> {
  const [target] = await tx.$queryRaw<{ variantId: string | null; locationId: string | null }[]>`
    select (select id from "ProductVariant" where sku = ${input.sku}) as "variantId",
           (select id from "Location" where code = ${input.locationCode}) as "locationId"`
  if (!target?.variantId) return { outcome: 'skipped', reason: `unknown SKU ${input.sku}`, delta: 0 }
  if (!target.locationId) return { outcome: 'skipped', reason: `unknown location ${input.locationCode}`, delta: 0, variantId: target.variantId }
  const { variantId, locationId } = target

  // A level the warehouse knows and OpsDeck does not yet: start it at zero, so the figure arrives as one sync entry.
  const inserted = await tx.inventoryLevel.createMany({ data: [{ variantId, locationId, onHand: 0, reserved: 0 }], skipDuplicates: true })
  // Locked until the transaction ends, so the ledger entry's delta is exactly what this update changed.
  const [level] = await tx.$queryRaw<{ id: string; onHand: number; reserved: number; externalUpdatedAt: Date | null }[]>`
    select id, "onHand", reserved, "externalUpdatedAt" from "InventoryLevel"
    where "variantId" = ${variantId} and "locationId" = ${locationId} for update`
  const base = { levelId: level!.id, variantId }
  if (level!.externalUpdatedAt && level!.externalUpdatedAt.getTime() >= input.externalUpdatedAt.getTime()) {
    const same = level!.externalUpdatedAt.getTime() === input.externalUpdatedAt.getTime()
    return { outcome: same ? 'unchanged' : 'stale', delta: 0, ...base }
  }

  // Single conditional statement: never below what is reserved, never over a newer figure.
  const updated = await tx.$executeRaw`
    update "InventoryLevel"
    set "onHand" = ${input.onHand}, "externalUpdatedAt" = ${input.externalUpdatedAt}, "updatedAt" = now(),
        version = version + case when "onHand" = ${input.onHand} then 0 else 1 end
    where id = ${level!.id} and reserved <= ${input.onHand}
      and ("externalUpdatedAt" is null or "externalUpdatedAt" < ${input.externalUpdatedAt})`
  if (updated === 0) {
    return {
      outcome: 'skipped',
      reason: `${input.sku} at ${input.locationCode}: the warehouse counts ${input.onHand} on hand but ${level!.reserved} are reserved`,
      delta: 0,
      ...base,
    }
  }
  const delta = input.onHand - level!.onHand
  if (delta !== 0) {
    await tx.inventoryLedgerEntry.create({
      data: {
        variantId,
        locationId,
        kind: 'sync',
        onHandDelta: delta,
        reason: `warehouse count ${input.onHand} (was ${level!.onHand})`,
      },
      select: { id: true },
    })
  }
  return { outcome: inserted.count === 1 ? 'created' : delta === 0 ? 'unchanged' : 'updated', delta, ...base }
}

/** A ledger entry to push to the warehouse (the `warehouse.adjust` effect). */
export async function getLedgerEntryForWarehouse(db: Db, ledgerEntryId: bigint) {
  return db.inventoryLedgerEntry.findUnique({
    where: { id: ledgerEntryId },
    select: {
      id: true,
      kind: true,
      onHandDelta: true,
      reason: true,
      variant: { select: { id: true, sku: true } },
      location: { select: { id: true, code: true } },
    },
  })
}

export {
  commitOrderStock,
  InventoryInputError,
  OutOfStockError,
  releaseOrderStock,
  reserveOrderStock,
  restockReturnedUnits,
  type ReservedLine,
  type StockShortage,
} from './inventory-stock.server.ts'
