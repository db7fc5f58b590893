import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { prisma } from '#app/utils/db.server.ts'

/**
 * The sync engine's writes and reads (workers/integrations/shared/): cursors, sync runs, the run log (JobRun),
 * dead letters, record links, the rate-limit gate and the circuit breaker. All of it lives in Postgres, the source of
 * truth that survives a Redis loss and that the integration health page reads (docs/decisions/0006-sync-engine.md).
 */

// ─── Rate-limit gate ────────────────────────────────────────────────────────────────────────────────────────────

export async function getRateLimitedUntil(key: IntegrationKey): Promise<Date | null> {
  const row = await prisma.integration.findUnique({ where: { key }, select: { rateLimitedUntil: true } })
  return row?.rateLimitedUntil ?? null
}

/** Moves the integration's "no call before" deadline to `until` unless a later one is already stored. */
export async function extendRateLimit(key: IntegrationKey, until: Date) {
  await prisma.integration.updateMany({
    where: { key, OR: [{ rateLimitedUntil: null }, { rateLimitedUntil: { lt: until } }] },
    data: { rateLimitedUntil: until },
  })
}
