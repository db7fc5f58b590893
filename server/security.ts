import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import helmet from 'helmet'

/**
 * Security headers and the cross-origin write check. See docs/decisions/0004-web-process.md.
 */

export type SecurityOptions = {
  /** Origins allowed to send non-GET requests, and whose ws(s) twin may be used by Socket.IO. */
  allowedOrigins: readonly string[]
  /** True when the public URL is https: HSTS on every response, `upgrade-insecure-requests` in the CSP. */
  httpsOnly: boolean
}

/** A fresh CSP nonce for each response, on `res.locals.cspNonce` (passed to Remix through the load context). */
export const cspNonce: RequestHandler = (_req, res, next) => {
  res.locals.cspNonce = randomBytes(16).toString('base64')
  next()
}

const nonceSource = (_req: IncomingMessage, res: ServerResponse) => `'nonce-${(res as Response).locals.cspNonce}'`

/** `http://host` → `ws://host`, `https://host` → `wss://host`: Socket.IO's websocket transport on the same origin. */
export function socketOrigins(origins: readonly string[]) {
  return origins.map((origin) => origin.replace(/^http/, 'ws'))
}

/**
 * Helmet with a nonce-based CSP. Scripts run only with the per-request nonce (Remix's `<Scripts nonce>`), so an
 * injected `<script>` never executes. `style-src-attr 'unsafe-inline'` keeps React `style={…}` attributes (chart
 * libraries) working without letting `<style>` elements in; our own components use classes only.
 */
export function securityHeaders(options: SecurityOptions): RequestHandler[] {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'", nonceSource],
        'style-src': ["'self'", nonceSource],
        'style-src-attr': ["'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        // `'self'` covers ws(s) to the same host in current browsers; listed explicitly for older ones.
        'connect-src': ["'self'", ...socketOrigins(options.allowedOrigins)],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        // On plain http (local use) upgrading would break every asset request, so only behind https.
        'upgrade-insecure-requests': options.httpsOnly ? [] : null,
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    xFrameOptions: { action: 'deny' },
    // Decided per request below: HSTS is only meaningful (and only sent) over TLS.
    strictTransportSecurity: false,
  })
  const hsts = helmet.strictTransportSecurity({ maxAge: 365 * 24 * 60 * 60, includeSubDomains: true })
  const conditionalHsts: RequestHandler = (req, res, next) => {
    // `req.secure` reads X-Forwarded-Proto only when TRUST_PROXY is on (express `trust proxy`).
    if (options.httpsOnly || req.secure) return hsts(req, res, next)
    next()
  }
  return [cspNonce, headers, conditionalHsts]
}

/**
 * The security headers for responses that are never HTML (health probes), computed once so the probe stays close to
 * a bare `node:http` handler (bench/http-floor.ts): a locked-down CSP (no sources, no framing), nosniff,
 * referrer-policy, CORP, and HSTS behind TLS. The legacy and document-only headers helmet adds to pages
 * (X-Frame-Options, X-XSS-Protection, X-Download-Options, X-DNS-Prefetch-Control, X-Permitted-Cross-Domain-Policies,
 * Origin-Agent-Cluster, COOP) protect HTML documents in browsers; a JSON probe gains nothing from them, and every
 * header is written (and validated) on every probe.
 */
export function staticSecurityHeaders(options: SecurityOptions): Array<[string, string]> {
  const collected = new Map<string, string>()
  const fakeRes = {
    setHeader: (name: string, value: string) => collected.set(name, String(value)),
    removeHeader: (name: string) => collected.delete(name),
    getHeader: (name: string) => collected.get(name),
  } as unknown as ServerResponse
  const run = (middleware: (req: IncomingMessage, res: ServerResponse, next: () => void) => void) =>
    middleware({ headers: {} } as IncomingMessage, fakeRes, () => {})
  run(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
      },
      referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
      strictTransportSecurity: options.httpsOnly ? { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true } : false,
      xFrameOptions: false,
      xXssProtection: false,
      xDownloadOptions: false,
      xDnsPrefetchControl: false,
      xPermittedCrossDomainPolicies: false,
      originAgentCluster: false,
      crossOriginOpenerPolicy: false,
    }),
  )
  return [...collected.entries()]
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export type OriginCheckOptions = {
  allowedOrigins: readonly string[]
  /**
   * Path prefixes that authenticate writes another way and are called by servers, not browsers. Webhooks (HMAC over
   * the raw body) go here when they land: `['/webhooks/']`.
   */
  exemptPathPrefixes?: readonly string[]
}

/** The origin a write request claims: `Origin`, or the origin of `Referer` when a browser left `Origin` out. */
export function requestOrigin(req: IncomingMessage): string | null {
  const origin = req.headers.origin
  if (origin && origin !== 'null') return origin
  if (origin === 'null') return 'null'
  const referer = req.headers.referer
  if (!referer) return null
  try {
    return new URL(referer).origin
  } catch {
    return 'invalid Referer'
  }
}

/**
 * Refuses non-GET requests from any origin other than ours (CSRF defence in depth on top of SameSite=Lax cookies).
 * A write with neither `Origin` nor `Referer` is refused too: every browser sends `Origin` on POST, so only scripts
 * omit both, and those have no business posting forms to the console.
 */
export function originCheck(options: OriginCheckOptions): RequestHandler {
  const allowed = new Set(options.allowedOrigins.map((origin) => new URL(origin).origin))
  const exempt = options.exemptPathPrefixes ?? []
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next()
    if (exempt.some((prefix) => req.path.startsWith(prefix))) return next()
    const origin = requestOrigin(req)
    if (origin && allowed.has(origin)) return next()
    const reason = origin
      ? `Cross-origin request refused: origin ${origin} is not allowed to send ${req.method} requests here.`
      : `Request refused: a ${req.method} request must come from the console's own pages (no Origin or Referer header).`
    req.log?.warn({ origin }, 'cross-origin write refused')
    res.status(403).type('text/plain').send(reason)
  }
}
