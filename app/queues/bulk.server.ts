import { UnrecoverableError } from 'bullmq'
import { z } from 'zod'
import { createQueue, enqueue } from './connection.server.ts'

/**
 * The `bulk` queue: one job per BulkOperation row (bulk actions on orders and CSV exports). The payload is the
 * operation's id only — what to do, to which rows and for whom is the row itself (app/models/bulk-operation.server.ts),
 * so a retried or replayed job always reads the current state (counters, cancellation). Worker: workers/bulk/.
 */
export const BULK_QUEUE = 'bulk'

export const BulkJobSchema = z.object({ operationId: z.string().min(1).max(64) }).strict()
export type BulkJobData = z.infer<typeof BulkJobSchema>

export function getBulkQueue() {
  return createQueue<BulkJobData>(BULK_QUEUE)
}

/** Deterministic (one job per operation: a double submit of the same id is a no-op); BullMQ refuses ":" in ids. */
export const bulkJobId = (operationId: string) => `bulk-${operationId}`

export async function enqueueBulkOperation(operationId: string) {
  return enqueue(getBulkQueue(), 'run', { operationId }, { jobId: bulkJobId(operationId) })
}

export function parseBulkJob(name: string, data: unknown): BulkJobData {
  if (name !== 'run') throw new UnrecoverableError(`unknown bulk job "${name}"`)
  const result = BulkJobSchema.safeParse(data)
  if (!result.success) {
    throw new UnrecoverableError(`invalid bulk payload: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`)
  }
  return result.data
}
