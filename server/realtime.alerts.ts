import type { Logger } from 'pino'
import { ALERTS_CHANNEL, countAlertsNeedingAttention } from '#app/models/alert.server.ts'
import { ALERTS_ROOM, ClientEventSchemas, type AlertsChanged } from '#app/realtime/events.ts'
import type { OpsDeckServer } from '#app/realtime/io.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { listenToChannels } from '#app/utils/pg-listen.server.ts'
import { onEvent, type OpsDeckSocket } from './realtime.ts'

/**
 * Live alerts: the notification center in the shell and /alerts follow ALERTS_ROOM (`alerts.subscribe`, needs
 * read:alert) and re-read what they show on each `alerts.changed`.
 *
 * Mechanism: the alert model NOTIFYs `opsdeck_alerts` when alerts fire or resolve (the worker's scheduled
 * evaluation), are acknowledged or silenced, or rules change (web actions) — inside the transaction, so a signal is
 * never sent for a rolled-back change. Every web process LISTENs and tells ITS OWN sockets (`io.local`), like the
 * order feed (server/realtime.order-feed.ts): each node hears every NOTIFY, so with the Redis adapter a plain emit
 * would reach each socket once per node. Works the same on the embedded default (no Redis).
 * After the LISTEN connection was lost and came back, one `many: true` signal makes pages re-read (changes may
 * have been missed meanwhile).
 */

export type AlertFeedOptions = { databaseUrl?: string; reconnectMs?: number }
export type AlertFeed = { close: () => Promise<void>; /** for tests: resolves once LISTEN is active */ ready: () => Promise<void> }

export function registerAlertFeed(io: OpsDeckServer, logger: Logger, options: AlertFeedOptions = {}): AlertFeed {
  const log = logger.child({ component: 'alert-feed' })
  const emit = (signal: Omit<AlertsChanged, 'at'>) => io.local.to(ALERTS_ROOM).emit('alerts.changed', { ...signal, at: new Date().toISOString() })

  const listener = listenToChannels({
    databaseUrl: options.databaseUrl ?? getEnv().DATABASE_URL,
    channels: [ALERTS_CHANNEL],
    name: 'alert-feed',
    reconnectMs: options.reconnectMs,
    log,
    onNotification(_channel, payload) {
      let signal: Omit<AlertsChanged, 'at'>
      try {
        signal = JSON.parse(payload) as Omit<AlertsChanged, 'at'>
      } catch {
        return log.warn({ payload: payload.slice(0, 200) }, 'unreadable alert notification')
      }
      emit({ change: signal.change, ids: Array.isArray(signal.ids) ? signal.ids : [], many: signal.many === true })
    },
    onReconnected: () => emit({ change: 'fired', ids: [], many: true }),
  })

  io.on('connection', (socket: OpsDeckSocket) => registerAlertHandlers(socket, log))
  return listener
}

function registerAlertHandlers(socket: OpsDeckSocket, log: Logger) {
  onEvent(
    socket,
    'alerts.subscribe',
    'read:alert',
    ClientEventSchemas['alerts.subscribe'],
    async (_payload, { socket }) => {
      await socket.join(ALERTS_ROOM)
      return { needingAttention: await countAlertsNeedingAttention() }
    },
    log,
  )
  onEvent(
    socket,
    'alerts.unsubscribe',
    null,
    ClientEventSchemas['alerts.unsubscribe'],
    async (_payload, { socket }) => {
      await socket.leave(ALERTS_ROOM)
      return {}
    },
    log,
  )
}
