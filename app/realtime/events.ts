import { z } from 'zod'
import type { Role } from '#app/utils/permissions.ts'
import type { MetricsTick } from '#app/metrics/tick.ts'

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
/**
 * An SLA clock reached its warning point or its deadline (app/models/sla/clock.server.ts). Sent to the ticket's
 * `ticket:<id>` room and to every role that may read the subject (tickets: read:ticket; returns: read:return; …).
 */
export type SlaSignal = {
  kind: 'warning' | 'breached'
  subjectType: string
  subjectId: string
  ticketId: string | null
  metric: 'first_response' | 'next_response' | 'resolution'
  dueAt: string
  at: string
}

/** One bulk operation's live figures (app/models/bulk-operation.server.ts getBulkProgress). */
export type BulkProgress = {
  id: string
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled'
  total: number
  processed: number
  succeeded: number
  skipped: number
  failed: number
  fileBytes: number | null
  error: string | null
  finishedAt: string | null
  /** An export whose file is ready. */
  downloadable: boolean
}
/**
 * Orders created or changed since the last signal (throttled, at most one per ORDERS_CHANGED_INTERVAL_MS per node).
 * `many`: a statement touched too many rows to list (a bulk load): treat every visible row as changed.
 */
export type OrdersChanged = { ids: string[]; newIds: string[]; many: boolean; at: string }

export interface ServerToClientEvents {
  /** How many worker processes sent a heartbeat recently; every 5 s and on connect. */
  'workers.status': (payload: WorkersStatus) => void
  /** The session behind this socket has ended (signed out, disabled, expired). */
  'session.revoked': (payload: SessionRevoked) => void
  /** An SLA clock reached its warning point (SlaSignal). */
  'sla.warning': (payload: SlaSignal) => void
  /** An SLA clock passed its deadline unmet (SlaSignal). */
  'sla.breached': (payload: SlaSignal) => void
  /** Every integration's health, every INTEGRATIONS_HEALTH_INTERVAL_MS, to sockets in INTEGRATIONS_ROOM. */
  'integrations.health': (payload: IntegrationsHealth) => void
  /** To METRICS_ROOM (needs read:metric): the live metrics of the last merged second, once per second per web node. */
  'metrics.tick': (payload: MetricsTick) => void
  /** To orderViewersRoom(orderId): who has the order page open now (on every view, leave and disconnect). */
  'orders.presence': (payload: OrderPresence) => void
  /** To ORDERS_FEED_ROOM (needs read:order): orders created/changed (server/realtime.order-feed.ts). */
  'orders.changed': (payload: OrdersChanged) => void
  /** To bulkRoom(id): the operation's counters moved or its status changed. */
  'bulk.progress': (payload: BulkProgress) => void
  /** To TICKETS_FEED_ROOM and to each changed ticket's `ticket:<id>` room (server/realtime.tickets.ts). */
  'tickets.changed': (payload: TicketsChanged) => void
  /** To ticketViewersRoom(id): who has the ticket open and who is typing a reply (on every change). */
  'tickets.presence': (payload: TicketPresence) => void
  /** To ALERTS_ROOM (needs read:alert): alerts fired, resolved, were acknowledged or silenced, or rules changed. */
  'alerts.changed': (payload: AlertsChanged) => void
  /** To INVENTORY_ROOM (needs read:inventory): stock levels that went low or out since the last signal (server/realtime.inventory.ts). */
  'inventory.stock': (payload: InventoryStockSignal) => void
  /** To recordRoom('return', id) (record.subscribe, needs read:return): the return or its refunds changed (server/realtime.returns.ts). */
  'returns.changed': (payload: ReturnChanged) => void
}

/** Records a socket can follow one by one (`record.subscribe`); each needs `read:<entity>`. */
export const RECORD_ENTITIES = ['order', 'ticket', 'return'] as const
export type RecordEntity = (typeof RECORD_ENTITIES)[number]

/** Client → server payload schemas; every handler validates with these before anything else. */
export const ClientEventSchemas = {
  'presence.ping': z.object({}).strict(),
  /** Follow one record's live events (room `<entity>:<id>`); authorized per entity (`read:<entity>`) at every join. */
  'record.subscribe': z.object({ entity: z.enum(RECORD_ENTITIES), id: z.string().min(1).max(64) }).strict(),
  'record.unsubscribe': z.object({ entity: z.enum(RECORD_ENTITIES), id: z.string().min(1).max(64) }).strict(),
  /** Follow live integration health (room INTEGRATIONS_ROOM); needs `read:integration`. */
  'integrations.subscribe': z.object({}).strict(),
  'integrations.unsubscribe': z.object({}).strict(),
  /** Follow the live metrics (room METRICS_ROOM); needs `read:metric`. `since`: epoch ms of the last tick seen (catch-up). */
  'metrics.subscribe': z.object({ since: z.number().int().min(0).optional() }).strict(),
  'metrics.unsubscribe': z.object({}).strict(),
  /** The order page is open (presence, room orderViewersRoom(id), and the order's signals, room `order:<id>`); needs `read:order`. */
  'orders.view': z.object({ orderId: z.string().min(1).max(64) }).strict(),
  'orders.leave': z.object({ orderId: z.string().min(1).max(64) }).strict(),
  /** Follow new/changed orders (room ORDERS_FEED_ROOM); needs `read:order`. */
  'orders.subscribe': z.object({}).strict(),
  'orders.unsubscribe': z.object({}).strict(),
  /** How many orders matching a list view (its URL search params) were created since `since`; needs `read:order`. */
  'orders.countNew': z.object({ query: z.string().max(4000), since: z.string().datetime({ offset: true }) }).strict(),
  /** Follow one bulk operation's progress (room bulkRoom(id)); its actor or an admin only. */
  'bulk.subscribe': z.object({ id: z.string().min(1).max(64) }).strict(),
  'bulk.unsubscribe': z.object({ id: z.string().min(1).max(64) }).strict(),
  /** Follow ticket changes (room TICKETS_FEED_ROOM; live view counts); needs `read:ticket`. */
  'tickets.subscribe': z.object({}).strict(),
  'tickets.unsubscribe': z.object({}).strict(),
  /** The ticket page is open (presence + the ticket's signals); needs `read:ticket`. */
  'tickets.view': z.object({ ticketId: z.string().min(1).max(64) }).strict(),
  'tickets.leave': z.object({ ticketId: z.string().min(1).max(64) }).strict(),
  /** Typing a reply on an open ticket page (sent again every few seconds while typing); needs `update:ticket`. */
  'tickets.typing': z.object({ ticketId: z.string().min(1).max(64), typing: z.boolean() }).strict(),
  /** Follow alerts (room ALERTS_ROOM); needs `read:alert`. The answer carries the badge count. */
  'alerts.subscribe': z.object({}).strict(),
  'alerts.unsubscribe': z.object({}).strict(),
  /** Follow low/out-of-stock signals (room INVENTORY_ROOM); needs `read:inventory`. */
  'inventory.subscribe': z.object({}).strict(),
  'inventory.unsubscribe': z.object({}).strict(),
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
  'metrics.subscribe': (payload: ClientEventPayload<'metrics.subscribe'>, ack: Ack<{ ticks: MetricsTick[] }>) => void
  'metrics.unsubscribe': (payload: ClientEventPayload<'metrics.unsubscribe'>, ack: Ack) => void
  'orders.view': (payload: ClientEventPayload<'orders.view'>, ack: Ack<OrderPresence>) => void
  'orders.leave': (payload: ClientEventPayload<'orders.leave'>, ack: Ack) => void
  'orders.subscribe': (payload: ClientEventPayload<'orders.subscribe'>, ack: Ack) => void
  'orders.unsubscribe': (payload: ClientEventPayload<'orders.unsubscribe'>, ack: Ack) => void
  'orders.countNew': (payload: ClientEventPayload<'orders.countNew'>, ack: Ack<{ count: number; exact: boolean }>) => void
  'bulk.subscribe': (payload: ClientEventPayload<'bulk.subscribe'>, ack: Ack<{ progress: BulkProgress | null }>) => void
  'bulk.unsubscribe': (payload: ClientEventPayload<'bulk.unsubscribe'>, ack: Ack) => void
  'tickets.subscribe': (payload: ClientEventPayload<'tickets.subscribe'>, ack: Ack) => void
  'tickets.unsubscribe': (payload: ClientEventPayload<'tickets.unsubscribe'>, ack: Ack) => void
  'tickets.view': (payload: ClientEventPayload<'tickets.view'>, ack: Ack<TicketPresence>) => void
  'tickets.leave': (payload: ClientEventPayload<'tickets.leave'>, ack: Ack) => void
  'tickets.typing': (payload: ClientEventPayload<'tickets.typing'>, ack: Ack) => void
  'alerts.subscribe': (payload: ClientEventPayload<'alerts.subscribe'>, ack: Ack<{ needingAttention: number }>) => void
  'alerts.unsubscribe': (payload: ClientEventPayload<'alerts.unsubscribe'>, ack: Ack) => void
  'inventory.subscribe': (payload: ClientEventPayload<'inventory.subscribe'>, ack: Ack) => void
  'inventory.unsubscribe': (payload: ClientEventPayload<'inventory.unsubscribe'>, ack: Ack) => void
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
export const recordRoom = (entity: RecordEntity, id: string) => `${entity}:${id}`
/** Sockets with the order page open (presence); a separate room so `record.subscribe` followers are not viewers. */
export const orderViewersRoom = (orderId: string) => `order-viewers:${orderId}`
/** One person viewing an order (several tabs of one person are one viewer). */
export type OrderViewer = { userId: string; name: string; role: Role }
export type OrderPresence = { orderId: string; viewers: OrderViewer[] }

export const INTEGRATIONS_ROOM = 'integrations'
/** Sockets following the live metrics (`metrics.tick`), the /live dashboard. */
export const METRICS_ROOM = 'metrics'
/** Sockets following new/changed orders (`orders.changed`). */
export const ORDERS_FEED_ROOM = 'orders-feed'
/** At most one `orders.changed` per this period per web node. */
export const ORDERS_CHANGED_INTERVAL_MS = 1_000
export const bulkRoom = (operationId: string) => `bulk:${operationId}`
/** Tickets created or changed, or given a message (`many`: too many to list; refresh what is shown). */
export type TicketsChanged = { ids: string[]; newIds: string[]; many: boolean; at: string }
/** Sockets following ticket changes (`tickets.changed`: the list's live rows and counts). */
export const TICKETS_FEED_ROOM = 'tickets-feed'
/** Sockets with the ticket page open, and those typing a reply on it (collision detection). */
export const ticketViewersRoom = (ticketId: string) => `ticket-viewers:${ticketId}`
export const ticketTypingRoom = (ticketId: string) => `ticket-typing:${ticketId}`
export type TicketViewer = { userId: string; name: string; role: Role; typing: boolean }
export type TicketPresence = { ticketId: string; viewers: TicketViewer[] }
/** A typing signal lasts this long unless repeated (a closed laptop does not type forever). */
export const TICKET_TYPING_TTL_MS = 6_000
/** Sockets following alerts (`alerts.changed`): the notification center and /alerts. */
export const ALERTS_ROOM = 'alerts'
/** Sockets following low/out-of-stock signals (`inventory.subscribe`, needs read:inventory). */
export const INVENTORY_ROOM = 'inventory'
/** How often each web node looks for levels that went low or out (server/realtime.inventory.ts). */
export const INVENTORY_SIGNAL_INTERVAL_MS = 5_000
/** Stock levels at or below their low-stock threshold that changed since the last signal (`out`: nothing available). */
export type InventoryStockSignal = {
  levels: { levelId: string; variantId: string; sku: string; locationCode: string; available: number; threshold: number; state: 'low' | 'out' }[]
  at: string
}
/** A followed return (or one of its refunds) changed: its page re-reads. At most one per RETURNS_CHANGED_INTERVAL_MS per node. */
export type ReturnChanged = { id: string; at: string }
export const RETURNS_CHANGED_INTERVAL_MS = 500
/** A signal: pages re-read what they show. `many`: too many ids to list. */
export type AlertsChanged = { change: 'fired' | 'resolved' | 'acknowledged' | 'silenced' | 'rules'; ids: string[]; many: boolean; at: string }
/** Broadcast period of `integrations.health` (only while someone is in INTEGRATIONS_ROOM). */
export const INTEGRATIONS_HEALTH_INTERVAL_MS = 3_000

/** Broadcast period of `workers.status`. */
export const WORKERS_STATUS_INTERVAL_MS = 5_000
/** How often each web node re-checks the sessions behind its open sockets (expiry, revocation, disabled users). */
export const SESSION_SWEEP_INTERVAL_MS = 60_000

/** The Socket.IO endpoint path (default); the handshake shares the page's origin and cookie. */
export const SOCKET_PATH = '/socket.io'
