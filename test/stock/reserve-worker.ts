/**
 * A separate process that reserves stock for orders, for the oversell test (app/models/inventory-oversell.test.ts):
 * reads `{ orderIds, transaction }` as one JSON line on stdin, opens its own connection pool, prints `ready`, waits
 * for `go`, then reserves every order at once and prints one JSON line of outcomes. DATABASE_URL and
 * DATABASE_POOL_SIZE come from the parent.
 */
import readline from 'node:readline'
import { OutOfStockError, reserveOrderStock } from '#app/models/inventory.server.ts'
import { prisma } from '#app/utils/db.server.ts'

type Outcome = { orderId: string; result: 'reserved' | 'out_of_stock' | 'error'; units?: number; detail?: string }

const lines = readline.createInterface({ input: process.stdin })
const iterator = lines[Symbol.asyncIterator]()
const first = await iterator.next()
const { orderIds, transaction } = JSON.parse(String(first.value)) as { orderIds: string[]; transaction: boolean }
// Open the pool's connections before the start signal, so the burst is not a connect storm.
await Promise.all(Array.from({ length: Number(process.env.DATABASE_POOL_SIZE ?? 10) }, () => prisma.$queryRaw`select 1`))
process.stdout.write('ready\n')
await iterator.next()

const outcomes: Outcome[] = await Promise.all(
  orderIds.map(async (orderId): Promise<Outcome> => {
    try {
      const run = (db: Parameters<typeof reserveOrderStock>[0]) => reserveOrderStock(db, { orderId, actorId: null })
      const { reserved } = transaction ? await prisma.$transaction((tx) => run(tx), { maxWait: 60_000, timeout: 60_000 }) : await run(prisma)
      return { orderId, result: 'reserved', units: reserved.reduce((s, r) => s + r.quantity, 0) }
    } catch (error) {
      if (error instanceof OutOfStockError) return { orderId, result: 'out_of_stock', detail: error.message }
      return { orderId, result: 'error', detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
    }
  }),
)
process.stdout.write(`${JSON.stringify(outcomes)}\n`)
lines.close()
await prisma.$disconnect()
