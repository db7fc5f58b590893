import type { Prisma } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'

/**
 * Reconciliation (issue 5; Medusa #12401: reserved went negative and nothing repaired it). Recomputes every level's
 * `reserved` from its open reservations; a level that disagrees is repaired (reserved set to the open reservations,
 * with a `reserve`/`release` ledger row of the difference, reason "reconciliation …") unless the open reservations
 * exceed what is on hand (the CHECK forbids it: reported for a person). Levels whose onHand/reserved differ from their
 * ledger sums are reported, not changed. Each run is an InventoryReconciliation row, shown on /inventory.
 *
 * Safe next to live traffic: each repair locks its level first and only then, in a new statement (a new snapshot),
 * sums the open reservations. Every stock change moves a level's reservations and the level in one transaction
 * holding the level's lock, so after the lock the committed reservations and the level agree unless they really drift.
 */

export const RECONCILE_DETAILS_MAX = 100

export type ReconcileDetail = {
  levelId: string | null
  sku: string
  location: string
  reserved: number | null
  expected: number
  onHand: number | null
  repaired: boolean
  why: string
}

export async function reconcileInventory(options: { repair?: boolean } = {}) {
  const repair = options.repair ?? true
  const run = await prisma.inventoryReconciliation.create({ data: {}, select: { id: true, startedAt: true } })
  try {
    const [{ levels }] = (await prisma.$queryRaw<{ levels: number }[]>`select count(*)::int as levels from "InventoryLevel"`) as [{ levels: number }]
    const suspects = await prisma.$queryRaw<{ levelId: string | null; variantId: string; locationId: string; sku: string; location: string; reserved: number | null; onHand: number | null; expected: number }[]>`
      with open as (
        select r."locationId", ol."variantId", sum(r.quantity)::int as qty
        from "Reservation" r join "OrderLine" ol on ol.id = r."orderLineId"
        where r.status = 'open' and ol."variantId" is not null
        group by r."locationId", ol."variantId"
      )
      select l.id as "levelId", coalesce(l."variantId", o."variantId") as "variantId", coalesce(l."locationId", o."locationId") as "locationId",
             v.sku, loc.code as location, l.reserved, l."onHand", coalesce(o.qty, 0) as expected
      from "InventoryLevel" l
      full join open o on o."variantId" = l."variantId" and o."locationId" = l."locationId"
      join "ProductVariant" v on v.id = coalesce(l."variantId", o."variantId")
      join "Location" loc on loc.id = coalesce(l."locationId", o."locationId")
      where l.id is null or l.reserved <> coalesce(o.qty, 0)
      order by v.sku, loc.code`

    const details: ReconcileDetail[] = []
    let repaired = 0
    for (const suspect of suspects) {
      if (!suspect.levelId) {
        details.push({ ...suspect, repaired: false, why: `${suspect.expected} reserved by open reservations at a location with no stock level` })
        continue
      }
      const outcome = repair ? await repairLevel(suspect.levelId, run.id) : null
      if (outcome === 'agrees') continue // it was a change in flight, not drift
      const fixed = outcome !== null && outcome.kind === 'repaired'
      if (fixed) repaired++
      details.push({
        ...suspect,
        repaired: fixed,
        why:
          outcome?.kind === 'unrepairable'
            ? `open reservations (${outcome.expected}) exceed on hand (${outcome.onHand}) — sort out the orders or count the stock`
            : `reserved ${suspect.reserved} but open reservations hold ${outcome?.kind === 'repaired' ? outcome.expected : suspect.expected}`,
      })
    }

    const [{ ledgerDrifted }] = (await prisma.$queryRaw<{ ledgerDrifted: number }[]>`
      select count(*)::int as "ledgerDrifted" from "InventoryLevel" l
      left join (select "variantId", "locationId", sum("onHandDelta") as on_hand, sum("reservedDelta") as reserved
                 from "InventoryLedgerEntry" group by 1, 2) e on e."variantId" = l."variantId" and e."locationId" = l."locationId"
      where l."onHand" <> coalesce(e.on_hand, 0) or l.reserved <> coalesce(e.reserved, 0)`) as [{ ledgerDrifted: number }]

    return await prisma.inventoryReconciliation.update({
      where: { id: run.id },
      data: {
        finishedAt: new Date(),
        levelsChecked: levels,
        drifted: details.length,
        repaired,
        ledgerDrifted,
        details: details.slice(0, RECONCILE_DETAILS_MAX) as unknown as Prisma.InputJsonValue,
      },
      select: RUN_SELECT,
    })
  } catch (error) {
    await prisma.inventoryReconciliation.update({ where: { id: run.id }, data: { finishedAt: new Date(), error: (error as Error).message.slice(0, 1000) } })
    throw error
  }
}

type RepairOutcome = 'agrees' | { kind: 'repaired'; expected: number } | { kind: 'unrepairable'; expected: number; onHand: number }

async function repairLevel(levelId: string, runId: string): Promise<RepairOutcome> {
  return prisma.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ variantId: string; locationId: string }[]>`
      select "variantId", "locationId" from "InventoryLevel" where id = ${levelId} for update`
    if (!locked) return 'agrees'
    // A new statement after the lock: sees every reservation change committed before it.
    const [row] = await tx.$queryRaw<{ before: number; onHand: number; expected: number }[]>`
      select l.reserved as before, l."onHand",
             (select coalesce(sum(r.quantity), 0)::int from "Reservation" r join "OrderLine" ol on ol.id = r."orderLineId"
              where r.status = 'open' and r."locationId" = l."locationId" and ol."variantId" = l."variantId") as expected
      from "InventoryLevel" l where l.id = ${levelId}`
    if (!row || row.before === row.expected) return 'agrees'
    if (row.expected > row.onHand) return { kind: 'unrepairable', expected: row.expected, onHand: row.onHand }
    await tx.$executeRaw`
      update "InventoryLevel" set reserved = ${row.expected}, version = version + 1, "updatedAt" = now() where id = ${levelId}`
    const delta = row.expected - row.before
    await tx.inventoryLedgerEntry.create({
      data: {
        variantId: locked.variantId,
        locationId: locked.locationId,
        kind: delta > 0 ? 'reserve' : 'release',
        reservedDelta: delta,
        reason: `reconciliation ${runId}: reserved was ${row.before}, open reservations hold ${row.expected}`,
      },
      select: { id: true },
    })
    return { kind: 'repaired', expected: row.expected }
  })
}

const RUN_SELECT = {
  id: true,
  startedAt: true,
  finishedAt: true,
  levelsChecked: true,
  drifted: true,
  repaired: true,
  ledgerDrifted: true,
  details: true,
  error: true,
} as const

/** The latest runs, newest first (the /inventory reconciliation panel). */
export async function listReconciliations(limit = 5) {
  const runs = await prisma.inventoryReconciliation.findMany({ orderBy: { startedAt: 'desc' }, take: limit, select: RUN_SELECT })
  return runs.map((run) => ({ ...run, details: run.details as unknown as ReconcileDetail[] }))
}
