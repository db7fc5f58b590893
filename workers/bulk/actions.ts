import { UnrecoverableError } from 'bullmq'
import {
  BulkParamsSchemas,
  recordBulkItems,
  recordedEntityIds,
  resolveSelectionQuery,
  type BulkActor,
  type BulkItemResult,
  type BulkOperationToRun,
} from '#app/models/bulk-operation.server.ts'
import {
  assignOrder,
  cancelOrder,
  fulfilOrder,
  IllegalTransitionError,
  OrderNotFoundError,
  setOrderTags,
  shipOrder,
  type OrderActionResult,
} from '#app/models/order-actions.server.ts'
import { iterateOrderIds } from '#app/models/order-list.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'

/** Rows per chunk: results are recorded (and progress pushed) once per chunk. */
export const ACTION_CHUNK = 100

type Apply = (orderId: string) => Promise<OrderActionResult>

/**
 * The per-row action for an operation's kind, through the same functions the order page uses (one transaction, row
 * lock, state guard, audit entry each) with no expectedVersion: a bulk action applies to the row as it is now.
 */
function actionFor(operation: BulkOperationToRun, actor: BulkActor): { apply: Apply; concurrency: number } {
  const ctx = { actor, requestId: `bulk-${operation.id}` }
  switch (operation.kind) {
    case 'tag': {
      const params = BulkParamsSchemas.tag.parse(operation.params)
      return { apply: (id) => setOrderTags(id, { add: params.add, remove: params.remove }, ctx), concurrency: 4 }
    }
    case 'assign': {
      const params = BulkParamsSchemas.assign.parse(operation.params)
      return { apply: (id) => assignOrder(id, { assigneeId: params.assigneeId }, ctx), concurrency: 4 }
    }
    // Lifecycle actions touch stock (reservations, inventory levels) shared between orders: one row at a time, so
    // two of our own transactions never wait on each other's locks in opposite order.
    case 'fulfil':
      BulkParamsSchemas.fulfil.parse(operation.params)
      return { apply: (id) => fulfilOrder(id, {}, ctx), concurrency: 1 }
    case 'ship':
      BulkParamsSchemas.ship.parse(operation.params)
      return { apply: (id) => shipOrder(id, {}, ctx), concurrency: 1 }
    case 'cancel': {
      const params = BulkParamsSchemas.cancel.parse(operation.params)
      return { apply: (id) => cancelOrder(id, { reason: params.reason }, ctx), concurrency: 1 }
    }
    case 'export':
      throw new UnrecoverableError('an export is not a per-row action')
  }
}

/** Why a row was left as it was when the action had nothing to write (`changed: false`). */
const UNCHANGED_REASON: Record<string, string> = {
  tag: 'Already tagged like that',
  assign: 'Already assigned to them',
}

/**
 * One row's outcome: done; "skipped" with the rule's own words for an illegal transition (or nothing to change, or
 * an order deleted meanwhile); "failed" with the error for anything unexpected.
 */
export async function outcomeOf(entityId: string, kind: string, run: () => Promise<OrderActionResult>): Promise<BulkItemResult> {
  try {
    const result = await run()
    if (result.changed === false) return { entityId, outcome: 'skipped', reason: UNCHANGED_REASON[kind] ?? 'Nothing to change' }
    return { entityId, outcome: 'succeeded' }
  } catch (error) {
    if (error instanceof IllegalTransitionError) return { entityId, outcome: 'skipped', reason: error.message }
    if (error instanceof OrderNotFoundError) return { entityId, outcome: 'skipped', reason: 'The order no longer exists' }
    return { entityId, outcome: 'failed', reason: error instanceof Error ? error.message || error.name : String(error) }
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++
        results[index] = await run(items[index]!)
      }
    }),
  )
  return results
}

/** The selection's ids, `size` at a time: the stored ids, or every order matching the stored filter (keyset). */
export async function* selectionChunks(operation: Pick<BulkOperationToRun, 'selection'>, size: number): AsyncGenerator<string[]> {
  const { selection } = operation
  if ('ids' in selection) {
    for (let start = 0; start < selection.ids.length; start += size) yield selection.ids.slice(start, start + size)
    return
  }
  let query: ReturnType<typeof resolveSelectionQuery>
  try {
    query = resolveSelectionQuery(selection.query)
  } catch (error) {
    // The stored filter no longer parses (the list's rules changed): retrying cannot help.
    throw new UnrecoverableError((error as Error).message)
  }
  yield* iterateOrderIds(query, size)
}

/**
 * Runs a per-row bulk action to the end (or until it is cancelled). Resumable: rows recorded by an earlier attempt
 * are not applied again. NOTE: a crash between a row's own transaction and the chunk's result insert re-applies that
 * row on retry; tag and assign are idempotent, and a lifecycle action then meets its own guard ("already
 * cancelled") and is recorded as skipped — never applied twice.
 */
export async function runBulkAction(operation: BulkOperationToRun): Promise<'completed' | 'cancelled'> {
  const actor = operation.actor
  if (!actor) throw new UnrecoverableError('The person who started this no longer has an active account.')
  if (!hasPermission(actor.role, 'update:order')) throw new UnrecoverableError(`Their role (${actor.role}) may no longer change orders.`)
  const { apply, concurrency } = actionFor(operation, actor)
  for await (const ids of selectionChunks(operation, ACTION_CHUNK)) {
    const done = await recordedEntityIds(operation.id, ids)
    const todo = ids.filter((id) => !done.has(id))
    const results = await mapLimit(todo, concurrency, (id) => outcomeOf(id, operation.kind, () => apply(id)))
    const status = await recordBulkItems(operation.id, results)
    if (status === 'cancelled') return 'cancelled'
  }
  return 'completed'
}
