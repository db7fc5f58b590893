import fc from 'fast-check'
import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { buildOrderGraph, createLocation, createOrder, createStockedVariant, createUser, insertOrderGraphs, testFaker, uniqueSuffix } from '#test/factories/index.ts'
import { adjustStock, confirmStockCount, StaleLevelError, transferStock } from './inventory-adjust.server.ts'
import { commitOrderStock, InventoryInputError, OutOfStockError, releaseOrderStock, reserveOrderStock, restockReturnedUnits } from './inventory-stock.server.ts'

/**
 * Property (issue 5 proof): random sequences of reserve / release / commit / adjust / count / transfer / restock
 * against the real database keep every level equal to a simple model (onHand, reserved), with
 * `onHand = available + reserved`, available and reserved never negative, reserved equal to the open reservations
 * at that level, and the ledger summing to every level. The model says independently when a step must be refused.
 */

const VARIANTS = 2
const LOCATIONS = 2

type Cmd =
  | { kind: 'reserve'; lines: { variant: number; quantity: number }[] }
  | { kind: 'release'; order: number }
  | { kind: 'commit'; order: number }
  | { kind: 'adjust'; level: number; reason: 'damage' | 'loss' | 'found'; quantity: number }
  | { kind: 'count'; level: number; counted: number }
  | { kind: 'transfer'; level: number; to: number; quantity: number }
  | { kind: 'restock'; level: number; quantity: number }

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('reserve' as const), lines: fc.array(fc.record({ variant: fc.nat({ max: VARIANTS - 1 }), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), order: fc.nat({ max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), order: fc.nat({ max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), level: fc.nat({ max: VARIANTS * LOCATIONS - 1 }), reason: fc.constantFrom('damage' as const, 'loss' as const, 'found' as const), quantity: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('count' as const), level: fc.nat({ max: VARIANTS * LOCATIONS - 1 }), counted: fc.nat({ max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('transfer' as const), level: fc.nat({ max: VARIANTS * LOCATIONS - 1 }), to: fc.nat({ max: LOCATIONS - 1 }), quantity: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restock' as const), level: fc.nat({ max: VARIANTS * LOCATIONS - 1 }), quantity: fc.integer({ min: 1, max: 5 }) }) },
)

type ModelLevel = { id: string; variant: number; location: number; onHand: number; reserved: number }
type ModelOrder = { id: string; lines: { id: string; variant: number; quantity: number; location: number }[]; state: 'reserved' | 'released' | 'committed' }

test('random stock sequences keep onHand = available + reserved, never negative, ledger and reservations agreeing', { timeout: 300_000 }, async () => {
  const { user } = await createUser(prisma, { role: 'operations' })
  const ctx = { actor: { id: user.id, role: 'operations' as const } }
  // Restocks come from a return of some earlier order.
  const returned = { orderId: (await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered' })).order.id, returnId: `ret-${uniqueSuffix()}` }
  await prisma.$executeRaw`insert into "Return" (id, number, "orderId", "requestedAt", "updatedAt") values (${returned.returnId}, ${'RMA-' + returned.returnId}, ${returned.orderId}, now(), now())`
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: 6 }), { minLength: VARIANTS * LOCATIONS, maxLength: VARIANTS * LOCATIONS }), fc.array(cmdArb, { minLength: 5, maxLength: 30 }), async (initial, cmds) => {
      runs++
      const locations = [await createLocation(prisma), await createLocation(prisma)]
      const variants: Awaited<ReturnType<typeof createStockedVariant>>[] = []
      for (let v = 0; v < VARIANTS; v++) {
        variants.push(await createStockedVariant(prisma, { stock: locations.map((l, i) => ({ locationId: l.id, onHand: initial[v * LOCATIONS + i]! })) }))
      }
      const levels: ModelLevel[] = variants.flatMap((s, v) => s.levels.map((l, i) => ({ id: l.id, variant: v, location: i, onHand: initial[v * LOCATIONS + i]!, reserved: 0 })))
      const levelAt = (variant: number, location: number) => levels.find((l) => l.variant === variant && l.location === location)!
      const orders: ModelOrder[] = []
      const version = async (id: string) => (await prisma.inventoryLevel.findUniqueOrThrow({ where: { id }, select: { version: true } })).version

      for (const cmd of cmds) {
        switch (cmd.kind) {
          case 'reserve': {
            const graph = buildOrderGraph(testFaker, {
              now: new Date(),
              number: `#PT${uniqueSuffix()}`,
              scenario: { status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled' },
              items: cmd.lines.map((l) => ({ variantId: variants[l.variant]!.variant.id, sku: variants[l.variant]!.variant.sku, title: 'Item', unitPriceAmount: 100 })),
              quantities: cmd.lines.map((l) => l.quantity),
            })
            await insertOrderGraphs(prisma, [graph])
            const want = new Map<number, number>()
            for (const l of cmd.lines) want.set(l.variant, (want.get(l.variant) ?? 0) + l.quantity)
            const possible = [...want].every(([v, q]) => Math.max(...[0, 1].map((loc) => levelAt(v, loc).onHand - levelAt(v, loc).reserved)) >= q)
            const result = await reserveOrderStock(prisma, { orderId: graph.order.id, actorId: user.id }).catch((e: unknown) => e)
            if (!possible) {
              expect(result).toBeInstanceOf(OutOfStockError)
              break
            }
            expectOk(result)
            const { reserved } = result as Awaited<ReturnType<typeof reserveOrderStock>>
            const order: ModelOrder = { id: graph.order.id, lines: [], state: 'reserved' }
            for (const [index, line] of graph.lines.entries()) {
              const r = reserved.find((x) => x.orderLineId === line.id)!
              const location = locations.findIndex((l) => l.id === r.locationId)
              order.lines.push({ id: line.id, variant: cmd.lines[index]!.variant, quantity: r.quantity, location })
            }
            // One location per SKU, and it had enough for the summed quantity.
            for (const [v, q] of want) {
              const used = new Set(order.lines.filter((l) => l.variant === v).map((l) => l.location))
              expect(used.size).toBe(1)
              const level = levelAt(v, [...used][0]!)
              expect(level.onHand - level.reserved).toBeGreaterThanOrEqual(q)
              level.reserved += q
            }
            orders.push(order)
            break
          }
          case 'release': {
            const open = orders.filter((o) => o.state === 'reserved')
            const order = open[cmd.order % Math.max(1, open.length)]
            if (!order) break
            await prisma.$transaction((tx) => releaseOrderStock(tx, { orderId: order.id, actorId: user.id, reason: 'test release' }))
            for (const line of order.lines) levelAt(line.variant, line.location).reserved -= line.quantity
            order.state = 'released'
            break
          }
          case 'commit': {
            const open = orders.filter((o) => o.state === 'reserved')
            const order = open[cmd.order % Math.max(1, open.length)]
            if (!order) break
            await prisma.$transaction((tx) =>
              commitOrderStock(tx, {
                orderId: order.id,
                actorId: null,
                reason: 'test shipment',
                lines: order.lines.map((l) => ({ orderLineId: l.id, variantId: variants[l.variant]!.variant.id, quantity: l.quantity })),
              }),
            )
            for (const line of order.lines) {
              const level = levelAt(line.variant, line.location)
              level.reserved -= line.quantity
              level.onHand -= line.quantity
            }
            order.state = 'committed'
            break
          }
          case 'adjust': {
            const level = levels[cmd.level]!
            const delta = cmd.reason === 'found' ? cmd.quantity : -cmd.quantity
            const result = await adjustStock({ levelId: level.id, reason: cmd.reason, quantity: cmd.quantity, note: 'property test', expectedVersion: await version(level.id) }, ctx).catch((e: unknown) => e)
            if (level.onHand + delta < level.reserved) {
              expect(result).toBeInstanceOf(InventoryInputError)
            } else {
              expectOk(result)
              level.onHand += delta
            }
            break
          }
          case 'count': {
            const level = levels[cmd.level]!
            const result = await confirmStockCount({ levelId: level.id, counted: cmd.counted, expectedVersion: await version(level.id) }, ctx).catch((e: unknown) => e)
            if (result instanceof Error && !(result instanceof InventoryInputError)) throw result
            if (cmd.counted < level.reserved) expect(result).toBeInstanceOf(InventoryInputError)
            else {
              expectOk(result)
              level.onHand = cmd.counted
            }
            // A stale version is always refused, whatever the numbers.
            const stale = await confirmStockCount({ levelId: level.id, counted: level.onHand, expectedVersion: (await version(level.id)) - 1 || 99 }, ctx).catch((e: unknown) => e)
            expect(stale).toBeInstanceOf(StaleLevelError)
            break
          }
          case 'transfer': {
            const from = levels[cmd.level]!
            if (from.location === cmd.to) break
            const to = levelAt(from.variant, cmd.to)
            const result = await transferStock({ levelId: from.id, toLocationId: locations[cmd.to]!.id, quantity: cmd.quantity, expectedVersion: await version(from.id) }, ctx).catch((e: unknown) => e)
            if (from.onHand - from.reserved < cmd.quantity) expect(result).toBeInstanceOf(InventoryInputError)
            else {
              expectOk(result)
              from.onHand -= cmd.quantity
              to.onHand += cmd.quantity
            }
            break
          }
          case 'restock': {
            const level = levels[cmd.level]!
            await prisma.$transaction((tx) =>
              restockReturnedUnits(tx, {
                variantId: variants[level.variant]!.variant.id,
                locationId: locations[level.location]!.id,
                quantity: cmd.quantity,
                returnId: returned.returnId,
                orderId: returned.orderId,
                actorId: user.id,
              }),
            )
            level.onHand += cmd.quantity
            break
          }
        }
        await expectAgrees(levels)
      }
    }),
    { numRuns: 30, endOnFailure: true },
  )
  expect(runs).toBe(30)
})

function expectOk(result: unknown) {
  if (result instanceof Error) throw result
}

async function expectAgrees(levels: ModelLevel[]) {
  const rows = await prisma.$queryRaw<{ id: string; onHand: number; reserved: number; open: number; ledgerOnHand: number; ledgerReserved: number }[]>`
    select l.id, l."onHand", l.reserved,
      (select coalesce(sum(r.quantity), 0) from "Reservation" r join "OrderLine" ol on ol.id = r."orderLineId"
        where r.status = 'open' and r."locationId" = l."locationId" and ol."variantId" = l."variantId")::int as open,
      (select coalesce(sum(e."onHandDelta"), 0) from "InventoryLedgerEntry" e where e."variantId" = l."variantId" and e."locationId" = l."locationId")::int as "ledgerOnHand",
      (select coalesce(sum(e."reservedDelta"), 0) from "InventoryLedgerEntry" e where e."variantId" = l."variantId" and e."locationId" = l."locationId")::int as "ledgerReserved"
    from "InventoryLevel" l where l.id = any(${levels.map((l) => l.id)}::text[])`
  for (const model of levels) {
    const row = rows.find((r) => r.id === model.id)!
    expect({ onHand: row.onHand, reserved: row.reserved }).toEqual({ onHand: model.onHand, reserved: model.reserved })
    expect(row.onHand - row.reserved).toBeGreaterThanOrEqual(0)
    expect(row.reserved).toBeGreaterThanOrEqual(0)
    expect(row.reserved).toBe(row.open)
    expect([row.ledgerOnHand, row.ledgerReserved]).toEqual([row.onHand, row.reserved])
  }
}
