import type { Server as HttpServer, ServerResponse } from 'node:http'
import type { Logger } from 'pino'

/**
 * Graceful shutdown, in this order (docs/decisions/0004-web-process.md):
 *   1. mark not-ready (`/readyz` → 503, responses say `Connection: close`) and stop accepting connections;
 *   2. wait for in-flight HTTP requests to finish, up to `drainTimeoutMs`, then cut what is left;
 *   3. close Socket.IO (clients see a transport close and reconnect elsewhere);
 *   4. close queues, then the database pool;
 *   5. exit 0 (1 if a closing step failed or the hard deadline passed; a drain timeout is only logged).
 */

export type InFlight = {
  count: number
  idle: () => Promise<void>
  /** Makes every in-flight response that has not sent its headers yet say `Connection: close`. */
  closeAfterResponse: () => void
}

/** Counts HTTP requests from arrival until their response is finished or aborted (Socket.IO traffic excluded). */
export function trackInFlight(server: HttpServer, ignore: (url: string) => boolean): InFlight {
  let waiters: Array<() => void> = []
  const open = new Set<ServerResponse>()
  server.on('request', (req, res) => {
    if (ignore(req.url ?? '')) return
    open.add(res)
    res.once('close', () => {
      open.delete(res)
      if (open.size === 0) {
        const done = waiters
        waiters = []
        for (const resolve of done) resolve()
      }
    })
  })
  return {
    get count() {
      return open.size
    },
    idle: () => (open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    closeAfterResponse() {
      // Node then sends `Connection: close` and ends the connection after the response, so no keep-alive
      // connection outlives the drain.
      for (const res of open) if (!res.headersSent) res.shouldKeepAlive = false
    },
  }
}

export type ShutdownStep = { name: string; run: () => Promise<unknown> }

export type ShutdownOptions = {
  server: HttpServer
  inFlight: InFlight
  logger: Logger
  markShuttingDown: () => void
  drainTimeoutMs?: number
  /** Closed after HTTP has drained, in order. */
  steps: ShutdownStep[]
  exit?: (code: number) => void
  /** The whole sequence's deadline; past it the process exits 1 whatever is still open. */
  hardTimeoutMs?: number
  /** Signals that start the shutdown (tests pass none and call `shutdown()`). */
  signals?: NodeJS.Signals[]
}

export function installShutdown(options: ShutdownOptions) {
  const log = options.logger.child({ component: 'shutdown' })
  const exit = options.exit ?? ((code: number) => process.exit(code))
  let started: Promise<void> | undefined

  async function shutdown(signal: string) {
    const drainTimeoutMs = options.drainTimeoutMs ?? 10_000
    const hard = setTimeout(() => {
      log.error({ signal }, 'shutdown deadline passed; exiting now')
      exit(1)
    }, options.hardTimeoutMs ?? drainTimeoutMs + 10_000)
    hard.unref()

    let failed = false
    log.info({ signal, inFlight: options.inFlight.count }, 'shutdown: not ready, no longer accepting connections')
    options.markShuttingDown()
    options.inFlight.closeAfterResponse()
    options.server.close()
    // Keep-alive connections with no request on them would otherwise hold the server open.
    options.server.closeIdleConnections()

    let drainTimer: NodeJS.Timeout | undefined
    const drained = await Promise.race([
      options.inFlight.idle().then(() => true),
      new Promise<false>((resolve) => {
        drainTimer = setTimeout(() => resolve(false), drainTimeoutMs)
      }),
    ])
    clearTimeout(drainTimer)
    if (drained) log.info('shutdown: in-flight requests finished')
    else {
      // Not a failure of the shutdown itself: the stragglers are cut now and the exit stays clean.
      log.warn({ inFlight: options.inFlight.count, drainTimeoutMs }, 'shutdown: drain timeout; closing remaining connections')
    }
    // NOTE: before the steps, not after: closing Socket.IO waits for the HTTP server to close, which waits for every
    // connection, so a request that outlived the drain would otherwise block every later step until the deadline.
    options.server.closeAllConnections()

    for (const step of options.steps) {
      try {
        await step.run()
        log.info(`shutdown: ${step.name} closed`)
      } catch (error) {
        failed = true
        log.error({ err: error }, `shutdown: closing ${step.name} failed`)
      }
    }
    clearTimeout(hard)
    log.info({ code: failed ? 1 : 0 }, 'shutdown: complete')
    exit(failed ? 1 : 0)
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      log.warn({ signal }, 'shutdown already in progress')
      return
    }
    started = shutdown(signal)
  }
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) process.on(signal, onSignal)
  return { shutdown: (signal = 'manual') => (started ??= shutdown(signal)) }
}
