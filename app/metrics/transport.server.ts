import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import pg from 'pg'

/**
 * How per-second windows travel between processes (issue 7: "through Redis when present, Postgres on the embedded
 * default"). Both are fire-and-forget broadcasts: every subscriber (each web process's aggregator and the elected
 * worker's rollup writer) gets every window; a window lost in transit is a gap in one second, never a wrong number.
 *
 * - Redis: PUBLISH / SUBSCRIBE on `<prefix>:metrics:windows`.
 * - PostgreSQL: NOTIFY on `opsdeck_metrics_<prefix>`. A NOTIFY payload is limited to 8000 bytes, so a window is cut
 *   into chunks that are sent by ONE statement (`select pg_notify(..), pg_notify(..)`): the notifications of one
 *   transaction are delivered together and in order, so a listener reassembles the window without waiting or
 *   guessing. A process publishes through its app pool (one short statement a second; it shows in the DB query
 *   time like any other) and listens, if it aggregates, on a connection of its own. NOTE: LISTEN needs a
 *   session-level connection (not PgBouncer in transaction mode).
 */

export type MetricsTransport = {
  readonly kind: 'redis' | 'postgres'
  publish: (payload: string) => Promise<void>
  /** Starts listening; resolves once subscribed. */
  subscribe: (onMessage: (payload: string) => void) => Promise<void>
  close: () => Promise<void>
}

/** Runs one statement on a pooled connection (the app's pool: publishing needs no session of its own). */
export type PgQuery = (text: string, values: unknown[]) => Promise<unknown>

export type TransportOptions = {
  redisUrl?: string
  databaseUrl: string
  prefix: string
  onError?: (error: unknown) => void
  /** Postgres: publish through this instead of a connection of the transport's own. */
  query?: PgQuery
}

export function createTransport(options: TransportOptions): MetricsTransport {
  return options.redisUrl
    ? redisTransport(options.redisUrl, options.prefix, options.onError)
    : postgresTransport(options.databaseUrl, options.prefix, options.onError, options.query)
}

export function redisTransport(url: string, prefix: string, onError: (error: unknown) => void = () => {}): MetricsTransport {
  const channel = `${prefix}:metrics:windows`
  // Publishing must never queue windows up while Redis is away: fail fast, drop the second.
  const pub = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true })
  pub.on('error', onError)
  let sub: Redis | undefined
  let connecting: Promise<void> | undefined
  return {
    kind: 'redis',
    async publish(payload) {
      if (pub.status === 'wait') await (connecting ??= pub.connect().catch(onError))
      await pub.publish(channel, payload)
    },
    async subscribe(onMessage) {
      sub = new Redis(url, { maxRetriesPerRequest: null })
      sub.on('error', onError)
      sub.on('message', (_channel: string, message: string) => onMessage(message))
      await sub.subscribe(channel)
    },
    async close() {
      await Promise.allSettled([pub.quit(), sub?.quit()])
    },
  }
}

/** Longest chunk text: ASCII windows use 7000 characters (bytes); anything else 1900 (≤ 4 bytes each in UTF-8). */
const ASCII_CHUNK = 7000
const UNICODE_CHUNK = 1900

export function pgChannel(prefix: string) {
  return `opsdeck_metrics_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63)
}

/** Cuts a payload into NOTIFY-sized messages `<id>:<index>:<count>:<text>`. */
export function chunkPayload(id: string, payload: string): string[] {
  // eslint-disable-next-line no-control-regex
  const size = /^[\x00-\x7f]*$/.test(payload) ? ASCII_CHUNK : UNICODE_CHUNK
  const count = Math.max(1, Math.ceil(payload.length / size))
  return Array.from({ length: count }, (_, index) => `${id}:${index}:${count}:${payload.slice(index * size, (index + 1) * size)}`)
}

/** Reassembles chunked messages; returns the whole payload when its last chunk arrives. */
export function createReassembler(maxOpen = 1000) {
  const open = new Map<string, string[]>()
  return (message: string): string | null => {
    const a = message.indexOf(':')
    const b = message.indexOf(':', a + 1)
    const c = message.indexOf(':', b + 1)
    if (a < 0 || b < 0 || c < 0) return null
    const id = message.slice(0, a)
    const index = Number(message.slice(a + 1, b))
    const count = Number(message.slice(b + 1, c))
    const text = message.slice(c + 1)
    if (count === 1) return text
    const parts = open.get(id) ?? []
    parts[index] = text
    open.set(id, parts)
    if (open.size > maxOpen) open.delete(open.keys().next().value!)
    if (parts.filter((part) => part !== undefined).length < count) return null
    open.delete(id)
    return parts.join('')
  }
}

export function postgresTransport(databaseUrl: string, prefix: string, onError: (error: unknown) => void = () => {}, query?: PgQuery): MetricsTransport {
  const channel = pgChannel(prefix)
  const sender = randomBytes(4).toString('hex')
  let sequence = 0
  let publisher: pg.Client | null = null
  let publisherReady: Promise<pg.Client> | null = null
  let listener: pg.Client | null = null
  let closed = false
  let reconnectTimer: NodeJS.Timeout | undefined

  function publisherClient() {
    publisherReady ??= (async () => {
      const client = new pg.Client({ connectionString: databaseUrl, application_name: 'opsdeck-metrics-publish' })
      client.on('error', (error) => {
        onError(error)
        if (publisher === client) {
          publisher = null
          publisherReady = null
        }
      })
      await client.connect()
      publisher = client
      return client
    })().catch((error: unknown) => {
      publisherReady = null
      throw error
    })
    return publisherReady
  }

  async function listen(onMessage: (payload: string) => void, delayMs = 500): Promise<void> {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'opsdeck-metrics-listen' })
    const reassemble = createReassembler()
    const retry = () => {
      if (closed || listener !== client) return
      listener = null
      reconnectTimer = setTimeout(() => {
        listen(onMessage, Math.min(delayMs * 2, 30_000)).catch(onError)
      }, delayMs)
      reconnectTimer.unref()
    }
    client.on('error', (error) => {
      onError(error)
      retry()
    })
    client.on('end', retry)
    client.on('notification', (message) => {
      if (message.channel !== channel || message.payload === undefined) return
      const whole = reassemble(message.payload)
      if (whole !== null) onMessage(whole)
    })
    listener = client
    try {
      await client.connect()
      await client.query(`LISTEN "${channel}"`)
    } catch (error) {
      retry()
      throw error
    }
  }

  return {
    kind: 'postgres',
    async publish(payload) {
      const chunks = chunkPayload(`${sender}.${++sequence}`, payload)
      const calls = chunks.map((_, index) => `pg_notify($1, $${index + 2})`).join(', ')
      if (query) await query(`select ${calls}`, [channel, ...chunks])
      else await (await publisherClient()).query(`select ${calls}`, [channel, ...chunks])
    },
    subscribe: (onMessage) => listen(onMessage),
    async close() {
      closed = true
      if (reconnectTimer) clearTimeout(reconnectTimer)
      const clients = [publisher ?? (publisherReady ? await publisherReady.catch(() => null) : null), listener]
      listener = null
      await Promise.allSettled(clients.map((client) => client?.end()))
    },
  }
}
