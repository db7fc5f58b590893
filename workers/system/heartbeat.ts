import type { Job, Worker } from 'bullmq'
import { pingQueueBackend } from '#app/queues/connection.server.ts'
import { parseSystemJob, type SystemJobData } from '#app/queues/system.server.ts'
import {
  countAliveWorkers,
  pruneHeartbeats,
  recordHeartbeat,
  type HeartbeatInput,
} from '#app/models/worker-heartbeat.server.ts'
import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import type { Logger } from '#app/utils/logger.server.ts'
import type { Connector } from '#workers/integrations/shared/connector.ts'
import { runInventoryReconcile } from './inventory-reconcile.ts'
import { runSlaSweep, runSlaTimer } from '#workers/sla/processor.ts'
import { runBreakerProbe, runInboxRelay, runOutboxRelay } from './sync.ts'

/**
 * Worker liveness (docs/decisions/0005-queues-and-embedded-default.md):
 * - every worker process refreshes its own row on a timer, but only while its BullMQ workers are running and the
 *   queue backend answers — so "workers: N alive" counts processes that can actually take jobs;
 * - the scheduled `system.heartbeat` job (one per interval for the whole deployment) proves the scheduler → backend →
 *   worker → database pipe, refreshes the row of the process that ran it and prunes rows of long-dead processes.
 */

export function createSystemProcessor(instance: HeartbeatInput, log: Logger, connectors: ReadonlyMap<IntegrationKey, Connector> = new Map()) {
  return async function processSystemJob(job: Job<SystemJobData>) {
    const { name, data } = parseSystemJob(job.name, job.data)
    switch (name) {
      case 'heartbeat': {
        await recordHeartbeat(instance)
        const pruned = await pruneHeartbeats()
        const alive = await countAliveWorkers()
        log.debug({ job: job.id, alive, pruned }, 'heartbeat')
        return { by: instance.id, alive, pruned }
      }
      case 'outbox-relay':
        return runOutboxRelay(log)
      case 'inbox-relay':
        return runInboxRelay(log)
      case 'breaker-probe':
        return runBreakerProbe(connectors, log)
      case 'sla-timer':
        return runSlaTimer(data as SystemJobData<'sla-timer'>, log)
      case 'sla-sweep':
        return runSlaSweep(log)
      case 'inventory-reconcile':
        return runInventoryReconcile(log)
    }
  }
}

/** Starts the per-process liveness timer (first beat at once). Returns a function that stops it. */
export function startLiveness(instance: HeartbeatInput, workers: Worker[], intervalMs: number, log: Logger) {
  let healthy: boolean | undefined
  let running: Promise<void> | undefined

  async function beat() {
    try {
      const stopped = workers.filter((worker) => !worker.isRunning()).map((worker) => worker.name)
      if (stopped.length) throw new Error(`worker(s) not running: ${stopped.join(', ')}`)
      await pingQueueBackend()
      await recordHeartbeat(instance)
      if (healthy !== true) log.info({ instance: instance.id }, 'heartbeat: alive')
      healthy = true
    } catch (error) {
      // Logged on the transition only, not every interval while an outage lasts.
      if (healthy !== false) log.warn({ instance: instance.id, err: error }, `heartbeat skipped: ${(error as Error).message}`)
      healthy = false
    }
  }

  running = beat()
  const timer = setInterval(() => {
    running = beat()
  }, intervalMs)
  return async function stop() {
    clearInterval(timer)
    await running
  }
}
