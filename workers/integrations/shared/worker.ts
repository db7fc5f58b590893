import type { Worker } from 'bullmq'
import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { ensureIntegrations } from '#app/models/integration-sync.server.ts'
import { createWorker } from '#app/queues/connection.server.ts'
import { integrationQueueName, scheduleIntegrationJobs } from '#app/queues/integrations.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'
import type { Connector } from './connector.ts'
import { createIntegrationProcessor } from './processor.ts'

/**
 * BullMQ honours `queue.rateLimit(ms)` (the processor's answer to a 429) only on a worker that has a `limiter`: without
 * one a rate-limited job is fetched again at once and refused by the gate in a loop. This one never limits by itself.
 */
const MANUAL_RATE_LIMIT_ONLY = { max: 1_000_000, duration: 1_000 }

/**
 * One BullMQ worker per integration queue (concurrency WORKER_CONCURRENCY), so a paused or rate-limited provider
 * holds up only its own queue.
 */
export async function startIntegrationWorkers(connectors: ReadonlyMap<IntegrationKey, Connector>, log: Logger): Promise<Worker[]> {
  await ensureIntegrations([...connectors.keys()])
  return [...connectors.values()].map((connector) =>
    createWorker(integrationQueueName(connector.key), createIntegrationProcessor(connector, log.child({ integration: connector.key })), {
      limiter: MANUAL_RATE_LIMIT_ONLY,
    }),
  )
}

/** The recurring pull and reconciliation of every registered integration. */
export async function scheduleIntegrations(connectors: ReadonlyMap<IntegrationKey, Connector>) {
  const env = getEnv()
  await scheduleIntegrationJobs([...connectors.keys()], {
    syncEveryMs: env.SYNC_INTERVAL_SECONDS * 1000,
    reconcileEveryMs: env.RECONCILE_INTERVAL_SECONDS * 1000,
  })
}
