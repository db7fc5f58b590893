import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder, createStockedVariant } from '#test/factories/index.ts'
import { listReconciliations, reconcileInventory } from './inventory-reconcile.server.ts'
import { reserveOrderStock } from './inventory-stock.server.ts'

test('reconciliation recomputes reserved from open reservations, repairs drift with a ledger row, reports what it cannot fix', async () => {
  const a = await createStockedVariant(prisma, { stock: [{ onHand: 10 }] })
  const b = await createStockedVariant(prisma, { stock: [{ onHand: 3 }] })
  const item = (s: typeof a) => ({ variantId: s.variant.id, sku: s.variant.sku, title: 'Item', unitPriceAmount: 100 })
  const order = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', items: [item(a), item(b)], quantities: [4, 2] })
  await reserveOrderStock(prisma, { orderId: order.order.id, actorId: null })

  // A consistent store: nothing to do.
  const clean = await reconcileInventory()
  expect(clean).toMatchObject({ drifted: 0, repaired: 0, ledgerDrifted: 0, error: null })

  // Medusa #12401-style drift: something wrote reserved behind the model's back (no ledger row).
  await prisma.$executeRaw`update "InventoryLevel" set reserved = 1 where id = ${a.levels[0]!.id}`
  // And a level whose open reservations exceed what is on hand (onHand counted down behind the model's back).
  await prisma.$executeRaw`update "InventoryLevel" set "onHand" = 1, reserved = 0 where id = ${b.levels[0]!.id}`

  const run = await reconcileInventory()
  expect(run).toMatchObject({ drifted: 2, repaired: 1 })
  expect(run.ledgerDrifted).toBe(2)
  const details = run.details as { sku: string; repaired: boolean; why: string }[]
  expect(details.find((d) => d.sku === a.variant.sku)).toMatchObject({ repaired: true, why: 'reserved 1 but open reservations hold 4' })
  expect(details.find((d) => d.sku === b.variant.sku)).toMatchObject({ repaired: false })
  expect(details.find((d) => d.sku === b.variant.sku)!.why).toBe('open reservations (2) exceed on hand (1) — sort out the orders or count the stock')

  expect(await prisma.inventoryLevel.findUniqueOrThrow({ where: { id: a.levels[0]!.id }, select: { onHand: true, reserved: true } })).toEqual({ onHand: 10, reserved: 4 })
  const repairRow = await prisma.inventoryLedgerEntry.findFirstOrThrow({ where: { variantId: a.variant.id, reason: { startsWith: 'reconciliation' } } })
  expect(repairRow).toMatchObject({ kind: 'reserve', reservedDelta: 3, onHandDelta: 0 })

  const [latest] = await listReconciliations(1)
  expect(latest!.id).toBe(run.id)
  // Repaired drift stays repaired: the next run finds only the level it could not fix.
  expect(await reconcileInventory()).toMatchObject({ drifted: 1, repaired: 0 })
})

test('open reservations are read through indexes that exist (Reservation_open_line_idx was dropped as redundant)', async () => {
  const indexes = (await prisma.$queryRaw<{ indexname: string }[]>`select indexname::text as indexname from pg_indexes where tablename = 'Reservation'`).map((row) => row.indexname)
  expect(indexes).not.toContain('Reservation_open_line_idx')
  // The plans that replace it (migration 20261126150000): asked not to scan the table, the planner finds an index
  // for the per-order release and for the reconciliation's sum of every open reservation.
  const plan = (sql: string) =>
    prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('set local enable_seqscan = off')
      const rows = await tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(`explain (costs off) ${sql}`)
      return rows.map((row) => row['QUERY PLAN']).join('\n')
    })
  expect(await plan(`select r.id from "Reservation" r join "OrderLine" ol on ol.id = r."orderLineId" where ol."orderId" = 'x' and r.status = 'open'`)).toContain(
    'Reservation_orderLineId_idx',
  )
  expect(await plan(`select r."locationId", sum(r.quantity) from "Reservation" r where r.status = 'open' group by 1`)).toContain('Reservation_locationId_status_idx')
})
