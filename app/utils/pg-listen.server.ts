import pg from 'pg'
import type { Logger } from 'pino'

export type PgListener = {
  /** Resolves once LISTEN is in place (again, after a reconnect). */
  ready: () => Promise<void>
  close: () => Promise<void>
}

/**
 * One session-level LISTEN connection for `channels`, reconnecting with backoff (`reconnectMs` doubling to 30 s).
 * Notifications sent while it was away are lost: `onReconnected` lets the caller make up for them (e.g. tell pages to
 * re-read). Used by every Postgres-fed live signal (order feed, tickets, alerts, SLA). NOTE: LISTEN needs a
 * session-level connection (not PgBouncer in transaction mode).
 */
export function listenToChannels(options: {
  databaseUrl: string
  channels: readonly string[]
  /** Names the connection (`application_name`) and the log lines. */
  name: string
  reconnectMs?: number
  log: Logger
  onNotification: (channel: string, payload: string) => void
  onReconnected?: () => void
}): PgListener {
  const { log, name } = options
  const baseDelay = options.reconnectMs ?? 1_000
  let client: pg.Client | undefined
  let closed = false
  let delay = baseDelay
  let timer: NodeJS.Timeout | undefined
  let lostOnce = false
  let readyResolve: () => void = () => {}
  let readyPromise = new Promise<void>((resolve) => (readyResolve = resolve))

  async function connect() {
    if (closed) return
    const next = new pg.Client({ connectionString: options.databaseUrl, application_name: `opsdeck-${name}` })
    client = next
    next.on('notification', (message) => {
      if (options.channels.includes(message.channel)) options.onNotification(message.channel, message.payload ?? '')
    })
    next.on('error', (error) => {
      log.warn({ err: error }, `${name} connection error: ${error.message}`)
      lost(next)
    })
    next.on('end', () => lost(next))
    try {
      await next.connect()
      await next.query(options.channels.map((channel) => `LISTEN ${channel}`).join('; '))
      delay = baseDelay
      if (lostOnce) {
        options.onReconnected?.()
        log.info(`${name}: listening again`)
      }
      readyResolve()
    } catch (error) {
      log.warn({ err: error }, `${name} could not listen: ${(error as Error).message}`)
      lost(next)
    }
  }
  function lost(which: pg.Client) {
    if (closed || client !== which) return
    client = undefined
    lostOnce = true
    readyPromise = new Promise<void>((resolve) => (readyResolve = resolve))
    void which.end().catch(() => {})
    clearTimeout(timer)
    timer = setTimeout(() => void connect(), delay)
    timer.unref()
    delay = Math.min(delay * 2, 30_000)
  }
  void connect()

  return {
    ready: () => readyPromise,
    async close() {
      closed = true
      clearTimeout(timer)
      const current = client
      client = undefined
      await current?.end().catch(() => {})
    },
  }
}
