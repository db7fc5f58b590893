import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { extendRateLimit, getRateLimitedUntil } from '#app/models/integration-sync.server.ts'

/**
 * The rate-limit gate: after a 429 no worker calls that provider until its Retry-After has elapsed.
 * - Shared: Integration.rateLimitedUntil in Postgres (survives Redis loss; every worker process reads it before
 *   each call; only ever moved later by a conditional UPDATE, so concurrent 429s keep the latest deadline).
 * - Process-local fast path: the deadline this process already knows, so a closed gate costs no query.
 * The engine also sets BullMQ's queue-wide rate limit so no worker even fetches a job of that queue meanwhile
 * (see processor.ts); this gate covers the calls of jobs already running.
 */

const localUntil = new Map<IntegrationKey, number>()
/** When this process last read the shared deadline (or was handed a fresh read by the engine). */
const checkedAt = new Map<IntegrationKey, number>()
/**
 * A shared-deadline read younger than this is reused. NOTE: this is the same order of time as the race no gate can
 * close (a call already on the wire when another worker receives its 429), and it saves the import job a query.
 */
const FRESH_MS = 20

/** 0 when a call may go out now; otherwise the milliseconds still to wait. */
export async function checkRateLimitGate(key: IntegrationKey, now = Date.now()): Promise<number> {
  const local = localUntil.get(key)
  if (local !== undefined) {
    if (local > now) return local - now
    localUntil.delete(key)
  }
  if (now - (checkedAt.get(key) ?? 0) < FRESH_MS) return 0
  const until = await getRateLimitedUntil(key)
  checkedAt.set(key, Date.now())
  if (until && until.getTime() > now) {
    localUntil.set(key, until.getTime())
    return until.getTime() - now
  }
  return 0
}

/** Closes the gate for `retryAfterMs` from now (never shortens a later deadline set by another worker). */
export async function closeRateLimitGate(key: IntegrationKey, retryAfterMs: number, now = Date.now()) {
  const until = now + retryAfterMs
  localUntil.set(key, Math.max(until, localUntil.get(key) ?? 0))
  await extendRateLimit(key, new Date(until))
}

/** The engine read the Integration row at job start: reuse that read for this job's first call. */
export function primeRateLimitGate(key: IntegrationKey, until: Date | null, readAt = Date.now()) {
  checkedAt.set(key, readAt)
  if (until && until.getTime() > readAt) localUntil.set(key, Math.max(until.getTime(), localUntil.get(key) ?? 0))
}
