import type { z } from 'zod'
import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { checkRateLimitGate, closeRateLimitGate } from './rate-limit-gate.ts'

/**
 * The one HTTP client every connector uses to talk to its provider. It sends the API key, gives up after
 * PROVIDER_TIMEOUT_MS, validates every answer with zod, refuses to call while the integration's rate-limit gate is
 * closed (a 429's Retry-After, shared by every worker through Postgres), and turns every failure into a
 * ProviderError whose `kind` tells the engine what to do:
 * - `retryable`: network error, timeout, 5xx, malformed 2xx body → retried with backoff, counts towards the breaker;
 * - `rate_limited`: 429 (or the gate is closed) → the job waits out Retry-After without using an attempt;
 * - `permanent`: any other 4xx → not retried (UnrecoverableError), dead-lettered.
 */

const EXCERPT_BYTES = 2_048
const DEFAULT_RETRY_AFTER_MS = 1_000
/** Header names whose values never reach a log, a JobRun or a DeadLetter. */
const SECRET_HEADERS = new Set(['x-api-key', 'authorization', 'cookie', 'set-cookie', 'proxy-authorization'])

export type HttpRequestExcerpt = { method: string; url: string; headers: Record<string, string>; body?: string }
export type HttpResponseExcerpt = { status: number; headers: Record<string, string>; body?: string; durationMs: number }

export type ProviderErrorKind = 'retryable' | 'permanent' | 'rate_limited'

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind
  readonly status?: number
  /** For `rate_limited`: how long no call may go to this provider. */
  readonly retryAfterMs?: number
  /** The provider's error code (`invalid_state`, `idempotency_conflict`, …) when its body had one. */
  readonly code?: string
  readonly request: HttpRequestExcerpt
  readonly response?: HttpResponseExcerpt

  constructor(
    message: string,
    init: {
      kind: ProviderErrorKind
      status?: number
      retryAfterMs?: number
      code?: string
      request: HttpRequestExcerpt
      response?: HttpResponseExcerpt
      cause?: unknown
    },
  ) {
    super(message, { cause: init.cause })
    this.name = 'ProviderError'
    this.kind = init.kind
    this.status = init.status
    this.retryAfterMs = init.retryAfterMs
    this.code = init.code
    this.request = init.request
    this.response = init.response
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>

export type ProviderClientOptions = {
  key: IntegrationKey
  baseUrl: string
  apiKey: string
  timeoutMs: number
}

export class ProviderClient {
  readonly key: IntegrationKey
  readonly baseUrl: string
  readonly #apiKey: string
  readonly #timeoutMs: number
  /** The last exchange that failed (for the run log when a handler wraps the error). */
  lastFailure?: { request: HttpRequestExcerpt; response?: HttpResponseExcerpt }

  constructor(options: ProviderClientOptions) {
    this.key = options.key
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#apiKey = options.apiKey
    this.#timeoutMs = options.timeoutMs
  }

  /** GET `path` (relative to the provider's base URL) and validate the JSON answer. */
  get<T>(path: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, query?: Query): Promise<T> {
    return this.#call('GET', path, schema, { query })
  }

  /** POST a JSON body with the idempotency key the provider dedupes on (required for every state change). */
  post<T>(path: string, body: unknown, schema: z.ZodType<T, z.ZodTypeDef, unknown>, options: { idempotencyKey: string }): Promise<T> {
    return this.#call('POST', path, schema, { body, idempotencyKey: options.idempotencyKey })
  }

  async #call<T>(
    method: 'GET' | 'POST',
    path: string,
    schema: z.ZodType<T, z.ZodTypeDef, unknown>,
    options: { query?: Query; body?: unknown; idempotencyKey?: string },
  ): Promise<T> {
    const url = new URL(this.baseUrl + (path.startsWith('/') ? path : `/${path}`))
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value))
    }
    const headers: Record<string, string> = { accept: 'application/json', 'x-api-key': this.#apiKey }
    let bodyText: string | undefined
    if (options.body !== undefined) {
      bodyText = JSON.stringify(options.body)
      headers['content-type'] = 'application/json'
    }
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey
    const request: HttpRequestExcerpt = { method, url: url.toString(), headers: redactHeaders(headers), body: excerpt(bodyText) }

    // No call while a 429's Retry-After is running, whichever worker received it.
    const waitMs = await checkRateLimitGate(this.key)
    if (waitMs > 0) {
      throw new ProviderError(`${this.key} is rate limited for another ${waitMs} ms (Retry-After); call not made`, {
        kind: 'rate_limited',
        retryAfterMs: waitMs,
        request,
      })
    }

    const started = performance.now()
    let response: Response
    let text: string
    try {
      response = await fetch(url, { method, headers, body: bodyText, signal: AbortSignal.timeout(this.#timeoutMs) })
      text = await response.text()
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
      const reason = timedOut ? `no answer within ${this.#timeoutMs} ms` : networkReason(error)
      throw this.#fail(`${method} ${url.pathname}: ${reason}`, { kind: 'retryable', request, cause: error })
    }
    const responseExcerpt: HttpResponseExcerpt = {
      status: response.status,
      headers: redactHeaders(Object.fromEntries(response.headers)),
      body: excerpt(text),
      durationMs: Math.round(performance.now() - started),
    }
    const where = `${method} ${url.pathname} → ${response.status}`

    if (response.status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? DEFAULT_RETRY_AFTER_MS
      await closeRateLimitGate(this.key, retryAfterMs)
      throw this.#fail(`${where}: rate limited, retry after ${retryAfterMs} ms`, {
        kind: 'rate_limited',
        status: 429,
        retryAfterMs,
        request,
        response: responseExcerpt,
      })
    }
    if (!response.ok) {
      const { code, message } = errorBody(text)
      const kind = response.status >= 500 ? 'retryable' : response.status === 408 ? 'retryable' : 'permanent'
      throw this.#fail(`${where}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`, {
        kind,
        status: response.status,
        code,
        request,
        response: responseExcerpt,
      })
    }

    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw this.#fail(`${where}: malformed answer (not JSON)`, { kind: 'retryable', status: response.status, request, response: responseExcerpt, cause: error })
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`)
        .join('; ')
      throw this.#fail(`${where}: malformed answer (${issues})`, { kind: 'retryable', status: response.status, request, response: responseExcerpt })
    }
    return parsed.data
  }

  #fail(message: string, init: ConstructorParameters<typeof ProviderError>[1]) {
    this.lastFailure = { request: init.request, response: init.response }
    return new ProviderError(message, init)
  }
}

/** The client for integration `key`, configured from the environment (base URL, API key, timeout). */
export function createProviderClient(key: IntegrationKey): ProviderClient {
  const env = getEnv()
  return new ProviderClient({ key, baseUrl: env.PROVIDER_URLS[key], apiKey: env.PROVIDER_API_KEY, timeoutMs: env.PROVIDER_TIMEOUT_MS })
}

/** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return null
  return Math.max(0, at - now)
}

function redactHeaders(headers: Record<string, string>) {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : value.slice(0, 256)
  return out
}

function excerpt(text: string | undefined) {
  if (text === undefined || text === '') return undefined
  if (Buffer.byteLength(text) <= EXCERPT_BYTES) return text
  return `${Buffer.from(text).subarray(0, EXCERPT_BYTES).toString('utf8')}… (${Buffer.byteLength(text)} bytes)`
}

function errorBody(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }
    const code = typeof body.error?.code === 'string' ? body.error.code : undefined
    const message = typeof body.error?.message === 'string' ? body.error.message.slice(0, 300) : undefined
    return { code, message }
  } catch {
    return { message: text.slice(0, 200) || undefined }
  }
}

function networkReason(error: unknown) {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error)
}
