/**
 * bench/ticket-views — the support queues at 200,000 tickets: every view's count and first page, ours vs raw SQL.
 *
 * Candidate (ours, what `/tickets` runs): `countTicketViews` (every queue's capped count — 7 views, 4 priorities, the
 * busiest tags — in one statement through Prisma) and `listTickets` (the first 50-row keyset page of each view,
 * through Prisma, rows shaped). Baseline (raw SQL through `pg`, what a hand-written page would do): one exact
 * `count(*)` per view and one `ORDER BY "updatedAt" DESC LIMIT 50` page per view, written by hand, same indexes.
 * Client wall time, medians over ROUNDS interleaved rounds (ours then raw, raw then ours, alternating).
 *
 * Data: its own database (`opsdeck_bench_tickets_<migrations>_<n>`), built once per migration set and size with
 * set-based SQL (generate_series) and reused; BENCH_FRESH=1 rebuilds it. 200,000 tickets (~23 % unsolved), two
 * messages each, 40 agents, SLA clocks on unsolved tickets (some breached, some due within the hour).
 * Tunables (env): BENCH_TICKETS (200000), ROUNDS (15).
 *
 *   npx tsx bench/ticket-views.ts        (or: npm run bench -- ticket-views)
 */
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { ADMIN_URL, databaseUrl, ensureTemplate, templateName } from '#test/setup/test-db.ts'
import { median, quantile, useBulkDatabase } from './orders-query.ts'

const NOW = new Date('2026-11-25T12:00:00Z')

async function ticketsDatabase(tickets: number) {
  const template = await ensureTemplate()
  const name = `opsdeck_bench_tickets_${template.slice(-12)}_${tickets}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    if (process.env.BENCH_FRESH === '1') await admin.query(`drop database if exists "${name}" with (force)`)
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name])
    if (rowCount === 1) return { name, url: databaseUrl(name), reused: true }
    // Half-built copies of earlier runs that crashed are dropped first.
    const { rows: stale } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${name}_build_%`])
    for (const { datname } of stale) await admin.query(`drop database if exists "${datname}" with (force)`)
    const building = `${name}_build_${process.pid}`
    await admin.query(`create database "${building}" template "${templateName()}"`)
    const started = performance.now()
    console.log(`loading ${tickets.toLocaleString('en')} tickets into ${building} …`)
    await fill(databaseUrl(building), tickets)
    console.log(`loaded in ${((performance.now() - started) / 1000).toFixed(0)} s`)
    await admin.query(`alter database "${building}" rename to "${name}"`)
    return { name, url: databaseUrl(name), reused: false }
  } finally {
    await admin.end()
  }
}

/** Set-based load; deterministic (no random()): every value is a function of the row number. */
async function fill(url: string, n: number) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const now = NOW.toISOString()
  try {
    // The live feed's triggers would NOTIFY per statement; nobody listens here, but skip the work.
    await client.query(`ALTER TABLE "Ticket" DISABLE TRIGGER USER; ALTER TABLE "TicketMessage" DISABLE TRIGGER USER`)
    await client.query(`
      INSERT INTO "User" (id, email, name, "passwordHash", role, "updatedAt")
      SELECT 'agent' || i, 'agent' || i || '@bench.test', 'Agent ' || i, 'x', 'support', now() FROM generate_series(0, 39) i`)
    await client.query(`
      INSERT INTO "Customer" (id, email, name, source, "updatedAt")
      SELECT 'cus' || i, 'customer' || i || '@example.com', 'Customer ' || i, 'manual', now() FROM generate_series(0, 19999) i`)
    await client.query(
      `
      INSERT INTO "Ticket" (id, number, subject, status, priority, channel, tags, "requesterId", "requesterEmail", "requesterName",
                            "assigneeId", "lastMessageAt", "createdAt", "updatedAt", source)
      SELECT 'tk' || i, i + 1,
             (ARRAY['Where is my order', 'Damaged item', 'Wrong size', 'Refund not received', 'Change address', 'Cancel please', 'Discount code'])[1 + i % 7] || ' ' || i,
             (CASE WHEN i % 100 < 6 THEN 'new' WHEN i % 100 < 14 THEN 'open' WHEN i % 100 < 19 THEN 'pending' WHEN i % 100 < 23 THEN 'on_hold'
                   WHEN i % 100 < 80 THEN 'solved' ELSE 'closed' END)::"TicketStatus",
             (ARRAY['low', 'normal', 'normal', 'normal', 'high', 'urgent'])[1 + (i / 7) % 6]::"TicketPriority",
             'email'::"TicketChannel",
             CASE (i / 3) % 8 WHEN 1 THEN ARRAY['shipping'] WHEN 2 THEN ARRAY['refund'] WHEN 3 THEN ARRAY['vip', 'shipping'] WHEN 4 THEN ARRAY['damaged']
                              WHEN 5 THEN ARRAY['billing'] WHEN 7 THEN ARRAY['address-change'] ELSE ARRAY[]::text[] END,
             'cus' || (i % 20000), 'customer' || (i % 20000) || '@example.com', 'Customer ' || (i % 20000),
             CASE WHEN i % 100 < 6 OR i % 13 = 0 THEN NULL ELSE 'agent' || (i % 40) END,
             $1::timestamptz - ((${n} - i) * interval '1 minute') * 3,
             $1::timestamptz - ((${n} - i) * interval '1 minute') * 3 - interval '2 hours',
             $1::timestamptz - ((${n} - i) * interval '1 minute') * 3,
             'manual'
        FROM generate_series(0, ${n - 1}) i`,
      [now],
    )
    await client.query(`SELECT setval(pg_get_serial_sequence('"Ticket"', 'number'), ${n + 1})`)
    await client.query(`
      INSERT INTO "TicketMessage" (id, "ticketId", kind, "authorId", "fromCustomer", body, "createdAt")
      SELECT 'm' || t.i || '_' || k, 'tk' || t.i, 'public_reply', CASE WHEN k = 1 THEN 'agent' || (t.i % 40) END, k = 0,
             CASE WHEN k = 0 THEN 'Hello, my parcel number ' || t.i || ' has not arrived and the tracking page says nothing.'
                  ELSE 'Hi, thanks for writing. I checked with the carrier about parcel ' || t.i || ' and will update you.' END,
             tk."createdAt" + k * interval '30 minutes'
        FROM generate_series(0, ${n - 1}) t(i), generate_series(0, 1) k, LATERAL (SELECT "createdAt" FROM "Ticket" WHERE id = 'tk' || t.i) tk`)
    // SLA clocks on unsolved tickets: resolution for all, first response for new ones; due times spread around now.
    await client.query(
      `
      INSERT INTO "AppliedSla" (id, "ticketId", "subjectType", "subjectId", metric, "targetMinutes", "warnAfterMinutes", calendar,
                                "startedAt", "dueAt", "pausedAt", "breachedAt", "updatedAt")
      SELECT 'sla' || t.number || m.metric, t.id, 'ticket', t.id, m.metric::"SlaMetric", 600, 450, '{}'::jsonb,
             t."createdAt", due.at,
             CASE WHEN t.status IN ('pending', 'on_hold') THEN t."updatedAt" END,
             CASE WHEN t.status NOT IN ('pending', 'on_hold') AND due.at < $1::timestamptz THEN due.at END,
             now()
        FROM "Ticket" t
        CROSS JOIN (VALUES ('resolution'), ('first_response')) m(metric)
        CROSS JOIN LATERAL (SELECT greatest(t."createdAt" + interval '1 minute', $1::timestamptz + ((t.number * 37) % 1440 - 720) * interval '1 minute') AS at) due
       WHERE t.status IN ('new', 'open', 'pending', 'on_hold') AND (m.metric = 'resolution' OR t.status = 'new')`,
      [now],
    )
    await client.query(`ALTER TABLE "Ticket" ENABLE TRIGGER USER; ALTER TABLE "TicketMessage" ENABLE TRIGGER USER`)
    for (const table of ['Ticket', 'TicketMessage', 'AppliedSla']) await client.query(`VACUUM ANALYZE "${table}"`)
  } finally {
    await client.end()
  }
}

/** The hand-written baseline: one exact count and one page per view, plain SQL. */
const UNSOLVED = `status IN ('new','open','pending','on_hold')`
const RAW_VIEWS: Record<string, string> = {
  mine: `"assigneeId" = 'agent7' AND ${UNSOLVED}`,
  unassigned: `"assigneeId" IS NULL AND ${UNSOLVED}`,
  open: UNSOLVED,
  pending: `status = 'pending'`,
  breaching: `status IN ('new','open') AND EXISTS (SELECT 1 FROM "AppliedSla" a WHERE a."ticketId" = "Ticket".id AND a."satisfiedAt" IS NULL AND a."pausedAt" IS NULL AND a."breachedAt" IS NULL AND a."dueAt" > $1 AND a."dueAt" <= $1::timestamptz + interval '60 minutes')`,
  breached: `${UNSOLVED} AND EXISTS (SELECT 1 FROM "AppliedSla" a WHERE a."ticketId" = "Ticket".id AND a."satisfiedAt" IS NULL AND (a."breachedAt" IS NOT NULL OR (a."pausedAt" IS NULL AND a."dueAt" <= $1)))`,
  all: 'TRUE',
  'priority=urgent': `${UNSOLVED} AND priority = 'urgent'`,
  'tag=shipping': `${UNSOLVED} AND tags @> ARRAY['shipping']`,
}
const SEARCHES: Record<string, string> = {
  mine: 'view=mine',
  unassigned: 'view=unassigned',
  open: 'view=open',
  pending: 'view=pending',
  breaching: 'view=breaching',
  breached: 'view=breached',
  all: 'view=all',
  'priority=urgent': 'view=open&priority=urgent',
  'tag=shipping': 'view=open&tag=shipping',
}

async function main() {
  const ROUNDS = Number(process.env.ROUNDS ?? 15)
  const TICKETS = Number(process.env.BENCH_TICKETS ?? 200_000)
  const db = await ticketsDatabase(TICKETS)
  useBulkDatabase(db.url)
  const { countTicketViews, listTickets, parseTicketListQuery, TICKET_COUNT_CAP } = await import('#app/models/ticket-list.server.ts')
  const { prisma, pgPool } = await import('#app/utils/db.server.ts')
  const viewer = { id: 'agent7' }
  const raw = await pgPool.connect()
  try {
    const { rows: [{ n, unsolved }] } = await raw.query<{ n: string; unsolved: string }>(`select count(*)::text as n, count(*) filter (where ${UNSOLVED})::text as unsolved from "Ticket"`)
    console.log(`ticket-views: ${Number(n).toLocaleString('en')} tickets (${Number(unsolved).toLocaleString('en')} unsolved) in ${db.name}${db.reused ? ' (reused)' : ''}`)
    const queries = Object.fromEntries(
      Object.entries(SEARCHES).map(([view, search]) => {
        const parsed = parseTicketListQuery(new URLSearchParams(search))
        if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors))
        return [view, parsed.query]
      }),
    )

    // Same answers both ways (counts below the cap are exact; pages list the same ids).
    const ours = await countTicketViews(viewer, [], NOW)
    for (const [view, where] of Object.entries(RAW_VIEWS)) {
      const { rows: [row] } = await raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Ticket" WHERE ${where}`, where.includes('$1') ? [NOW] : [])
      const mine = view.startsWith('priority=') ? ours.priorities.urgent : view.startsWith('tag=') ? ours.tags.find((t) => t.tag === 'shipping')?.count : ours.views[view as keyof typeof ours.views]
      const expected = row!.n > TICKET_COUNT_CAP ? { count: TICKET_COUNT_CAP, exact: false } : { count: row!.n, exact: true }
      if (JSON.stringify(mine) !== JSON.stringify(expected)) throw new Error(`${view}: ours ${JSON.stringify(mine)} vs raw ${row!.n}`)
      const page = (await listTickets(queries[view]!, viewer, NOW)).rows.map((r) => r.id)
      const rawPage = (await raw.query<{ id: string }>(`SELECT id FROM "Ticket" WHERE ${where} ORDER BY "updatedAt" DESC, id DESC LIMIT 50`, where.includes('$1') ? [NOW] : [])).rows.map((r) => r.id)
      if (JSON.stringify(page) !== JSON.stringify(rawPage)) throw new Error(`${view}: first pages differ`)
      console.log(`  ${view.padEnd(16)} count ${row!.n.toLocaleString('en').padStart(8)}`)
    }

    const time = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now()
      await fn()
      return performance.now() - t0
    }
    const oursCounts: number[] = []
    const rawCounts: number[] = []
    const oursPages: Record<string, number[]> = {}
    const rawPages: Record<string, number[]> = {}
    const rawCountAll = async () => {
      for (const where of Object.values(RAW_VIEWS)) await raw.query(`SELECT count(*)::int AS n FROM "Ticket" WHERE ${where}`, where.includes('$1') ? [NOW] : [])
    }
    const pageOurs = (view: string) => listTickets(queries[view]!, viewer, NOW)
    const pageRaw = (view: string) => {
      const where = RAW_VIEWS[view]!
      return raw.query(
        `SELECT t.id, t.number, t.subject, t.status, t.priority, t.tags, t."requesterName", t."requesterEmail", u.name, t."updatedAt"
           FROM "Ticket" t LEFT JOIN "User" u ON u.id = t."assigneeId" WHERE ${where.replaceAll('"Ticket".id', 't.id')} ORDER BY t."updatedAt" DESC, t.id DESC LIMIT 51`,
        where.includes('$1') ? [NOW] : [],
      )
    }
    for (let round = -2; round < ROUNDS; round += 1) {
      const keep = round >= 0 // two warm-up rounds
      const a = () => time(() => countTicketViews(viewer, [], NOW)).then((ms) => keep && oursCounts.push(ms))
      const b = () => time(rawCountAll).then((ms) => keep && rawCounts.push(ms))
      if (round % 2 === 0) await a().then(b)
      else await b().then(a)
      for (const view of Object.keys(RAW_VIEWS)) {
        const x = () => time(() => pageOurs(view)).then((ms) => keep && (oursPages[view] ??= []).push(ms))
        const y = () => time(() => pageRaw(view)).then((ms) => keep && (rawPages[view] ??= []).push(ms))
        if (round % 2 === 0) await x().then(y)
        else await y().then(x)
      }
    }
    console.log('  first page (50 rows), client wall time, median:')
    let oursTotal = 0
    let rawTotal = 0
    for (const view of Object.keys(RAW_VIEWS)) {
      const o = median(oursPages[view]!)
      const r = median(rawPages[view]!)
      oursTotal += o
      rawTotal += r
      console.log(`    ${view.padEnd(16)} ours=${o.toFixed(2)} ms  raw=${r.toFixed(2)} ms  ratio=${(o / r).toFixed(2)}  (ours p90 ${quantile(oursPages[view]!, 0.9).toFixed(2)} ms)`)
    }
    const oc = median(oursCounts)
    const rc = median(rawCounts)
    console.log(
      `ticket-views counts: candidate=${oc.toFixed(2)} ms (every queue's count capped at ${TICKET_COUNT_CAP}, one statement, Prisma) baseline=${rc.toFixed(2)} ms (${Object.keys(RAW_VIEWS).length} exact count(*) by hand, pg) ratio=${(oc / rc).toFixed(3)}`,
    )
    console.log(
      `ticket-views first pages: candidate=${oursTotal.toFixed(2)} ms (listTickets, ${Object.keys(RAW_VIEWS).length} views) baseline=${rawTotal.toFixed(2)} ms (hand-written pages, pg) ratio=${(oursTotal / rawTotal).toFixed(3)}`,
    )
    console.log(`ticket-views: candidate=${(oc + oursTotal).toFixed(2)} ms baseline=${(rc + rawTotal).toFixed(2)} ms ratio=${((oc + oursTotal) / (rc + rawTotal)).toFixed(3)} (a whole sidebar of counts + one page of every view)`)
  } finally {
    raw.release()
    await prisma.$disconnect()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
  process.exit(0)
}
