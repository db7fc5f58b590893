import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, afterEach } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import type { ClientToServerEvents, ServerToClientEvents } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createRealtime, type RealtimeOptions } from '#server/realtime.ts'

/**
 * Socket.IO test nodes for server/realtime*.test.ts: a real `createRealtime` on a random port, and clients signed in
 * with a real session cookie. Call `realtimeHarness()` at the top of a test file: what a test starts is closed after
 * it (clients first), and queues and Prisma after the file.
 */

export type RealtimeClient = Socket<ServerToClientEvents, ClientToServerEvents>
export const TEST_ORIGIN = 'http://localhost:3999'

export function realtimeHarness() {
  const cleanups: Array<() => unknown> = []
  let nodes = 0
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    nodes = 0
  })
  afterAll(async () => {
    await closeQueues()
    await prisma.$disconnect()
  })

  return {
    /** A web node's Socket.IO on a random port (keyPrefix 'rt', one worker alive); resolves with its URL. */
    async startNode(options: Partial<Omit<RealtimeOptions, 'httpServer' | 'logger' | 'allowedOrigins'>> = {}) {
      const httpServer = http.createServer((_req, res) => res.end('not socket.io'))
      const realtime = await createRealtime({
        httpServer,
        logger: pino({ level: 'silent' }),
        allowedOrigins: [TEST_ORIGIN],
        keyPrefix: 'rt',
        countWorkers: async () => 1,
        ...options,
      })
      await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
      cleanups.push(() => realtime.close())
      nodes += 1
      return `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`
    },
    /** How many nodes the running test has started. */
    nodeCount: () => nodes,
    /** A client of `url` signed in as `user` (a new session). */
    async connectAs(url: string, user: { id: string }): Promise<RealtimeClient> {
      const session = await createSession(user.id)
      const cookie = (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!
      const socket: RealtimeClient = connect(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true })
      cleanups.push(() => socket.disconnect())
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve())
        socket.once('connect_error', reject)
      })
      return socket
    },
  }
}
