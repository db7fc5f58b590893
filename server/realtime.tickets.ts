import type { Logger } from 'pino'
import { AGENT_ROLES, autoAssignTickets } from '#app/models/ticket-actions.server.ts'
import {
  ClientEventSchemas,
  recordRoom,
  TICKET_TYPING_TTL_MS,
  ticketTypingRoom,
  ticketViewersRoom,
  TICKETS_FEED_ROOM,
  type TicketPresence,
  type TicketsChanged,
  type TicketViewer,
} from '#app/realtime/events.ts'
import type { OpsDeckServer } from '#app/realtime/io.server.ts'
import { onlineUserIds } from '#app/realtime/presence.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { listenToChannels } from '#app/utils/pg-listen.server.ts'
import { onEvent, type OpsDeckSocket } from './realtime.ts'

/**
 * The support desk's live layer.
 *
 * 1. Ticket feed. Statement-level triggers on Ticket and TicketMessage (migration 20261126130000_support_desk) NOTIFY
 *    `opsdeck_ticket_feed` with the ticket ids on commit, whichever process wrote them (the web, the helpdesk worker,
 *    scripts). Every web process LISTENs and tells ITS OWN sockets (`io.local`; each node hears every NOTIFY):
 *    `tickets.changed` at most once per TICKETS_CHANGED_INTERVAL_MS to TICKETS_FEED_ROOM (the list: live rows and
 *    view counts) and to each changed ticket's `ticket:<id>` room (its open pages).
 * 2. Round-robin. New unassigned tickets go to the agents online now (app/realtime/presence.server.ts, across
 *    nodes with the Redis adapter) in turn — a team's ticket to its members, any other to support agents (app/models/ticket-actions.server.ts autoAssignTickets: one assignment
 *    per ticket however many nodes heard the insert).
 * 3. Collision detection. `tickets.view` (read:ticket) joins `ticket-viewers:<id>`; `tickets.typing`
 *    (update:ticket, only while viewing) joins/leaves `ticket-typing:<id>`, and a typing signal not repeated within
 *    TICKET_TYPING_TTL_MS ends by itself. Presence is read from the rooms (`fetchSockets`, across nodes), never from
 *    a per-process map, and sent as `tickets.presence` on every change.
 */

export const TICKET_FEED_CHANNEL = 'opsdeck_ticket_feed'
export const TICKETS_CHANGED_INTERVAL_MS = 1_000
const MAX_IDS_PER_SIGNAL = 500
const FETCH_TIMEOUT_MS = 2_000

export type TicketRealtimeOptions = { databaseUrl?: string; intervalMs?: number; reconnectMs?: number; autoAssign?: boolean }
export type TicketRealtime = { close: () => Promise<void>; /** for tests: resolves once LISTEN is active */ ready: () => Promise<void> }

type FeedNotification = { op: 'insert' | 'update' | 'message'; ids?: string[]; many?: number }

export function registerTicketRealtime(io: OpsDeckServer, logger: Logger, options: TicketRealtimeOptions = {}): TicketRealtime {
  const log = logger.child({ component: 'ticket-feed' })
  const intervalMs = options.intervalMs ?? TICKETS_CHANGED_INTERVAL_MS
  const localMembers = (room: string) => io.of('/').adapter.rooms.get(room)?.size ?? 0

  let pending = { ids: new Set<string>(), newIds: new Set<string>(), many: false }
  let flushTimer: NodeJS.Timeout | undefined
  let lastFlush = 0
  function flush() {
    flushTimer = undefined
    lastFlush = Date.now()
    const batch = pending
    pending = { ids: new Set(), newIds: new Set(), many: false }
    const many = batch.many || batch.ids.size + batch.newIds.size > MAX_IDS_PER_SIGNAL
    const payload: TicketsChanged = {
      ids: many ? [] : [...batch.ids].filter((id) => !batch.newIds.has(id)),
      newIds: many ? [] : [...batch.newIds],
      many,
      at: new Date().toISOString(),
    }
    if (localMembers(TICKETS_FEED_ROOM) > 0) io.local.to(TICKETS_FEED_ROOM).emit('tickets.changed', payload)
    for (const id of [...batch.ids, ...batch.newIds]) {
      if (localMembers(recordRoom('ticket', id)) > 0) io.local.to(recordRoom('ticket', id)).emit('tickets.changed', { ...payload, ids: [id], newIds: [], many: false })
    }
  }
  function schedule() {
    if (flushTimer) return
    flushTimer = setTimeout(flush, Math.max(0, lastFlush + intervalMs - Date.now()))
    flushTimer.unref()
  }

  async function roundRobin(ticketIds: string[]) {
    // Every agent role: a team's ticket goes to its members whatever their role; others to support agents only.
    const online = await onlineUserIds(AGENT_ROLES, io)
    if (online.length === 0) return
    const made = await autoAssignTickets(ticketIds, online)
    if (made.length > 0) log.info({ assignments: made.length }, 'tickets assigned round-robin to online agents')
  }

  function onFeed(payload: string) {
    let message: FeedNotification
    try {
      message = JSON.parse(payload) as FeedNotification
    } catch {
      return log.warn({ payload: payload.slice(0, 200) }, 'unreadable ticket feed notification')
    }
    if (message.many) pending.many = true
    for (const id of message.ids ?? []) (message.op === 'insert' ? pending.newIds : pending.ids).add(id)
    schedule()
    if (message.op === 'insert' && message.ids && options.autoAssign !== false) {
      roundRobin(message.ids).catch((error: unknown) => log.warn({ err: error }, 'round-robin assignment failed'))
    }
  }

  const listener = listenToChannels({
    databaseUrl: options.databaseUrl ?? getEnv().DATABASE_URL,
    channels: [TICKET_FEED_CHANNEL],
    name: 'ticket-feed',
    reconnectMs: options.reconnectMs,
    log,
    onNotification: (_channel, payload) => onFeed(payload),
    onReconnected() {
      pending.many = true
      schedule()
    },
  })

  io.on('connection', (socket: OpsDeckSocket) => registerTicketHandlers(socket, io, log))

  return {
    ready: listener.ready,
    async close() {
      clearTimeout(flushTimer)
      await listener.close()
    },
  }
}

function registerTicketHandlers(socket: OpsDeckSocket, io: OpsDeckServer, log: Logger) {
  /** This socket's typing timers, per ticket: a typing signal ends by itself unless repeated. */
  const typingTimers = new Map<string, NodeJS.Timeout>()
  async function stopTyping(ticketId: string) {
    clearTimeout(typingTimers.get(ticketId))
    typingTimers.delete(ticketId)
    if (!socket.rooms.has(ticketTypingRoom(ticketId))) return false
    await socket.leave(ticketTypingRoom(ticketId))
    return true
  }

  onEvent(socket, 'tickets.subscribe', 'read:ticket', ClientEventSchemas['tickets.subscribe'], async () => {
    await socket.join(TICKETS_FEED_ROOM)
    return {}
  }, log)
  onEvent(socket, 'tickets.unsubscribe', null, ClientEventSchemas['tickets.unsubscribe'], async () => {
    await socket.leave(TICKETS_FEED_ROOM)
    return {}
  }, log)
  onEvent(
    socket,
    'tickets.view',
    'read:ticket',
    ClientEventSchemas['tickets.view'],
    async ({ ticketId }) => {
      await socket.join([ticketViewersRoom(ticketId), recordRoom('ticket', ticketId)])
      const presence = await currentTicketPresence(io, ticketId)
      io.to(ticketViewersRoom(ticketId)).emit('tickets.presence', presence)
      return presence
    },
    log,
  )
  onEvent(
    socket,
    'tickets.leave',
    null,
    ClientEventSchemas['tickets.leave'],
    async ({ ticketId }) => {
      if (!socket.rooms.has(ticketViewersRoom(ticketId))) return {}
      await stopTyping(ticketId)
      await Promise.all([socket.leave(ticketViewersRoom(ticketId)), socket.leave(recordRoom('ticket', ticketId))])
      await broadcastTicketPresence(io, ticketId, log)
      return {}
    },
    log,
  )
  onEvent(
    socket,
    'tickets.typing',
    'update:ticket',
    ClientEventSchemas['tickets.typing'],
    async ({ ticketId, typing }) => {
      // Only someone with the page open types on it (the view event checked read:ticket); anything else is ignored.
      if (!socket.rooms.has(ticketViewersRoom(ticketId))) return {}
      let changed: boolean
      if (typing) {
        changed = !socket.rooms.has(ticketTypingRoom(ticketId))
        await socket.join(ticketTypingRoom(ticketId))
        clearTimeout(typingTimers.get(ticketId))
        const timer = setTimeout(() => {
          void stopTyping(ticketId).then((left) => (left ? broadcastTicketPresence(io, ticketId, log) : undefined))
        }, TICKET_TYPING_TTL_MS)
        timer.unref()
        typingTimers.set(ticketId, timer)
      } else {
        changed = await stopTyping(ticketId)
      }
      if (changed) await broadcastTicketPresence(io, ticketId, log)
      return {}
    },
    log,
  )
  socket.on('disconnecting', () => {
    for (const timer of typingTimers.values()) clearTimeout(timer)
    const prefix = ticketViewersRoom('')
    const viewing = [...socket.rooms].filter((room) => room.startsWith(prefix)).map((room) => room.slice(prefix.length))
    if (viewing.length === 0) return
    socket.once('disconnect', () => {
      for (const ticketId of viewing) void broadcastTicketPresence(io, ticketId, log)
    })
  })
}

async function broadcastTicketPresence(io: OpsDeckServer, ticketId: string, log: Logger) {
  try {
    io.to(ticketViewersRoom(ticketId)).emit('tickets.presence', await currentTicketPresence(io, ticketId))
  } catch (error) {
    log.warn({ err: error, ticketId }, 'could not broadcast ticket presence')
  }
}

/** Everyone with the ticket open, across web nodes, one entry per person; typing if any of their tabs types. */
export async function currentTicketPresence(io: OpsDeckServer, ticketId: string): Promise<TicketPresence> {
  const [viewing, typing] = await Promise.all([
    io.in(ticketViewersRoom(ticketId)).timeout(FETCH_TIMEOUT_MS).fetchSockets(),
    io.in(ticketTypingRoom(ticketId)).timeout(FETCH_TIMEOUT_MS).fetchSockets(),
  ])
  const typists = new Set(typing.map((member) => member.data.user?.id))
  const viewers = new Map<string, TicketViewer>()
  for (const member of viewing) {
    const user = member.data.user
    if (user && !viewers.has(user.id)) viewers.set(user.id, { userId: user.id, name: user.name, role: user.role, typing: typists.has(user.id) })
  }
  return { ticketId, viewers: [...viewers.values()].sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId)) }
}
