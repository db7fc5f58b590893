import { UnrecoverableError, type Job } from 'bullmq'
import { finishBulkOperation, startBulkOperation } from '#app/models/bulk-operation.server.ts'
import { startTicketBulkOperation } from '#app/models/ticket-bulk.server.ts'
import { parseBulkJob, type BulkJobData } from '#app/queues/bulk.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'
import { runBulkAction } from './actions.ts'
import { runExport } from './export.ts'
import { runTicketBulkAction } from './tickets.ts'

/**
 * The `bulk` queue's processor (registered in workers/index.ts). One job = one BulkOperation: claim it, run it
 * (per-row action or export), finish it. A failure is retried by BullMQ with the queue's backoff (the job resumes,
 * see actions.ts); on the last attempt the operation is marked failed with a readable error.
 */
export function createBulkProcessor(log: Logger) {
  return async function processBulkJob(job: Job<BulkJobData>) {
    const { operationId } = parseBulkJob(job.name, job.data)
    const claimed = await claimOperation(operationId)
    if (!claimed) return { operationId, outcome: 'nothing to do' }
    const started = Date.now()
    try {
      const result = await claimed.run()
      if (result === 'cancelled') return { operationId, outcome: 'cancelled' }
      await finishBulkOperation(operationId, { status: 'completed', ...(result === 'completed' ? {} : result) })
      log.info({ operationId, kind: claimed.kind, ms: Date.now() - started }, `bulk ${claimed.kind} completed`)
      return { operationId, outcome: 'completed' }
    } catch (error) {
      const final = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
      if (final) {
        const message = error instanceof Error ? error.message || error.name : String(error)
        await finishBulkOperation(operationId, { status: 'failed', error: message }).catch((finishError: unknown) =>
          log.error({ err: finishError, operationId }, 'could not mark the bulk operation failed'),
        )
      }
      throw error
    }
  }
}

/**
 * Claims the operation for this attempt and says how to run it: a tickets operation (its claim matches only area
 * 'tickets', app/models/ticket-bulk.server.ts), else an orders one (export or action). Null: nothing to do.
 */
async function claimOperation(operationId: string) {
  const tickets = await startTicketBulkOperation(operationId)
  if (tickets) return { kind: tickets.kind, run: () => runTicketBulkAction(tickets) }
  const orders = await startBulkOperation(operationId)
  if (!orders) return null
  return { kind: orders.kind, run: () => (orders.kind === 'export' ? runExport(orders) : runBulkAction(orders)) }
}
