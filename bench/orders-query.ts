/**
 * bench/orders-query — the orders list (`listOrders`) at 1,000,000 orders.
 *
 * 1. Keyset vs OFFSET, server time: the first page, page 100 and a page ~500,000 rows deep (50 rows, sort placedAt
 *    desc), plus a deep page sorted by total and one deep in a status filter, each read by its keyset cursor (the candidate: exactly the SQL `listOrders` runs) and by OFFSET (the
 *    baseline: the same statement without the cursor condition, with `OFFSET n`). Server time is PostgreSQL's own
 *    "Execution Time" from `EXPLAIN (ANALYZE, FORMAT JSON)` (planning time excluded and reported separately), so
 *    client and network noise are out. Rounds alternate the two. Goal: keyset ≤ 1 ms at any depth.
 * 2. Prisma vs raw `pg`, client wall time: the same page statement (the `Prisma.Sql` from `orderListPageSql`) through
 *    `prisma.$queryRaw` and through `pgPool.query(text, values)` on the same node-postgres pool, interleaved call by
 *    call. Goal: Prisma ≤ 1.5 × raw pg.
 *
 * Data: 1M orders from prisma/seed-bulk.ts in a database of its own (`bulkOrdersDatabase`, built once per migration
 * set and reused by bench/orders-search.ts and bench/orders-ssr.ts; BENCH_FRESH=1 rebuilds it).
 * Tunables (env): ROUNDS (30 EXPLAIN rounds per page), CALLS (2000 calls per side for Prisma vs pg), BENCH_ORDERS.
 *
 *   npx tsx bench/orders-query.ts        (or: npm run bench -- orders-query)
 */
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { seedBulk } from '../prisma/seed-bulk.ts'
import { ADMIN_URL, databaseUrl, ensureTemplate, templateName } from '#test/setup/test-db.ts'

/**
 * A migrated database with `orders` bulk orders from prisma/seed-bulk.ts (the same code path as
 * `npm run seed:bulk`). Loading 1M orders takes minutes on two cores, so the three order benchmarks share one
 * database per migration set and size: it is built under a temporary name and renamed only when complete, then
 * reused; `BENCH_FRESH=1` drops and rebuilds it. It is read-only for the benchmarks (nothing writes to it).
 */
export async function bulkOrdersDatabase(orders = Number(process.env.BENCH_ORDERS ?? 1_000_000), log = (line: string) => console.log(line)) {
  const template = await ensureTemplate()
  const name = `opsdeck_bench_orders_${template.slice(-12)}_${orders}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    if (process.env.BENCH_FRESH === '1') await admin.query(`drop database if exists "${name}" with (force)`)
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name])
    if (rowCount === 1) return { name, url: databaseUrl(name), reused: true }
    const building = `${name}_build_${process.pid}`
    await admin.query(`drop database if exists "${building}" with (force)`)
    await admin.query(`create database "${building}" template "${templateName()}"`)
    log(`loading ${orders.toLocaleString('en')} bulk orders into ${building} (prisma/seed-bulk.ts) …`)
    const result = await seedBulk({ connectionString: databaseUrl(building), orders, now: new Date('2026-11-25T12:00:00Z') })
    log(`loaded in ${result.totalSeconds.toFixed(0)} s: ${JSON.stringify(result.counts)}`)
    await admin.query(`alter database "${building}" rename to "${name}"`)
    return { name, url: databaseUrl(name), reused: false }
  } finally {
    await admin.end()
  }
}

/** Env for app modules pointed at the bulk database; set before any app module loads its configuration. */
export function useBulkDatabase(url: string) {
  Object.assign(process.env, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '4',
    SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
    PROVIDER_API_KEY: 'bench-provider-api-key',
    WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
  })
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
export const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!

/** Execution and planning time (ms) of one statement, from EXPLAIN ANALYZE on one pooled connection. */
export async function serverTime(client: pg.PoolClient | pg.Client, text: string, values: unknown[]) {
  const { rows } = await client.query<{ 'QUERY PLAN': [{ 'Execution Time': number; 'Planning Time': number; Plan: Record<string, unknown> }] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
    values,
  )
  const plan = rows[0]!['QUERY PLAN'][0]
  return { execution: plan['Execution Time'], planning: plan['Planning Time'], plan: plan.Plan }
}

/** The index names a plan uses (to print which index answered). */
export function indexesOf(plan: Record<string, unknown>): string[] {
  const own = typeof plan['Index Name'] === 'string' ? [plan['Index Name'] as string] : []
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? []
  return [...new Set([...own, ...children.flatMap(indexesOf)])]
}

async function main() {
  const ROUNDS = Number(process.env.ROUNDS ?? 30)
  const CALLS = Number(process.env.CALLS ?? 2000)
  const db = await bulkOrdersDatabase()
  useBulkDatabase(db.url)
  const { parseOrderListQuery, orderListPageSql, listOrders } = await import('#app/models/order-list.server.ts')
  const { prisma, pgPool } = await import('#app/utils/db.server.ts')
  type Query = import('#app/models/order-list.server.ts').OrderListQuery
  const parse = (search: string): Query => {
    const parsed = parseOrderListQuery(new URLSearchParams(search))
    if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors))
    return parsed.query
  }
  const client = await pgPool.connect()
  try {
    const { rows: [{ n }] } = await client.query<{ n: string }>('select count(*)::text as n from "Order"')
    console.log(`orders-query: ${Number(n).toLocaleString('en')} orders in ${db.name}${db.reused ? ' (reused)' : ''}`)
    await client.query('analyze "Order"')

    // The row just before each page, found once by OFFSET; its cursor is what the "Next" link of the page before holds.
    const LIMIT = 50
    const depths = [
      { label: 'first page', base: '', offset: 0 },
      { label: 'page 100', base: '', offset: 99 * LIMIT },
      { label: 'page 10,000 (~500k deep)', base: '', offset: 9_999 * LIMIT },
      { label: 'by total, ~500k deep', base: 'sort=totalAmount', offset: 9_999 * LIMIT },
      { label: 'completed, ~300k deep', base: 'status=completed', offset: 5_999 * LIMIT },
    ]
    const results: { label: string; keyset: number; offset: number; ratio: number; planning: number; index: string }[] = []
    for (const depth of depths) {
      const base = parse(`limit=${LIMIT}&${depth.base}`)
      const offsetSql = orderListPageSql(base)
      const withOffset = (n: number) => offsetSql.text.replace(/LIMIT (\$\d+)/, `LIMIT $1 OFFSET ${n}`)
      const offsetText = withOffset(depth.offset)
      if (offsetText === offsetSql.text) throw new Error('could not place OFFSET in the page statement')
      let keysetSql = offsetSql
      if (depth.offset > 0) {
        // The row just before the page (what the previous page's "Next" cursor points at), found once by OFFSET.
        const { rows: [before] } = await client.query<{ id: string; placedAt: Date; totalAmount: number; number: string }>(withOffset(depth.offset - 1), offsetSql.values)
        // The cursor format (order-list.server.ts): base64url of [sort code, value, id].
        const value = base.sort === 'placedAt' ? before!.placedAt.toISOString() : base.sort === 'totalAmount' ? Number(before!.totalAmount) : before!.number
        const code = { placedAt: 'p', totalAmount: 't', number: 'n' }[base.sort]
        keysetSql = orderListPageSql({ ...base, after: Buffer.from(JSON.stringify([code, value, before!.id])).toString('base64url') })
      }
      // Same rows both ways (the bench compares equal work).
      const a = (await client.query(keysetSql.text, keysetSql.values)).rows.map((r) => r.id)
      const b = (await client.query(offsetText, offsetSql.values)).rows.map((r) => r.id)
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${depth.label}: keyset and OFFSET pages differ`)
      for (let i = 0; i < 3; i += 1) {
        await serverTime(client, keysetSql.text, keysetSql.values)
        await serverTime(client, offsetText, offsetSql.values)
      }
      const keyset: number[] = []
      const offset: number[] = []
      const planning: number[] = []
      let index = ''
      for (let round = 0; round < ROUNDS; round += 1) {
        const runKeyset = async () => {
          const t = await serverTime(client, keysetSql.text, keysetSql.values)
          keyset.push(t.execution)
          planning.push(t.planning)
          index = indexesOf(t.plan).join(', ')
        }
        const runOffset = async () => offset.push((await serverTime(client, offsetText, offsetSql.values)).execution)
        if (round % 2 === 0) await runKeyset().then(runOffset)
        else await runOffset().then(runKeyset)
      }
      const row = { label: depth.label, keyset: median(keyset), offset: median(offset), ratio: median(keyset) / median(offset), planning: median(planning), index }
      results.push(row)
      console.log(
        `  ${row.label.padEnd(26)} keyset=${row.keyset.toFixed(3)} ms  offset=${row.offset.toFixed(3)} ms  ratio=${row.ratio.toFixed(3)}  ` +
          `(keyset p90 ${quantile(keyset, 0.9).toFixed(3)} ms, planning ${row.planning.toFixed(3)} ms; index: ${row.index})`,
      )
    }
    const worstKeyset = Math.max(...results.map((r) => r.keyset))
    const deep = results[2]!
    console.log(
      `orders-query keyset-vs-offset: candidate=${deep.keyset.toFixed(3)} ms (keyset, ~500k deep) baseline=${deep.offset.toFixed(3)} ms (OFFSET) ` +
        `ratio=${deep.ratio.toFixed(4)} (server execution time, EXPLAIN ANALYZE; worst keyset page ${worstKeyset.toFixed(3)} ms; goal ≤ 1 ms at any depth: ${worstKeyset <= 1 ? 'met' : 'NOT met'})`,
    )
  } finally {
    client.release()
  }

  // ── Prisma vs raw pg: identical SQL, same pool, interleaved call by call ──
  const pages = [parse('limit=50'), parse('limit=50&status=processing&sort=totalAmount')]
  const sqls = pages.map((q) => orderListPageSql(q))
  const prismaTimes: number[] = []
  const pgTimes: number[] = []
  const viaPrisma = async (i: number) => {
    const t0 = performance.now()
    await prisma.$queryRaw(sqls[i % sqls.length]!)
    prismaTimes.push(performance.now() - t0)
  }
  const viaPg = async (i: number) => {
    const sql = sqls[i % sqls.length]!
    const t0 = performance.now()
    await pgPool.query(sql.text, sql.values)
    pgTimes.push(performance.now() - t0)
  }
  for (let i = 0; i < 200; i += 1) await viaPrisma(i).then(() => viaPg(i)) // warm-up (JIT, plans)
  prismaTimes.length = 0
  pgTimes.length = 0
  for (let i = 0; i < CALLS; i += 1) {
    if (i % 2 === 0) await viaPrisma(i).then(() => viaPg(i))
    else await viaPg(i).then(() => viaPrisma(i))
  }
  // listOrders end to end (Prisma + row shaping + cursors), for reference.
  const whole: number[] = []
  for (let i = 0; i < 200; i += 1) {
    const t0 = performance.now()
    await listOrders(pages[i % pages.length]!)
    whole.push(performance.now() - t0)
  }
  const ratio = median(prismaTimes) / median(pgTimes)
  console.log(
    `orders-query prisma-vs-pg: candidate=${median(prismaTimes).toFixed(3)} ms (prisma.$queryRaw) baseline=${median(pgTimes).toFixed(3)} ms (pg Pool.query, same SQL) ` +
      `ratio=${ratio.toFixed(3)} (client wall time per 50-row page, medians of ${CALLS} interleaved calls; p90 ${quantile(prismaTimes, 0.9).toFixed(3)} vs ${quantile(pgTimes, 0.9).toFixed(3)} ms; ` +
      `listOrders end to end ${median(whole).toFixed(3)} ms; goal ≤ 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
  )
  await prisma.$disconnect()
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
  process.exit(0)
}
