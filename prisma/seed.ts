/**
 * Demo store seed: `npx tsx prisma/seed.ts` (or `npm run seed`). Deterministic — a fixed faker seed and every time
 * derived from the reference `now` — so the same `now` always produces the same store. Idempotent: it does nothing
 * when the database already has users. Rows are built by the same factories the tests use (test/factories) and
 * inserted set-based (one INSERT … SELECT FROM json_populate_recordset per table chunk) inside one transaction
 * (all or nothing).
 */
import { pathToFileURL } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient, type Prisma } from '#app/generated/prisma/client.ts'
import { ALWAYS_OPEN, BusinessCalendarSchema } from '#app/models/sla/business-hours.ts'
import { seedTicketClocks } from '#app/models/sla/seed-clocks.server.ts'
import { hashPassword } from '#app/utils/password.server.ts'
import {
  addressSnapshot,
  buildAddress,
  buildCustomer,
  buildOrderGraph,
  buildProduct,
  buildReturn,
  buildTicketGraph,
  buildVariant,
  createFaker,
  DAY,
  fakeId,
  HOUR,
  MINUTE,
  ORDER_SCENARIOS,
  type OrderGraph,
  type OrderScenario,
  type ReturnGraph,
  type TicketGraph,
} from '#test/factories/index.ts'
import { DEMO_USERS } from './demo-users.ts'
import { demoAlerting } from './seed-alerts.ts'
import { demoMacros, demoTeams } from './seed-support.ts'

export const DEMO_SEED = 20261125
const CUSTOMERS = 300
const PRODUCTS = 40
const SIZES = ['S', 'M', 'L'] as const
const ORDERS = 1500
const ORDERS_TODAY = 24
const TICKETS = 200
const FIRST_ORDER_NUMBER = 100001
const FIRST_RMA_NUMBER = 10001
const FIRST_TICKET_NUMBER = 1001

type Tx = Prisma.TransactionClient

export type SeedResult = { seeded: boolean; counts: Record<string, number> }

export async function seedDemo(prisma: PrismaClient, options: { now?: Date } = {}): Promise<SeedResult> {
  const now = options.now ?? new Date()
  // Hash outside the transaction (Argon2 is slow on purpose); salts differ per run, nothing else does.
  const users = await Promise.all(
    DEMO_USERS.map(async (u, i) => ({
      id: `cdemouser${String(i).padStart(16, '0')}`,
      email: u.email,
      name: u.name,
      role: u.role,
      passwordHash: await hashPassword(u.password),
      createdAt: new Date(now.getTime() - 120 * DAY),
    })),
  )
  return prisma.$transaction(
    async (tx) => {
      // Two processes starting at once (two web nodes) must not both seed.
      await tx.$executeRaw`select pg_advisory_xact_lock(${DEMO_SEED})`
      if ((await tx.user.count()) > 0) return { seeded: false, counts: {} }
      const counts = await insertDemoData(tx as Tx, now, users)
      return { seeded: true, counts }
    },
    { timeout: 120_000, maxWait: 30_000 },
  )
}

async function insertDemoData(tx: Tx, now: Date, users: Prisma.UserCreateManyInput[]) {
  const f = createFaker(DEMO_SEED)
  const counts: Record<string, number> = {}
  const columns = await tableColumns(tx)
  const insert = async (name: string, table: string, rows: object[]) => {
    for (let i = 0; i < rows.length; i += 5000) await insertRows(tx, columns, table, rows.slice(i, i + 5000), now)
    counts[name] = rows.length
  }
  const [admin, manager, operations, support] = users.map((u) => u.id!) as [string, string, string, string]
  await insert('users', 'User', users)

  // ── catalogue and locations ──
  const locations = [
    { id: fakeId(f), code: 'LON', name: 'London DC', address: { line1: '1 Dock Road', city: 'London', postalCode: 'E16 2QD', country: 'GB' } },
    { id: fakeId(f), code: 'MAN', name: 'Manchester DC', address: { line1: '40 Trafford Way', city: 'Manchester', postalCode: 'M17 1AB', country: 'GB' } },
    { id: fakeId(f), code: 'DUB', name: 'Dublin store', address: { line1: '12 Grafton Street', city: 'Dublin', postalCode: 'D02 XY45', country: 'IE' } },
  ]
  const products = Array.from({ length: PRODUCTS }, (_, i) =>
    buildProduct(f, { status: i < 37 ? 'active' : i < 39 ? 'draft' : 'archived', source: 'storefront', externalId: `prod_${1000 + i}`, createdAt: new Date(now.getTime() - 200 * DAY) }),
  )
  const variants = products.flatMap((product, i) => {
    const price = f.number.int({ min: 8, max: 180 }) * 100 - 1
    return SIZES.map((size, position) =>
      buildVariant(f, product, {
        sku: `OD-${String(1000 + i)}-${size}`,
        title: size,
        position,
        priceAmount: price,
        barcode: f.string.numeric(13),
        externalId: `var_${1000 + i}_${size}`,
        createdAt: product.createdAt,
      }),
    )
  })
  await insert('locations', 'Location', locations)
  await insert('products', 'Product', products)
  await insert('variants', 'ProductVariant', variants)

  // ── customers ──
  const customers = Array.from({ length: CUSTOMERS }, (_, i) =>
    buildCustomer(f, { externalId: `cus_${10000 + i}`, createdAt: new Date(now.getTime() - f.number.int({ min: 91, max: 700 }) * DAY) }),
  )
  const addresses = customers.flatMap((customer) => {
    const shipping = buildAddress(f, customer)
    return f.datatype.boolean({ probability: 0.3 }) ? [shipping, buildAddress(f, customer, { kind: 'billing' })] : [shipping]
  })
  await insert('customers', 'Customer', customers)
  await insert('addresses', 'Address', addresses)
  const shippingOf = new Map(addresses.filter((a) => a.kind === 'shipping').map((a) => [a.customerId, a]))

  // ── orders ──
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
  const todayScenarios = ORDER_SCENARIOS.filter((s) => ['pending', 'confirmed', 'processing'].includes(s.status) || s.paymentStatus === 'voided')
  const openStatuses = ['pending', 'confirmed', 'on_hold', 'processing']
  const pick = (list: typeof ORDER_SCENARIOS): OrderScenario => f.helpers.weightedArrayElement(list.map(({ weight, ...value }) => ({ weight, value })))
  const planned = Array.from({ length: ORDERS }, (_, i) => {
    const scenario = pick(i < ORDERS_TODAY ? todayScenarios : ORDER_SCENARIOS)
    const placedAt =
      i < ORDERS_TODAY
        ? new Date(midnight.getTime() + f.number.int({ min: 0, max: Math.max(0, now.getTime() - midnight.getTime() - 1) }))
        : openStatuses.includes(scenario.status)
          ? new Date(now.getTime() - f.number.int({ min: 1 * HOUR, max: 6 * DAY }))
          : new Date(now.getTime() - f.number.int({ min: 7 * DAY, max: 90 * DAY }))
    return { scenario, placedAt }
  }).sort((a, b) => a.placedAt.getTime() - b.placedAt.getTime())

  const graphs: OrderGraph[] = planned.map(({ scenario, placedAt }, i) => {
    const customer = f.helpers.arrayElement(customers)
    const currency = shippingOf.get(customer.id)?.country === 'GB' ? 'GBP' : 'EUR'
    const picked = f.helpers.arrayElements(variants, f.helpers.weightedArrayElement([
      { weight: 50, value: 1 },
      { weight: 30, value: 2 },
      { weight: 15, value: 3 },
      { weight: 5, value: 4 },
    ]))
    return buildOrderGraph(f, {
      now,
      number: `#${FIRST_ORDER_NUMBER + i}`,
      placedAt,
      scenario,
      currency,
      customer,
      shippingAddress: addressSnapshot(shippingOf.get(customer.id)!),
      items: picked.map((v) => ({
        variantId: v.id,
        sku: v.sku,
        title: products.find((p) => p.id === v.productId)!.title,
        variantTitle: v.title,
        unitPriceAmount: currency === 'GBP' ? v.priceAmount : Math.round(v.priceAmount * 1.17),
      })),
      locationId: f.helpers.weightedArrayElement([
        { weight: 5, value: locations[0]!.id },
        { weight: 3, value: locations[1]!.id },
        { weight: 1, value: locations[2]!.id },
      ]),
      channel: f.helpers.weightedArrayElement([
        { weight: 8, value: 'online_store' as const },
        { weight: 1, value: 'marketplace' as const },
        { weight: 1, value: 'pos' as const },
      ]),
      tags: f.helpers.maybe(() => [f.helpers.arrayElement(['gift', 'priority', 'wholesale', 'fraud-check'])], { probability: 0.1 }) ?? [],
    })
  })

  // ── returns: the received/resolved ones match the orders' returned units; the rest ask for delivered units ──
  const returns: ReturnGraph[] = []
  let rma = FIRST_RMA_NUMBER
  for (const graph of graphs) {
    if (!['partially_returned', 'returned'].includes(graph.order.fulfillmentStatus!)) continue
    const resolved = graph.refunds.length > 0
    const built = buildReturn(f, graph, { status: resolved ? 'resolved' : 'received', number: `RMA-${rma++}`, now })
    if (resolved) graph.refunds[0]!.returnId = built.ret.id
    returns.push(built)
  }
  const delivered = graphs.filter((g) => g.order.fulfillmentStatus === 'delivered' && g.order.paymentStatus === 'paid')
  const earlyStatuses = ['requested', 'approved', 'rejected', 'label_created', 'in_transit', 'cancelled'] as const
  for (const [i, graph] of f.helpers.arrayElements(delivered.slice(-400), 60).entries()) {
    returns.push(buildReturn(f, graph, { status: earlyStatuses[i % earlyStatuses.length]!, number: `RMA-${rma++}`, now }))
  }
  returns.sort((a, b) => (a.ret.number < b.ret.number ? -1 : 1))

  await insertOrderGraphs(tx, graphs, insert)
  await insert('returns', 'Return', returns.map((r) => r.ret))
  await insert('returnLines', 'ReturnLine', returns.flatMap((r) => r.lines))
  // Refunds after returns: a resolved return's refund points at it.
  await insert('refunds', 'Refund', graphs.flatMap((g) => g.refunds))

  // ── inventory: reserved = open reservations; ledger rows that add up to each level ──
  const key = (variantId: string, locationId: string) => `${variantId}|${locationId}`
  const reservedBy = new Map<string, number>()
  const committedBy = new Map<string, number>()
  const ledger: Prisma.InventoryLedgerEntryCreateManyInput[] = []
  const variantOfLine = new Map(graphs.flatMap((g) => g.lines.map((l) => [l.id, { variantId: l.variantId!, graph: g }] as const)))
  for (const graph of graphs) {
    for (const r of graph.reservations) {
      const { variantId } = variantOfLine.get(r.orderLineId)!
      const k = key(variantId, r.locationId)
      const base = { variantId, locationId: r.locationId, orderId: graph.order.id, reservationId: r.id }
      ledger.push({ ...base, kind: 'reserve', reservedDelta: r.quantity, reason: `Order ${graph.order.number}`, createdAt: graph.order.placedAt })
      if (r.status === 'open') reservedBy.set(k, (reservedBy.get(k) ?? 0) + r.quantity)
      if (r.status === 'committed') {
        committedBy.set(k, (committedBy.get(k) ?? 0) + r.quantity)
        const shippedAt = (graph.fulfillments.find((x) => x.shippedAt)?.shippedAt as Date | undefined) ?? graph.order.placedAt
        ledger.push({ ...base, kind: 'commit', onHandDelta: -r.quantity, reservedDelta: -r.quantity, reason: 'Shipped', createdAt: shippedAt })
      }
      if (r.status === 'released') {
        ledger.push({ ...base, kind: 'release', reservedDelta: -r.quantity, reason: 'Order cancelled', createdAt: (graph.order.cancelledAt as Date) ?? graph.order.placedAt })
      }
    }
  }
  const levels = variants.flatMap((variant) =>
    locations.map((location) => {
      const k = key(variant.id, location.id)
      const reserved = reservedBy.get(k) ?? 0
      const low = f.datatype.boolean({ probability: 0.06 })
      const lowStockThreshold = location.code === 'DUB' ? 3 : 10
      const available = low ? f.number.int({ min: 0, max: lowStockThreshold }) : f.number.int({ min: lowStockThreshold + 1, max: 240 })
      return {
        id: fakeId(f),
        variantId: variant.id,
        locationId: location.id,
        onHand: reserved + available,
        reserved,
        incoming: low ? f.number.int({ min: 0, max: 1 }) * 50 : 0,
        lowStockThreshold,
        createdAt: new Date(now.getTime() - 180 * DAY),
        updatedAt: now,
      }
    }),
  )
  for (const level of levels) {
    const restocked = level.onHand + (committedBy.get(key(level.variantId, level.locationId)) ?? 0)
    ledger.push({ variantId: level.variantId, locationId: level.locationId, kind: 'restock', onHandDelta: restocked, reason: 'Opening stock', actorId: operations, createdAt: new Date(now.getTime() - 100 * DAY) })
  }
  ledger.sort((a, b) => (a.createdAt as Date).getTime() - (b.createdAt as Date).getTime())
  await insert('inventoryLevels', 'InventoryLevel', levels)
  await insert('inventoryLedger', 'InventoryLedgerEntry', ledger)

  // ── support: SLA policies, tickets, messages, applied SLAs ──
  // Calendars in the shape the SLA clock reads (app/models/sla/business-hours.ts), validated like any stored policy.
  const weekday = [{ start: '09:00', end: '17:30' }]
  const businessHours = BusinessCalendarSchema.parse({
    timeZone: 'Europe/London',
    weekly: { 0: [], 1: weekday, 2: weekday, 3: weekday, 4: weekday, 5: weekday, 6: [{ start: '10:00', end: '14:00' }] },
    holidays: ['2026-12-25', '2026-12-26', '2027-01-01'],
  })
  const allDay = BusinessCalendarSchema.parse(ALWAYS_OPEN)
  const policies = [
    { name: 'VIP customers', priority: null, tag: 'vip', first: 30, next: 60, resolution: 8 * 60, calendar: allDay },
    { name: 'Urgent', priority: 'urgent' as const, tag: null, first: 60, next: 120, resolution: 8 * 60, calendar: allDay },
    { name: 'High', priority: 'high' as const, tag: null, first: 4 * 60, next: 8 * 60, resolution: 24 * 60, calendar: businessHours },
    { name: 'Normal', priority: 'normal' as const, tag: null, first: 8 * 60, next: 24 * 60, resolution: 72 * 60, calendar: businessHours },
    { name: 'Low', priority: 'low' as const, tag: null, first: 24 * 60, next: 48 * 60, resolution: 120 * 60, calendar: businessHours },
  ].map((p, position) => ({
    id: fakeId(f),
    name: p.name,
    priority: p.priority,
    tag: p.tag,
    firstResponseMinutes: p.first,
    nextResponseMinutes: p.next,
    resolutionMinutes: p.resolution,
    calendar: p.calendar,
    position,
    createdAt: new Date(now.getTime() - 120 * DAY),
  }))
  await insert('slaPolicies', 'SlaPolicy', policies)

  const ticketStatuses = [
    { weight: 12, value: 'new' as const },
    { weight: 22, value: 'open' as const },
    { weight: 15, value: 'pending' as const },
    { weight: 7, value: 'on_hold' as const },
    { weight: 25, value: 'solved' as const },
    { weight: 19, value: 'closed' as const },
  ]
  const tickets: TicketGraph[] = Array.from({ length: TICKETS }, () => {
    const status = f.helpers.weightedArrayElement(ticketStatuses)
    const graph = f.datatype.boolean({ probability: 0.65 }) ? f.helpers.arrayElement(graphs) : null
    const customer = graph ? customers.find((c) => c.id === graph.order.customerId)! : f.helpers.arrayElement(customers)
    const earliest = Math.max(graph ? graph.order.placedAt.getTime() + HOUR : 0, now.getTime() - (['solved', 'closed'].includes(status) ? 60 : 10) * DAY)
    const createdAt = new Date(earliest + f.number.int({ min: 0, max: Math.max(0, now.getTime() - earliest - 10 * MINUTE) }))
    return buildTicketGraph(f, {
      now,
      status,
      priority: f.helpers.weightedArrayElement([
        { weight: 2, value: 'low' as const },
        { weight: 6, value: 'normal' as const },
        { weight: 2, value: 'high' as const },
        { weight: 1, value: 'urgent' as const },
      ]),
      createdAt,
      requester: customer,
      order: graph ? { id: graph.order.id, number: graph.order.number } : null,
      agentIds: [support, support, support, manager, admin],
    })
  })
    .sort((a, b) => (a.ticket.createdAt as Date).getTime() - (b.ticket.createdAt as Date).getTime())
    .map((t, i) => ({ ...t, ticket: { ...t.ticket, number: FIRST_TICKET_NUMBER + i } }))

  // Teams (prisma/seed-support.ts), from their own faker so the rest of the seed keeps its sequence.
  const { teams, teamMembers, teamFor } = demoTeams(createFaker(DEMO_SEED + 6), now, { billing: [support, admin], shipping: [support] })
  await insert('teams', 'Team', teams)
  await insert('teamMembers', 'TeamMember', teamMembers)
  for (const t of tickets) t.ticket.teamId = teamFor(t.ticket.tags as string[])
  await insert('tickets', 'Ticket', tickets.map((t) => t.ticket))
  await insert('ticketMessages', 'TicketMessage', tickets.flatMap((t) => t.messages))
  // Clocks from the SLA engine itself, replaying each ticket's history (app/models/sla/seed-clocks.server.ts).
  const sla = await seedTicketClocks(
    tx,
    tickets.map(({ ticket, messages }) => ({
      id: ticket.id,
      status: ticket.status!,
      priority: ticket.priority!,
      tags: ticket.tags as string[],
      createdAt: ticket.createdAt as Date,
      firstResponseAt: (ticket.firstResponseAt as Date | null) ?? null,
      lastMessageAt: (ticket.lastMessageAt as Date | null) ?? null,
      solvedAt: (ticket.solvedAt as Date | null) ?? null,
      closedAt: (ticket.closedAt as Date | null) ?? null,
      messages: messages.map((m) => ({ kind: m.kind, fromCustomer: m.fromCustomer ?? false, createdAt: m.createdAt as Date })),
    })),
    now,
  )
  counts.appliedSlas = sla.clocks
  counts.slaEvents = sla.events

  // ── integrations, sync history, alerting, saved views ──
  const integrationKeys = ['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk'] as const
  const integrationNames = { storefront: 'Storefront', payments: 'Payment gateway', carrier: 'Shipping carrier', warehouse: 'Warehouse (WMS)', helpdesk: 'Helpdesk mail' }
  const integrations = integrationKeys.map((key) => ({
    id: fakeId(f),
    key,
    name: integrationNames[key],
    status: 'healthy' as const,
    cursor: {},
    createdAt: new Date(now.getTime() - 120 * DAY),
  }))
  await insert('integrations', 'Integration', integrations)
  // No made-up sync history: the worker's real runs fill the integration pages within seconds of `npm start`.

  // Alert rules and one resolved alert: prisma/seed-alerts.ts.
  const { rules, alerts } = demoAlerting(f, now, { createdById: admin, acknowledgedById: operations })
  await insert('alertRules', 'AlertRule', rules)
  await insert('alerts', 'Alert', alerts)
  // Support desk macros: prisma/seed-support.ts.
  await insert('macros', 'Macro', demoMacros(f, now))
  const views = [
    { name: 'Awaiting fulfilment', area: 'orders' as const, ownerId: operations, sharedWithRole: 'operations' as const, query: { status: ['confirmed', 'processing'], fulfillment: ['unfulfilled', 'partially_fulfilled'] } },
    { name: 'Refunds this month', area: 'orders' as const, ownerId: manager, sharedWithRole: 'manager' as const, query: { payment: ['partially_refunded', 'refunded'] } },
    { name: 'My open tickets', area: 'tickets' as const, ownerId: support, sharedWithRole: null, isDefault: true, query: { assignee: 'me', status: ['new', 'open', 'pending'] } },
    { name: 'Urgent queue', area: 'tickets' as const, ownerId: admin, sharedWithRole: 'support' as const, query: { priority: ['urgent', 'high'], status: ['new', 'open'] } },
  ].map((view) => ({ id: fakeId(f), ...view }))
  await insert('savedViews', 'SavedView', views)

  // New records continue after the seeded numbers.
  await tx.$executeRaw`select setval('order_number_seq', ${FIRST_ORDER_NUMBER + ORDERS - 1})`
  await tx.$executeRaw`select setval('return_number_seq', ${Math.max(FIRST_RMA_NUMBER, rma - 1)})`
  await tx.$executeRaw`select setval(pg_get_serial_sequence('"Ticket"', 'number'), ${FIRST_TICKET_NUMBER + TICKETS - 1})`
  return counts
}

async function insertOrderGraphs(tx: Tx, graphs: OrderGraph[], insert: (name: string, table: string, rows: object[]) => Promise<void>) {
  await insert('orders', 'Order', graphs.map((g) => g.order))
  await insert('orderLines', 'OrderLine', graphs.flatMap((g) => g.lines))
  await insert('payments', 'Payment', graphs.flatMap((g) => g.payments))
  await insert('fulfillments', 'Fulfillment', graphs.flatMap((g) => g.fulfillments))
  await insert('fulfillmentLines', 'FulfillmentLine', graphs.flatMap((g) => g.fulfillmentLines))
  await insert('trackingEvents', 'TrackingEvent', graphs.flatMap((g) => g.trackingEvents))
  await insert('reservations', 'Reservation', graphs.flatMap((g) => g.reservations))
}

type Column = { column: string; default: string | null }

async function tableColumns(tx: Tx) {
  const rows = await tx.$queryRaw<{ table: string; column: string; default: string | null }[]>`
    select table_name::text as "table", column_name::text as "column", column_default::text as "default"
      from information_schema.columns where table_schema = current_schema() order by ordinal_position`
  const byTable = new Map<string, Column[]>()
  for (const row of rows) byTable.set(row.table, [...(byTable.get(row.table) ?? []), row])
  return byTable
}

/** The value of a column default as Prisma's migration writes them ('x'::type, 0, true, ARRAY[]::text[], now). */
function defaultValue(table: string, column: Column, now: Date): unknown {
  const expression = column.default
  if (expression === null) return null
  if (expression === 'CURRENT_TIMESTAMP') return now
  if (/^ARRAY\[\]/.test(expression)) return []
  if (/^-?\d+(\.\d+)?$/.test(expression)) return Number(expression)
  if (expression === 'true' || expression === 'false') return expression === 'true'
  const literal = /^'(.*)'::[\w"[\]]+$/s.exec(expression)
  if (literal) return /jsonb?$/.test(expression) ? JSON.parse(literal[1]!.replace(/''/g, "'")) : literal[1]!.replace(/''/g, "'")
  throw new Error(`seed: cannot fill ${table}.${column.column} (default ${expression}); set it on every row or on none`)
}

/**
 * One INSERT per chunk from a JSON array (json_populate_recordset): the same rows Prisma's createMany would write,
 * several times faster, because the seed's rows do not pass through the client's per-field serialisation.
 * Columns no row sets keep their database default; `updatedAt` (Prisma's @updatedAt, no database default) is the
 * row's createdAt or the reference time, and CURRENT_TIMESTAMP defaults are the reference time.
 */
async function insertRows(tx: Tx, columns: Map<string, Column[]>, table: string, rows: object[], now: Date) {
  if (rows.length === 0) return
  const set = new Set(rows.flatMap((row) => Object.entries(row).filter(([, v]) => v !== undefined).map(([k]) => k)))
  const known = columns.get(table)
  if (!known) throw new Error(`seed: unknown table ${table}`)
  // Times are always written, from the rows or the reference time, so the data depends on `now` only.
  const used = known.filter((c) => set.has(c.column) || c.column === 'updatedAt' || c.default === 'CURRENT_TIMESTAMP')
  const filled = rows.map((row) => {
    const record = row as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const c of used) {
      const value = record[c.column]
      out[c.column] =
        value !== undefined ? value : c.column === 'updatedAt' ? (record.createdAt ?? now) : defaultValue(table, c, now)
    }
    return out
  })
  const list = used.map((c) => `"${c.column}"`).join(', ')
  await tx.$executeRawUnsafe(
    `insert into "${table}" (${list}) select ${list} from json_populate_recordset(null::"${table}", $1::json)`,
    JSON.stringify(filled),
  )
}

async function main() {
  // NOTE: a CLI like prisma.config.ts: it needs only DATABASE_URL, not the app's whole configuration.
  const connectionString = process.env.DATABASE_URL
  if (!connectionString) throw new SeedRefused('DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/opsdeck)')
  if (process.env.NODE_ENV === 'production') {
    throw new SeedRefused('refusing to seed demo data with NODE_ENV=production: the demo users have a published password')
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString, max: 2 }) })
  const started = performance.now()
  try {
    const result = await seedDemo(prisma)
    if (!result.seeded) console.log('Demo seed skipped: the database already has users.')
    else {
      console.log(`Demo store seeded in ${((performance.now() - started) / 1000).toFixed(1)} s:`, result.counts)
      console.log('Demo sign-ins (password for all):', DEMO_USERS[0]!.password)
      for (const user of DEMO_USERS) console.log(`  ${user.role.padEnd(10)} ${user.email}`)
    }
  } finally {
    await prisma.$disconnect()
  }
}

class SeedRefused extends Error {}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error instanceof SeedRefused ? `seed: ${error.message}` : error)
    process.exit(1)
  })
}
