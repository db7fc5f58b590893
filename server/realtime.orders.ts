import type { Logger } from 'pino'
import { ClientEventSchemas, orderViewersRoom, recordRoom, type OrderPresence, type OrderViewer } from '#app/realtime/events.ts'
import type { OpsDeckServer } from '#app/realtime/io.server.ts'
import { onEvent, type OpsDeckSocket } from './realtime.ts'

/**
 * Order page presence: who else has `/orders/:id` open. A page emits `orders.view` (needs `read:order`, checked at
 * every join) and `orders.leave`; the socket joins `order-viewers:<id>` (presence) and `order:<id>` (the order's
 * live signals). After every join, leave and disconnect, everyone in the room gets `orders.presence` with the
 * current viewers.
 *
 * NOTE: the viewer list is read from the room itself with `fetchSockets()` — never a per-process map — so with the
 * Redis adapter it spans every web node, and a node that dies takes its sockets out of the rooms with it.
 */

/** How long to wait for other web nodes to answer `fetchSockets` (Redis adapter) before answering with what we have. */
const FETCH_TIMEOUT_MS = 2_000

export function registerOrderPresenceHandlers(socket: OpsDeckSocket, io: OpsDeckServer, log: Logger) {
  onEvent(
    socket,
    'orders.view',
    'read:order',
    ClientEventSchemas['orders.view'],
    async ({ orderId }, { socket }) => {
      await socket.join([orderViewersRoom(orderId), recordRoom('order', orderId)])
      const presence = await currentPresence(io, orderId)
      io.to(orderViewersRoom(orderId)).emit('orders.presence', presence)
      return presence
    },
    log,
  )
  onEvent(
    socket,
    'orders.leave',
    null,
    ClientEventSchemas['orders.leave'],
    async ({ orderId }, { socket }) => {
      if (!socket.rooms.has(orderViewersRoom(orderId))) return {}
      await Promise.all([socket.leave(orderViewersRoom(orderId)), socket.leave(recordRoom('order', orderId))])
      await broadcastPresence(io, orderId, log)
      return {}
    },
    log,
  )
  // `disconnecting`: the socket still lists its rooms; once it has gone (`disconnect`), tell those rooms.
  socket.on('disconnecting', () => {
    const viewing = [...socket.rooms].filter((room) => room.startsWith(orderViewersRoom(''))).map((room) => room.slice(orderViewersRoom('').length))
    if (viewing.length === 0) return
    socket.once('disconnect', () => {
      for (const orderId of viewing) void broadcastPresence(io, orderId, log)
    })
  })
}

async function broadcastPresence(io: OpsDeckServer, orderId: string, log: Logger) {
  try {
    io.to(orderViewersRoom(orderId)).emit('orders.presence', await currentPresence(io, orderId))
  } catch (error) {
    log.warn({ err: error, orderId }, 'could not broadcast order presence')
  }
}

/** Everyone in the order's viewers room, across web nodes, one entry per person (several tabs = one viewer). */
export async function currentPresence(io: OpsDeckServer, orderId: string): Promise<OrderPresence> {
  const sockets = await io.in(orderViewersRoom(orderId)).timeout(FETCH_TIMEOUT_MS).fetchSockets()
  const viewers = new Map<string, OrderViewer>()
  for (const member of sockets) {
    const user = member.data.user
    if (user && !viewers.has(user.id)) viewers.set(user.id, { userId: user.id, name: user.name, role: user.role })
  }
  return { orderId, viewers: [...viewers.values()].sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId)) }
}
