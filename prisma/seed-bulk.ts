/**
 * Bulk data for load tests and list-page benchmarks: `npx tsx prisma/seed-bulk.ts [--orders 1000000]`.
 *
 * Into DATABASE_URL (already migrated) it adds, for 1M orders: 1M orders with ~2.5M lines, payments, refunds,
 * shipments (fulfilments, their lines and tracking events), 200k customers with addresses, 20k products with 100k
 * variants (SKUs) and 300k inventory levels in 3 locations, and 200k tickets with messages. Other volumes scale with
 * --orders. It refuses to run twice on one database.
 *
 * How it stays fast (≤ 2 min on 2 cores): every row is produced by `INSERT … SELECT generate_series(…)` with
 * deterministic pseudo-random values (`hashint8extended(i, salt)`, so the same --orders/--now gives the same data),
 * nothing crosses the wire; the secondary indexes and foreign keys of the loaded tables are dropped first and
 * rebuilt afterwards (one sort per index instead of millions of b-tree/GIN inserts; one join per foreign key instead
 * of a trigger per row), and two connections load, index and validate independent tables at the same time.
 * Rows are generated consistent by construction: the stored payment/fulfilment statuses follow the rules of
 * app/models/order-status.ts (derivePaymentStatus / deriveFulfillmentStatus), and the re-added foreign keys and the
 * CHECKs validate everything else.
 */
import { pathToFileURL } from 'node:url'
import pg from 'pg'
import { ORDER_SCENARIOS, type OrderScenario } from '#test/factories/orders.ts'

export type BulkOptions = {
  connectionString: string
  orders?: number
  now?: Date
  log?: (line: string) => void
}

export type BulkResult = { timings: { step: string; rows: number; seconds: number }[]; totalSeconds: number; counts: Record<string, number> }

/** Tables this script writes; their secondary indexes and outgoing foreign keys are rebuilt around the load. */
const LOADED_TABLES = [
  'Customer',
  'Address',
  'Product',
  'ProductVariant',
  'Location',
  'InventoryLevel',
  'Order',
  'OrderLine',
  'Payment',
  'Refund',
  'Fulfillment',
  'FulfillmentLine',
  'TrackingEvent',
  'Ticket',
  'TicketMessage',
]

const FIRST_NAMES = [
  'Olivia', 'Amelia', 'Isla', 'Ava', 'Mia', 'Ivy', 'Lily', 'Isabella', 'Rosie', 'Sophia', 'Grace', 'Freya', 'Willow', 'Emily',
  'Ella', 'Poppy', 'Evie', 'Charlotte', 'Aria', 'Daisy', 'Noah', 'Oliver', 'George', 'Arthur', 'Muhammad', 'Leo', 'Harry',
  'Oscar', 'Archie', 'Henry', 'Theodore', 'Freddie', 'Jack', 'Charlie', 'Finley', 'Thomas', 'Alfie', 'Lucas', 'Tommy', 'Isaac',
]
const LAST_NAMES = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright', 'Thompson',
  'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Thomas', 'Clarke', 'Jackson', 'Wood', 'Harris', 'Edwards', 'Turner',
  'Martin', 'Cooper', 'Hill', 'Ward', 'Hughes', 'Moore', 'Clark', 'King', 'Harrison', 'Lewis', 'Baker', 'Lee', 'Allen', 'Morris', 'Khan',
]
const ADJECTIVES = ['Classic', 'Everyday', 'Premium', 'Organic', 'Vintage', 'Urban', 'Coastal', 'Alpine', 'Studio', 'Heritage']
const MATERIALS = ['Cotton', 'Linen', 'Wool', 'Leather', 'Canvas', 'Bamboo', 'Ceramic', 'Oak', 'Steel', 'Recycled']
const NOUNS = ['T-Shirt', 'Hoodie', 'Tote', 'Mug', 'Backpack', 'Scarf', 'Cap', 'Notebook', 'Bottle', 'Blanket', 'Jacket', 'Socks']
const SIZES = ['XS', 'S', 'M', 'L', 'XL']
const SUBJECTS = [
  'Where is my order #',
  'Order arrived damaged #',
  'Wrong item received in #',
  'Change delivery address for #',
  'Refund not received for #',
  'Please cancel order #',
  'Invoice request for #',
  'Return label for #',
]

const sqlArray = (values: string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')}]`

/** SQL helpers, created per session in pg_temp (inlined by the planner: IMMUTABLE one-expression SQL functions). */
const SESSION_SQL = `
  set synchronous_commit = off;
  set maintenance_work_mem = '1GB';
  set work_mem = '128MB';
  set max_parallel_maintenance_workers = 1;
  create or replace function pg_temp.h(i bigint, salt bigint) returns bigint language sql immutable parallel safe
    as $$ select hashint8extended(i, salt) & 2147483647 $$;
  create or replace function pg_temp.bid(prefix text, i bigint) returns text language sql immutable parallel safe
    as $$ select prefix || lpad(i::text, 10, '0') $$;
  create or replace function pg_temp.first_name(c bigint) returns text language sql immutable parallel safe
    as $$ select (${sqlArray(FIRST_NAMES)})[1 + pg_temp.h(c, 101) % ${FIRST_NAMES.length}] $$;
  create or replace function pg_temp.last_name(c bigint) returns text language sql immutable parallel safe
    as $$ select (${sqlArray(LAST_NAMES)})[1 + pg_temp.h(c, 102) % ${LAST_NAMES.length}] $$;
  create or replace function pg_temp.customer_email(c bigint) returns text language sql immutable parallel safe
    as $$ select lower(pg_temp.first_name(c) || '.' || pg_temp.last_name(c) || c::text || '@example.com') $$;
  create or replace function pg_temp.customer_name(c bigint) returns text language sql immutable parallel safe
    as $$ select pg_temp.first_name(c) || ' ' || pg_temp.last_name(c) $$;
  create or replace function pg_temp.price(v bigint) returns int language sql immutable parallel safe
    as $$ select ((pg_temp.h(v, 11) % 150 + 5) * 100 - 1)::int $$;
`

type Sizes = { orders: number; customers: number; variants: number; products: number; tickets: number }

export function bulkSizes(orders: number): Sizes {
  const scale = orders / 1_000_000
  const variants = Math.max(50, Math.round(100_000 * scale))
  return {
    orders,
    customers: Math.max(100, Math.round(200_000 * scale)),
    variants,
    products: Math.ceil(variants / 5),
    tickets: Math.max(100, Math.round(200_000 * scale)),
  }
}

/** 100 buckets of scenarios by weight: `recent` orders (last 6 days) may be open, older ones are closed. */
function scenarioBuckets() {
  const rows: string[] = []
  for (const recent of [true, false]) {
    const pool = ORDER_SCENARIOS.filter((s) => recent || s.status === 'completed' || s.status === 'cancelled').map((s) => ({
      ...s,
      weight: recent && (s.status === 'completed' || s.status === 'cancelled') ? s.weight / 8 : s.weight,
    }))
    const total = pool.reduce((sum, s) => sum + s.weight, 0)
    let acc = 0
    let bucket = 0
    for (const s of pool) {
      acc += s.weight
      const upTo = Math.round((acc / total) * 100)
      for (; bucket < upTo; bucket++) rows.push(scenarioRow(recent, bucket, s))
    }
  }
  return rows.join(',\n')
}
function scenarioRow(recent: boolean, bucket: number, s: OrderScenario) {
  const partial = ['partially_fulfilled', 'partially_shipped', 'partially_returned'].includes(s.fulfillmentStatus)
  return `(${recent}, ${bucket}, '${s.status}', '${s.paymentStatus}', '${s.fulfillmentStatus}', ${partial})`
}

export async function seedBulk(options: BulkOptions): Promise<BulkResult> {
  const log = options.log ?? (() => {})
  const sizes = bulkSizes(options.orders ?? 1_000_000)
  const now = options.now ?? new Date()
  const nowSql = `'${now.toISOString()}'::timestamptz`
  const started = performance.now()
  const timings: BulkResult['timings'] = []
  const connect = async () => {
    const client = new pg.Client({ connectionString: options.connectionString })
    await client.connect()
    await client.query(SESSION_SQL)
    return client
  }
  const a = await connect()
  const b = await connect()
  // A third session only for index and foreign-key builds: they wait on I/O (WAL, checkpoints) often enough that
  // three builds keep two cores busier than two.
  const c = await connect()
  const timed = async (client: pg.Client, step: string, sql: string) => {
    const t0 = performance.now()
    const result = await client.query(sql)
    const seconds = (performance.now() - t0) / 1000
    const rows = Array.isArray(result) ? result.reduce((n, r) => n + (r.rowCount ?? 0), 0) : (result.rowCount ?? 0)
    timings.push({ step, rows, seconds })
    log(`${step.padEnd(44)} ${String(rows).padStart(9)} rows ${seconds.toFixed(1).padStart(6)} s`)
  }
  /** Runs two lists of steps at once, one per connection. */
  const both = (left: () => Promise<void>, right: () => Promise<void>) => Promise.all([left(), right()])

  try {
    const { rows: existing } = await a.query(
      `select 1 from "Location" where code = 'BULK-A' union all select 1 from "Order" where id >= 'cbo' and id < 'cbp' limit 1`,
    )
    if (existing.length > 0) {
      throw new Error('This database already holds bulk data (location BULK-A or bulk orders exist). Use a fresh, migrated database.')
    }

    // ── 1. Drop the loaded tables' indexes (primary keys too) and every foreign key into or out of them ──
    // Maintaining a text b-tree per inserted row costs several times the insert itself here; building each index
    // once from sorted data afterwards is far cheaper. Restored (and so validated) in step 3, also on failure.
    const tables = `array[${LOADED_TABLES.map((t) => `'"${t}"'::regclass`).join(',')}]`
    const { rows: foreignKeys } = await a.query<{ name: string; table: string; def: string }>(
      `select conname::text as name, conrelid::regclass::text as table, pg_get_constraintdef(oid) as def
         from pg_constraint where contype = 'f' and (conrelid = any(${tables}) or confrelid = any(${tables}))`,
    )
    const { rows: primaryKeys } = await a.query<{ name: string; table: string; def: string }>(
      `select conname::text as name, conrelid::regclass::text as table, pg_get_constraintdef(oid) as def
         from pg_constraint where contype = 'p' and conrelid = any(${tables})`,
    )
    const { rows: indexes } = await a.query<{ name: string; def: string; table: string; gin: boolean }>(
      `select c.relname::text as name, pg_get_indexdef(i.indexrelid) as def, i.indrelid::regclass::text as table,
              pg_get_indexdef(i.indexrelid) like '%USING gin%' as gin
         from pg_index i join pg_class c on c.oid = i.indexrelid
        where i.indrelid = any(${tables}) and not i.indisprimary`,
    )
    const t0 = performance.now()
    await a.query('begin')
    for (const fk of foreignKeys) await a.query(`alter table ${fk.table} drop constraint "${fk.name}"`)
    for (const pk of primaryKeys) await a.query(`alter table ${pk.table} drop constraint "${pk.name}"`)
    for (const index of indexes) await a.query(`drop index "${index.name}"`)
    await a.query('commit')
    let restored = false
    timings.push({ step: 'drop indexes + foreign keys', rows: 0, seconds: (performance.now() - t0) / 1000 })
    log(`dropped ${primaryKeys.length} primary keys, ${indexes.length} indexes and ${foreignKeys.length} foreign keys for the load`)

    const restore = async () => {
      if (restored) return
      restored = true
      // Longest first (GIN trigram builds, then by table size), spread over both connections.
      const { rows: sizes } = await a.query<{ table: string; bytes: string }>(
        `select c.oid::regclass::text as table, pg_relation_size(c.oid)::text as bytes from pg_class c where c.oid = any(${tables})`,
      )
      const bytes = new Map(sizes.map((r) => [r.table, Number(r.bytes)]))
      const queue = [
        ...primaryKeys.map((pk) => ({ name: pk.name, table: pk.table, gin: false, sql: `alter table ${pk.table} add constraint "${pk.name}" ${pk.def}` })),
        ...indexes.map((index) => ({ ...index, sql: index.def.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ') })),
      ].sort((x, y) => Number(y.gin) - Number(x.gin) || (bytes.get(y.table) ?? 0) - (bytes.get(x.table) ?? 0))
      const worker = async (client: pg.Client) => {
        for (let item = queue.shift(); item; item = queue.shift()) await timed(client, `index ${item.name}`, item.sql)
      }
      await Promise.all([worker(a), worker(b), worker(c)])
      const fks = [...foreignKeys].sort((x, y) => (bytes.get(y.table) ?? 0) - (bytes.get(x.table) ?? 0))
      const fkWorker = async (client: pg.Client) => {
        for (let fk = fks.shift(); fk; fk = fks.shift()) {
          await timed(client, `foreign key ${fk.name}`, `alter table ${fk.table} add constraint "${fk.name}" ${fk.def}`)
        }
      }
      await Promise.all([fkWorker(a), fkWorker(b), fkWorker(c)])
    }

    try {
      // ── 2. Load: connection A does customers → orders and everything under them; B catalogue, stock, tickets ──
      await a.query(`
        create temp table bulk_scenario (recent boolean, bucket int, status text, pay text, ful text, partial boolean);
        insert into bulk_scenario values ${scenarioBuckets()};
      `)
      const span = 90 * 86400
      // ── 2. Load, on two connections at once; no indexes to maintain, so each row is one heap insert ──
      // Tickets link (half of them) to an order and then to that order's customer: same hash as the plan's c.
      const { rows: agents } = await b.query<{ id: string }>(`select id from "User" where role in ('support', 'manager', 'admin') and "disabledAt" is null order by id`)
      const agentArray = agents.length ? `array[${agents.map((u) => `'${u.id}'`).join(',')}]::text[]` : `'{}'::text[]`
      const load: Record<string, string> = {
        Customer: `
            insert into "Customer" (id, email, name, phone, tags, source, "externalId", "createdAt", "updatedAt", version)
            select pg_temp.bid('cbc', c), pg_temp.customer_email(c), pg_temp.customer_name(c),
                   '+44 7700 ' || lpad((pg_temp.h(c, 103) % 1000000)::text, 6, '0'),
                   case when pg_temp.h(c, 104) % 20 = 0 then array['vip'] else '{}'::text[] end,
                   'bulk', 'bc' || c, ${nowSql} - make_interval(days => 91 + (pg_temp.h(c, 105) % 600)::int),
                   ${nowSql} - make_interval(days => (pg_temp.h(c, 106) % 90)::int), 1
              from generate_series(1, ${sizes.customers}) c`,
        Address: `
            insert into "Address" (id, "customerId", kind, "isDefault", name, line1, city, "postalCode", country, "createdAt", "updatedAt", version)
            select pg_temp.bid('cba', c), pg_temp.bid('cbc', c), 'shipping', true, pg_temp.customer_name(c),
                   (1 + pg_temp.h(c, 107) % 200)::text || ' ' || (${sqlArray(['High Street', 'Station Road', 'Church Lane', 'Mill Road', 'Park Avenue', 'Victoria Road'])})[1 + pg_temp.h(c, 108) % 6],
                   (${sqlArray(['London', 'Manchester', 'Leeds', 'Bristol', 'Glasgow', 'Cardiff', 'Dublin', 'York'])})[1 + pg_temp.h(c, 109) % 8],
                   upper(chr(65 + (pg_temp.h(c, 110) % 26)::int) || chr(65 + (pg_temp.h(c, 111) % 26)::int) || (1 + pg_temp.h(c, 112) % 20)::text || ' ' || (pg_temp.h(c, 113) % 10)::text || 'AB'),
                   case when pg_temp.h(c, 109) % 8 = 6 then 'IE' else 'GB' end, ${nowSql} - interval '100 days', ${nowSql} - interval '100 days', 1
              from generate_series(1, ${sizes.customers}) c`,
        Order: `
            insert into "Order" (id, number, status, "paymentStatus", "fulfillmentStatus", channel, currency, "subtotalAmount",
                                 "discountAmount", "shippingAmount", "taxAmount", "totalAmount", "customerId", "customerEmail",
                                 "customerName", tags, "placedAt", "cancelledAt", "cancelReason", "closedAt", source, "externalId",
                                 "externalUpdatedAt", "createdAt", "updatedAt", version)
            select pg_temp.bid('cbo', i), '#' || (5000000 + i)::text, status::"OrderStatus", pay::"OrderPaymentStatus",
                   ful::"OrderFulfillmentStatus",
                   (case pg_temp.h(i, 16) % 10 when 0 then 'marketplace' when 1 then 'pos' else 'online_store' end)::"SalesChannel",
                   currency, subtotal, discount, shipping, tax, subtotal - discount + shipping + tax,
                   pg_temp.bid('cbc', c), pg_temp.customer_email(c), pg_temp.customer_name(c), '{}',
                   placed, case when status = 'cancelled' then least(placed + interval '3 hours', ${nowSql}) end,
                   case when status = 'cancelled' then 'customer' end,
                   case when status = 'completed' then least(placed + interval '3 days', ${nowSql}) end,
                   'bulk', 'bo' || i, least(placed + interval '3 days', ${nowSql}), placed, least(placed + interval '3 days', ${nowSql}), 1
              from bulk_plan`,
        OrderLine: `
            insert into "OrderLine" (id, "orderId", position, "variantId", sku, title, "variantTitle", "unitPriceAmount",
                                     "discountAmount", "taxAmount", "totalAmount", "quantityOrdered", "quantityFulfilled",
                                     "quantityShipped", "quantityReturned", "quantityCancelled", "createdAt", "updatedAt", version)
            select pg_temp.bid('cbn', p.i * 4 + k), pg_temp.bid('cbo', p.i), k, pg_temp.bid('cbv', v), 'BULK-' || lpad(v::text, 7, '0'),
                   'Bulk product ' || (1 + (v - 1) / 5), (${sqlArray(SIZES)})[1 + (v - 1) % 5], pg_temp.price(v), 0, 0,
                   pg_temp.price(v) * q, q,
                   case when ful in ('unfulfilled') then 0 when ful = 'partially_fulfilled' then (k = 0)::int else q end,
                   case when ful in ('unfulfilled', 'partially_fulfilled', 'fulfilled') then 0 when ful = 'partially_shipped' then (k = 0)::int else q end,
                   case when ful = 'returned' then q when ful = 'partially_returned' then (k = 0)::int else 0 end,
                   case when status = 'cancelled' then q else 0 end,
                   p.placed, p.placed, 1
              from bulk_plan p
              cross join lateral generate_series(0, p.nlines - 1) k
              cross join lateral (select 1 + (p.v0 + k * 7919) % ${sizes.variants} as v, (1 + pg_temp.h(p.i * 4 + k, 13) % 3)::int as q) x`,
        Payment: `
            insert into "Payment" (id, "orderId", provider, "externalId", status, method, amount, currency, "capturedAmount",
                                   "refundedAmount", "authorizedAt", "capturedAt", "createdAt", "updatedAt", version)
            select pg_temp.bid('cbq', i), pg_temp.bid('cbo', i), 'payments', 'bulk_pay_' || i,
                   (case pay when 'authorized' then 'authorized' when 'voided' then 'voided' when 'refunded' then 'refunded'
                             when 'partially_refunded' then 'partially_refunded' else 'captured' end)::"PaymentStatus",
                   case pg_temp.h(i, 17) % 10 when 0 then 'paypal' when 1 then 'apple_pay' else 'card' end,
                   total, currency,
                   case pay when 'authorized' then 0 when 'voided' then 0 when 'partially_paid' then total / 2 else total end,
                   case pay when 'refunded' then total when 'partially_refunded' then greatest(1, total / 4) else 0 end,
                   placed + interval '20 seconds',
                   case when pay in ('authorized', 'voided') then null else least(placed + interval '30 minutes', ${nowSql}) end,
                   placed, least(placed + interval '30 minutes', ${nowSql}), 1
              from (select *, subtotal - discount + shipping + tax as total from bulk_plan where pay <> 'unpaid') p`,
        Refund: `
            insert into "Refund" (id, "orderId", "paymentId", amount, currency, reason, status, "idempotencyKey", "processedAt",
                                  "createdAt", "updatedAt", version)
            select pg_temp.bid('cbr', i), pg_temp.bid('cbo', i), pg_temp.bid('cbq', i),
                   case pay when 'refunded' then total else greatest(1, total / 4) end, currency,
                   case when status = 'cancelled' then 'Order cancelled' else 'Returned items' end, 'succeeded',
                   'bulk:refund:' || i, least(placed + interval '5 days', ${nowSql}),
                   least(placed + interval '5 days', ${nowSql}), least(placed + interval '5 days', ${nowSql}), 1
              from (select *, subtotal - discount + shipping + tax as total from bulk_plan where pay in ('refunded', 'partially_refunded')) p`,
        Fulfillment: `
            insert into "Fulfillment" (id, "orderId", "locationId", status, carrier, service, "trackingNumber", "trackingUrl",
                                       "shippedAt", "deliveredAt", "createdAt", "updatedAt", version)
            select pg_temp.bid('cbf', i * 2 + k), pg_temp.bid('cbo', i), pg_temp.bid('cbl', 1 + pg_temp.h(i, 18) % 3),
                   st::"FulfillmentStatus", carrier, 'standard', tn, 'https://track.example.com/' || tn,
                   shipped, delivered, created, coalesce(delivered, shipped, created), 1
              from (
                select i, k, created, carrier, 'BK' || lpad(i::text, 10, '0') || k as tn,
                       case when ful in ('partially_fulfilled', 'fulfilled') or k = 1 then 'label_created'
                            when ful in ('partially_shipped', 'shipped') then 'in_transit' else 'delivered' end as st,
                       case when ful in ('partially_fulfilled', 'fulfilled') or k = 1 then null else least(placed + interval '18 hours', ${nowSql}) end as shipped,
                       case when ful in ('delivered', 'partially_returned', 'returned') then least(placed + interval '3 days', ${nowSql}) end as delivered
                  from bulk_plan
                  cross join lateral (select least(placed + interval '6 hours', ${nowSql}) as created,
                                             (${sqlArray(['Royal Mail', 'DPD', 'DHL', 'Evri', 'UPS'])})[1 + pg_temp.h(i, 19) % 5] as carrier) c
                  cross join lateral generate_series(0, case when ful = 'partially_shipped' then 1 else 0 end) k
                 where ful <> 'unfulfilled'
              ) f`,
        FulfillmentLine: `
            insert into "FulfillmentLine" (id, "fulfillmentId", "orderLineId", quantity)
            select pg_temp.bid('cbg', (p.i * 4 + k) * 2 + f), pg_temp.bid('cbf', p.i * 2 + f), pg_temp.bid('cbn', p.i * 4 + k), qty
              from bulk_plan p
              cross join lateral generate_series(0, p.nlines - 1) k
              cross join lateral (select (1 + pg_temp.h(p.i * 4 + k, 13) % 3)::int as q) x
              cross join lateral (
                select 0 as f, case when p.ful in ('partially_fulfilled', 'partially_shipped') then (k = 0)::int else x.q end as qty
                union all
                select 1, x.q - (k = 0)::int where p.ful = 'partially_shipped'
              ) s
             where p.ful <> 'unfulfilled' and s.qty > 0`,
        TrackingEvent: `
            insert into "TrackingEvent" ("fulfillmentId", status, description, location, "occurredAt", "externalId", "createdAt")
            select f.id, f.status,
                   case f.status when 'delivered' then 'Delivered' when 'in_transit' then 'Collected by carrier' else 'Label created' end,
                   'Hub ' || (1 + pg_temp.h(substr(f.id, 4)::bigint, 53) % 9), at, f."trackingNumber" || '-1', at
              from "Fulfillment" f
              cross join lateral (select coalesce(f."deliveredAt", f."shippedAt", f."createdAt") as at) x
             where f.id >= 'cbf' and f.id < 'cbg'`,
        Location: `
            insert into "Location" (id, code, name, address, "createdAt", "updatedAt", version)
            select pg_temp.bid('cbl', l), 'BULK-' || chr(64 + l), 'Bulk warehouse ' || chr(64 + l), '{"country":"GB"}', ${nowSql}, ${nowSql}, 1
              from generate_series(1, 3) l`,
        Product: `
            insert into "Product" (id, title, handle, status, vendor, "productType", tags, source, "externalId", "createdAt", "updatedAt", version)
            select pg_temp.bid('cbp', p),
                   (${sqlArray(ADJECTIVES)})[1 + pg_temp.h(p, 31) % ${ADJECTIVES.length}] || ' ' || (${sqlArray(MATERIALS)})[1 + pg_temp.h(p, 32) % ${MATERIALS.length}]
                     || ' ' || (${sqlArray(NOUNS)})[1 + pg_temp.h(p, 33) % ${NOUNS.length}] || ' ' || p,
                   'bulk-product-' || p, (case when p % 50 = 0 then 'archived' when p % 40 = 0 then 'draft' else 'active' end)::"ProductStatus",
                   'Vendor ' || (1 + pg_temp.h(p, 34) % 200), (${sqlArray(NOUNS)})[1 + pg_temp.h(p, 33) % ${NOUNS.length}], '{}',
                   'bulk', 'bp' || p, ${nowSql} - interval '200 days', ${nowSql} - interval '200 days', 1
              from generate_series(1, ${sizes.products}) p`,
        ProductVariant: `
            insert into "ProductVariant" (id, "productId", sku, title, "priceAmount", currency, "weightGrams", position, "externalId",
                                          "createdAt", "updatedAt", version)
            select pg_temp.bid('cbv', v), pg_temp.bid('cbp', 1 + (v - 1) / 5), 'BULK-' || lpad(v::text, 7, '0'),
                   (${sqlArray(SIZES)})[1 + (v - 1) % 5], pg_temp.price(v), 'GBP', (100 + pg_temp.h(v, 35) % 2000)::int, ((v - 1) % 5)::int,
                   'bv' || v, ${nowSql} - interval '200 days', ${nowSql} - interval '200 days', 1
              from generate_series(1, ${sizes.variants}) v`,
        InventoryLevel: `
            insert into "InventoryLevel" (id, "variantId", "locationId", "onHand", reserved, incoming, "lowStockThreshold", "createdAt", "updatedAt", version)
            select pg_temp.bid('cbi', v * 3 + l), pg_temp.bid('cbv', v), pg_temp.bid('cbl', l),
                   case when pg_temp.h(v * 3 + l, 36) % 25 = 0 then pg_temp.h(v * 3 + l, 37) % 10 else 11 + pg_temp.h(v * 3 + l, 37) % 300 end,
                   0, case when pg_temp.h(v * 3 + l, 38) % 10 = 0 then 50 else 0 end, 10,
                   ${nowSql} - interval '200 days', ${nowSql}, 1
              from generate_series(1, ${sizes.variants}) v cross join generate_series(1, 3) l`,
        Ticket: `
            insert into "Ticket" (id, number, subject, status, priority, channel, tags, "requesterId", "requesterEmail", "requesterName",
                                  "assigneeId", "orderId", "firstResponseAt", "lastMessageAt", "solvedAt", "closedAt", "csatRating",
                                  source, "externalId", "createdAt", "updatedAt", version)
            select pg_temp.bid('cbt', t), 100000 + t,
                   case when o is null then (${sqlArray(['Question about sizing', 'Discount code not working', 'Do you ship abroad?', 'Update my account email'])})[1 + pg_temp.h(t, 41) % 4]
                        else (${sqlArray(SUBJECTS)})[1 + pg_temp.h(t, 41) % ${SUBJECTS.length}] || (5000000 + o)::text end,
                   st::"TicketStatus", pr::"TicketPriority",
                   (case pg_temp.h(t, 42) % 10 when 0 then 'chat' when 1 then 'web' when 2 then 'phone' else 'email' end)::"TicketChannel",
                   case when pg_temp.h(t, 43) % 5 = 0 then array['shipping'] else '{}'::text[] end,
                   pg_temp.bid('cbc', c), pg_temp.customer_email(c), pg_temp.customer_name(c),
                   assignee, case when o is not null then pg_temp.bid('cbo', o) end,
                   first_response, coalesce(first_response, created), solved,
                   case when st = 'closed' then least(solved + interval '4 days', ${nowSql}) end,
                   case when solved is not null and pg_temp.h(t, 44) % 2 = 0 then 3 + (pg_temp.h(t, 45) % 3)::int end,
                   'bulk', 'bt' || t, created, coalesce(solved, first_response, created), 1
              from (
                select t, created, o, st, pr, coalesce(1 + pg_temp.h(o, 5) % ${sizes.customers}, 1 + pg_temp.h(t, 46) % ${sizes.customers}) as c,
                       case when st <> 'new' and cardinality(${agentArray}) > 0 then (${agentArray})[1 + pg_temp.h(t, 47) % greatest(1, cardinality(${agentArray}))] end as assignee,
                       case when st <> 'new' then least(created + interval '2 hours', ${nowSql}) end as first_response,
                       case when st in ('solved', 'closed') then least(created + interval '1 day', ${nowSql}) end as solved
                  from (
                    select t, ${nowSql} - make_interval(secs => 60 * 86400 * (1 - t::float8 / ${sizes.tickets}) + 60) as created,
                           case when pg_temp.h(t, 48) % 2 = 0 then 1 + pg_temp.h(t, 49) % ${sizes.orders} end as o,
                           case when pg_temp.h(t, 50) % 100 < 10 then 'new' when pg_temp.h(t, 50) % 100 < 30 then 'open'
                                when pg_temp.h(t, 50) % 100 < 45 then 'pending' when pg_temp.h(t, 50) % 100 < 50 then 'on_hold'
                                when pg_temp.h(t, 50) % 100 < 75 then 'solved' else 'closed' end as st,
                           case when pg_temp.h(t, 51) % 100 < 20 then 'low' when pg_temp.h(t, 51) % 100 < 75 then 'normal'
                                when pg_temp.h(t, 51) % 100 < 93 then 'high' else 'urgent' end as pr
                      from generate_series(1, ${sizes.tickets}) t
                  ) s0
              ) s`,
        TicketMessage: `
            insert into "TicketMessage" (id, "ticketId", kind, "authorId", "fromCustomer", body, attachments, "createdAt")
            select pg_temp.bid('cbm', substr(t.id, 4)::bigint * 4 + m.k), t.id, m.kind::"TicketMessageKind", m.author, m.author is null, m.body, '[]', m.at
              from "Ticket" t
              cross join lateral (values
                (0, 'public_reply', null::text, 'Hello, I need help with this. ' || t.subject, t."createdAt"),
                (1, 'internal_note', t."assigneeId", 'Checked the order history and the carrier status.', t."firstResponseAt" - interval '1 minute'),
                (2, 'public_reply', t."assigneeId", 'Thanks for getting in touch, ' || split_part(t."requesterName", ' ', 1) || '. We are on it.', t."firstResponseAt")
              ) m(k, kind, author, body, at)
             where t.id >= 'cbt' and t.id < 'cbu'
               and (m.k = 0 or (t."assigneeId" is not null and t."firstResponseAt" is not null
                                and (m.k = 2 or pg_temp.h(substr(t.id, 4)::bigint, 52) % 3 = 0)))`,
        plan: `
            create unlogged table bulk_plan as
            select p.i, p.placed, s.status, s.pay, s.ful, n0.n as nlines, p.c, p.currency, p.v0, t.subtotal, d.discount,
                   case when t.subtotal - d.discount >= 5000 then 0 else 499 end as shipping,
                   round((t.subtotal - d.discount) * 0.2)::int as tax
              from (
                select i, ${nowSql} - make_interval(secs => ${span} * (1 - i::float8 / ${sizes.orders}) + 1) as placed,
                       1 + pg_temp.h(i, 5) % ${sizes.customers} as c,
                       case when pg_temp.h(i, 6) % 10 = 0 then 'EUR' else 'GBP' end as currency,
                       pg_temp.h(i, 12) as v0, pg_temp.h(i, 14) as hl, pg_temp.h(i, 4) % 100 as bucket,
                       (${span} * (1 - i::float8 / ${sizes.orders})) < 6 * 86400 as recent
                  from generate_series(1, ${sizes.orders}) i
              ) p
              join bulk_scenario s on s.recent = p.recent and s.bucket = p.bucket
              cross join lateral (select case when s.partial then 2 + p.hl % 3 else 1 + p.hl % 4 end as n) n0
              cross join lateral (
                select sum(pg_temp.price(1 + (p.v0 + k * 7919) % ${sizes.variants}) * (1 + pg_temp.h(p.i * 4 + k, 13) % 3))::int as subtotal
                  from generate_series(0, n0.n - 1) k
              ) t
              cross join lateral (select case when pg_temp.h(p.i, 15) % 7 = 0 then round(t.subtotal * 0.1)::int else 0 end as discount) d`,
      }
      const runSteps = async (client: pg.Client, names: string[]) => {
        for (const name of names) await timed(client, name, load[name]!)
      }
      let planReady: () => void = () => {}
      const plan = new Promise<void>((resolve) => (planReady = resolve))
      await both(
        async () => {
          await runSteps(a, ['plan'])
          planReady()
          await runSteps(a, ['Order', 'Payment', 'Refund', 'Fulfillment', 'TrackingEvent'])
        },
        async () => {
          await runSteps(b, ['Location', 'Product', 'ProductVariant', 'InventoryLevel', 'Customer', 'Address', 'Ticket', 'TicketMessage'])
          await plan
          await runSteps(b, ['OrderLine', 'FulfillmentLine'])
        },
      )
      await a.query('drop table bulk_plan')

      await both(
        () => timed(a, 'sequences', `select setval('order_number_seq', greatest((select max(substr(number, 2)::bigint) from "Order" where number ~ '^#[0-9]+$'), 100000))`),
        () => timed(b, 'sequences (tickets)', `select setval(pg_get_serial_sequence('"Ticket"', 'number'), (select max(number) from "Ticket"))`),
      )

      // ── 3. Rebuild indexes and foreign keys (validates every reference) ──
      await restore()
    } catch (error) {
      // Leave the schema as it was, even when the load failed (its rows were rolled back with its transaction).
      await a.query('rollback').catch(() => {})
      await b.query('rollback').catch(() => {})
      await a.query('drop table if exists bulk_plan').catch(() => {})
      log('Load failed: rows loaded so far stay; restoring indexes and foreign keys. Drop this database and start again.')
      await restore().catch((restoreError) => log(`could not restore indexes: ${String(restoreError)}`))
      throw error
    }

    // ── 4. Statistics for the planner ──
    const toAnalyze = [...LOADED_TABLES]
    const analyzeWorker = async (client: pg.Client) => {
      for (let table = toAnalyze.shift(); table; table = toAnalyze.shift()) await client.query(`analyze "${table}"`)
    }
    const ta = performance.now()
    await both(() => analyzeWorker(a), () => analyzeWorker(b))
    timings.push({ step: 'analyze', rows: 0, seconds: (performance.now() - ta) / 1000 })
    log(`${'analyze'.padEnd(44)} ${''.padStart(9)}      ${((performance.now() - ta) / 1000).toFixed(1).padStart(6)} s`)

    const { rows: countRows } = await a.query<{ table: string; n: string }>(
      LOADED_TABLES.map((t) => `select '${t}' as table, count(*)::text as n from "${t}"`).join(' union all '),
    )
    const counts = Object.fromEntries(countRows.map((r) => [r.table, Number(r.n)]))
    const totalSeconds = (performance.now() - started) / 1000
    return { timings, totalSeconds, counts }
  } finally {
    await a.end()
    await b.end()
    await c.end()
  }
}

function parseOrders(argv: string[]) {
  const at = argv.indexOf('--orders')
  if (at === -1) return 1_000_000
  const value = Number(argv[at + 1])
  if (!Number.isInteger(value) || value < 10) throw new Error('--orders must be an integer >= 10')
  return value
}

async function main() {
  // NOTE: a CLI like prisma.config.ts: it needs only DATABASE_URL, not the app's whole configuration.
  const connectionString = process.env.DATABASE_URL
  if (!connectionString) throw new Error('DATABASE_URL is not set (a migrated database, e.g. postgresql://postgres@127.0.0.1:5432/opsdeck_bulk)')
  const orders = parseOrders(process.argv.slice(2))
  console.log(`Bulk seed: ${orders.toLocaleString('en')} orders into ${new URL(connectionString).pathname.slice(1)}`)
  const result = await seedBulk({ connectionString, orders, log: (line) => console.log(line) })
  console.log('Rows:', result.counts)
  console.log(`Total: ${result.totalSeconds.toFixed(1)} s`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
