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

/** 0 when a call may go out now; otherwise the milliseconds still to wait. */
export async function checkRateLimitGate(key: IntegrationKey, now = Date.now()): Promise<number> {
  const local = localUntil.get(key)
  if (local !== undefined) {
    if (local > now) return local - now
    localUntil.delete(key)
  }
  const until = await getRateLimitedUntil(key)
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
