import type { Role } from '#app/utils/permissions.ts'
import { roleRoom } from './events.ts'
import { getIo, type OpsDeckServer } from './io.server.ts'

/** How long to wait for other web nodes to answer `fetchSockets` (Redis adapter) before answering with what we have. */
const FETCH_TIMEOUT_MS = 2_000

/**
 * Who of `roles` has a tab open now, across web nodes (their sockets are in the role rooms): the "online agents" the
 * ticket round-robin hands work to. Read from the rooms, never from a per-process map. Empty outside the web
 * process (no Socket.IO server: workers, scripts, most tests).
 */
export async function onlineUserIds(roles: readonly Role[], io: OpsDeckServer | null = getIo()): Promise<string[]> {
  if (!io || roles.length === 0) return []
  const sockets = await io.in(roles.map(roleRoom)).timeout(FETCH_TIMEOUT_MS).fetchSockets()
  return [...new Set(sockets.map((socket) => socket.data.user?.id).filter((id): id is string => Boolean(id)))].sort()
}
