/**
 * The only worker entry: `node --import tsx workers/index.ts`. Parses the configuration, starts every BullMQ worker,
 * registers the recurring jobs, keeps this process's heartbeat row fresh and shuts down gracefully on SIGTERM/SIGINT
 * (active jobs finish, heartbeat row removed, connections closed, exit 0).
 */
// First: a bad variable exits with a readable message before any module reads the configuration.
import '#app/utils/env-check.server.ts'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { Worker } from 'bullmq'
import { removeHeartbeat, type HeartbeatInput } from '#app/models/worker-heartbeat.server.ts'
import { closeQueues, createWorker, describeQueueBackend, setQueueLogger } from '#app/queues/connection.server.ts'
import { BULK_QUEUE } from '#app/queues/bulk.server.ts'
import { scheduleSlaSweep } from '#app/queues/sla.server.ts'
import { ALERTS_QUEUE, scheduleAlertJobs } from '#app/queues/alerts.server.ts'
import { integrationQueueName } from '#app/queues/integrations.server.ts'
import { scheduleSystemJobs, SYSTEM_QUEUE } from '#app/queues/system.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { getEnvOrExit } from '#app/utils/env.server.ts'
import { createLogger } from '#app/utils/logger.server.ts'
import { startProcessMetrics, stopProcessMetrics } from '#app/metrics/process.server.ts'
import { createAlertsProcessor } from './alerts/processor.ts'
import { createBulkProcessor } from './bulk/processor.ts'
import { CONNECTORS } from './integrations/index.ts'
import { scheduleIntegrations, startIntegrationWorkers } from './integrations/shared/worker.ts'
import { createSystemProcessor, startLiveness } from './system/heartbeat.ts'
import { startMetricsCollector, type Collector } from './metrics/collector.ts'
import { instrumentWorkers } from './metrics/jobs.ts'

const SHUTDOWN_TIMEOUT_MS = 30_000

const env = getEnvOrExit()

const log = createLogger('worker')
setQueueLogger(log)
const instance: HeartbeatInput = {
  id: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
  hostname: hostname(),
  pid: process.pid,
  queues: [SYSTEM_QUEUE, BULK_QUEUE, ALERTS_QUEUE, ...[...CONNECTORS.keys()].map(integrationQueueName)],
  startedAt: new Date(),
}

let stopLiveness: (() => Promise<void>) | undefined
let metricsCollector: Collector | undefined
let shuttingDown = false

async function shutdown(reason: string, code = 0) {
  if (shuttingDown) return
  shuttingDown = true
  log.info({ reason }, 'worker shutting down: finishing active jobs')
  const force = setTimeout(() => {
    log.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`)
    process.exit(1)
  }, SHUTDOWN_TIMEOUT_MS)
  force.unref()
  try {
    await stopLiveness?.()
    await metricsCollector?.stop()
    await closeQueues() // workers first: waits for their active jobs
    await stopProcessMetrics()
    await removeHeartbeat(instance.id)
    await prisma.$disconnect()
    log.info('worker stopped')
  } catch (error) {
    log.error({ err: error }, `shutdown error: ${(error as Error).message}`)
    code ||= 1
  }
  process.exit(code)
}

process.once('SIGTERM', () => void shutdown('SIGTERM'))
process.once('SIGINT', () => void shutdown('SIGINT'))
// Started by scripts/start.mjs with an IPC channel: if the orchestrator dies, do not linger as an orphan.
// NOTE: its stdout goes with it, and pino's synchronous writes retry a dead pipe forever (sonic-boom on EAGAIN,
// seen with gdb: Atomics.wait), which would wedge the shutdown: log nothing more.
if (process.send) {
  process.once('disconnect', () => {
    log.level = 'silent'
    void shutdown('orchestrator gone')
  })
}

try {
  // Live metrics (issue 7): job, DB and process figures of this worker, published once a second.
  await startProcessMetrics({ kind: 'worker', onError: (error, what) => log.warn({ err: error }, `metrics ${what} failed`) })
  const connectors = new Map(CONNECTORS)
  const workers: Worker[] = [
    createWorker(SYSTEM_QUEUE, createSystemProcessor(instance, log, connectors)),
    // Bulk actions and exports (orders): long jobs, two at a time per process so they never starve the syncs.
    createWorker(BULK_QUEUE, createBulkProcessor(log), { concurrency: 2 }),
    // Alert evaluation: one tick at a time per process (ticks are seconds apart; a slow one must not overlap itself here).
    createWorker(ALERTS_QUEUE, createAlertsProcessor(log, { instanceId: instance.id }), { concurrency: 1 }),
    ...(await startIntegrationWorkers(connectors, log)),
  ]
  await Promise.all(workers.map((worker) => worker.waitUntilReady()))
  instrumentWorkers(workers)
  // One worker (elected by a Postgres advisory lock) samples the domain figures and writes the minute rollups.
  metricsCollector = startMetricsCollector({ log, queues: workers.map((worker) => worker.name) })
  await scheduleSystemJobs()
  // SLA timers run on the system worker; the sweep that repairs missed ones (docs/decisions/0007-sla-engine.md).
  await scheduleSlaSweep()
  await scheduleAlertJobs()
  await scheduleIntegrations(connectors)
  stopLiveness = startLiveness(instance, workers, env.HEARTBEAT_SECONDS * 1000, log)
  log.info(
    { instance: instance.id, queues: instance.queues, concurrency: env.WORKER_CONCURRENCY, heartbeatSeconds: env.HEARTBEAT_SECONDS },
    `worker started (${describeQueueBackend()})`,
  )
} catch (error) {
  log.fatal({ err: error }, `worker failed to start: ${(error as Error).message}`)
  await shutdown('start-up failure', 1)
}
