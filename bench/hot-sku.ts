/**
 * bench/hot-sku — reservations per second (issue 5).
 *
 * Candidate: `reserveOrderStock` (app/models/inventory-stock.server.ts), the model function confirmOrder calls: one
 * call of the PL/pgSQL function "inventory_reserve_order" that reads the order's lines, chooses the location, writes
 * the Reservation and ledger rows and, last, reserves with the guarded UPDATE (which locks the level and checks) —
 * called on the app's own client, which runs it as a named prepared statement on the app's node-postgres pool.
 * Baseline: the bare conditional UPDATE on raw `pg`
 *   UPDATE "InventoryLevel" SET reserved = reserved + 1 WHERE id = $1 AND "onHand" - reserved >= 1
 * (no order, no reservation row, no ledger) — the floor any reservation pays — on the same pool.
 *
 * Two loads, each in ROUNDS interleaved rounds (which side goes first alternates):
 *   hot:     CONCURRENCY (64) reservers hammer ONE SKU with STOCK (3,000) units; ATTEMPTS = STOCK × 1.1, so the last
 *            tenth meet an empty shelf (out-of-stock answers are part of the load).
 *   uniform: the same reservers over SKUS (100,000) SKUs with 1 unit each, UNIFORM_ATTEMPTS (6,000) random picks.
 * Each side gets fresh SKUs and pre-created one-line orders per round. After every round: oversold levels (reserved >
 * onHand) must be 0 and the successes must equal the units reserved (zero oversell in every arm), else exit 1.
 * Printed: reservations/s per side (median over rounds), the ratio candidate/baseline per load.
 * Goals: baseline ≥ 2,000/s on the hot SKU; candidate ≥ 0.5 × baseline.
 *
 *   npm run build && npm run bench -- hot-sku        (or: npx tsx bench/hot-sku.ts)
 * Tunables (env): ROUNDS (3), CONCURRENCY (64), STOCK (3000), SKUS (100000), UNIFORM_ATTEMPTS (6000).
 */
import { randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { ADMIN_URL, databaseUrl, ensureTemplate, templateName } from '#test/setup/test-db.ts'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64)
const STOCK = Number(process.env.STOCK ?? 3000)
const SKUS = Number(process.env.SKUS ?? 100_000)
const UNIFORM_ATTEMPTS = Number(process.env.UNIFORM_ATTEMPTS ?? 6000)

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

type ArmResult = { seconds: number; succeeded: number; refused: number; errors: number }

/** Runs `attempts` calls of `one(i)` with `CONCURRENCY` callers; `one` resolves true (reserved) or false (refused). */
async function drive(attempts: number, one: (i: number) => Promise<boolean>): Promise<ArmResult> {
  let next = 0
  const result = { succeeded: 0, refused: 0, errors: 0 }
  let firstError: unknown
  const started = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < attempts; i = next++) {
        try {
          if (await one(i)) result.succeeded++
          else result.refused++
        } catch (error) {
          result.errors++
          firstError ??= error
        }
      }
    }),
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (firstError) console.error('first error:', firstError)
  return { seconds, ...result }
}

async function main() {
  await ensureTemplate()
  const name = `opsdeck_bench_hotsku_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  await admin.query(`create database "${name}" template "${templateName()}"`)
  const url = databaseUrl(name)
  // The app modules read their configuration when first imported.
  Object.assign(process.env, { NODE_ENV: 'production', LOG_LEVEL: 'warn', DATABASE_URL: url, DATABASE_POOL_SIZE: String(CONCURRENCY), SESSION_SECRET: 'bench-session-secret-0123456789abcdef', PROVIDER_API_KEY: 'bench-provider-api-key', WEBHOOK_SECRET: 'bench-webhook-secret-0123456789' })
  const { OutOfStockError, reserveOrderStock } = await import('#app/models/inventory-stock.server.ts')
  // Both sides share the app's pool (CONCURRENCY connections): the machine's Postgres allows 100 connections in all.
  const { prisma: ours, pgPool: rawPool } = await import('#app/utils/db.server.ts')
  const setup = new pg.Client({ connectionString: url })
  await setup.connect()
  await setup.query(`insert into "Location" (id, code, name, "updatedAt") values ('bench-loc', 'BENCH', 'Bench warehouse', now())`)
  await setup.query(`insert into "Product" (id, title, handle, "updatedAt") values ('bench-p', 'Bench product', 'bench-product', now())`)

  let tagCounter = 0
  /** `skus` fresh SKUs with `units` each at the bench location, and `orders` one-line orders over them. */
  async function fixture(skus: number, units: number, orders: number, pick: 'first' | 'random') {
    const tag = `${++tagCounter}`
    await setup.query(
      `insert into "ProductVariant" (id, "productId", sku, title, "priceAmount", currency, "updatedAt")
       select 'v' || $1 || '-' || g, 'bench-p', 'BENCH-' || $1 || '-' || g, 'Default', 100, 'GBP', now() from generate_series(1, $2::int) g`,
      [tag, skus],
    )
    await setup.query(
      `insert into "InventoryLevel" (id, "variantId", "locationId", "onHand", "updatedAt")
       select 'l' || $1 || '-' || g, 'v' || $1 || '-' || g, 'bench-loc', $3, now() from generate_series(1, $2::int) g`,
      [tag, skus, units],
    )
    await setup.query(
      `insert into "Order" (id, number, currency, "customerEmail", "customerName", "placedAt", "updatedAt")
       select 'o' || $1 || '-' || g, '#B' || $1 || '-' || g, 'GBP', 'bench@example.com', 'Bench', now(), now() from generate_series(1, $2::int) g`,
      [tag, orders],
    )
    await setup.query(
      `insert into "OrderLine" (id, "orderId", "variantId", sku, title, "unitPriceAmount", "totalAmount", "quantityOrdered", "updatedAt")
       select 'ol' || $1 || '-' || g, 'o' || $1 || '-' || g, 'v' || $1 || '-' || s, 'BENCH-' || $1 || '-' || s, 'Bench item', 100, 100, 1, now()
       from (select g, case when $4 = 'first' then 1 else 1 + floor(random() * $3)::int end as s from generate_series(1, $2::int) g) x`,
      [tag, orders, skus, pick],
    )
    await setup.query('analyze "InventoryLevel", "OrderLine", "Order", "Reservation"')
    // What each attempt reserves: the baseline its level id, the candidate its order id.
    const { rows } = await setup.query<{ orderId: string; levelId: string }>(
      `select o.id as "orderId", 'l' || $1 || '-' || substring(ol."variantId" from length('v' || $1 || '-') + 1) as "levelId"
       from "Order" o join "OrderLine" ol on ol."orderId" = o.id where o.id like 'o' || $1 || '-%' order by o.id`,
      [tag],
    )
    return { tag, attempts: rows }
  }

  async function oversold(tag: string) {
    const { rows } = await setup.query<{ oversold: number; reserved: number }>(
      `select count(*) filter (where reserved > "onHand")::int as oversold, coalesce(sum(reserved), 0)::int as reserved
       from "InventoryLevel" where id like 'l' || $1 || '-%'`,
      [tag],
    )
    return rows[0]!
  }

  const raw = (levelId: string) =>
    rawPool.query({ name: 'bench.reserve', text: `update "InventoryLevel" set reserved = reserved + 1 where id = $1 and "onHand" - reserved >= 1`, values: [levelId] }).then((r) => r.rowCount === 1)
  const candidate = (orderId: string) =>
    reserveOrderStock(ours, { orderId, actorId: null }).then(
      () => true,
      (error: unknown) => {
        if (error instanceof OutOfStockError) return false
        throw error
      },
    )

  type Load = { label: string; skus: number; units: number; attempts: number; pick: 'first' | 'random' }
  const loads: Load[] = [
    { label: 'hot (1 SKU)', skus: 1, units: STOCK, attempts: Math.round(STOCK * 1.1), pick: 'first' },
    { label: `uniform (${SKUS.toLocaleString('en')} SKUs)`, skus: SKUS, units: 1, attempts: UNIFORM_ATTEMPTS, pick: 'random' },
  ]
  let failed = false
  const summary: string[] = []
  for (const load of loads) {
    const rates = { ours: [] as number[], raw: [] as number[] }
    for (let round = 0; round < ROUNDS; round++) {
      const sides = round % 2 === 0 ? (['raw', 'ours'] as const) : (['ours', 'raw'] as const)
      for (const side of sides) {
        const { tag, attempts } = await fixture(load.skus, load.units, load.attempts, load.pick)
        // Warm the pool's connections (and the prepared statements) outside the timed part.
        await Promise.all(Array.from({ length: CONCURRENCY }, () => (side === 'raw' ? rawPool.query('select 1') : ours.$queryRaw`select 1`)))
        const result = await drive(attempts.length, (i) => (side === 'raw' ? raw(attempts[i]!.levelId) : candidate(attempts[i]!.orderId)))
        const check = await oversold(tag)
        const rate = result.succeeded / result.seconds
        rates[side].push(rate)
        const ok = check.oversold === 0 && check.reserved === result.succeeded && result.errors === 0
        if (!ok) failed = true
        console.log(
          `  ${load.label} round ${round + 1} ${side.padEnd(4)}: ${rate.toFixed(0).padStart(6)} reservations/s (${result.succeeded} reserved, ${result.refused} out of stock, ${result.errors} errors, ${result.seconds.toFixed(2)} s) oversold levels=${check.oversold} reserved=${check.reserved} ${ok ? 'ok' : 'FAILED'}`,
        )
      }
    }
    const o = median(rates.ours)
    const r = median(rates.raw)
    summary.push(`hot-sku ${load.label}: candidate=${o.toFixed(0)}/s (reserveOrderStock) baseline=${r.toFixed(0)}/s (raw pg conditional UPDATE) ratio=${(o / r).toFixed(2)}`)
    if (load.pick === 'first') {
      summary.push(`  goals: baseline ≥ 2000/s: ${r >= 2000 ? 'met' : 'not met'}; ratio ≥ 0.5: ${o / r >= 0.5 ? 'met' : 'not met'}`)
    }
  }
  summary.push(`zero oversell in every arm: ${failed ? 'NO' : 'yes'}`)
  console.log(`\n${summary.join('\n')}`)

  await setup.end()
  await ours.$disconnect()
  await admin.query(`drop database if exists "${name}" with (force)`)
  await admin.end()
  process.exit(failed ? 1 : 0)
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
