import type { Logger } from 'pino'
import { recordRoom, RETURNS_CHANGED_INTERVAL_MS, type ReturnChanged } from '#app/realtime/events.ts'
import type { OpsDeckServer } from '#app/realtime/io.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { listenToChannels } from '#app/utils/pg-listen.server.ts'

/**
 * Live return pages. A page follows its return with `record.subscribe { entity: 'return', id }` (needs read:return,
 * checked at every join: server/realtime.ts) and so joins the room `return:<id>`. Triggers on "Return" and "Refund"
 * (migration 20261126150100_return_feed) NOTIFY `opsdeck_return_feed` with the ids of returns written by any process
 * (a person's step, the carrier sync, the gateway's refund answer); each web node holds one LISTEN connection and tells
 * ITS OWN sockets in those rooms (`io.local`, as the order feed does) with `returns.changed`, at most once per
 * RETURNS_CHANGED_INTERVAL_MS. After the LISTEN connection was lost and came back (or a statement wrote more returns than
 * a notification lists), every followed return is signalled: what changed meanwhile is unknown. The page re-reads its loader (events are signals, data comes from loaders).
 */

export const RETURN_FEED_CHANNEL = 'opsdeck_return_feed'

export type ReturnFeed = { close: () => Promise<void>; /** for tests: resolves once LISTEN is active */ ready: () => Promise<void> }

export function registerReturnFeed(io: OpsDeckServer, logger: Logger, options: { databaseUrl?: string; intervalMs?: number; reconnectMs?: number } = {}): ReturnFeed {
  const log = logger.child({ component: 'return-feed' })
  const intervalMs = options.intervalMs ?? RETURNS_CHANGED_INTERVAL_MS
  const rooms = () => io.of('/').adapter.rooms
  let pending = new Set<string>()
  let everything = false
  let timer: NodeJS.Timeout | undefined
  let lastFlush = 0

  function flush() {
    timer = undefined
    lastFlush = Date.now()
    const ids = everything ? followedReturns() : [...pending].filter((id) => (rooms().get(recordRoom('return', id))?.size ?? 0) > 0)
    pending = new Set()
    everything = false
    const at = new Date().toISOString()
    // One signal per return room: a page hears only about the return it shows.
    for (const id of ids) io.local.to(recordRoom('return', id)).emit('returns.changed', { id, at } satisfies ReturnChanged)
  }
  function followedReturns() {
    const prefix = recordRoom('return', '')
    return [...rooms().keys()].filter((room) => room.startsWith(prefix)).map((room) => room.slice(prefix.length))
  }
  function schedule() {
    if (timer) return
    timer = setTimeout(flush, Math.max(0, lastFlush + intervalMs - Date.now()))
    timer.unref()
  }

  const listener = listenToChannels({
    databaseUrl: options.databaseUrl ?? getEnv().DATABASE_URL,
    channels: [RETURN_FEED_CHANNEL],
    name: 'return-feed',
    reconnectMs: options.reconnectMs,
    log,
    onNotification(_channel, payload) {
      let message: { ids?: string[]; many?: number }
      try {
        message = JSON.parse(payload) as typeof message
      } catch {
        return log.warn({ payload: payload.slice(0, 200) }, 'unreadable return feed notification')
      }
      if (message.many) everything = true
      for (const id of message.ids ?? []) pending.add(id)
      schedule()
    },
    onReconnected() {
      everything = true
      schedule()
    },
  })

  return {
    ready: listener.ready,
    async close() {
      clearTimeout(timer)
      await listener.close()
    },
  }
}
