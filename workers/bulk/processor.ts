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
    // A tickets operation (app/models/ticket-bulk.server.ts: its claim matches only area 'tickets'), else an orders one.
    const ticketOperation = await startTicketBulkOperation(operationId)
    const operation = ticketOperation ? null : await startBulkOperation(operationId)
    if (!operation && !ticketOperation) return { operationId, outcome: 'nothing to do' }
    const started = Date.now()
    try {
      if (ticketOperation) {
        const result = await runTicketBulkAction(ticketOperation)
        if (result === 'cancelled') return { operationId, outcome: 'cancelled' }
        await finishBulkOperation(operationId, { status: 'completed' })
      } else if (operation!.kind === 'export') {
        const result = await runExport(operation!)
        if (result === 'cancelled') return { operationId, outcome: 'cancelled' }
        await finishBulkOperation(operationId, { status: 'completed', ...result })
      } else {
        const result = await runBulkAction(operation!)
        if (result === 'cancelled') return { operationId, outcome: 'cancelled' }
        await finishBulkOperation(operationId, { status: 'completed' })
      }
      const kind = (operation ?? ticketOperation)!.kind
      log.info({ operationId, kind, ms: Date.now() - started }, `bulk ${kind} completed`)
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
