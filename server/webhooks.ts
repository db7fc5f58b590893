import { createHmac, timingSafeEqual } from 'node:crypto'
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express'
import type { WebhookVerification } from '#app/generated/prisma/enums.ts'
import {
  isIntegrationKey,
  recordWebhookDelivery,
  storeWebhookEvent,
  WebhookEnvelopeSchema,
  type DeliveryRecord,
} from '#app/models/webhook.server.ts'
import { enqueueWebhookProcessing } from '#app/queues/integrations.server.ts'

/**
 * `POST /webhooks/:provider` (CONTRACTS-3.md § B). Mounted in server/app.ts before the Origin check (providers send
 * no Origin; they authenticate with the HMAC) and before Remix. Outcomes:
 *   413 too_large · 404 unknown_provider · 401 missing_signature / bad_signature · 400 malformed ·
 *   200 { duplicate: true } (already in the inbox; no job) · 202 { accepted: true } (stored, processing enqueued).
 * Every delivery, whatever the outcome, writes one WebhookDelivery row; a body is stored only once verified.
 * Bad input never gets a 5xx; only our own database being unreachable does (503, so the provider retries).
 */

/** Bodies beyond this are refused before they are read in full (provider events are a few KB). */
export const WEBHOOK_BODY_LIMIT = 256 * 1024
export const SIGNATURE_HEADER = 'x-webhook-signature'

export type WebhookRouterOptions = {
  secret: string
  /** Injectable for tests (an unreachable queue backend); default enqueueWebhookProcessing. */
  enqueue?: typeof enqueueWebhookProcessing
}

/** `sha256=<hex>` of the raw bytes: what a provider sends and what we recompute. */
export function signWebhookBody(secret: string, body: Buffer | string) {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** Constant-time check of the header against the HMAC of the raw bytes; the header's shape is checked first. */
export function verifySignature(secret: string, body: Buffer, header: string | undefined): 'verified' | 'missing_signature' | 'bad_signature' {
  if (!header) return 'missing_signature'
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim())
  if (!match) return 'bad_signature'
  const expected = createHmac('sha256', secret).update(body).digest()
  const given = Buffer.from(match[1]!, 'hex')
  // Same length by the regex (32 bytes), as timingSafeEqual requires.
  return timingSafeEqual(expected, given) ? 'verified' : 'bad_signature'
}

/** Ours, not the sender's (the database is down): 503, so the provider's retry delivers the event again later. */
function unavailable(req: Request, res: Response, error: unknown) {
  req.log?.error({ err: error }, 'webhook receiver failed')
  if (res.headersSent) return void res.destroy()
  res.status(503).set('Cache-Control', 'no-store').json({ error: { code: 'unavailable', message: 'Try again later.' } })
}

export function createWebhookRouter(options: WebhookRouterOptions): Router {
  const enqueue = options.enqueue ?? enqueueWebhookProcessing
  const router = Router()

  const finish = async (
    req: Request,
    res: Response,
    statusCode: number,
    verification: WebhookVerification,
    body: Record<string, unknown>,
    extra: Partial<DeliveryRecord> = {},
  ) => {
    await recordWebhookDelivery({
      // Error handlers run outside the route, without params: the provider is then read from the path.
      provider: req.params.provider ?? req.path.split('/')[1] ?? '',
      verification,
      statusCode,
      bodyBytes: Buffer.isBuffer(req.body) ? req.body.length : Number(req.headers['content-length'] ?? 0) || 0,
      remoteAddress: req.ip ?? null,
      ...extra,
    })
    res.status(statusCode).set('Cache-Control', 'no-store').json(body)
  }

  const rejection = (code: WebhookVerification, message: string) => ({ error: { code, message } })

  router.post(
    '/:provider',
    // Unknown providers are answered before the body is read.
    (req, res, next) => {
      if (isIntegrationKey(req.params.provider)) return next()
      finish(req, res, 404, 'unknown_provider', rejection('unknown_provider', `No integration called "${req.params.provider.slice(0, 64)}".`), {
        reason: 'unknown provider',
      }).catch((error: unknown) => unavailable(req, res, error))
    },
    // Raw bytes: the HMAC is over exactly what was sent, so no JSON parser may touch the body first.
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    async (req, res, next) => {
      try {
        const provider = req.params.provider
        if (!isIntegrationKey(provider)) return // unreachable: checked above
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        const header = req.get(SIGNATURE_HEADER)
        const verification = verifySignature(options.secret, body, header)
        if (verification !== 'verified') {
          const message = verification === 'missing_signature' ? `Missing ${SIGNATURE_HEADER} header.` : 'Signature does not match the body.'
          return await finish(req, res, 401, verification, rejection(verification, message), { reason: message })
        }

        let json: unknown
        try {
          json = JSON.parse(body.toString('utf8'))
        } catch {
          return await finish(req, res, 400, 'malformed', rejection('malformed', 'Body is not valid JSON.'), { reason: 'invalid JSON' })
        }
        const parsed = WebhookEnvelopeSchema.safeParse(json)
        if (!parsed.success) {
          const reason = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'} ${issue.message}`).join('; ')
          const partial = (json && typeof json === 'object' ? json : {}) as { id?: unknown; type?: unknown }
          return await finish(req, res, 400, 'malformed', rejection('malformed', `Not a webhook envelope: ${reason}`.slice(0, 500)), {
            reason,
            eventId: typeof partial.id === 'string' ? partial.id : null,
            topic: typeof partial.type === 'string' ? partial.type : null,
          })
        }

        const envelope = parsed.data
        const stored = await storeWebhookEvent(provider, envelope)
        const extra = { eventId: envelope.id, topic: envelope.type, webhookEventId: stored.id }
        if (stored.duplicate) {
          return await finish(req, res, 200, 'verified', { duplicate: true }, { ...extra, duplicate: true, reason: 'already in the inbox' })
        }
        let reason: string | null = null
        try {
          await enqueue(provider, stored.id)
        } catch (error) {
          // The event is durable in the inbox with status `received`; the engine's inbox relay re-enqueues it.
          reason = `stored; enqueue failed (${error instanceof Error ? error.message : String(error)}), the inbox relay will retry`
          req.log?.warn({ err: error, provider, webhookEventId: stored.id }, 'webhook stored but not enqueued')
        }
        return await finish(req, res, 202, 'verified', { accepted: true }, { ...extra, reason })
      } catch (error) {
        unavailable(req, res, error)
      }
    },
  )

  // Body-parser failures (too large, aborted, bad content-encoding) are the sender's: a 4xx, logged like the rest.
  const bodyErrors: ErrorRequestHandler = (error: { type?: string; status?: number; message?: string }, req, res, next) => {
    if (res.headersSent) return next(error)
    if (error.type === 'entity.too.large') {
      return void finish(req, res, 413, 'too_large', rejection('too_large', `Body over ${WEBHOOK_BODY_LIMIT} bytes.`), {
        reason: `over ${WEBHOOK_BODY_LIMIT} bytes`,
      }).catch((failure: unknown) => unavailable(req, res, failure))
    }
    if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
      return void finish(req, res, error.status, 'malformed', rejection('malformed', error.message ?? 'Unreadable body.'), {
        reason: error.message ?? error.type ?? 'unreadable body',
      }).catch((failure: unknown) => unavailable(req, res, failure))
    }
    unavailable(req, res, error)
  }
  router.use(bodyErrors)
  return router
}
