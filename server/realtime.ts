import type { Server as HttpServer, IncomingMessage } from 'node:http'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { Server, type Socket } from 'socket.io'
import type { z } from 'zod'
import {
  ClientEventSchemas,
  INTEGRATIONS_HEALTH_INTERVAL_MS,
  INTEGRATIONS_ROOM,
  recordRoom,
  roleRoom,
  sessionRoom,
  SESSION_SWEEP_INTERVAL_MS,
  SOCKET_PATH,
  userRoom,
  WORKERS_STATUS_INTERVAL_MS,
  type Ack,
  type ClientEventName,
  type ClientEventPayload,
  type ClientToServerEvents,
  type IntegrationsHealth,
  type InterServerEvents,
  type ServerToClientEvents,
  type SocketData,
  type WorkersStatus,
} from '#app/realtime/events.ts'
import { registerIo, REVOKE_GRACE_MS, type OpsDeckServer } from '#app/realtime/io.server.ts'
import { getIntegrationsHealth } from '#app/models/integration-health.server.ts'
import { countAliveWorkers } from '#app/models/worker-heartbeat.server.ts'
import { hasPermission, type Permission } from '#app/utils/permissions.ts'
import { findEndedSessions, getSocketUser } from '#app/utils/session.server.ts'
import { registerAlertFeed } from './realtime.alerts.ts'
import { registerMetricsRealtime } from './metrics-realtime.ts'
import { registerSlaSignals } from '#app/models/sla/sla-realtime.server.ts'
import { registerInventorySignals } from './realtime.inventory.ts'
import { registerOrderFeed } from './realtime.order-feed.ts'
import { registerOrderPresenceHandlers } from './realtime.orders.ts'
import { registerReturnFeed } from './realtime.returns.ts'
import { registerTicketRealtime } from './realtime.tickets.ts'

/**
 * Socket.IO on the web server's own port. Every connection is authenticated from the session cookie exactly like a
 * page request, from an allowed Origin; it joins `user:<id>`, `role:<role>` and `session:<sessionId>`. With REDIS_URL the Redis adapter fans
 * broadcasts out to every web node; without it the in-memory adapter serves the single node.
 */

export type OpsDeckSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
type SessionUser = SocketData['user']

export type RealtimeOptions = {
  httpServer: HttpServer
  logger: Logger
  allowedOrigins: readonly string[]
  redisUrl?: string
  keyPrefix: string
  /** Injectable for tests; default: the session check pages use. */
  authenticate?: (cookieHeader: string | undefined) => Promise<SessionUser | null>
  countWorkers?: () => Promise<number>
  statusIntervalMs?: number
  /** Injectable for tests; default: the session check, without touching `lastSeenAt`. */
  findEndedSessions?: (sessionIds: readonly string[]) => Promise<string[]>
  sessionSweepIntervalMs?: number
  /** Injectable for tests; default: app/models/integration-health.server.ts. */
  integrationsHealth?: () => Promise<IntegrationsHealth>
  integrationsIntervalMs?: number
}

export type Realtime = {
  io: OpsDeckServer
  /** Ends this node's sockets whose session has ended since their handshake; returns how many. */
  sweepSessions: () => Promise<number>
  close: () => Promise<void>
}

/**
 * Browsers send `Origin` on every websocket handshake and every cross-origin request; they omit it only on a
 * same-origin GET (the long-polling transport). So: present → must be ours; absent → same-origin or not a browser,
 * and the session cookie still decides.
 */
export function isAllowedSocketOrigin(req: IncomingMessage, allowed: ReadonlySet<string>) {
  const origin = req.headers.origin
  return origin === undefined || allowed.has(origin)
}

export async function createRealtime(options: RealtimeOptions): Promise<Realtime> {
  const log = options.logger.child({ component: 'realtime' })
  const allowed = new Set(options.allowedOrigins.map((origin) => new URL(origin).origin))
  const authenticate = options.authenticate ?? getSocketUser
  const countWorkers = options.countWorkers ?? (() => countAliveWorkers())

  const io: OpsDeckServer = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(
    options.httpServer,
    {
      path: SOCKET_PATH,
      serveClient: false,
      // Same-origin only: no CORS headers are sent, and a foreign Origin is refused before the handshake.
      allowRequest: (req, callback) => callback(null, isAllowedSocketOrigin(req, allowed)),
      // Signals are tiny; anything bigger than this from a client is abuse.
      maxHttpBufferSize: 64 * 1024,
      connectionStateRecovery: undefined,
    },
  )

  let redis: { pub: Redis; sub: Redis } | undefined
  if (options.redisUrl) {
    const pub = new Redis(options.redisUrl, { maxRetriesPerRequest: null })
    const sub = pub.duplicate()
    for (const client of [pub, sub]) client.on('error', (error) => log.error({ err: error }, 'socket.io redis adapter connection error'))
    io.adapter(createAdapter(pub, sub, { key: `${options.keyPrefix}:socket.io` }))
    redis = { pub, sub }
    log.info('socket.io using the redis adapter')
  }

  io.use(async (socket, next) => {
    if (!isAllowedSocketOrigin(socket.request, allowed)) {
      log.warn({ origin: socket.handshake.headers.origin }, 'socket refused: foreign origin')
      return next(new Error('forbidden origin'))
    }
    try {
      const user = await authenticate(socket.handshake.headers.cookie)
      if (!user) return next(new Error('unauthorized'))
      socket.data.user = user
      next()
    } catch (error) {
      log.error({ err: error }, 'socket authentication failed')
      next(new Error('unavailable'))
    }
  })

  let lastStatus: WorkersStatus | undefined
  async function workersStatus(): Promise<WorkersStatus | undefined> {
    try {
      lastStatus = { alive: await countWorkers(), at: new Date().toISOString() }
    } catch (error) {
      log.warn({ err: error }, 'could not count alive workers')
    }
    return lastStatus
  }

  // Integration health: computed by this node for its own members of INTEGRATIONS_ROOM (each node's sockets are
  // its own; `io.local` keeps the Redis adapter from fanning one node's computation out to everyone). One
  // computation at a time; a subscriber arriving mid-flight shares it, and a fresh-enough result is reused.
  const computeHealth = options.integrationsHealth ?? (() => getIntegrationsHealth())
  const healthIntervalMs = options.integrationsIntervalMs ?? INTEGRATIONS_HEALTH_INTERVAL_MS
  let healthInFlight: Promise<IntegrationsHealth | null> | null = null
  let lastHealth: { value: IntegrationsHealth; computedAt: number } | null = null
  function integrationsHealth(maxAgeMs: number): Promise<IntegrationsHealth | null> {
    if (lastHealth && Date.now() - lastHealth.computedAt < maxAgeMs) return Promise.resolve(lastHealth.value)
    healthInFlight ??= computeHealth()
      .then((value) => {
        lastHealth = { value, computedAt: Date.now() }
        return value
      })
      .catch((error: unknown) => {
        log.warn({ err: error }, 'could not compute integration health')
        return null
      })
      .finally(() => {
        healthInFlight = null
      })
    return healthInFlight
  }
  const localMembers = (room: string) => io.of('/').adapter.rooms.get(room)?.size ?? 0
  const healthTicker = setInterval(() => {
    if (localMembers(INTEGRATIONS_ROOM) === 0) return
    void integrationsHealth(0).then((health) => {
      if (health) io.local.to(INTEGRATIONS_ROOM).emit('integrations.health', health)
    })
  }, healthIntervalMs)
  healthTicker.unref()

  io.on('connection', (socket: OpsDeckSocket) => {
    const { user } = socket.data
    void socket.join([userRoom(user.id), roleRoom(user.role), sessionRoom(user.sessionId)])
    log.debug({ userId: user.id, socketId: socket.id }, 'socket connected')
    registerHandlers(socket, log)
    registerIntegrationHandlers(socket, log, () => integrationsHealth(healthIntervalMs))
    registerOrderPresenceHandlers(socket, io, log)
    void workersStatus().then((status) => {
      if (status && socket.connected) socket.emit('workers.status', status)
    })
  })

  // Each node tells its own sockets (`io.local`): with the Redis adapter a plain `io.emit` from every node would
  // reach every socket once per node.
  const ticker = setInterval(() => {
    if (io.engine.clientsCount === 0) return
    void workersStatus().then((status) => {
      if (status) io.local.emit('workers.status', status)
    })
  }, options.statusIntervalMs ?? WORKERS_STATUS_INTERVAL_MS)
  ticker.unref()

  // A socket authenticates once, at its handshake; sign-out and disabling end sockets at once (io.server.ts), and
  // this sweep catches the rest: idle and absolute expiry, and revocations made while a node was unreachable.
  const ended = options.findEndedSessions ?? ((ids: readonly string[]) => findEndedSessions(ids))
  async function sweepSessions() {
    const local = [...io.of('/').sockets.values()] as OpsDeckSocket[]
    const endedIds = new Set(await ended([...new Set(local.map((socket) => socket.data.user.sessionId))]))
    const ending = local.filter((socket) => endedIds.has(socket.data.user.sessionId))
    for (const socket of ending) socket.emit('session.revoked', { reason: 'session ended' })
    if (ending.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, REVOKE_GRACE_MS))
      for (const socket of ending) socket.disconnect(true)
      log.info({ sockets: ending.length }, 'ended sockets whose session expired or was revoked')
    }
    return ending.length
  }
  const sweeper = setInterval(() => {
    if (io.engine.clientsCount === 0) return
    sweepSessions().catch((error: unknown) => log.warn({ err: error }, 'session sweep failed'))
  }, options.sessionSweepIntervalMs ?? SESSION_SWEEP_INTERVAL_MS)
  sweeper.unref()

  // Live orders (`orders.changed`, the "N new orders" banner) and bulk-operation progress, from Postgres NOTIFY.
  const orderFeed = registerOrderFeed(io, log)
  // SLA warnings and breaches (`sla.warning` / `sla.breached`), from Postgres NOTIFY.
  const slaSignals = registerSlaSignals(io, log)
  // Support desk: live ticket signals, round-robin to online agents, viewers and typists per ticket.
  const ticketFeed = registerTicketRealtime(io, log)
  // Live metrics (`metrics.tick` to the /live dashboard) from this process's aggregator; the socket-count gauge.
  const stopMetrics = registerMetricsRealtime(io, log)
  // Live alerts (`alerts.changed`: the notification center and /alerts), from Postgres NOTIFY.
  const alertFeed = registerAlertFeed(io, log)
  // Low / out-of-stock signals (`inventory.stock`), from a poll of the low-stock index.
  const inventorySignals = registerInventorySignals(io, log)
  // Live return pages (`returns.changed` to the followed return's room), from Postgres NOTIFY.
  const returnFeed = registerReturnFeed(io, log)

  registerIo(io)

  return {
    io,
    sweepSessions,
    async close() {
      clearInterval(ticker)
      clearInterval(sweeper)
      clearInterval(healthTicker)
      await orderFeed.close()
      await slaSignals.close()
      await ticketFeed.close()
      stopMetrics()
      await alertFeed.close()
      inventorySignals.close()
      await returnFeed.close()
      registerIo(null)
      // Closes every socket's transport (clients see "transport close" and reconnect — to another node in a
      // rolling deploy) and the adapter.
      await io.close()
      if (redis) await Promise.allSettled([redis.pub.quit(), redis.sub.quit()])
    },
  }
}

type Handler<Name extends ClientEventName, Result extends object> = (
  payload: ClientEventPayload<Name>,
  context: { socket: OpsDeckSocket; user: SessionUser },
) => Promise<Result> | Result

/**
 * Registers one client event: validates the payload with its zod schema, checks the permission for what it
 * touches (null = any signed-in user, for events that touch nothing), runs the handler and answers the ack.
 * Every client event goes through this; there is no other `socket.on` for client events.
 */
export function onEvent<Name extends ClientEventName, Result extends object>(
  socket: OpsDeckSocket,
  name: Name,
  permission: Permission | null | ((payload: ClientEventPayload<Name>) => Permission),
  schema: z.ZodType<ClientEventPayload<Name>, z.ZodTypeDef, unknown>,
  handler: Handler<Name, Result>,
  log?: Logger,
) {
  const listener = async (raw: unknown, ack: unknown) => {
    const reply: Ack<Result> = typeof ack === 'function' ? (ack as Ack<Result>) : () => {}
    const parsed = schema.safeParse(raw)
    if (!parsed.success) {
      reply({ ok: false, error: `invalid payload: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || name} ${issue.message}`).join('; ')}` })
      return
    }
    const user = socket.data.user
    const needed = typeof permission === 'function' ? permission(parsed.data) : permission
    if (needed && !hasPermission(user.role, needed)) {
      log?.warn({ userId: user.id, event: name, permission: needed }, 'socket event forbidden')
      reply({ ok: false, error: `forbidden: needs ${needed}` })
      return
    }
    try {
      reply({ ok: true, ...(await handler(parsed.data, { socket, user })) })
    } catch (error) {
      log?.error({ err: error, event: name }, 'socket event failed')
      reply({ ok: false, error: 'internal error' })
    }
  }
  // The cast: socket.io types listeners per event; this one is generic over every client event.
  socket.on(name, listener as never)
}

function registerHandlers(socket: OpsDeckSocket, log: Logger) {
  onEvent(socket, 'presence.ping', null, ClientEventSchemas['presence.ping'], () => ({ at: new Date().toISOString() }), log)
  onEvent(
    socket,
    'record.subscribe',
    ({ entity }) => `read:${entity}`,
    ClientEventSchemas['record.subscribe'],
    async ({ entity, id }, { socket }) => {
      await socket.join(recordRoom(entity, id))
      return {}
    },
    log,
  )
  onEvent(
    socket,
    'record.unsubscribe',
    null,
    ClientEventSchemas['record.unsubscribe'],
    async ({ entity, id }, { socket }) => {
      await socket.leave(recordRoom(entity, id))
      return {}
    },
    log,
  )
}

/** Live integration health (needs `read:integration`): the subscribe answer carries the current figures at once. */
function registerIntegrationHandlers(socket: OpsDeckSocket, log: Logger, current: () => Promise<IntegrationsHealth | null>) {
  onEvent(
    socket,
    'integrations.subscribe',
    'read:integration',
    ClientEventSchemas['integrations.subscribe'],
    async (_payload, { socket }) => {
      await socket.join(INTEGRATIONS_ROOM)
      return { health: await current() }
    },
    log,
  )
  onEvent(
    socket,
    'integrations.unsubscribe',
    null,
    ClientEventSchemas['integrations.unsubscribe'],
    async (_payload, { socket }) => {
      await socket.leave(INTEGRATIONS_ROOM)
      return {}
    },
    log,
  )
}
