import { z } from 'zod'

/**
 * Fault injection per provider (CONTRACTS-3.md A, "Control API"). Faults apply to provider API routes only, never to
 * /control or /healthz. Every decision draws from the server's injectable `random`, so tests can force each branch.
 */

const rate = z.number().min(0).max(1)

export const FaultsSchema = z
  .object({
    /** Added before every answer of this provider. */
    latencyMs: z.number().int().min(0).max(60_000),
    /** Share of requests answered with `errorStatus` (0 = none, 1 = all). */
    errorRate: rate,
    errorStatus: z.number().int().min(500).max(599),
    /** Share of requests held open and never answered (the client's timeout fires). */
    timeoutRate: rate,
    /** Share of requests answered 429 with a Retry-After header. */
    rateLimitRate: rate,
    retryAfterSeconds: z.number().int().min(0).max(3600),
    retryAfterFormat: z.enum(['seconds', 'http-date']),
    /** Share of answers replaced by a 200 whose body is not valid JSON or has the wrong types. */
    malformedRate: rate,
    /** Every API call answers 503 and no webhook goes out. */
    outage: z.boolean(),
    webhookDropRate: rate,
    webhookDuplicateRate: rate,
    /** Share of webhooks held back and delivered after the provider's next event. */
    webhookOutOfOrderRate: rate,
  })
  .strict()
export type Faults = z.infer<typeof FaultsSchema>
export const FaultsPatchSchema = FaultsSchema.partial().strict()
export type FaultsPatch = z.infer<typeof FaultsPatchSchema>

export const NO_FAULTS: Faults = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 503,
  timeoutRate: 0,
  rateLimitRate: 0,
  retryAfterSeconds: 2,
  retryAfterFormat: 'seconds',
  malformedRate: 0,
  outage: false,
  webhookDropRate: 0,
  webhookDuplicateRate: 0,
  webhookOutOfOrderRate: 0,
})

/** What happens to one API request before its handler runs. */
export type RequestFault =
  | { kind: 'none' }
  | { kind: 'outage' }
  | { kind: 'timeout' }
  | { kind: 'rate_limited'; retryAfter: string }
  | { kind: 'error'; status: number }

/** `rate` > 0 and the draw falls under it; no draw at all when the rate is 0, so unrelated faults keep their sequence. */
export const hit = (rate: number, random: () => number) => rate > 0 && random() < rate

/**
 * Decides the fault for one request, in a fixed order: outage, timeout, 429, 5xx. Malformed bodies are decided after
 * the handler ran ({@link decideMalformed}): the effect is applied and only the answer is garbled, which is the case
 * an idempotency key exists for.
 */
export function decideRequestFault(faults: Faults, random: () => number, now: Date): RequestFault {
  if (faults.outage) return { kind: 'outage' }
  if (hit(faults.timeoutRate, random)) return { kind: 'timeout' }
  if (hit(faults.rateLimitRate, random)) {
    const retryAfter =
      faults.retryAfterFormat === 'seconds'
        ? String(faults.retryAfterSeconds)
        : // HTTP-date has whole seconds; round up so the client never waits less than asked.
          new Date(Math.ceil(now.getTime() / 1000) * 1000 + faults.retryAfterSeconds * 1000).toUTCString()
    return { kind: 'rate_limited', retryAfter }
  }
  if (hit(faults.errorRate, random)) return { kind: 'error', status: faults.errorStatus }
  return { kind: 'none' }
}

/** null = answer normally; otherwise the text to send with status 200 instead of the real body. */
export function decideMalformed(faults: Faults, random: () => number, body: unknown): string | null {
  if (!hit(faults.malformedRate, random)) return null
  // Half the time not JSON at all (a truncated body), half the time JSON of the wrong shape.
  if (random() < 0.5) return JSON.stringify(body).slice(0, 17) + '<!-- upstream proxy error'
  return JSON.stringify(wrongTypes(body))
}

/** The same keys with values of the wrong type, so any schema check on the client fails. */
export function wrongTypes(value: unknown): unknown {
  if (Array.isArray(value)) return { items: value.length }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, flip(inner)]))
  }
  return flip(value)
}
function flip(value: unknown): unknown {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return value.length
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (value === null) return false
  if (Array.isArray(value)) return 'list'
  return [value]
}
