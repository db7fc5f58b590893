/**
 * bench/orders-search — the orders list's search box at 1,000,000 orders, each search with its index (candidate)
 * vs the same statement with the indexes disabled (baseline: `SET enable_indexscan / enable_bitmapscan /
 * enable_indexonlyscan = off`, so PostgreSQL must scan the table).
 *
 * Searches (the exact page statement `listOrders` runs, 50 rows, newest first — `orderListPageSql`):
 * - order-number prefix `#51234` (100 matches: bulk numbers are #5000001…#6000000) → Order_number_pattern_idx (text_pattern_ops). Goal ≤ 1 ms.
 * - a selective email fragment (one customer's address, ~5 orders) → Order_customerEmail_trgm_idx. Goal ≤ 20 ms.
 * - a customer's full name (bulk names repeat: ~1 in 1,600 orders has a given one) → the name and email trigram
 *   index (a fragment with a space is searched in names only). Goal ≤ 20 ms.
 * Server time = PostgreSQL's "Execution Time" from EXPLAIN (ANALYZE) (planning reported separately). Rounds
 * alternate candidate and baseline. Tunables (env): ROUNDS (15), BASELINE_ROUNDS (5).
 *
 *   npx tsx bench/orders-search.ts        (or: npm run bench -- orders-search)
 */
import { bulkOrdersDatabase, indexesOf, median, serverTime, useBulkDatabase } from './orders-query.ts'

const ROUNDS = Number(process.env.ROUNDS ?? 15)
const BASELINE_ROUNDS = Number(process.env.BASELINE_ROUNDS ?? 5)

const db = await bulkOrdersDatabase()
useBulkDatabase(db.url)
const { parseOrderListQuery, orderListPageSql, listOrders, countOrders } = await import('#app/models/order-list.server.ts')
const { prisma, pgPool } = await import('#app/utils/db.server.ts')

const client = await pgPool.connect()
try {
  await client.query('analyze "Order"')
  // A real customer's address from the data (bulk emails look like "olivia.smith123@example.com").
  const { rows: [sample] } = await client.query<{ email: string; name: string }>(
    `select "customerEmail" as email, "customerName" as name from "Order" where id = 'cbo0000500000'`,
  )
  if (!sample) throw new Error('bulk order cbo0000500000 not found: is this a prisma/seed-bulk.ts database?')
  const emailFragment = sample.email.slice(0, sample.email.indexOf('@') + 1) // "olivia.smith123@"
  const searches = [
    { label: 'number prefix #51234', q: '#51234', goal: 1 },
    { label: `email "${emailFragment}"`, q: emailFragment, goal: 20 },
    { label: `name "${sample.name}"`, q: sample.name, goal: 20 },
  ]
  for (const search of searches) {
    const parsed = parseOrderListQuery(new URLSearchParams({ q: search.q }))
    if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors))
    const page = await listOrders(parsed.query)
    const { count, exact } = await countOrders(parsed.query)
    const sql = orderListPageSql(parsed.query)
    const indexed = async () => serverTime(client, sql.text, sql.values)
    const scanned = async () => {
      await client.query('set enable_indexscan = off; set enable_bitmapscan = off; set enable_indexonlyscan = off')
      try {
        return await serverTime(client, sql.text, sql.values)
      } finally {
        await client.query('reset enable_indexscan; reset enable_bitmapscan; reset enable_indexonlyscan')
      }
    }
    await indexed()
    await scanned()
    const candidate: number[] = []
    const baseline: number[] = []
    const planning: number[] = []
    let index = ''
    for (let round = 0; round < ROUNDS; round += 1) {
      const t = await indexed()
      candidate.push(t.execution)
      planning.push(t.planning)
      index = indexesOf(t.plan).join(', ')
      if (round < BASELINE_ROUNDS) baseline.push((await scanned()).execution)
    }
    const c = median(candidate)
    const b = median(baseline)
    const met = c <= search.goal
    const line =
      `orders-search ${search.label}: candidate=${c.toFixed(3)} ms (indexed) baseline=${b.toFixed(1)} ms (indexes disabled) ratio=${(c / b).toFixed(4)} ` +
      `(${page.rows.length} rows on the page, ${exact ? '' : 'about '}${count.toLocaleString('en')} matches; planning ${median(planning).toFixed(3)} ms; ` +
      `index: ${index || 'none'}; goal ≤ ${search.goal} ms: ${met ? 'met' : 'NOT met'})`
    console.log(line)
  }
} finally {
  client.release()
  await prisma.$disconnect()
}
process.exit(0)
