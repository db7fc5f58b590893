import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import {
  claimBreakerProbe,
  getIntegrationControl,
  halfOpenBreaker,
  isPausedByPerson,
  listBreakersDueForProbe,
  listIntegrationControls,
  recordBreakerFailure,
  recordBreakerSuccess,
  reopenBreaker,
} from '#app/models/integration-sync.server.ts'
import { getIntegrationQueue } from '#app/queues/integrations.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'
import type { Connector } from './connector.ts'
import { createProviderClient } from './http.ts'

/**
 * The per-integration circuit breaker (docs/decisions/0006-sync-engine.md). State lives on the Integration row in
 * Postgres and every transition is a conditional UPDATE, so all workers agree and exactly one performs each move:
 *
 *   closed ──BREAKER_FAILURE_THRESHOLD consecutive retryable failures──▶ open (queue paused)
 *   open ──probe time (system queue `breaker-probe`), connector.probe OK──▶ half_open (queue resumed)
 *   open ──probe fails──▶ open, next probe after twice the wait (≤ 5 min)
 *   half_open ──first job success──▶ closed          half_open ──first retryable failure──▶ open (paused again)
 *
 * The probe runs on the system queue because the integration's own queue is paused. A person's pause
 * (Integration.enabled = false / pausedAt) always wins: the breaker never resumes such a queue.
 */

export async function onRetryableFailure(key: IntegrationKey, log: Logger) {
  const env = getEnv()
  const outcome = await recordBreakerFailure(key, {
    threshold: env.BREAKER_FAILURE_THRESHOLD,
    cooldownMs: env.BREAKER_COOLDOWN_SECONDS * 1000,
  })
  if (outcome === 'opened') {
    await getIntegrationQueue(key).pause()
    log.warn({ integration: key }, `circuit breaker opened: ${key} queue paused`)
  }
}

export async function onSuccess(key: IntegrationKey, log: Logger) {
  if ((await recordBreakerSuccess(key)) === 'closed') log.info({ integration: key }, `circuit breaker closed: ${key} healthy again`)
}

/** Resumes the integration's queue unless a person paused it or the breaker is open (re-read just before). */
async function resumeIfAllowed(key: IntegrationKey) {
  const control = await getIntegrationControl(key)
  if (isPausedByPerson(control) || control.breakerState === 'open') return false
  await getIntegrationQueue(key).resume()
  return true
}

/**
 * The `breaker-probe` system job (every few seconds): probes every open breaker whose wait is over, and repairs a
 * queue left paused by a crash between a breaker transition and the queue call (or a queue paused while Redis was
 * replaced by an empty one: the reverse is fixed here too).
 */
export async function probeBreakers(connectors: ReadonlyMap<IntegrationKey, Connector>, log: Logger) {
  const results: Array<{ key: IntegrationKey; outcome: string }> = []
  for (const due of await listBreakersDueForProbe()) {
    const connector = connectors.get(due.key)
    if (!connector || !due.breakerProbeAt) continue
    if (!(await claimBreakerProbe(due.key, due.breakerProbeAt))) continue
    try {
      await connector.probe(createProviderClient(due.key))
    } catch (error) {
      await reopenBreaker(due.key, 'open')
      log.warn({ integration: due.key, err: error }, `breaker probe failed: ${due.key} stays open (${(error as Error).message})`)
      results.push({ key: due.key, outcome: 'still-open' })
      continue
    }
    if (await halfOpenBreaker(due.key)) {
      const resumed = await resumeIfAllowed(due.key)
      log.info({ integration: due.key, resumed }, `breaker probe ok: ${due.key} half-open${resumed ? ', queue resumed' : ' (paused by a person: stays paused)'}`)
      results.push({ key: due.key, outcome: 'half-open' })
    }
  }
  // Queue pause flag follows the rows (the rows are the truth).
  for (const control of await listIntegrationControls()) {
    if (!connectors.has(control.key)) continue
    const queue = getIntegrationQueue(control.key)
    const shouldRun = !isPausedByPerson(control) && control.breakerState !== 'open'
    const paused = await queue.isPaused()
    if (shouldRun && paused) {
      if (await resumeIfAllowed(control.key)) results.push({ key: control.key, outcome: 'resumed' })
    } else if (!shouldRun && !paused) {
      await queue.pause()
      results.push({ key: control.key, outcome: 'paused' })
    }
  }
  return results
}
