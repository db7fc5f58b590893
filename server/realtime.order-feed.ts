import type { Logger } from 'pino'
import { BULK_PROGRESS_CHANNEL, canFollowBulkOperation, getBulkProgress } from '#app/models/bulk-operation.server.ts'
import { orderListPageSql, parseOrderListQuery } from '#app/models/order-list.server.ts'
import {
  bulkRoom,
  ClientEventSchemas,
  ORDERS_CHANGED_INTERVAL_MS,
  ORDERS_FEED_ROOM,
  type BulkProgress,
  type OrdersChanged,
} from '#app/realtime/events.ts'
import type { OpsDeckServer } from '#app/realtime/io.server.ts'
import { Prisma } from '#app/generated/prisma/client.ts'
import { prisma } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { listenToChannels } from '#app/utils/pg-listen.server.ts'
import { onEvent, type OpsDeckSocket } from './realtime.ts'

/**
 * Live orders for the list page, and live bulk-operation progress.
 *
 * Mechanism: PostgreSQL LISTEN/NOTIFY. Statement-level triggers on "Order" (migration 20261125180000_order_feed)
 * NOTIFY `opsdeck_order_feed` with the inserted/updated ids; the bulk worker NOTIFYs `opsdeck_bulk_progress` with an
 * operation id in the transaction that moves its counters. Every web process holds one LISTEN connection and tells
 * ITS OWN sockets (`io.local`): with the Redis adapter each node hears the same NOTIFY, so a plain emit would reach
 * every socket once per node. NOTIFY is delivered on commit only, in commit order, whatever process wrote the rows
 * (web, worker, sync engine, scripts) — polling "updatedAt" would miss a slow transaction that commits behind the
 * poller's watermark. NOTE: LISTEN needs a session-level connection (not PgBouncer in transaction mode).
 *
 * `orders.changed` is throttled per node (ORDERS_CHANGED_INTERVAL_MS): ids are collected and sent at most once per
 * period to ORDERS_FEED_ROOM (joined with `orders.subscribe`, needs read:order). After the LISTEN connection was lost
 * and came back, one `many: true` signal tells pages to refresh what they show (changes may have been missed).
 */

export const ORDER_FEED_CHANNEL = 'opsdeck_order_feed'
/** Most ids carried by one `orders.changed`; beyond it the signal says `many`. */
const MAX_IDS_PER_SIGNAL = 500
/** `bulk.progress` per operation at most this often (a fast job records a chunk every few ms). */
const BULK_PROGRESS_MIN_INTERVAL_MS = 250

export type OrderFeedOptions = {
  databaseUrl?: string
  intervalMs?: number
  /** Reconnect delay after the LISTEN connection drops (doubles up to 30 s). */
  reconnectMs?: number
}

export type OrderFeed = { close: () => Promise<void>; /** for tests: resolves once LISTEN is active */ ready: () => Promise<void> }

type FeedNotification = { op: 'insert' | 'update'; ids?: string[]; many?: number }

export function registerOrderFeed(io: OpsDeckServer, logger: Logger, options: OrderFeedOptions = {}): OrderFeed {
  const log = logger.child({ component: 'order-feed' })
  const intervalMs = options.intervalMs ?? ORDERS_CHANGED_INTERVAL_MS
  const localMembers = (room: string) => io.of('/').adapter.rooms.get(room)?.size ?? 0

  // ── orders.changed: collect, then flush at most once per interval ─────────────────────────────────────────────
  let pending: { ids: Set<string>; newIds: Set<string>; many: boolean } = { ids: new Set(), newIds: new Set(), many: false }
  let flushTimer: NodeJS.Timeout | undefined
  let lastFlush = 0
  function flush() {
    flushTimer = undefined
    lastFlush = Date.now()
    const batch = pending
    pending = { ids: new Set(), newIds: new Set(), many: false }
    if (localMembers(ORDERS_FEED_ROOM) === 0) return
    const many = batch.many || batch.ids.size + batch.newIds.size > MAX_IDS_PER_SIGNAL
    const payload: OrdersChanged = {
      ids: many ? [] : [...batch.ids].filter((id) => !batch.newIds.has(id)),
      newIds: many ? [] : [...batch.newIds],
      many,
      at: new Date().toISOString(),
    }
    io.local.to(ORDERS_FEED_ROOM).emit('orders.changed', payload)
  }
  function schedule() {
    if (flushTimer) return
    flushTimer = setTimeout(flush, Math.max(0, lastFlush + intervalMs - Date.now()))
    flushTimer.unref()
  }
  function onFeed(payload: string) {
    let message: FeedNotification
    try {
      message = JSON.parse(payload) as FeedNotification
    } catch {
      return log.warn({ payload: payload.slice(0, 200) }, 'unreadable order feed notification')
    }
    if (message.many) pending.many = true
    for (const id of message.ids ?? []) (message.op === 'insert' ? pending.newIds : pending.ids).add(id)
    schedule()
  }

  // ── bulk.progress: per operation, throttled, only when someone here follows it ────────────────────────────────
  const bulkTimers = new Map<string, NodeJS.Timeout>()
  const bulkLast = new Map<string, number>()
  function onBulk(operationId: string) {
    if (localMembers(bulkRoom(operationId)) === 0 || bulkTimers.has(operationId)) return
    const wait = Math.max(0, (bulkLast.get(operationId) ?? 0) + BULK_PROGRESS_MIN_INTERVAL_MS - Date.now())
    const timer = setTimeout(() => {
      bulkTimers.delete(operationId)
      bulkLast.set(operationId, Date.now())
      void getBulkProgress(operationId)
        .then((progress) => {
          if (progress) io.local.to(bulkRoom(operationId)).emit('bulk.progress', progress)
          if (!progress || progress.finishedAt) bulkLast.delete(operationId)
        })
        .catch((error: unknown) => log.warn({ err: error, operationId }, 'could not read bulk progress'))
    }, wait)
    timer.unref()
    bulkTimers.set(operationId, timer)
  }

  // ── the LISTEN connection, reconnecting with backoff ──────────────────────────────────────────────────────────
  const listener = listenToChannels({
    databaseUrl: options.databaseUrl ?? getEnv().DATABASE_URL,
    channels: [ORDER_FEED_CHANNEL, BULK_PROGRESS_CHANNEL],
    name: 'order-feed',
    reconnectMs: options.reconnectMs,
    log,
    onNotification(channel, payload) {
      if (channel === ORDER_FEED_CHANNEL) onFeed(payload)
      else if (payload) onBulk(payload)
    },
    onReconnected() {
      // Whatever changed while we were deaf is unknown: pages refresh what they show.
      pending.many = true
      schedule()
    },
  })

  io.on('connection', (socket: OpsDeckSocket) => registerOrderFeedHandlers(socket, log))

  return {
    ready: listener.ready,
    async close() {
      clearTimeout(flushTimer)
      for (const timer of bulkTimers.values()) clearTimeout(timer)
      bulkTimers.clear()
      await listener.close()
    },
  }
}

function registerOrderFeedHandlers(socket: OpsDeckSocket, log: Logger) {
  onEvent(
    socket,
    'orders.subscribe',
    'read:order',
    ClientEventSchemas['orders.subscribe'],
    async (_payload, { socket }) => {
      await socket.join(ORDERS_FEED_ROOM)
      return {}
    },
    log,
  )
  onEvent(
    socket,
    'orders.unsubscribe',
    null,
    ClientEventSchemas['orders.unsubscribe'],
    async (_payload, { socket }) => {
      await socket.leave(ORDERS_FEED_ROOM)
      return {}
    },
    log,
  )
  onEvent(socket, 'orders.countNew', 'read:order', ClientEventSchemas['orders.countNew'], ({ query, since }) => countNewOrders(query, new Date(since)), log)
  onEvent(
    socket,
    'bulk.subscribe',
    'read:order',
    ClientEventSchemas['bulk.subscribe'],
    async ({ id }, { socket, user }): Promise<{ progress: BulkProgress | null }> => {
      // Same rule as the progress page: its actor or an admin; anyone else gets null, as for an unknown id.
      const progress = (await canFollowBulkOperation(id, user)) ? await getBulkProgress(id) : null
      if (progress) await socket.join(bulkRoom(id))
      return { progress }
    },
    log,
  )
  onEvent(
    socket,
    'bulk.unsubscribe',
    null,
    ClientEventSchemas['bulk.unsubscribe'],
    async ({ id }, { socket }) => {
      await socket.leave(bulkRoom(id))
      return {}
    },
    log,
  )
}

/** Orders created since `since` among the newest this many of a view (see countNewOrders). */
export const NEW_ORDERS_WINDOW = 1_000

/**
 * How many orders matching a list view (its URL search params) were created since `since` — the "N new orders"
 * banner. The view's own filters come from the list model's SQL (orderListPageSql), newest placed first, and only
 * its newest NEW_ORDERS_WINDOW rows are looked at: new orders are recent, so this is exact unless a thousand orders
 * placed later than a new one match the view (an import of old orders), and it never scans the whole table.
 * NOTE: a `createdSince` filter in OrderListQuery (H-list) would make this one plain countOrders call.
 */
export async function countNewOrders(search: string, since: Date): Promise<{ count: number; exact: boolean }> {
  const parsed = parseOrderListQuery(new URLSearchParams(search))
  if ('errors' in parsed) return { count: 0, exact: true }
  const view = { ...parsed.query, after: undefined, before: undefined, sort: 'placedAt' as const, dir: 'desc' as const, limit: NEW_ORDERS_WINDOW }
  const [row] = await prisma.$queryRaw<Array<{ n: number; scanned: number }>>(Prisma.sql`
    SELECT count(*) FILTER (WHERE o."createdAt" >= ${since})::int AS "n", count(*)::int AS "scanned"
      FROM (${orderListPageSql(view)}) v
      JOIN "Order" o ON o."id" = v."id"`)
  return { count: Number(row?.n ?? 0), exact: Number(row?.scanned ?? 0) <= NEW_ORDERS_WINDOW }
}
