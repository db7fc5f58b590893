import { Prisma } from '#app/generated/prisma/client.ts'
import { pgPool, prisma, type Db } from '#app/utils/db.server.ts'

/**
 * The stock engine: every change of an InventoryLevel, each with its InventoryLedgerEntry rows in the same statement
 * or transaction (DESIGN.md "Data"; the ledger is append-only and per level sums to onHand and reserved).
 *
 * Reservations (`reserveOrderStock`) are ONE call of the PL/pgSQL function "inventory_reserve_order" (planned once per
 * connection; migrations 20261126150200_inventory_reserve_v3 and …150300_inventory_reserve_v3_same_order): it sums the
 * lines per SKU (Medusa #16502), chooses the locations, and then
 *   - one SKU (the common and the hot case): writes the Reservation and ledger rows first, and LAST the conditional
 *     UPDATE `… SET reserved = reserved + n WHERE id = … AND "onHand" - reserved >= n`, which is the check itself (it
 *     waits for the row lock and re-tests on the latest version); when the units went meanwhile, the rows are rolled
 *     back and the order is refused. The level is locked only from that UPDATE to the commit;
 *   - several SKUs: one statement locks their levels in id order (orders sharing SKUs wait, never deadlock), decides
 *     on the locked rows, then updates all or none and writes the rows only when every level was updated.
 * No row is locked across a round trip to the application; the CHECK `"onHand" - "reserved" >= 0`
 * (InventoryLevel_quantities_check) makes negative availability impossible even for a statement that got it wrong.
 *
 * Location rule (documented in README "Inventory"): only active locations count.
 *   1. If one location can supply every SKU of the order in full, every line reserves there (one parcel); the first
 *      such location by code.
 *   2. Otherwise each SKU reserves at the location with the most units available (ties: location code).
 *   A SKU's units are never split across locations; a SKU no location can supply in full fails the whole order.
 */

export type StockShortage = { variantId: string; sku: string; wanted: number; available: number }

/** Some SKU of the order cannot be reserved: nothing was reserved. */
export class OutOfStockError extends Error {
  override name = 'OutOfStockError'
  constructor(
    readonly orderId: string,
    readonly shortages: StockShortage[],
  ) {
    super(
      `Not enough stock: ${shortages
        .map((s) => `${s.sku} wanted ${s.wanted}, ${s.available === 0 ? 'none' : s.available} available`)
        .join('; ')}`,
    )
  }
}

export type ReservedLine = { orderLineId: string; locationId: string; quantity: number }

type ReserveRow = {
  ok: boolean
  reserved: ReservedLine[]
  wants: { variantId: string; sku: string; wanted: number; available: number | null }[]
}

/**
 * Reserves the order's unreserved units (per line: ordered − cancelled − what its open or committed reservations
 * already hold; lines without a catalogue variant are not stocked) by the location rule above. All lines or none:
 * throws OutOfStockError (per SKU: wanted vs available) and changes nothing. Nothing left to reserve = `reserved: []`.
 * Works in a transaction or on its own (the statement is atomic by itself). Ledger: one `reserve` row per
 * reservation, with the actor (null: the system) and the order.
 */
export async function reserveOrderStock(db: Db | Prisma.TransactionClient, input: { orderId: string; actorId: string | null }): Promise<{ reserved: ReservedLine[] }> {
  // On the process's own client (not in a transaction) the call is a named prepared statement on node-postgres, like
  // the order import's hot path: Prisma's per-call cost was most of a reservation's client CPU (bench/hot-sku.ts).
  const [row] =
    db === prisma
      ? (await pgPool.query<ReserveRow>({ name: 'opsdeck.reserve-order', text: RESERVE_ORDER_TEXT, values: [input.orderId, input.actorId] })).rows
      : await db.$queryRaw<ReserveRow[]>(reserveOrderStockSql(input))
  if (!row) throw new Error('reserveOrderStock: the statement returned nothing')
  if (!row.ok) throw outOfStock(input.orderId, row.wants)
  return { reserved: row.reserved }
}

function outOfStock(orderId: string, rawWants: ReserveRow['wants']) {
  const wants = rawWants.map((w) => ({ variantId: w.variantId, sku: w.sku, wanted: w.wanted, available: Math.max(0, w.available ?? 0) }))
  const short = wants.filter((w) => w.available < w.wanted)
  // Empty only in a race (the chosen level emptied while another location gained stock): name every SKU then.
  return new OutOfStockError(orderId, short.length > 0 ? short : wants)
}

/**
 * The reservation lives in the function "inventory_reserve_order" (migrations 20261126100000_inventory_reserve, _v2,
 * and 20261126150200_inventory_reserve_v3) so that each connection plans it once; calling it is one round trip.
 */
const RESERVE_ORDER_TEXT = 'select o_ok as ok, o_reserved as reserved, o_wants as wants from "inventory_reserve_order"($1::text, $2::text)'

export function reserveOrderStockSql(input: { orderId: string; actorId: string | null }) {
  return Prisma.sql`select o_ok as ok, o_reserved as reserved, o_wants as wants from "inventory_reserve_order"(${input.orderId}, ${input.actorId}::text)`
}

// ─── Release and commit (order cancel, shipment) ────────────────────────────────────────────────────────────────

type Tx = Prisma.TransactionClient

/**
 * Locks the inventory levels of these (variant, location) pairs in id order and returns them by key — the same order
 * reserveOrderStock locks in, so releases, commits and reservations sharing levels wait for each other instead of
 * deadlocking.
 */
async function lockLevels(tx: Tx, pairs: { variantId: string | null; locationId: string }[]) {
  const wanted = pairs.filter((p): p is { variantId: string; locationId: string } => p.variantId !== null)
  const levels = new Map<string, { id: string; onHand: number; reserved: number; lowStockThreshold: number }>()
  if (wanted.length === 0) return levels
  const rows = await tx.$queryRaw<{ id: string; variantId: string; locationId: string; onHand: number; reserved: number; lowStockThreshold: number }[]>`
    select id, "variantId", "locationId", "onHand", reserved, "lowStockThreshold" from "InventoryLevel"
    where ("variantId", "locationId") in (select * from unnest(${wanted.map((p) => p.variantId)}::text[], ${wanted.map((p) => p.locationId)}::text[]))
    order by id for update`
  for (const row of rows) levels.set(levelKey(row.variantId, row.locationId), row)
  return levels
}

const levelKey = (variantId: string, locationId: string) => `${variantId}@${locationId}`

/**
 * Releases the order's open reservations: Reservation → released, the level's reserved −= quantity (never below 0:
 * a level that holds less than the reservation says is released as far as it goes, and the ledger records what was
 * actually applied, so the ledger still sums to the level — the reconciliation job reports such drift), one
 * `release` ledger entry per reservation. Returns the units released. Call with the order row locked.
 */
export async function releaseOrderStock(tx: Tx, input: { orderId: string; actorId: string | null; reason: string }) {
  const open = await tx.$queryRaw<{ id: string; quantity: number; locationId: string; variantId: string | null }[]>`
    select r.id, r.quantity, r."locationId", ol."variantId"
    from "Reservation" r join "OrderLine" ol on ol.id = r."orderLineId"
    where ol."orderId" = ${input.orderId} and r.status = 'open'
    order by r.id for update of r`
  if (open.length === 0) return 0
  await tx.reservation.updateMany({ where: { id: { in: open.map((r) => r.id) } }, data: { status: 'released', version: { increment: 1 } } })
  const levels = await lockLevels(tx, open)
  let released = 0
  for (const reservation of open) {
    released += reservation.quantity
    const level = reservation.variantId ? levels.get(levelKey(reservation.variantId, reservation.locationId)) : undefined
    if (!level) continue
    const delta = Math.min(level.reserved, reservation.quantity)
    if (delta <= 0) continue
    level.reserved -= delta
    await tx.$executeRaw`
      update "InventoryLevel" set reserved = reserved - ${delta}, version = version + 1, "updatedAt" = now() where id = ${level.id}`
    await tx.inventoryLedgerEntry.create({
      data: {
        variantId: reservation.variantId!,
        locationId: reservation.locationId,
        kind: 'release',
        reservedDelta: -delta,
        reason: input.reason,
        actorId: input.actorId,
        orderId: input.orderId,
        reservationId: reservation.id,
      },
      select: { id: true },
    })
  }
  return released
}

/**
 * Units of these order lines have left the warehouse: each line's open reservations are committed oldest first (a
 * reservation larger than what shipped is split: the shipped part committed, the rest stays open), the level's onHand
 * and reserved drop by the committed units (as far as the level holds them), with a `commit` ledger entry each.
 * Returns the units committed. Call with the order row locked.
 */
export async function commitOrderStock(
  tx: Tx,
  input: { orderId: string; actorId: string | null; reason: string; lines: { orderLineId: string; variantId: string | null; quantity: number }[] },
) {
  const open = await tx.$queryRaw<{ id: string; orderLineId: string; quantity: number; locationId: string }[]>`
    select id, "orderLineId", quantity, "locationId" from "Reservation"
    where "orderLineId" = any(${input.lines.map((l) => l.orderLineId)}::text[]) and status = 'open'
    order by "createdAt", id for update`
  const takes: { reservation: (typeof open)[number]; take: number; variantId: string | null }[] = []
  for (const line of input.lines) {
    let left = line.quantity
    for (const reservation of open.filter((r) => r.orderLineId === line.orderLineId)) {
      if (left <= 0) break
      const take = Math.min(left, reservation.quantity)
      left -= take
      takes.push({ reservation, take, variantId: line.variantId })
    }
  }
  const levels = await lockLevels(tx, takes.map((t) => ({ variantId: t.variantId, locationId: t.reservation.locationId })))
  let committed = 0
  for (const { reservation, take, variantId } of takes) {
    let committedId = reservation.id
    if (take === reservation.quantity) {
      await tx.reservation.update({ where: { id: reservation.id }, data: { status: 'committed', version: { increment: 1 } }, select: { id: true } })
    } else {
      await tx.reservation.update({ where: { id: reservation.id }, data: { quantity: { decrement: take }, version: { increment: 1 } }, select: { id: true } })
      const split = await tx.reservation.create({
        data: { orderLineId: reservation.orderLineId, locationId: reservation.locationId, quantity: take, status: 'committed' },
        select: { id: true },
      })
      committedId = split.id
    }
    committed += take
    const level = variantId ? levels.get(levelKey(variantId, reservation.locationId)) : undefined
    if (!level) continue
    // onHand − reserved stays as it was (both drop by the same amount), so the CHECK holds.
    const delta = Math.min(take, level.reserved, level.onHand)
    if (delta <= 0) continue
    level.reserved -= delta
    level.onHand -= delta
    await tx.$executeRaw`
      update "InventoryLevel" set "onHand" = "onHand" - ${delta}, reserved = reserved - ${delta}, version = version + 1, "updatedAt" = now()
      where id = ${level.id}`
    await tx.inventoryLedgerEntry.create({
      data: {
        variantId: variantId!,
        locationId: reservation.locationId,
        kind: 'commit',
        onHandDelta: -delta,
        reservedDelta: -delta,
        reason: input.reason,
        actorId: input.actorId,
        orderId: input.orderId,
        reservationId: committedId,
      },
      select: { id: true },
    })
  }
  return committed
}

// ─── Restock from a return ──────────────────────────────────────────────────────────────────────────────────────

/** Input a person (or the returns desk) gave that cannot be applied; `field` names the form field. */
export class InventoryInputError extends Error {
  override name = 'InventoryInputError'
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

import { MAX_STOCK_QUANTITY } from './inventory-rules.ts'

export { MAX_STOCK_QUANTITY }

export function requireQuantity(quantity: number, field = 'quantity', min = 1) {
  if (!Number.isInteger(quantity) || quantity < min || quantity > MAX_STOCK_QUANTITY) {
    throw new InventoryInputError(`Enter a whole number from ${min} to ${MAX_STOCK_QUANTITY.toLocaleString('en-GB')}`, field)
  }
}

/**
 * Returned units go back on the shelf: onHand += quantity at the location (the level is created when the SKU was
 * never stocked there), one `restock` ledger entry with the return, the order and who received it. One statement.
 */
export async function restockReturnedUnits(
  tx: Prisma.TransactionClient,
  input: { variantId: string; locationId: string; quantity: number; returnId: string; orderId: string; actorId: string | null; reason?: string },
): Promise<void> {
  requireQuantity(input.quantity)
  const [target] = await tx.$queryRaw<{ variant: boolean; active: boolean | null }[]>`
    select exists(select 1 from "ProductVariant" where id = ${input.variantId}) as variant,
           (select "isActive" from "Location" where id = ${input.locationId}) as active`
  if (!target?.variant) throw new InventoryInputError('That SKU is not in the catalogue', 'variantId')
  if (target.active === null) throw new InventoryInputError('That location does not exist', 'locationId')
  if (!target.active) throw new InventoryInputError('That location is closed — restock to an active location', 'locationId')
  const reason = input.reason?.trim() || 'Returned item restocked'
  await tx.$queryRaw`
    WITH lvl AS (
      INSERT INTO "InventoryLevel" (id, "variantId", "locationId", "onHand", "updatedAt")
      VALUES ('c' || replace(gen_random_uuid()::text, '-', ''), ${input.variantId}, ${input.locationId}, ${input.quantity}, now())
      ON CONFLICT ("variantId", "locationId") DO UPDATE
        SET "onHand" = "InventoryLevel"."onHand" + EXCLUDED."onHand", version = "InventoryLevel".version + 1, "updatedAt" = now()
      RETURNING id
    ), led AS (
      INSERT INTO "InventoryLedgerEntry" ("variantId", "locationId", kind, "onHandDelta", reason, "actorId", "orderId", "returnId")
      VALUES (${input.variantId}, ${input.locationId}, 'restock'::"InventoryLedgerKind", ${input.quantity}, ${reason},
              ${input.actorId}::text, ${input.orderId}, ${input.returnId})
      RETURNING id
    )
    SELECT (SELECT id FROM lvl) AS "levelId", (SELECT id FROM led) AS "entryId"`
}

// ─── Orders from a sales channel ────────────────────────────────────────────────────────────────────────────────

/**
 * One SQL statement in the caller's transaction, on whichever client runs it: a node-postgres client inside BEGIN …
 * COMMIT (`name` makes it a prepared statement, planned once per connection: the import's hot path) or a Prisma
 * transaction (`name` unused). app/models/order-import.server.ts provides both.
 */
export type RunSql = <Row>(statement: { name: string; text: string; values: unknown[] }) => Promise<Row[]>

export type ImportedOrderStock = 'reserved' | 'released' | 'short'

/**
 * Reservations for orders the sales channel just wrote, in the SAME transaction as the write (the import's), so an
 * accepted order is never committed without them (a crash rolls back both; a retry imports it again): the orders
 * that arrive accepted (stored status confirmed / processing — the import keeps a person's progress over the
 * channel's "open") reserve what they do not hold yet, like confirmOrder, each all or nothing by
 * "inventory_reserve_order"; the batch is ONE round trip ("inventory_reserve_orders": earliest placed first, and a
 * batch of several orders locks its levels in id order first, so concurrent imports never deadlock).
 * The channel's order cannot be refused for lack of stock: it stays unreserved, and an audit entry on the order (its
 * timeline), written in the same transaction, names each SKU short — the next import or a person's stock change and
 * re-import reserves it. Idempotent: nothing to reserve = no write. Returns only the orders whose stock it touched.
 */
export async function reserveImportedOrders(sql: RunSql, orderIds: string[]): Promise<Map<string, ImportedOrderStock>> {
  const outcomes = new Map<string, ImportedOrderStock>()
  if (orderIds.length === 0) return outcomes
  const rows = await sql<{ orderId: string } & ReserveRow>({ name: 'opsdeck.reserve-imported-orders', text: RESERVE_ORDERS_TEXT, values: [orderIds, null] })
  const shortages: { entityId: string; after: Prisma.InputJsonValue }[] = []
  for (const row of rows) {
    if (row.ok) {
      if (row.reserved.length > 0) outcomes.set(row.orderId, 'reserved')
      continue
    }
    const error = outOfStock(row.orderId, row.wants)
    shortages.push({ entityId: row.orderId, after: { reserved: false, reason: error.message, shortages: error.shortages } })
    outcomes.set(row.orderId, 'short')
  }
  // The same entry recordAudit writes (app/models/audit.server.ts), for all of the batch's short orders at once.
  if (shortages.length > 0) await sql({ name: 'opsdeck.audit-import-shortages', text: AUDIT_SHORTAGES_TEXT, values: [JSON.stringify(shortages)] })
  return outcomes
}

const RESERVE_ORDERS_TEXT =
  'select o_order_id as "orderId", o_ok as ok, o_reserved as reserved, o_wants as wants from "inventory_reserve_orders"($1::text[], $2::text)'

const AUDIT_SHORTAGES_TEXT = `
INSERT INTO "AuditLog" ("actorId", "action", "entityType", "entityId", "after")
SELECT NULL, 'reserve:order', 'order', a."entityId", a."after" FROM jsonb_to_recordset($1::jsonb) AS a("entityId" text, "after" jsonb)`

/**
 * Stock for orders the channel wrote or changed (the import's general path, in its Prisma transaction): the accepted
 * ones reserve (reserveImportedOrders), the ones the channel cancelled release their reservations.
 */
export async function applyImportedOrdersStock(tx: Tx, orderIds: string[]): Promise<Map<string, ImportedOrderStock>> {
  const outcomes = await reserveImportedOrders((statement) => tx.$queryRawUnsafe(statement.text, ...statement.values), orderIds)
  if (orderIds.length === 0) return outcomes
  // The order rows are locked already (the import wrote them in this transaction).
  const cancelled = await tx.$queryRaw<{ id: string; number: string }[]>`
    select o.id, o.number from "Order" o
    where o.id = any(${orderIds}::text[]) and o.status = 'cancelled'
      and exists (select 1 from "OrderLine" ol join "Reservation" r on r."orderLineId" = ol.id where ol."orderId" = o.id and r.status = 'open')
    order by o.id`
  for (const order of cancelled) {
    const released = await releaseOrderStock(tx, { orderId: order.id, actorId: null, reason: `Order ${order.number} cancelled by the sales channel` })
    if (released > 0) outcomes.set(order.id, 'released')
  }
  return outcomes
}
