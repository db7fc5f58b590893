import type { Server } from 'socket.io'
import type { Role } from '#app/utils/permissions.ts'
import { singleton } from '#app/utils/singleton.server.ts'
import {
  roleRoom,
  sessionRoom,
  userRoom,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
  type ClientToServerEvents,
} from './events.ts'

/**
 * The process's Socket.IO server, for app code (actions, models) that needs to push a signal. Registered by
 * server/realtime.ts at start; a singleton on globalThis because this module is loaded twice in the web process
 * (through the Remix build and directly). In processes without sockets (workers, scripts, most tests) `getIo()`
 * is null and the emit helpers do nothing.
 */

export type OpsDeckServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>

type Registry = { io: OpsDeckServer | null }
const registry = () => singleton<Registry>('socket.io', () => ({ io: null }))

export function registerIo(io: OpsDeckServer | null) {
  registry().io = io
}

export function getIo(): OpsDeckServer | null {
  return registry().io
}

type EventName = keyof ServerToClientEvents
type Payload<Event extends EventName> = Parameters<ServerToClientEvents[Event]>[0]

export function emitToUser<Event extends EventName>(userId: string, event: Event, payload: Payload<Event>) {
  // The cast: Socket.IO's generic emit signature does not narrow through a generic event name.
  ;(getIo()?.to(userRoom(userId)).emit as ((event: Event, payload: Payload<Event>) => boolean) | undefined)?.(event, payload)
}

export function emitToRole<Event extends EventName>(role: Role, event: Event, payload: Payload<Event>) {
  ;(getIo()?.to(roleRoom(role)).emit as ((event: Event, payload: Payload<Event>) => boolean) | undefined)?.(event, payload)
}

/**
 * Grace between telling a user's tabs why and cutting them off. With the Redis adapter the broadcast and the
 * disconnect travel on different channels, so without it a remote node could disconnect before delivering the event.
 */
export const REVOKE_GRACE_MS = 100

/**
 * Ends every socket of a user on every node (disabling them): emits `session.revoked` so the tab
 * goes to the sign-in page, then disconnects (`disconnectSockets(true)` also closes the underlying connection).
 */
export async function disconnectUserSockets(userId: string, reason: string) {
  await revokeRoom(userRoom(userId), reason)
}

/**
 * Drops a user's sockets on every node without signing them out (role change): their tabs reconnect by themselves
 * (socket-provider.tsx retries after an "io server disconnect" that came without `session.revoked`), and the new
 * handshake re-reads the user, so they join the new role's room and their events are checked against the new role.
 */
export function reconnectUserSockets(userId: string) {
  getIo()?.in(userRoom(userId)).disconnectSockets(true)
}

/** Ends the sockets of one session only (sign-out in one browser leaves the user's other sessions connected). */
export async function disconnectSessionSockets(sessionId: string, reason: string) {
  await revokeRoom(sessionRoom(sessionId), reason)
}

async function revokeRoom(room: string, reason: string) {
  const io = getIo()
  if (!io) return
  io.to(room).emit('session.revoked', { reason })
  await new Promise((resolve) => setTimeout(resolve, REVOKE_GRACE_MS))
  io.in(room).disconnectSockets(true)
}
