import { expect, test } from 'vitest'
import { createBulkOperation, recordBulkItems, startBulkOperation } from '#app/models/bulk-operation.server.ts'
import type { BulkProgress, OrdersChanged } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { uniqueSuffix } from '#test/factories/faker.ts'
import { createOrder } from '#test/factories/orders.ts'
import { createUser } from '#test/factories/users.ts'
import { realtimeHarness, type RealtimeClient } from '#test/helpers/realtime.ts'
import { countNewOrders } from './realtime.order-feed.ts'

/**
 * The live order feed through the real trigger → NOTIFY → LISTEN → Socket.IO path, and bulk progress the same way.
 */

type Client = RealtimeClient
const realtime = realtimeHarness()

async function startNode() {
  const url = await realtime.startNode()
  // The LISTEN connection is set up asynchronously (a NOTIFY before LISTEN is not queued for us): wait until every
  // node this test started has run its LISTEN.
  const listening = () =>
    prisma.$queryRaw<Array<{ n: number }>>`select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'opsdeck-order-feed' and state = 'idle' and query like 'LISTEN%'`
  const liveNodes = realtime.nodeCount()
  await expect.poll(async () => (await listening())[0]!.n, { timeout: 5_000, interval: 50 }).toBeGreaterThanOrEqual(liveNodes)
  return url
}

async function connectAs(url: string, role: 'admin' | 'manager' | 'operations' | 'support') {
  const { user } = await createUser(prisma, { role })
  return { socket: await realtime.connectAs(url, user), user }
}

test('subscribers hear new and changed orders, throttled into one signal per second; others hear nothing', async () => {
  const url = await startNode()
  const { socket: watcher } = await connectAs(url, 'support')
  const { socket: bystander } = await connectAs(url, 'operations')
  expect(await watcher.emitWithAck('orders.subscribe', {})).toEqual({ ok: true })
  const signals: OrdersChanged[] = []
  watcher.on('orders.changed', (payload) => signals.push(payload))
  const overheard: OrdersChanged[] = []
  bystander.on('orders.changed', (payload) => overheard.push(payload))

  const arrivals: number[] = []
  watcher.on('orders.changed', () => arrivals.push(Date.now()))
  const existing = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  await expect.poll(() => signals.flatMap((signal) => signal.newIds), { timeout: 5_000 }).toContain(existing.order.id)

  // Throttled: a change right after a signal waits for the next period.
  const first = signals.length
  await prisma.order.update({ where: { id: existing.order.id }, data: { tags: ['live'] } })
  await expect.poll(() => signals.slice(first).flatMap((signal) => signal.ids), { timeout: 5_000 }).toContain(existing.order.id)
  expect(arrivals.at(-1)! - arrivals.at(-2)!).toBeGreaterThanOrEqual(900)

  // Several changes committed together are one signal: a new order (newIds) and two updates of another (ids, once).
  const before = signals.length
  const freshId = `feed-${uniqueSuffix()}`
  await prisma.$transaction([
    prisma.$executeRaw`insert into "Order" ("id", "number", "currency", "customerEmail", "customerName", "placedAt", "updatedAt")
                       values (${freshId}, ${`#${freshId}`}, 'GBP', 'new@x.test', 'New', now(), now())`,
    prisma.order.update({ where: { id: existing.order.id }, data: { note: 'one' } }),
    prisma.order.update({ where: { id: existing.order.id }, data: { note: 'two' } }),
  ])
  await expect.poll(() => signals.length, { timeout: 5_000 }).toBeGreaterThan(before)
  await new Promise((resolve) => setTimeout(resolve, 1_300))
  expect(signals.slice(before)).toEqual([{ ids: [existing.order.id], newIds: [freshId], many: false, at: expect.any(String) }])
  const fresh = { order: { id: freshId } }

  // A rolled-back change is never announced.
  const count = signals.length
  await prisma.$transaction(async (tx) => {
    await tx.order.update({ where: { id: fresh.order.id }, data: { note: 'never' } })
    throw new Error('rollback')
  }).catch(() => {})
  await new Promise((resolve) => setTimeout(resolve, 1_300))
  expect(signals).toHaveLength(count)
  expect(overheard).toEqual([])

  // Unsubscribed: silence.
  expect(await watcher.emitWithAck('orders.unsubscribe', {})).toEqual({ ok: true })
  await prisma.order.update({ where: { id: fresh.order.id }, data: { note: 'after' } })
  await new Promise((resolve) => setTimeout(resolve, 1_300))
  expect(signals).toHaveLength(count)
})

test('a statement touching more than 100 orders is one "many" signal', async () => {
  const url = await startNode()
  const { socket } = await connectAs(url, 'manager')
  await socket.emitWithAck('orders.subscribe', {})
  const signals: OrdersChanged[] = []
  socket.on('orders.changed', (payload) => signals.push(payload))
  const prefix = `many-${uniqueSuffix()}`
  // One statement inserting 150 orders, then one updating them.
  await prisma.$executeRaw`
    insert into "Order" ("id", "number", "currency", "customerEmail", "customerName", "placedAt", "updatedAt")
    select ${prefix} || '-' || i, '#' || ${prefix} || '-' || i, 'GBP', 'bulk@x.test', 'Bulk', now(), now() from generate_series(1, 150) i`
  await expect.poll(() => signals.some((signal) => signal.many), { timeout: 5_000 }).toBe(true)
  expect(signals.find((signal) => signal.many)).toMatchObject({ ids: [], newIds: [], many: true })
  await new Promise((resolve) => setTimeout(resolve, 1_100))
  const from = signals.length
  await prisma.$executeRaw`update "Order" set "note" = 'x' where "id" like ${`${prefix}-%`}`
  await expect.poll(() => signals.slice(from).some((signal) => signal.many), { timeout: 5_000 }).toBe(true)
})

test('orders.countNew: how many orders matching the view were created since the page loaded', async () => {
  const marker = `new-${uniqueSuffix()}`.toLowerCase()
  await createOrder(prisma, { tags: [marker], status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled' })
  const since = new Date()
  await new Promise((resolve) => setTimeout(resolve, 20))
  // (The factory's createdAt is its placedAt: "now" for these.)
  await createOrder(prisma, { tags: [marker], placedAt: new Date(), status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled' })
  await createOrder(prisma, { tags: [marker], placedAt: new Date(), status: 'cancelled', paymentStatus: 'voided', fulfillmentStatus: 'unfulfilled' })
  await createOrder(prisma, { tags: ['elsewhere'], placedAt: new Date(), status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled' })

  expect(await countNewOrders(`tags=${marker}`, since)).toEqual({ count: 2, exact: true })
  expect(await countNewOrders(`tags=${marker}&status=pending`, since)).toEqual({ count: 1, exact: true })
  expect(await countNewOrders(`tags=${marker}&status=exploded`, since)).toEqual({ count: 0, exact: true })

  const url = await startNode()
  const { socket } = await connectAs(url, 'operations')
  expect(await socket.emitWithAck('orders.countNew', { query: `tags=${marker}`, since: since.toISOString() })).toEqual({ ok: true, count: 2, exact: true })
  expect(await socket.emitWithAck('orders.countNew', { query: '', since: 'yesterday' } as never)).toMatchObject({ ok: false })
})

test('bulk.progress reaches the operation’s actor (and admins), never anyone else', async () => {
  const url = await startNode()
  const { socket: actorSocket, user: actor } = await connectAs(url, 'operations')
  const { socket: otherSocket } = await connectAs(url, 'operations')
  const { socket: adminSocket } = await connectAs(url, 'admin')
  const graph = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  const created = await createBulkOperation({ kind: 'tag', selection: { ids: [graph.order.id] }, params: { add: ['x'] }, actor: { id: actor.id, role: actor.role } })
  if (!created.ok) throw new Error(created.message)
  const id = created.operation.id

  expect(await otherSocket.emitWithAck('bulk.subscribe', { id })).toEqual({ ok: true, progress: null })
  const answer = await actorSocket.emitWithAck('bulk.subscribe', { id })
  expect(answer).toMatchObject({ ok: true, progress: { id, status: 'queued', total: 1, processed: 0 } })
  expect(await adminSocket.emitWithAck('bulk.subscribe', { id })).toMatchObject({ ok: true, progress: { id } })

  const seen: BulkProgress[] = []
  actorSocket.on('bulk.progress', (progress) => seen.push(progress))
  const overheard: BulkProgress[] = []
  otherSocket.on('bulk.progress', (progress) => overheard.push(progress))
  await startBulkOperation(id)
  await recordBulkItems(id, [{ entityId: graph.order.id, outcome: 'skipped', reason: 'Already tagged like that' }])
  await expect.poll(() => seen.at(-1), { timeout: 5_000 }).toMatchObject({ id, status: 'running', processed: 1, skipped: 1 })
  expect(overheard).toEqual([])
})
