/**
 * bench/orders-export: CSV export of 1,000,000 orders (issue 4: "Export of 1M rows: report time and peak memory").
 *
 * - candidate: the real bulk `export` job (workers/bulk/export.ts through the worker's processor): keyset ids from
 *   the list model's iterateOrderIds, 1,000 rows per read, CSV written with backpressure to a file;
 * - baseline: `COPY (<the same columns, same order>) TO STDOUT WITH CSV HEADER` through node-postgres
 *   (pg-copy-streams) into a file — PostgreSQL formatting the CSV itself, the floor for any export.
 * Each run is its own child process (the process doing the export), so its peak RSS (`maxRSS`) is its own; rounds
 * alternate which side goes first. Data: a fresh database seeded by prisma/seed-bulk.ts.
 *
 * Prints time, rows/s and peak RSS for both, and the time ratio. Tunables (env): ORDERS (1000000), ROUNDS (2).
 * Needs the local PostgreSQL (TEST_DATABASE_URL).
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)))
const mode = process.argv[2]

type RunResult = { side: 'candidate' | 'baseline'; ms: number; rows: number; bytes: number; maxRssMb: number; startRssMb: number }

/** The baseline's SELECT: the export's columns (ORDER_EXPORT_HEADER) in the export's order (newest placed first). */
const COPY_SQL = `COPY (
  SELECT o."number", to_char(o."placedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS placed_at, o."status", o."paymentStatus",
         o."fulfillmentStatus", o."channel", o."customerName", o."customerEmail", o."shippingAddress" ->> 'country',
         o."currency", (o."totalAmount" / 100.0)::numeric(14, 2), array_to_string(o."tags", ';'), u."email", o."id"
    FROM "Order" o LEFT JOIN "User" u ON u."id" = o."assigneeId"
   ORDER BY o."placedAt" DESC, o."id" DESC
) TO STDOUT WITH (FORMAT csv, HEADER)`

async function childCandidate() {
  const { pino } = await import('pino')
  const { prisma } = await import('#app/utils/db.server.ts')
  const { createBulkOperation } = await import('#app/models/bulk-operation.server.ts')
  const { createBulkProcessor } = await import('#workers/bulk/processor.ts')
  const { closeQueues } = await import('#app/queues/connection.server.ts')
  const user = await prisma.user.create({ data: { email: `bench-${Date.now()}@opsdeck.test`, name: 'Bench', role: 'operations', passwordHash: 'x' }, select: { id: true, role: true } })
  const created = await createBulkOperation({ kind: 'export', selection: { query: {} }, params: {}, actor: user })
  if (!created.ok) throw new Error(created.message)
  const job = { name: 'run', data: { operationId: created.operation.id }, attemptsMade: 0, opts: { attempts: 1 }, id: 'bench' }
  // Timed from the job's start (the request part, row + audit + enqueue, is milliseconds and not the export).
  const loadedRss = process.memoryUsage().rss
  const started = performance.now()
  await createBulkProcessor(pino({ level: 'warn' }))(job as never)
  const ms = performance.now() - started
  const row = await prisma.bulkOperation.findUniqueOrThrow({ where: { id: created.operation.id }, select: { processed: true, fileBytes: true, filePath: true, status: true } })
  if (row.status !== 'completed') throw new Error(`export ended ${row.status}`)
  await rm(row.filePath!, { force: true })
  await closeQueues()
  await prisma.$disconnect()
  const result: RunResult = { side: 'candidate', ms, rows: row.processed, bytes: Number(row.fileBytes), maxRssMb: process.resourceUsage().maxRSS / 1024, startRssMb: loadedRss / 1024 / 1024 }
  console.log(JSON.stringify(result))
}

async function childBaseline() {
  const pg = (await import('pg')).default
  const { to } = await import('pg-copy-streams')
  const startRss = process.memoryUsage().rss
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  const dir = await mkdtemp(path.join(os.tmpdir(), 'opsdeck-copy-'))
  const file = path.join(dir, 'orders.csv')
  const started = performance.now()
  const stream = client.query(to(COPY_SQL))
  await pipeline(stream, createWriteStream(file))
  const ms = performance.now() - started
  const bytes = (await stat(file)).size
  // pg-copy-streams counts data rows (the header is not one).
  const rows = Number((stream as unknown as { rowCount: number }).rowCount)
  await rm(dir, { recursive: true, force: true })
  await client.end()
  const result: RunResult = { side: 'baseline', ms, rows, bytes, maxRssMb: process.resourceUsage().maxRSS / 1024, startRssMb: startRss / 1024 / 1024 }
  console.log(JSON.stringify(result))
}

function runChild(side: 'candidate' | 'baseline', env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'orders-export.ts'), `--${side}`], { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk))
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0) return reject(new Error(`${side} exited ${code}: ${out}`))
      resolve(JSON.parse(line) as RunResult)
    })
  })
}

async function main() {
  const { seedBulk } = await import('../prisma/seed-bulk.ts')
  const { createTestDatabase, ensureTemplate, uniquePrefix } = await import('#test/setup/test-db.ts')
  const orders = Number(process.env.ORDERS ?? 1_000_000)
  const rounds = Number(process.env.ROUNDS ?? 2)
  await ensureTemplate()
  const database = await createTestDatabase('benchexport')
  try {
    const seedStarted = performance.now()
    await seedBulk({ connectionString: database.url, orders })
    console.log(`seeded ${orders.toLocaleString('en')} orders in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`)
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '4',
      QUEUE_PREFIX: uniquePrefix('benchexport'),
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
      PROVIDER_API_KEY: 'bench-provider-api-key',
      WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
    }
    const results: RunResult[] = []
    for (let round = 0; round < rounds; round++) {
      const order: Array<'candidate' | 'baseline'> = round % 2 === 0 ? ['baseline', 'candidate'] : ['candidate', 'baseline']
      for (const side of order) {
        const result = await runChild(side, env)
        results.push(result)
        console.log(
          `round ${round + 1} ${side}: ${(result.ms / 1000).toFixed(1)} s, ${Math.round(result.rows / (result.ms / 1000)).toLocaleString('en')} rows/s, ` +
            `${result.rows.toLocaleString('en')} rows, ${(result.bytes / 1024 / 1024).toFixed(1)} MB, peak RSS ${result.maxRssMb.toFixed(0)} MB (before the export, modules loaded: ${result.startRssMb.toFixed(0)} MB)`,
        )
      }
    }
    const best = (side: 'candidate' | 'baseline') => results.filter((result) => result.side === side).sort((a, b) => a.ms - b.ms)[0]!
    const peak = (side: 'candidate' | 'baseline') => Math.max(...results.filter((result) => result.side === side).map((result) => result.maxRssMb))
    const candidate = best('candidate')
    const baseline = best('baseline')
    if (candidate.rows !== orders || baseline.rows !== orders) throw new Error(`row counts differ: candidate ${candidate.rows}, baseline ${baseline.rows}, seeded ${orders}`)
    console.log(
      `orders-export: candidate=${(candidate.ms / 1000).toFixed(1)} s peak RSS ${peak('candidate').toFixed(0)} MB (bulk export job) ` +
        `baseline=${(baseline.ms / 1000).toFixed(1)} s peak RSS ${peak('baseline').toFixed(0)} MB (COPY … TO STDOUT) ` +
        `ratio=${(candidate.ms / baseline.ms).toFixed(2)}× time, rows=${orders.toLocaleString('en')}`,
    )
  } finally {
    await database.drop()
  }
}

if (mode === '--candidate') await childCandidate()
else if (mode === '--baseline') await childBaseline()
else await main()
