import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { pinoHttp } from 'pino-http'
import { createLogger } from '#app/utils/logger.server.ts'

/**
 * Structured JSON logs (pino). Every HTTP request gets an id — the caller's `X-Request-Id` when it looks like one,
 * otherwise a new UUID — echoed back in the `X-Request-Id` response header and carried on every log line of that
 * request. Request and response serializers are explicit allow-lists: no headers, cookies or bodies are logged.
 * The base logger (redaction, timestamps) is the one every process uses: app/utils/logger.server.ts.
 */

export const logger: Logger = createLogger('web')

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/

/** The incoming `X-Request-Id` if it is a plausible id (bounded length, safe characters), else a fresh UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const header = req.headers['x-request-id']
  const value = Array.isArray(header) ? header[0] : header
  return value && REQUEST_ID.test(value) ? value : randomUUID()
}

export function createHttpLogger(base: Logger = logger) {
  return pinoHttp({
    logger: base,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const id = requestIdFor(req)
      res.setHeader('X-Request-Id', id)
      return id
    },
    customLogLevel(_req, res, error) {
      if (error || res.statusCode >= 500) return 'error'
      if (res.statusCode >= 400) return 'warn'
      return 'info'
    },
    serializers: {
      req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        // Query strings can carry tokens (password reset, redirectTo); log the path only.
        path: req.url.split('?')[0],
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customSuccessMessage: (req, res, responseTime) => `${req.method} ${req.url?.split('?')[0]} ${res.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${req.url?.split('?')[0]} ${res.statusCode} failed`,
  })
}
