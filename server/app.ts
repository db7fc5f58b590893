import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import compression from 'compression'
import express, { type ErrorRequestHandler, type RequestHandler } from 'express'
import type { Logger } from 'pino'
import { HEALTHZ_BODY, readinessHandler, type ReadinessOptions } from './health.ts'
import { createHttpLogger } from './logger.ts'
import { originCheck, securityHeaders } from './security.ts'

/**
 * The web process's express app, as a factory so tests can build it around a stub Remix handler. Order matters:
 * request id + log → security headers (every response, errors included) → compression → static files → probes →
 * cross-origin write check → Remix. See docs/decisions/0004-web-process.md.
 */

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)))
export const BUILD_PATH = path.join(ROOT, 'build', 'index.js')
export const PUBLIC_DIR = path.join(ROOT, 'public')

export type AppOptions = {
  logger: Logger
  allowedOrigins: readonly string[]
  httpsOnly: boolean
  /** express `trust proxy`: false, a hop count, or proxy addresses (env TRUST_PROXY). */
  trustProxy: false | number | string[]
  mode: 'development' | 'production' | 'test'
  readiness: ReadinessOptions
  /** Remix's server build (or a loader for it); tests may pass `requestHandler` instead. */
  build?: ServerBuild | (() => Promise<ServerBuild>)
  requestHandler?: RequestHandler
  /** Static files root (default: public/); tests point it at a temporary directory. */
  publicDir?: string
  /** Extra path prefixes exempt from the Origin check (server-to-server callers that authenticate otherwise). */
  originExemptPrefixes?: readonly string[]
  /** The webhook receiver (server/webhooks.ts), mounted at /webhooks before the Origin check and Remix. */
  webhooks?: RequestHandler
  /** `GET /metrics` (server/metrics.ts metricsEndpoint): Prometheus text, token-protected. */
  metrics?: RequestHandler
}

/** Remix's server build, imported from its absolute path (ESM; built by `remix build`). */
export async function loadBuild(): Promise<ServerBuild> {
  return (await import(/* @vite-ignore */ pathToFileURL(BUILD_PATH).href)) as ServerBuild
}

export function createApp(options: AppOptions) {
  const publicDir = options.publicDir ?? PUBLIC_DIR
  const app = express()
  app.disable('x-powered-by')
  // Only behind a proxy we run: makes req.ip / req.secure / req.protocol read X-Forwarded-*.
  app.set('trust proxy', options.trustProxy)

  app.use(createHttpLogger(options.logger))
  app.use((req, res, next) => {
    // While draining, tell keep-alive clients to open their next request elsewhere.
    if (options.readiness.isShuttingDown()) res.setHeader('Connection', 'close')
    next()
  })
  app.use(securityHeaders({ allowedOrigins: options.allowedOrigins, httpsOnly: options.httpsOnly }))
  app.use(compression())

  // Fingerprinted by the Remix compiler: a file's name changes whenever its content does.
  app.use(
    '/build',
    express.static(path.join(publicDir, 'build'), { immutable: true, maxAge: '1y', index: false, fallthrough: true }),
  )
  // A missing fingerprinted file is a 404, not a page render (an old tab asking for a replaced chunk).
  app.use('/build', (_req, res) => {
    res.status(404).type('text/plain').send('Not found')
  })
  // public/ holds files only (favicon, robots.txt): a page path has no extension, so it skips the disk lookup.
  const publicFiles = express.static(publicDir, { maxAge: '1h', index: false })
  app.use((req, res, next) => (path.extname(req.path) ? publicFiles(req, res, next) : next()))

  // Normally answered in server/index.ts before express; kept here so the app alone (tests) is complete.
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').type('application/json').send(HEALTHZ_BODY)
  })
  app.get('/readyz', readinessHandler(options.readiness))
  if (options.metrics) app.get('/metrics', options.metrics)

  // Providers send no Origin and authenticate with an HMAC over the raw body; their path is in originExemptPrefixes.
  if (options.webhooks) app.use('/webhooks', options.webhooks)

  app.use(originCheck({ allowedOrigins: options.allowedOrigins, exemptPathPrefixes: options.originExemptPrefixes }))

  app.all(
    '*',
    options.requestHandler ??
      createRequestHandler({
        build: options.build ?? loadBuild,
        mode: options.mode,
        getLoadContext: (req, res) => ({
          cspNonce: res.locals.cspNonce as string,
          requestId: String(req.id),
          // Resolved through `trust proxy` (TRUST_PROXY), so behind a load balancer this is the client, not the LB.
          clientIp: req.ip ?? null,
          log: req.log,
        }),
      }),
  )

  app.use(errorHandler)
  return app
}

/** Anything that escaped the routes: a generic 500 naming the request id, never the error itself. */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const requestId = String(req.id ?? '')
  req.log?.error({ err: error }, 'unhandled error')
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.status(500).set('Cache-Control', 'no-store')
  if (req.accepts(['html', 'json']) === 'json') {
    res.json({ error: 'Internal Server Error', requestId })
    return
  }
  res
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong · OpsDeck</title></head>` +
        `<body><h1>Something went wrong</h1><p>The error has been logged. If it keeps happening, ` +
        `give this reference to your administrator: <code>${escapeHtml(requestId)}</code></p></body></html>`,
    )
}

function escapeHtml(value: string) {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
