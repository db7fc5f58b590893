// Before anything else runs: keeps nextTick's object shape alive (see the file; ~3–7 µs per request).
import './tick-object-shape.ts'
// Then: a bad variable exits with a readable message before any module reads the configuration.
import '#app/utils/env-check.server.ts'
import http from 'node:http'
import { closeQueues, pingQueueBackend } from '#app/queues/connection.server.ts'
import { getAggregator, startAggregation, startProcessMetrics, stopProcessMetrics } from '#app/metrics/process.server.ts'
import { SOCKET_PATH } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { closeSignInLimiters } from '#app/utils/rate-limit.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { BUILD_PATH, createApp, loadBuild } from './app.ts'
import { checkDatabase, HEALTHZ_BODY } from './health.ts'
import { logger } from './logger.ts'
import { createRealtime } from './realtime.ts'
import { createWebhookRouter } from './webhooks.ts'
import { createRouteResolver, instrumentHttpServer, metricsEndpoint } from './metrics.ts'
import { staticSecurityHeaders } from './security.ts'
import { installShutdown, trackInFlight } from './shutdown.ts'

/**
 * The web process: one HTTP server carrying the Remix app (express) and Socket.IO on the same port.
 * Run with `node --import tsx server/index.ts` after `remix build`. See docs/decisions/0004-web-process.md.
 */

const env = getEnv()
const httpsOnly = env.PUBLIC_URL.startsWith('https://')

let build
try {
  build = await loadBuild()
} catch (error) {
  const missingBuild = (error as { url?: string }).url?.endsWith('/build/index.js') || !(error as { url?: string }).url
  logger.fatal(
    { err: error, path: BUILD_PATH },
    missingBuild && (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND'
      ? 'no Remix server build; run `npm run build` first'
      : 'cannot load the Remix server build',
  )
  process.exit(1)
}

// Live metrics (issue 7): this process records and publishes a window per second, and merges every process's.
await startProcessMetrics({ kind: 'web', onError: (error, what) => logger.warn({ err: error }, `metrics ${what} failed`) })
await startAggregation().catch((error: unknown) => logger.error({ err: error }, 'metrics: cannot subscribe to the windows; no live ticks on this node'))

let shuttingDown = false
const readiness = {
  checks: { database: checkDatabase, queue: pingQueueBackend },
  isShuttingDown: () => shuttingDown,
}

const app = createApp({
  logger,
  allowedOrigins: env.ALLOWED_ORIGINS,
  httpsOnly,
  trustProxy: env.TRUST_PROXY,
  // Remix sanitizes errors sent to the browser only in production mode; 'test' would leak messages and stacks.
  mode: env.NODE_ENV === 'development' ? 'development' : 'production',
  readiness,
  build,
  webhooks: createWebhookRouter({ secret: env.WEBHOOK_SECRET }),
  originExemptPrefixes: ['/webhooks/'],
  metrics: metricsEndpoint({ token: env.METRICS_TOKEN, aggregator: getAggregator }),
})

// `/healthz` is answered here, before express, so a liveness probe costs what a bare node:http handler does
// (bench/http-floor.ts); it still carries the security headers, computed once.
const healthHeaders: http.OutgoingHttpHeaders = Object.fromEntries([
  ...staticSecurityHeaders({ allowedOrigins: env.ALLOWED_ORIGINS, httpsOnly }),
  ['Content-Type', 'application/json; charset=utf-8'],
  ['Content-Length', String(Buffer.byteLength(HEALTHZ_BODY))],
  ['Cache-Control', 'no-store'],
])

const server = http.createServer(app)
const inFlight = trackInFlight(server, (url) => url.startsWith(`${SOCKET_PATH}/`))

const realtime = await createRealtime({
  httpServer: server,
  logger,
  allowedOrigins: env.ALLOWED_ORIGINS,
  redisUrl: env.REDIS_URL,
  keyPrefix: env.QUEUE_PREFIX,
})

// The /healthz fast path goes in front of every other `request` listener (Socket.IO's path check, which wraps
// express; the in-flight counter), so a probe is one string comparison and a pre-built header block away.
const listeners = server.listeners('request') as http.RequestListener[]
server.removeAllListeners('request')
server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
  if (req.url === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    res.writeHead(200, healthHeaders)
    res.end(req.method === 'HEAD' ? undefined : HEALTHZ_BODY)
    return
  }
  for (const listener of listeners) listener.call(server, req, res)
})
// In front of everything, the /healthz fast path included: every request is timed by its Remix route id.
instrumentHttpServer(server, createRouteResolver(build))

const shutdown = installShutdown({
  server,
  inFlight,
  logger,
  markShuttingDown: () => {
    shuttingDown = true
  },
  steps: [
    { name: 'socket.io', run: () => realtime.close() },
    { name: 'queues', run: () => closeQueues() },
    { name: 'sign-in limiter', run: () => closeSignInLimiters() },
    { name: 'metrics', run: () => stopProcessMetrics() },
    { name: 'database', run: () => prisma.$disconnect() },
  ],
})

// Started by scripts/start.mjs with an IPC channel: if the orchestrator dies, do not linger as an orphan.
// NOTE: its stdout goes with it, and pino's synchronous writes retry a dead pipe forever, which would wedge the
// shutdown: log nothing more (same as workers/index.ts).
if (process.send) {
  process.once('disconnect', () => {
    logger.level = 'silent'
    void shutdown.shutdown('orchestrator gone')
  })
}

server.on('error', (error) => {
  logger.fatal({ err: error }, 'http server error')
  process.exit(1)
})

server.listen(env.PORT, env.HOST, () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : env.PORT
  logger.info({ host: env.HOST, port, publicUrl: env.PUBLIC_URL, redis: Boolean(env.REDIS_URL) }, `web listening on http://${env.HOST}:${port}`)
})
