import type { JobType } from 'bullmq'
import type { IntegrationHealth, IntegrationsHealth } from '#app/realtime/events.ts'
import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { getIntegrationQueue, INTEGRATION_KEYS } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'

/**
 * Integration health, computed from data (DESIGN.md § Integrations): the Integration row (pause, breaker mirror,
 * rate-limit gate, last success), the JobRun log of the last 5 minutes (throughput, error rate), the webhook inbox
 * (oldest unprocessed event) and the BullMQ queue itself (depth, oldest waiting job, paused flag).
 * Used by the /integrations loaders and by the web process's `integrations.health` ticker (server/realtime.ts).
 */

export const HEALTH_WINDOW_MS = 5 * 60_000
/** Error rate over the window from which an integration is degraded. */
export const DEGRADED_ERROR_RATE = 0.1
/** Lag (oldest waiting job or unprocessed webhook) from which an integration is degraded. */
export const DEGRADED_LAG_SECONDS = 120
/** Failing with no success for this long is "down", even if the breaker has not opened (e.g. every call a 4xx). */
export const DOWN_AFTER_MS = 10 * 60_000
/** Error rate over the window that counts as "failing" for the rule above. */
const FAILING_ERROR_RATE = 0.5

type IntegrationFacts = {
  key: IntegrationKey
  name: string
  enabled: boolean
  pausedAt: Date | null
  breakerState: IntegrationHealth['breakerState']
  breakerOpenedAt: Date | null
  breakerProbeAt: Date | null
  lastSuccessAt: Date | null
  lastErrorAt: Date | null
  rateLimitedUntil: Date | null
}

type WindowStats = { total: number; failed: number }

const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC' })
const at = (date: Date) => `${TIME.format(date)} UTC`

/** The rules, kept pure so each can be tested on its own. */
export function deriveStatus(
  facts: IntegrationFacts,
  measures: { errorRate: number | null; lagSeconds: number },
  now: Date,
): Pick<IntegrationHealth, 'status' | 'statusReason'> {
  if (!facts.enabled) {
    return { status: 'paused', statusReason: facts.pausedAt ? `paused by a person at ${at(facts.pausedAt)}` : 'paused by a person' }
  }
  if (facts.breakerState === 'open') {
    const since = facts.breakerOpenedAt ? ` since ${at(facts.breakerOpenedAt)}` : ''
    const probe = facts.breakerProbeAt && facts.breakerProbeAt > now ? `; next probe ${at(facts.breakerProbeAt)}` : ''
    return { status: 'down', statusReason: `circuit breaker open${since}${probe}` }
  }
  const failing =
    facts.lastErrorAt !== null &&
    (facts.lastSuccessAt === null || facts.lastErrorAt > facts.lastSuccessAt) &&
    (measures.errorRate ?? 0) >= FAILING_ERROR_RATE
  if (failing && (facts.lastSuccessAt === null || now.getTime() - facts.lastSuccessAt.getTime() >= DOWN_AFTER_MS)) {
    return {
      status: 'down',
      statusReason: facts.lastSuccessAt ? `failing, no success since ${at(facts.lastSuccessAt)}` : 'failing, never succeeded',
    }
  }
  const reasons: string[] = []
  if (facts.breakerState === 'half_open') reasons.push('circuit breaker half-open (probing)')
  if (facts.rateLimitedUntil && facts.rateLimitedUntil > now) reasons.push(`rate limited until ${at(facts.rateLimitedUntil)}`)
  if (measures.errorRate !== null && measures.errorRate >= DEGRADED_ERROR_RATE) {
    reasons.push(`error rate ${Math.round(measures.errorRate * 100)} % over 5 min`)
  }
  if (measures.lagSeconds >= DEGRADED_LAG_SECONDS) reasons.push(`lag ${formatSeconds(measures.lagSeconds)}`)
  if (reasons.length > 0) return { status: 'degraded', statusReason: reasons.join('; ') }
  return { status: 'healthy', statusReason: null }
}

export function formatSeconds(seconds: number) {
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

/**
 * NOTE: a paused queue reports its waiting jobs as `paused` (both backends), a type BullMQ 6's `JobType` union no
 * longer lists but getJobCounts/getJobs still answer; without it a paused queue would look empty.
 */
const WAITING_TYPES = ['waiting', 'paused', 'prioritized'] as unknown as JobType[]

type QueueFacts = IntegrationHealth['queue'] & { oldestWaitingAt: number | null }

/**
 * Depth and the oldest waiting job of `sync-<key>`. A queue backend that cannot be reached gives zeros rather than
 * failing the whole page: the rest of the health (from Postgres) still says what it knows.
 */
async function queueFacts(key: IntegrationKey): Promise<QueueFacts | null> {
  try {
    const queue = getIntegrationQueue(key)
    const [counts, paused, oldest] = await Promise.all([
      queue.getJobCounts(...WAITING_TYPES, 'active', 'delayed', 'failed'),
      queue.isPaused(),
      // asc = true: the oldest job waiting to start.
      queue.getJobs(WAITING_TYPES, 0, 0, true),
    ])
    return {
      waiting: (counts.waiting ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      paused,
      oldestWaitingAt: oldest[0]?.timestamp ?? null,
    }
  } catch {
    return null
  }
}

export async function getIntegrationsHealth(now = new Date(), keys: readonly IntegrationKey[] = INTEGRATION_KEYS): Promise<IntegrationsHealth> {
  const since = new Date(now.getTime() - HEALTH_WINDOW_MS)
  const [integrations, windows, inbox, deadLetters, queues] = await Promise.all([
    prisma.integration.findMany({
      where: { key: { in: [...keys] } },
      select: {
        key: true,
        name: true,
        enabled: true,
        pausedAt: true,
        breakerState: true,
        breakerOpenedAt: true,
        breakerProbeAt: true,
        lastSuccessAt: true,
        lastErrorAt: true,
        rateLimitedUntil: true,
      },
    }),
    // One grouped scan of the window over the (integration, finishedAt) index.
    prisma.jobRun.groupBy({
      by: ['integration', 'status'],
      where: { integration: { in: [...keys] }, finishedAt: { gte: since, lte: now } },
      _count: { _all: true },
    }),
    prisma.webhookEvent.groupBy({
      by: ['provider'],
      where: { provider: { in: [...keys] }, status: { in: ['received', 'processing'] } },
      _min: { receivedAt: true },
    }),
    prisma.deadLetter.groupBy({
      by: ['integration'],
      where: { integration: { in: [...keys] }, status: 'open' },
      _count: { _all: true },
    }),
    Promise.all(keys.map(async (key) => [key, await queueFacts(key)] as const)),
  ])

  const stats = new Map<IntegrationKey, WindowStats>()
  for (const row of windows) {
    if (!row.integration) continue
    const entry = stats.get(row.integration) ?? { total: 0, failed: 0 }
    entry.total += row._count._all
    // A 429 is the provider pacing us, not a failure: it shows as "rate limited", not in the error rate.
    if (row.status === 'failed' || row.status === 'retrying') entry.failed += row._count._all
    stats.set(row.integration, entry)
  }
  const oldestWebhook = new Map(inbox.map((row) => [row.provider, row._min.receivedAt]))
  const openDeadLetters = new Map(deadLetters.map((row) => [row.integration, row._count._all]))
  const queueByKey = new Map(queues)

  const order = new Map(keys.map((key, index) => [key, index]))
  const health = integrations
    .sort((a, b) => order.get(a.key)! - order.get(b.key)!)
    .map((facts): IntegrationHealth => {
      const window = stats.get(facts.key) ?? { total: 0, failed: 0 }
      const queue = queueByKey.get(facts.key) ?? null
      const oldest = Math.min(queue?.oldestWaitingAt ?? Infinity, oldestWebhook.get(facts.key)?.getTime() ?? Infinity)
      const lagSeconds = Number.isFinite(oldest) ? Math.max(0, Math.round((now.getTime() - oldest) / 1000)) : 0
      const errorRate = window.total > 0 ? window.failed / window.total : null
      let derived = deriveStatus(facts, { errorRate, lagSeconds }, now)
      if (!queue) {
        // Nothing can be enqueued or processed: at least degraded, and say why.
        derived = {
          status: derived.status === 'healthy' ? 'degraded' : derived.status,
          statusReason: [derived.statusReason, 'queue backend unreachable'].filter(Boolean).join('; '),
        }
      }
      return {
        key: facts.key,
        name: facts.name,
        ...derived,
        breakerState: facts.breakerState,
        lastSuccessAt: facts.lastSuccessAt?.toISOString() ?? null,
        lagSeconds,
        jobsPerMinute: Math.round((window.total / (HEALTH_WINDOW_MS / 60_000)) * 10) / 10,
        errorRate,
        queue: queue
          ? { waiting: queue.waiting, active: queue.active, delayed: queue.delayed, failed: queue.failed, paused: queue.paused }
          : { waiting: 0, active: 0, delayed: 0, failed: 0, paused: false },
        deadLetters: openDeadLetters.get(facts.key) ?? 0,
        rateLimitedUntil: facts.rateLimitedUntil && facts.rateLimitedUntil > now ? facts.rateLimitedUntil.toISOString() : null,
      }
    })
  return { at: now.toISOString(), integrations: health }
}
