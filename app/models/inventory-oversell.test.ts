import { spawn } from 'node:child_process'
import readline from 'node:readline'
import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { buildOrderGraph, createLocation, createStockedVariant, insertOrderGraphs, testFaker, uniqueSuffix, type OrderItem } from '#test/factories/index.ts'

/**
 * Issue 5's oversell proof: many processes reserve the same stock at the same moment through reserveOrderStock (one
 * guarded statement each). Each child process (test/stock/reserve-worker.ts) has its own connection pool; they are
 * started, connected, and then told "go" together.
 */

type Outcome = { orderId: string; result: 'reserved' | 'out_of_stock' | 'error'; units?: number; detail?: string }

const PROCESSES = 4
const POOL_PER_PROCESS = 12

async function runWorker(orderIds: string[], transaction: boolean) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/stock/reserve-worker.ts'], {
    env: { ...process.env, DATABASE_POOL_SIZE: String(POOL_PER_PROCESS) },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const out = readline.createInterface({ input: child.stdout })
  const lines = out[Symbol.asyncIterator]()
  child.stdin.write(`${JSON.stringify({ orderIds, transaction })}\n`)
  const ready = await lines.next()
  if (ready.value !== 'ready') throw new Error(`reserve worker did not start: ${String(ready.value)}`)
  return {
    go: async () => {
      child.stdin.write('go\n')
      const result = await lines.next()
      child.stdin.end()
      await new Promise((resolve) => child.once('exit', resolve))
      return JSON.parse(String(result.value)) as Outcome[]
    },
  }
}

/** Splits the orders over PROCESSES child processes, starts them together, returns every outcome. */
async function reserveFromProcesses(orderIds: string[], transaction: (i: number) => boolean) {
  const shares = Array.from({ length: PROCESSES }, (_, i) => orderIds.filter((_, index) => index % PROCESSES === i))
  const workers = await Promise.all(shares.map((ids, i) => runWorker(ids, transaction(i))))
  return (await Promise.all(workers.map((w) => w.go()))).flat()
}

async function pendingOrders(count: number, lines: { item: OrderItem; quantity: number }[] | ((i: number) => { item: OrderItem; quantity: number }[])) {
  const now = new Date()
  const graphs = Array.from({ length: count }, (_, i) => {
    const spec = typeof lines === 'function' ? lines(i) : lines
    return buildOrderGraph(testFaker, {
      now,
      number: `#OS${uniqueSuffix()}-${i}`,
      scenario: { status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled' },
      items: spec.map((s) => s.item),
      quantities: spec.map((s) => s.quantity),
    })
  })
  await insertOrderGraphs(prisma, graphs)
  return graphs
}

const itemOf = (v: { id: string; sku: string }): OrderItem => ({ variantId: v.id, sku: v.sku, title: `Item ${v.sku}`, unitPriceAmount: 500 })

async function ledgerOf(variantId: string) {
  const sum = await prisma.inventoryLedgerEntry.aggregate({ where: { variantId }, _sum: { onHandDelta: true, reservedDelta: true } })
  const reserves = await prisma.inventoryLedgerEntry.aggregate({ where: { variantId, kind: 'reserve' }, _sum: { reservedDelta: true }, _count: true })
  return { onHand: sum._sum.onHandDelta ?? 0, reserved: sum._sum.reservedDelta ?? 0, reserveRows: reserves._count, reservedByReserve: reserves._sum.reservedDelta ?? 0 }
}

describe('oversell', () => {
  test('1,000 concurrent 1-unit reservations of a SKU with 100 available, from 4 processes: exactly 100 succeed', { timeout: 180_000 }, async () => {
    const hot = await createStockedVariant(prisma, { stock: [{ onHand: 100 }] })
    const graphs = await pendingOrders(1000, [{ item: itemOf(hot.variant), quantity: 1 }])
    // Two processes reserve on their own (autocommit), two inside interactive transactions (as confirmOrder does).
    const outcomes = await reserveFromProcesses(graphs.map((g) => g.order.id), (i) => i % 2 === 1)

    expect(outcomes).toHaveLength(1000)
    expect(outcomes.filter((o) => o.result === 'error')).toEqual([])
    expect(outcomes.filter((o) => o.result === 'reserved')).toHaveLength(100)
    const refused = outcomes.filter((o) => o.result === 'out_of_stock')
    expect(refused).toHaveLength(900)
    // A clear answer: which SKU, wanted vs available.
    for (const o of refused) expect(o.detail).toBe(`Not enough stock: ${hot.variant.sku} wanted 1, none available`)

    const level = await prisma.inventoryLevel.findUniqueOrThrow({ where: { id: hot.levels[0]!.id } })
    expect({ onHand: level.onHand, reserved: level.reserved, available: level.onHand - level.reserved }).toEqual({ onHand: 100, reserved: 100, available: 0 })
    expect(await prisma.reservation.count({ where: { orderLine: { variantId: hot.variant.id }, status: 'open' } })).toBe(100)
    expect(await ledgerOf(hot.variant.id)).toEqual({ onHand: 100, reserved: 100, reserveRows: 100, reservedByReserve: 100 })
  })

  test('multi-line orders sharing SKUs in opposite orders: no deadlocks, every order all or nothing', { timeout: 180_000 }, async () => {
    const location = await createLocation(prisma)
    const a = await createStockedVariant(prisma, { stock: [{ locationId: location.id, onHand: 60 }] })
    const b = await createStockedVariant(prisma, { stock: [{ locationId: location.id, onHand: 40 }] })
    const c = await createStockedVariant(prisma, { stock: [{ locationId: location.id, onHand: 500 }] })
    // Three shapes: A, B, A (A summed to 2) · B, A · C, B, A — line orders differ so naive row-by-row locking would
    // deadlock; C is plentiful, so an order fails only on A or B and must then not keep its C.
    const shapes = [
      [{ item: itemOf(a.variant), quantity: 1 }, { item: itemOf(b.variant), quantity: 1 }, { item: itemOf(a.variant), quantity: 1 }],
      [{ item: itemOf(b.variant), quantity: 1 }, { item: itemOf(a.variant), quantity: 1 }],
      [{ item: itemOf(c.variant), quantity: 2 }, { item: itemOf(b.variant), quantity: 1 }, { item: itemOf(a.variant), quantity: 1 }],
    ]
    const graphs = await pendingOrders(300, (i) => shapes[i % 3]!)
    const outcomes = await reserveFromProcesses(graphs.map((g) => g.order.id), (i) => i % 2 === 0)

    expect(outcomes.filter((o) => o.result === 'error')).toEqual([])
    const won = new Set(outcomes.filter((o) => o.result === 'reserved').map((o) => o.orderId))
    expect(won.size).toBeGreaterThan(0)
    expect(outcomes.filter((o) => o.result === 'out_of_stock').length).toBe(300 - won.size)

    // All or nothing, per order: a winner holds every unit of every line, a loser holds nothing.
    const held = await prisma.$queryRaw<{ orderId: string; lines: number; reservedLines: number; units: number; ordered: number }[]>`
      select ol."orderId", count(distinct ol.id)::int as lines, count(distinct r."orderLineId")::int as "reservedLines",
             coalesce(sum(r.quantity), 0)::int as units,
             (select sum("quantityOrdered") from "OrderLine" x where x."orderId" = ol."orderId")::int as ordered
      from "OrderLine" ol left join "Reservation" r on r."orderLineId" = ol.id and r.status = 'open'
      where ol."orderId" = any(${graphs.map((g) => g.order.id)}::text[])
      group by ol."orderId"`
    for (const row of held) {
      if (won.has(row.orderId)) expect(row).toMatchObject({ reservedLines: row.lines, units: row.ordered })
      else expect(row).toMatchObject({ reservedLines: 0, units: 0 })
    }
    // Levels agree with the reservations and the ledger; nothing oversold; the scarce SKUs ran out as far as they could.
    for (const stocked of [a, b, c]) {
      const level = await prisma.inventoryLevel.findUniqueOrThrow({ where: { id: stocked.levels[0]!.id } })
      const open = await prisma.reservation.aggregate({ where: { orderLine: { variantId: stocked.variant.id }, status: 'open' }, _sum: { quantity: true } })
      expect(level.reserved).toBe(open._sum.quantity ?? 0)
      expect(level.onHand - level.reserved).toBeGreaterThanOrEqual(0)
      const ledger = await ledgerOf(stocked.variant.id)
      expect([ledger.onHand, ledger.reserved]).toEqual([level.onHand, level.reserved])
    }
    const bLevel = await prisma.inventoryLevel.findUniqueOrThrow({ where: { id: b.levels[0]!.id } })
    const aLevel = await prisma.inventoryLevel.findUniqueOrThrow({ where: { id: a.levels[0]!.id } })
    // Every order needs a B and at least one A: stock runs out before 300 orders, so one of them is (nearly) gone.
    expect(Math.min(aLevel.onHand - aLevel.reserved, bLevel.onHand - bLevel.reserved)).toBeLessThan(2)
  })
})
