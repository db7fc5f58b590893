import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { isPausedByPerson, listIntegrationControls, listStrandedWebhookEvents } from '#app/models/integration-sync.server.ts'
import { relayOutbox } from '#app/models/outbox.server.ts'
import { requeueWebhookProcessing } from '#app/queues/integrations.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'
import { probeBreakers } from '#workers/integrations/shared/breaker.ts'
import type { Connector } from '#workers/integrations/shared/connector.ts'

/**
 * The sync engine's housekeeping on the system queue (scheduled in app/queues/system.server.ts). They run there, not
 * on the integration queues, because an integration's queue may be paused (breaker open, or a person) exactly when
 * they are needed.
 */

/** Inbox events older than this still `received` were not enqueued (or their job was lost). */
const INBOX_STRANDED_AFTER_MS = 10_000
const INBOX_RELAY_BATCH = 200

export async function runOutboxRelay(log: Logger) {
  const result = await relayOutbox()
  if (result.enqueued || result.failed) log.info(result, `outbox relay: ${result.enqueued} enqueued, ${result.failed} could not be`)
  return result
}

export async function runInboxRelay(log: Logger) {
  // A paused integration's events wait in its queue anyway; re-adding them every sweep would be noise.
  const held: IntegrationKey[] = (await listIntegrationControls())
    .filter((control) => isPausedByPerson(control) || control.breakerState === 'open')
    .map((control) => control.key)
  const events = await listStrandedWebhookEvents(INBOX_STRANDED_AFTER_MS, INBOX_RELAY_BATCH, held)
  let enqueued = 0
  for (const event of events) {
    try {
      await requeueWebhookProcessing(event.provider, event.id)
      enqueued++
    } catch (error) {
      log.warn({ err: error }, `inbox relay: could not enqueue ${event.id}: ${(error as Error).message}`)
      break // the queue backend is down: the next sweep tries again
    }
  }
  if (events.length) log.debug({ stranded: events.length, enqueued }, 'inbox relay')
  return { stranded: events.length, enqueued }
}

export async function runBreakerProbe(connectors: ReadonlyMap<IntegrationKey, Connector>, log: Logger) {
  return probeBreakers(connectors, log)
}
