import type { Logger } from 'pino'
import { recordRoom, roleRoom, type SlaSignal } from '#app/realtime/events.ts'
import type { OpsDeckServer } from '#app/realtime/io.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { listenToChannels } from '#app/utils/pg-listen.server.ts'
import { ENTITIES, hasPermission, ROLES, type Entity } from '#app/utils/permissions.ts'
import { SLA_SIGNAL_CHANNEL, type SlaSignalPayload } from './clock.server.ts'

/**
 * Live SLA signals in the web process: the engine NOTIFYs `opsdeck_sla` in the transaction that records a warning or
 * a breach (worker timers and sweep, or a late reply), and every web process LISTENs and tells ITS OWN sockets
 * (`io.local`; each node hears every NOTIFY, so with the Redis adapter a plain emit would arrive once per node):
 * - `ticket:<id>` (recordRoom; joined by the ticket page, authorized at join) for ticket clocks;
 * - the role rooms of every role that may read the subject (`read:ticket`, `read:return`, `read:order`, …), so
 *   lists and the shell can react. Subject types that are not an entity reach no role room.
 * Signals only (DESIGN.md § Realtime): pages revalidate to show the new state.
 * NOTE: LISTEN needs a session-level connection (not PgBouncer in transaction mode).
 */

export type SlaSignals = { close: () => Promise<void>; /** for tests: resolves once LISTEN is active */ ready: () => Promise<void> }

export function roomsForSlaSignal(signal: Pick<SlaSignal, 'subjectType' | 'ticketId'>): string[] {
  const rooms: string[] = []
  if (signal.ticketId) rooms.push(recordRoom('ticket', signal.ticketId))
  const entity = (ENTITIES as readonly string[]).includes(signal.subjectType) ? (signal.subjectType as Entity) : null
  if (entity) for (const role of ROLES) if (hasPermission(role, `read:${entity}`)) rooms.push(roleRoom(role))
  return rooms
}

export function registerSlaSignals(io: OpsDeckServer, logger: Logger, options: { databaseUrl?: string; reconnectMs?: number } = {}): SlaSignals {
  const log = logger.child({ component: 'sla-signals' })

  function forward(raw: string) {
    let payload: SlaSignalPayload
    try {
      payload = JSON.parse(raw) as SlaSignalPayload
    } catch {
      return log.warn({ payload: raw.slice(0, 200) }, 'unreadable sla notification')
    }
    const signal: SlaSignal = {
      kind: payload.kind,
      subjectType: payload.subjectType,
      subjectId: payload.subjectId,
      ticketId: payload.ticketId,
      metric: payload.metric,
      dueAt: payload.dueAt,
      at: payload.at,
    }
    const rooms = roomsForSlaSignal(signal)
    if (rooms.length === 0) return
    io.local.to(rooms).emit(signal.kind === 'warning' ? 'sla.warning' : 'sla.breached', signal)
  }

  // Signals missed while deaf are not replayed: the breach is on the row, and pages show it on their next load.
  return listenToChannels({
    databaseUrl: options.databaseUrl ?? getEnv().DATABASE_URL,
    channels: [SLA_SIGNAL_CHANNEL],
    name: 'sla-signals',
    reconnectMs: options.reconnectMs,
    log,
    onNotification: (_channel, payload) => {
      if (payload) forward(payload)
    },
  })
}
