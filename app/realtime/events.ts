import { z } from 'zod'
import type { Role } from '#app/utils/permissions.ts'

/**
 * The typed Socket.IO contract, shared by the web server (server/realtime.ts, app/realtime/io.server.ts) and the
 * browser (app/realtime/socket-provider.tsx). Isomorphic: no server imports.
 *
 * Events are signals, not data (DESIGN.md § Realtime): pages react by revalidating their loaders or patching a
 * small live widget. Names are `<entity>.<what happened>`.
 */

export type WorkersStatus = { alive: number; at: string }

export const INTEGRATION_KEYS = ['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk'] as const
/** Same union as Prisma's `IntegrationKey` enum; kept here so this module stays browser-safe. */
export type IntegrationKey = (typeof INTEGRATION_KEYS)[number]

/** One integration's health, computed from data (app/models/integration-health.server.ts). */
export type IntegrationHealth = {
  key: IntegrationKey
  name: string
  status: 'healthy' | 'degraded' | 'down' | 'paused'
  /** Why the status is what it is, in a few words ("breaker open since 12:03", "error rate 23 % over 5 min"). */
  statusReason: string | null
  breakerState: 'closed' | 'open' | 'half_open'
  lastSuccessAt: string | null
  /** Seconds: age of the oldest job waiting in its queue, or of the oldest unprocessed webhook, whichever is older. */
  lagSeconds: number
  /** Job attempts finished per minute over the last 5 minutes. */
  jobsPerMinute: number
  /** Failed attempts / all attempts over the last 5 minutes (0–1); null when nothing ran. */
  errorRate: number | null
  queue: { waiting: number; active: number; delayed: number; failed: number; paused: boolean }
  deadLetters: number
  rateLimitedUntil: string | null
}
export type IntegrationsHealth = { at: string; integrations: IntegrationHealth[] }
export type SessionRevoked = { reason: string }

export interface ServerToClientEvents {
  /** How many worker processes sent a heartbeat recently; every 5 s and on connect. */
  'workers.status': (payload: WorkersStatus) => void
  /** The session behind this socket has ended (signed out, disabled, expired). */
  'session.revoked': (payload: SessionRevoked) => void
  /** Every integration's health, every INTEGRATIONS_HEALTH_INTERVAL_MS, to sockets in INTEGRATIONS_ROOM. */
  'integrations.health': (payload: IntegrationsHealth) => void
}

/** Client → server payload schemas; every handler validates with these before anything else. */
export const ClientEventSchemas = {
  'presence.ping': z.object({}).strict(),
  /** Follow one record's live events (room `<entity>:<id>`); authorized per entity at every join. */
  'record.subscribe': z.object({ entity: z.enum(['order', 'ticket']), id: z.string().min(1).max(64) }).strict(),
  'record.unsubscribe': z.object({ entity: z.enum(['order', 'ticket']), id: z.string().min(1).max(64) }).strict(),
  /** Follow live integration health (room INTEGRATIONS_ROOM); needs `read:integration`. */
  'integrations.subscribe': z.object({}).strict(),
  'integrations.unsubscribe': z.object({}).strict(),
} as const

export type ClientEventName = keyof typeof ClientEventSchemas
export type ClientEventPayload<Name extends ClientEventName> = z.infer<(typeof ClientEventSchemas)[Name]>

/** Every client event takes an acknowledgement: `{ ok: true, … }` or `{ ok: false, error }`. */
export type Ack<Data = object> = (response: ({ ok: true } & Data) | { ok: false; error: string }) => void

export interface ClientToServerEvents {
  'presence.ping': (payload: ClientEventPayload<'presence.ping'>, ack: Ack<{ at: string }>) => void
  'record.subscribe': (payload: ClientEventPayload<'record.subscribe'>, ack: Ack) => void
  'record.unsubscribe': (payload: ClientEventPayload<'record.unsubscribe'>, ack: Ack) => void
  'integrations.subscribe': (payload: ClientEventPayload<'integrations.subscribe'>, ack: Ack<{ health: IntegrationsHealth | null }>) => void
  'integrations.unsubscribe': (payload: ClientEventPayload<'integrations.unsubscribe'>, ack: Ack) => void
}

export interface InterServerEvents {}

/** What the auth middleware stores on `socket.data`. */
export interface SocketData {
  user: { id: string; email: string; name: string; role: Role; sessionId: string }
}

export const userRoom = (userId: string) => `user:${userId}`
export const roleRoom = (role: Role) => `role:${role}`
/** One signed-in session (a browser); sign-out ends only that session's sockets. */
export const sessionRoom = (sessionId: string) => `session:${sessionId}`
export const recordRoom = (entity: 'order' | 'ticket', id: string) => `${entity}:${id}`

export const INTEGRATIONS_ROOM = 'integrations'
/** Broadcast period of `integrations.health` (only while someone is in INTEGRATIONS_ROOM). */
export const INTEGRATIONS_HEALTH_INTERVAL_MS = 3_000

/** Broadcast period of `workers.status`. */
export const WORKERS_STATUS_INTERVAL_MS = 5_000
/** How often each web node re-checks the sessions behind its open sockets (expiry, revocation, disabled users). */
export const SESSION_SWEEP_INTERVAL_MS = 60_000

/** The Socket.IO endpoint path (default); the handshake shares the page's origin and cookie. */
export const SOCKET_PATH = '/socket.io'
