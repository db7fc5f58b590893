import { UnrecoverableError } from 'bullmq'
import { recordBulkItems, recordedEntityIds } from '#app/models/bulk-operation.server.ts'
import { ticketBulkRow, ticketSelectionChunks, TicketBulkUnrecoverable, type TicketBulkToRun } from '#app/models/ticket-bulk.server.ts'

/** Tickets per chunk: results are recorded (and progress pushed) once per chunk. */
export const TICKET_ACTION_CHUNK = 100

/**
 * Runs a bulk action on tickets (app/models/ticket-bulk.server.ts) to the end or until it is cancelled. Rows go one
 * at a time, in id order: each is its own short transaction, and round-robin needs them in turn. Resumable like the
 * orders' actions (actions.ts): rows recorded by an earlier attempt are not applied again, and the counters only
 * move by the results actually inserted.
 */
export async function runTicketBulkAction(operation: TicketBulkToRun): Promise<'completed' | 'cancelled'> {
  try {
    const row = ticketBulkRow(operation)
    for await (const ids of ticketSelectionChunks(operation, TICKET_ACTION_CHUNK)) {
      const done = await recordedEntityIds(operation.id, ids)
      const results = []
      for (const id of ids) if (!done.has(id)) results.push(await row(id))
      if ((await recordBulkItems(operation.id, results)) === 'cancelled') return 'cancelled'
    }
    return 'completed'
  } catch (error) {
    if (error instanceof TicketBulkUnrecoverable) throw new UnrecoverableError(error.message)
    throw error
  }
}
