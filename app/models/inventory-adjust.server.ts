import { prisma, type Db, type Prisma } from '#app/utils/db.server.ts'
import { hasPermission, type Role } from '#app/utils/permissions.ts'
import { recordAudit } from './audit.server.ts'
import { InventoryInputError, requireQuantity } from './inventory-stock.server.ts'
import { ADJUST_REASONS, STOCK_NOTE_MAX_LENGTH, type AdjustReason } from './inventory-rules.ts'

/**
 * What operations staff do to stock by hand: adjustments (damage, loss, found), transfers between locations and
 * stock counts. Each is one transaction: one statement that locks the level(s), checks the version the person saw
 * and the quantities, and writes (no read-then-write round trip while a level is locked) → ledger rows (adjust /
 * transfer_out + transfer_in, with who and why) → one audit entry (before/after). Versions work like orders': a stale page is refused (StaleLevelError).
 */

export type StockActor = { id: string; role: Role }
export type StockCtx = { actor: StockActor; requestId?: string | null }


/** The level changed since the person loaded it. */
export class StaleLevelError extends Error {
  override name = 'StaleLevelError'
  constructor() {
    super('This stock changed since you opened the page (an order, a transfer or someone else) — check the new figures and try again')
  }
}

export class InventoryNotFoundError extends Error {
  override name = 'InventoryNotFoundError'
  constructor(what = 'Stock level') {
    super(`${what} not found`)
  }
}

export class InventoryForbiddenError extends Error {
  override name = 'InventoryForbiddenError'
  constructor() {
    super('Your role can read stock but not change it')
  }
}

type LevelRow = { id: string; variantId: string; locationId: string; onHand: number; reserved: number; version: number; sku: string; locationCode: string }

function requireActor(ctx: StockCtx) {
  if (!hasPermission(ctx.actor.role, 'update:inventory')) throw new InventoryForbiddenError()
}

function cleanNote(note: string | undefined | null, required: boolean) {
  const text = (note ?? '').trim()
  if (required && !text) throw new InventoryInputError('Say what happened (a few words for the ledger)', 'note')
  if (text.length > STOCK_NOTE_MAX_LENGTH) throw new InventoryInputError(`Keep the note under ${STOCK_NOTE_MAX_LENGTH} characters (this one has ${text.length})`, 'note')
  return text || null
}

function requireVersion(version: number) {
  if (!Number.isInteger(version) || version < 1) throw new InventoryInputError('The form is missing the stock version — reload the page', 'version')
}

/**
 * Moves one level's onHand by `delta` when its version is still `expectedVersion` and what is reserved stays covered
 * (`onHand + delta >= reserved`), or sets it to `setTo` (a count). One statement; returns the row before and after, or
 * explains the refusal.
 */
async function moveOnHand(tx: Prisma.TransactionClient, levelId: string, expectedVersion: number, change: { delta: number } | { setTo: number }) {
  const delta = 'delta' in change ? change.delta : null
  const setTo = 'setTo' in change ? change.setTo : null
  const [row] = await tx.$queryRaw<(LevelRow & { after: { onHand: number; reserved: number; version: number } | null })[]>`
    WITH old AS (
      SELECT l.id, l."variantId", l."locationId", l."onHand", l.reserved, l.version, v.sku, loc.code AS "locationCode"
      FROM "InventoryLevel" l JOIN "ProductVariant" v ON v.id = l."variantId" JOIN "Location" loc ON loc.id = l."locationId"
      WHERE l.id = ${levelId} FOR UPDATE OF l
    ), upd AS (
      UPDATE "InventoryLevel" l
      SET "onHand" = coalesce(${setTo}::int, l."onHand" + ${delta}::int), version = l.version + 1, "updatedAt" = now()
      FROM old
      WHERE l.id = old.id AND old.version = ${expectedVersion} AND coalesce(${setTo}::int, old."onHand" + ${delta}::int) >= old.reserved
      RETURNING l."onHand", l.reserved, l.version
    )
    SELECT old.*, (SELECT row_to_json(upd) FROM upd) AS after FROM old`
  if (!row) throw new InventoryNotFoundError()
  if (!row.after) {
    if (row.version !== expectedVersion) throw new StaleLevelError()
    const target = setTo ?? row.onHand + delta!
    throw new InventoryInputError(
      setTo !== null
        ? `${row.reserved} ${row.reserved === 1 ? 'unit is' : 'units are'} reserved for orders here — a count below that needs those orders sorted out first`
        : `Only ${Math.max(0, row.onHand - row.reserved)} can be removed: ${row.onHand} on hand, ${row.reserved} reserved for orders — you asked to remove ${-delta!}`,
      setTo !== null ? 'counted' : 'quantity',
    )
  }
  return { before: row, after: row.after }
}

/** Damage, loss (remove units) or found (add units) at one level, with a note. */
export async function adjustStock(
  input: { levelId: string; reason: AdjustReason; quantity: number; note?: string | null; expectedVersion: number },
  ctx: StockCtx,
) {
  requireActor(ctx)
  if (!ADJUST_REASONS.includes(input.reason)) throw new InventoryInputError('Choose why the stock changed', 'reason')
  requireQuantity(input.quantity)
  requireVersion(input.expectedVersion)
  const note = cleanNote(input.note, input.reason !== 'found')
  const delta = input.reason === 'found' ? input.quantity : -input.quantity
  return prisma.$transaction(async (tx) => {
    const { before, after } = await moveOnHand(tx, input.levelId, input.expectedVersion, { delta })
    const reason = `${input.reason}${note ? `: ${note}` : ''}`
    await tx.inventoryLedgerEntry.create({
      data: { variantId: before.variantId, locationId: before.locationId, kind: 'adjust', onHandDelta: delta, reason, actorId: ctx.actor.id },
      select: { id: true },
    })
    await recordAudit(tx, {
      actorId: ctx.actor.id,
      action: 'adjust:inventory',
      entityType: 'inventory_level',
      entityId: before.id,
      before: { sku: before.sku, location: before.locationCode, onHand: before.onHand, reserved: before.reserved, version: before.version },
      after: { onHand: after.onHand, reserved: after.reserved, version: after.version, reason: input.reason, note, delta },
      requestId: ctx.requestId ?? null,
    })
    return { levelId: before.id, onHand: after.onHand, reserved: after.reserved, version: after.version, delta }
  })
}

/**
 * A stock count: the person entered what is on the shelf (they saw `expectedVersion`); onHand becomes the count, the
 * difference goes to the ledger as an adjustment with reason `count`. A count equal to the stored figure writes no
 * ledger row but is audited (the shelf was checked). A count below what is reserved is refused.
 */
export async function confirmStockCount(input: { levelId: string; counted: number; note?: string | null; expectedVersion: number }, ctx: StockCtx) {
  requireActor(ctx)
  requireQuantity(input.counted, 'counted', 0)
  requireVersion(input.expectedVersion)
  const note = cleanNote(input.note, false)
  return prisma.$transaction(async (tx) => {
    const { before, after } = await moveOnHand(tx, input.levelId, input.expectedVersion, { setTo: input.counted })
    const delta = after.onHand - before.onHand
    if (delta !== 0) {
      await tx.inventoryLedgerEntry.create({
        data: {
          variantId: before.variantId,
          locationId: before.locationId,
          kind: 'adjust',
          onHandDelta: delta,
          reason: `count: ${input.counted} counted, ${before.onHand} recorded${note ? ` — ${note}` : ''}`,
          actorId: ctx.actor.id,
        },
        select: { id: true },
      })
    }
    await recordAudit(tx, {
      actorId: ctx.actor.id,
      action: 'count:inventory',
      entityType: 'inventory_level',
      entityId: before.id,
      before: { sku: before.sku, location: before.locationCode, onHand: before.onHand, reserved: before.reserved, version: before.version },
      after: { onHand: after.onHand, version: after.version, counted: input.counted, difference: delta, note },
      requestId: ctx.requestId ?? null,
    })
    return { levelId: before.id, onHand: after.onHand, version: after.version, difference: delta }
  })
}

/**
 * Moves units of a SKU from one location to another (the destination level is created if needed). Only units not
 * reserved can leave. One statement locks both levels in id order (two opposite transfers wait, never deadlock),
 * checks the source's version and availability, and moves the units; ledger `transfer_out` + `transfer_in`.
 */
export async function transferStock(
  input: { levelId: string; toLocationId: string; quantity: number; note?: string | null; expectedVersion: number },
  ctx: StockCtx,
) {
  requireActor(ctx)
  requireQuantity(input.quantity)
  requireVersion(input.expectedVersion)
  const note = cleanNote(input.note, false)
  return prisma.$transaction(async (tx) => {
    const source = await tx.inventoryLevel.findUnique({ where: { id: input.levelId }, select: { variantId: true, locationId: true } })
    if (!source) throw new InventoryNotFoundError()
    if (source.locationId === input.toLocationId) throw new InventoryInputError('Choose a different location to move the stock to', 'toLocationId')
    const destination = await tx.location.findUnique({ where: { id: input.toLocationId }, select: { isActive: true } })
    if (!destination) throw new InventoryInputError('Choose a location to move the stock to', 'toLocationId')
    if (!destination.isActive) throw new InventoryInputError('That location is closed', 'toLocationId')
    await tx.$executeRaw`
      insert into "InventoryLevel" (id, "variantId", "locationId", "updatedAt")
      values ('c' || replace(gen_random_uuid()::text, '-', ''), ${source.variantId}, ${input.toLocationId}, now())
      on conflict ("variantId", "locationId") do nothing`
    const [row] = await tx.$queryRaw<
      { fromId: string; fromOnHand: number; fromReserved: number; fromVersion: number; toId: string; toOnHand: number; sku: string; fromCode: string; toCode: string; moved: boolean }[]
    >`
      WITH locked AS (
        SELECT l.id, l."locationId", l."onHand", l.reserved, l.version FROM "InventoryLevel" l
        WHERE l."variantId" = ${source.variantId} AND l."locationId" IN (${source.locationId}, ${input.toLocationId})
        ORDER BY l.id FOR UPDATE
      ), ok AS (
        SELECT (SELECT version FROM locked WHERE "locationId" = ${source.locationId}) = ${input.expectedVersion}
           AND (SELECT "onHand" - reserved FROM locked WHERE "locationId" = ${source.locationId}) >= ${input.quantity} AS go
      ), upd AS (
        UPDATE "InventoryLevel" l
        SET "onHand" = l."onHand" + CASE WHEN l."locationId" = ${source.locationId} THEN -${input.quantity}::int ELSE ${input.quantity}::int END,
            version = l.version + 1, "updatedAt" = now()
        FROM locked k WHERE l.id = k.id AND (SELECT go FROM ok)
        RETURNING l.id
      )
      SELECT f.id AS "fromId", f."onHand" AS "fromOnHand", f.reserved AS "fromReserved", f.version AS "fromVersion",
             t.id AS "toId", t."onHand" AS "toOnHand", v.sku, fl.code AS "fromCode", tl.code AS "toCode",
             (SELECT count(*) FROM upd) = 2 AS moved
      FROM locked f JOIN locked t ON f."locationId" = ${source.locationId} AND t."locationId" = ${input.toLocationId}
      JOIN "ProductVariant" v ON v.id = ${source.variantId}
      JOIN "Location" fl ON fl.id = f."locationId" JOIN "Location" tl ON tl.id = t."locationId"`
    if (!row) throw new InventoryNotFoundError()
    if (!row.moved) {
      if (row.fromVersion !== input.expectedVersion) throw new StaleLevelError()
      const free = Math.max(0, row.fromOnHand - row.fromReserved)
      throw new InventoryInputError(`Only ${free} can move: ${row.fromOnHand} on hand, ${row.fromReserved} reserved for orders`, 'quantity')
    }
    const reason = `transfer ${row.fromCode} → ${row.toCode}${note ? `: ${note}` : ''}`
    await tx.inventoryLedgerEntry.createMany({
      data: [
        { variantId: source.variantId, locationId: source.locationId, kind: 'transfer_out', onHandDelta: -input.quantity, reason, actorId: ctx.actor.id },
        { variantId: source.variantId, locationId: input.toLocationId, kind: 'transfer_in', onHandDelta: input.quantity, reason, actorId: ctx.actor.id },
      ],
    })
    await recordAudit(tx, {
      actorId: ctx.actor.id,
      action: 'transfer:inventory',
      entityType: 'inventory_level',
      entityId: row.fromId,
      before: { sku: row.sku, from: row.fromCode, to: row.toCode, fromOnHand: row.fromOnHand, toOnHand: row.toOnHand, version: row.fromVersion },
      after: { fromOnHand: row.fromOnHand - input.quantity, toOnHand: row.toOnHand + input.quantity, quantity: input.quantity, note, toLevelId: row.toId },
      requestId: ctx.requestId ?? null,
    })
    return { fromLevelId: row.fromId, toLevelId: row.toId, quantity: input.quantity }
  })
}

/** Sets a level's low-stock threshold (audited, version-checked). */
export async function setLowStockThreshold(input: { levelId: string; threshold: number; expectedVersion: number }, ctx: StockCtx) {
  requireActor(ctx)
  requireQuantity(input.threshold, 'threshold', 0)
  requireVersion(input.expectedVersion)
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ id: string; old: number; version: number; updated: boolean }[]>`
      WITH old AS (SELECT id, "lowStockThreshold", version FROM "InventoryLevel" WHERE id = ${input.levelId} FOR UPDATE),
      upd AS (
        UPDATE "InventoryLevel" l SET "lowStockThreshold" = ${input.threshold}, version = l.version + 1, "updatedAt" = now()
        FROM old WHERE l.id = old.id AND old.version = ${input.expectedVersion} RETURNING l.id
      )
      SELECT old.id, old."lowStockThreshold" AS old, old.version, exists(SELECT 1 FROM upd) AS updated FROM old`
    if (!row) throw new InventoryNotFoundError()
    if (!row.updated) throw new StaleLevelError()
    await recordAudit(tx, {
      actorId: ctx.actor.id,
      action: 'update:inventory.threshold',
      entityType: 'inventory_level',
      entityId: row.id,
      before: { lowStockThreshold: row.old, version: row.version },
      after: { lowStockThreshold: input.threshold, version: row.version + 1 },
      requestId: ctx.requestId ?? null,
    })
    return { levelId: row.id, version: row.version + 1 }
  })
}
