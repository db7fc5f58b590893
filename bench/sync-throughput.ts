/**
 * bench/sync-throughput: how much of BullMQ's own speed the storefront order import keeps.
 *
 * - baseline: bare BullMQ no-op jobs (same queue backend, worker options and concurrency);
 * - candidate: the storefront `import-order` job through the real integration processor — GET the order from the
 *   sandbox (a separate process, 0 ms latency) + the real upserts (order, customer, lines, record links, run log).
 * Rounds alternate the two (these machines are noisy); each round adds its jobs with the worker stopped, then
 * times the worker from start to the last completion. Also: add→start latency (p50/p99) of single jobs added one
 * at a time to an idle worker.
 *
 * Goals (issue 3): bare ≥ 5,000 jobs/s on Redis; import ≥ 0.3 × bare; add→start p99 ≤ 10 ms.
 * Needs the local PostgreSQL and Redis (TEST_DATABASE_URL / TEST_REDIS_URL). Tunables (env): ROUNDS (3),
 * BARE_JOBS (20000), IMPORT_JOBS (2000), CONCURRENCY (50), LATENCY_JOBS (500), STOCKED (off): `STOCKED=1` first
 * puts the sandbox's catalogue in OpsDeck (its SKUs at its locations, ample stock), so that every imported order
 * also reserves its stock as it would against the demo data; without it the orders' SKUs are unknown to OpsDeck and
 * the import's reservation step finds nothing to reserve.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '#test/helpers/app-process.ts'
import { createTestDatabase, ensureTemplate, TEST_REDIS_URL, uniquePrefix } from '#test/setup/test-db.ts'

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)))
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const BARE_JOBS = Number(process.env.BARE_JOBS ?? 20_000)
const IMPORT_JOBS = Number(process.env.IMPORT_JOBS ?? 2_000)
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50)
const LATENCY_JOBS = Number(process.env.LATENCY_JOBS ?? 500)
const STOCKED = process.env.STOCKED === '1'
const API_KEY = 'bench-provider-api-key'

await ensureTemplate()
const database = await createTestDatabase('benchsync')
const sandboxPort = await freePort()
const sandboxUrl = `http://127.0.0.1:${sandboxPort}`

// The configuration is read on first use: set it before any app module loads.
Object.assign(process.env, {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  DATABASE_URL: database.url,
  DATABASE_POOL_SIZE: '20',
  REDIS_URL: process.env.REDIS_URL ?? TEST_REDIS_URL,
  QUEUE_PREFIX: uniquePrefix('benchsync'),
  SESSION_SECRET: 'bench-session-secret-0123456789abcdef',
  PROVIDER_API_KEY: API_KEY,
  WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
  SANDBOX_URL: sandboxUrl,
  WORKER_CONCURRENCY: String(CONCURRENCY),
})

const sandbox = spawn(process.execPath, ['--import', 'tsx', 'sandbox/index.ts'], {
  cwd: ROOT,
  env: {
    PATH: process.env.PATH ?? '',
    SANDBOX_PORT: String(sandboxPort),
    PROVIDER_API_KEY: API_KEY,
    WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
    SANDBOX_ORDERS_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
})

const { createQueue, createWorker, closeQueues } = await import('#app/queues/connection.server.ts')
const { getIntegrationQueue, jobIds } = await import('#app/queues/integrations.server.ts')
const { createIntegrationProcessor } = await import('#workers/integrations/shared/processor.ts')
const { storefrontConnector } = await import('#workers/integrations/storefront/index.ts')
const { ensureIntegrations } = await import('#app/models/integration-sync.server.ts')
const { prisma } = await import('#app/utils/db.server.ts')
const { createLogger } = await import('#app/utils/logger.server.ts')
type Worker = import('bullmq').Worker

const log = createLogger('worker')

async function control(pathname: string, body?: unknown) {
  const response = await fetch(`${sandboxUrl}/control${pathname}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`sandbox control ${pathname}: ${response.status} ${await response.text()}`)
  return response.json() as Promise<Record<string, unknown>>
}

async function waitForSandbox() {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${sandboxUrl}/healthz`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('sandbox did not start')
}

/** Starts `worker`, resolves with the elapsed ms once `count` jobs have completed (any failure aborts the bench). */
function timeRun(worker: Worker, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = 0
    const started = performance.now()
    worker.on('completed', () => {
      done += 1
      if (done === count) resolve(performance.now() - started)
    })
    worker.on('failed', (job, error) => reject(new Error(`job ${job?.id} failed: ${error.message}`)))
    void worker.run().catch(reject)
  })
}

async function bareRound(round: number) {
  const name = `bench-bare-${round}`
  const queue = createQueue(name)
  for (let i = 0; i < BARE_JOBS; i += 1_000) {
    await queue.addBulk(Array.from({ length: Math.min(1_000, BARE_JOBS - i) }, (_, j) => ({ name: 'noop', data: { n: i + j } })))
  }
  const worker = createWorker(name, async () => {}, { concurrency: CONCURRENCY, autorun: false })
  const ms = await timeRun(worker, BARE_JOBS)
  await worker.close()
  await queue.obliterate({ force: true })
  return (BARE_JOBS / ms) * 1000
}

async function importRound(externalIds: string[]) {
  const queue = getIntegrationQueue('storefront')
  for (let i = 0; i < externalIds.length; i += 1_000) {
    await queue.addBulk(
      externalIds.slice(i, i + 1_000).map((externalId) => ({ name: 'import-order', data: { externalId }, opts: { jobId: jobIds.importOrder(externalId) } })),
    )
  }
  const worker = createWorker('sync-storefront', createIntegrationProcessor(storefrontConnector, log), { concurrency: CONCURRENCY, autorun: false })
  const ms = await timeRun(worker, externalIds.length)
  await worker.close()
  return (externalIds.length / ms) * 1000
}

async function latency() {
  const queue = createQueue('bench-latency')
  const addedAt = new Map<string, number>()
  const samples: number[] = []
  const worker = createWorker(
    'bench-latency',
    async (job) => {
      const at = addedAt.get(job.id!)
      if (at !== undefined) samples.push(performance.now() - at)
    },
    { concurrency: 1 },
  )
  await worker.waitUntilReady()
  await new Promise((resolve) => setTimeout(resolve, 200))
  for (let i = 0; i < LATENCY_JOBS; i += 1) {
    const id = `lat-${i}`
    addedAt.set(id, performance.now())
    await queue.add('ping', {}, { jobId: id })
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const deadline = Date.now() + 10_000
  while (samples.length < LATENCY_JOBS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  await worker.close()
  await queue.obliterate({ force: true })
  samples.sort((a, b) => a - b)
  const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN
  return { p50: pick(0.5), p99: pick(0.99), n: samples.length }
}

/** STOCKED=1: the sandbox's SKUs as catalogue variants, each stocked at every sandbox location (opening ledger entry). */
async function stockCatalogue() {
  const { generateWorld, LOCATIONS } = await import('#sandbox/data.ts')
  // SKUs and location codes do not depend on the seed.
  const catalogue = generateWorld(1).catalogue
  const onHand = 1_000_000
  const inserted = await prisma.$executeRaw`
    WITH items AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(catalogue)}::jsonb) AS r("sku" text, "title" text, "variant_title" text, "unit_price" int, "weight_grams" int)
    ), products AS (
      INSERT INTO "Product" ("id", "title", "handle", "updatedAt")
      SELECT DISTINCT ON ("title") 'bench-p-' || md5("title"), "title", 'bench-' || md5("title"), now() FROM items
      RETURNING "id", "title"
    ), variants AS (
      INSERT INTO "ProductVariant" ("id", "productId", "sku", "title", "priceAmount", "currency", "weightGrams", "updatedAt")
      SELECT 'bench-v-' || i."sku", p."id", i."sku", i."variant_title", i."unit_price", 'GBP', i."weight_grams", now()
        FROM items i JOIN products p ON p."title" = i."title"
      RETURNING "id"
    ), locations AS (
      INSERT INTO "Location" ("id", "code", "name", "updatedAt")
      SELECT 'bench-l-' || code, code, 'Bench ' || code, now() FROM unnest(${[...LOCATIONS]}::text[]) AS code
      RETURNING "id"
    ), levels AS (
      INSERT INTO "InventoryLevel" ("id", "variantId", "locationId", "onHand", "updatedAt")
      SELECT 'bench-' || v."id" || '-' || l."id", v."id", l."id", ${onHand}, now() FROM variants v CROSS JOIN locations l
      RETURNING "variantId", "locationId", "onHand"
    )
    INSERT INTO "InventoryLedgerEntry" ("variantId", "locationId", "kind", "onHandDelta", "reason")
    SELECT "variantId", "locationId", 'adjust', "onHand", 'Opening stock (bench)' FROM levels`
  console.log(`stocked: ${catalogue.length} SKUs at ${LOCATIONS.length} locations (${inserted} levels)`)
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

try {
  await waitForSandbox()
  // No webhooks in this benchmark (each new order also authorizes a payment, with its own webhook): the import jobs
  // are the only work, and the sandbox spends nothing on deliveries.
  for (const provider of ['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk']) await control(`/faults/${provider}`, { webhookDropRate: 1 })
  const externalIds: string[] = []
  const wanted = IMPORT_JOBS * ROUNDS
  while (externalIds.length < wanted) {
    const { ids } = (await control('/storefront/orders', { count: Math.min(5_000, wanted - externalIds.length) })) as { ids: string[] }
    externalIds.push(...ids)
  }
  await ensureIntegrations(['storefront'])
  if (STOCKED) await stockCatalogue()

  // Warm-up: JIT, connections and the Prisma query plans, on orders the measured rounds do not use.
  const warm = (await control('/storefront/orders', { count: 200 })) as { ids: string[] }
  await importRound(warm.ids)
  await bareRound(-1)

  const bare: number[] = []
  const imports: number[] = []
  const ratios: number[] = []
  for (let round = 0; round < ROUNDS; round += 1) {
    const ids = externalIds.slice(round * IMPORT_JOBS, (round + 1) * IMPORT_JOBS)
    // Alternate which side goes first.
    const [b, i] = round % 2 === 0 ? [await bareRound(round), await importRound(ids)] : await (async () => {
      const imported = await importRound(ids)
      return [await bareRound(round), imported] as const
    })()
    bare.push(b)
    imports.push(i)
    ratios.push(i / b)
    console.log(`round ${round + 1}: bare=${b.toFixed(0)} jobs/s import=${i.toFixed(0)} jobs/s ratio=${(i / b).toFixed(3)}`)
  }
  const imported = await prisma.order.count({ where: { source: 'storefront' } })
  if (imported < IMPORT_JOBS * ROUNDS) throw new Error(`only ${imported} orders imported`)
  if (STOCKED) {
    const reserved = await prisma.reservation.count()
    const accepted = await prisma.order.count({ where: { source: 'storefront', status: { in: ['confirmed', 'processing'] } } })
    console.log(`stocked: ${accepted} of ${imported} imported orders accepted, ${reserved} reservations`)
  }

  const lat = await latency()
  const ratio = median(ratios)
  const goals = [
    `bare ≥ 5000: ${median(bare) >= 5_000 ? 'met' : 'NOT met'}`,
    `ratio ≥ 0.3: ${ratio >= 0.3 ? 'met' : 'NOT met'}`,
    `p99 ≤ 10 ms: ${lat.p99 <= 10 ? 'met' : 'NOT met'}`,
  ].join('; ')
  console.log(
    `sync-throughput: candidate=${median(imports).toFixed(0)} jobs/s (storefront import) baseline=${median(bare).toFixed(0)} jobs/s (bare BullMQ) ` +
      `ratio=${ratio.toFixed(3)}${STOCKED ? ' (stocked: orders reserve)' : ''} add→start p50=${lat.p50.toFixed(2)} ms p99=${lat.p99.toFixed(2)} ms (n=${lat.n}; concurrency ${CONCURRENCY}; goals: ${goals})`,
  )
} finally {
  await closeQueues()
  await prisma.$disconnect()
  sandbox.kill('SIGTERM')
  await database.drop()
}
process.exit(0)
