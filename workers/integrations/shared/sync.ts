import { z } from 'zod'
import { finishSyncRun, getCursor, saveCursor, startSyncRun, updateSyncRun, type RunCounts } from '#app/models/integration-sync.server.ts'
import type { Connector, JobContext, SyncResource } from './connector.ts'

/**
 * Incremental pull and reconciliation of one resource. Both page through the provider's list with
 * `updated_since` + `next_cursor` and apply each page through the connector's applyPage (one transaction per page,
 * older-than-stored items skipped), so applying the same item twice is harmless: that is what lets reconciliation
 * repair drift (a dropped or out-of-order webhook) by simply walking a recent window again.
 */

export const PAGE_SIZE = 100
/** Pages per pull job: a long backlog is worked off over several runs (the cursor is kept after every page). */
const MAX_PAGES_PER_PULL = 50
/** A reconciliation walks its whole window, but not forever. */
const MAX_PAGES_PER_RECONCILE = 500
export const DEFAULT_RECONCILE_WINDOW_HOURS = 24
/** A deferred item (PullPage.deferred) holds the pull's cursor back for this long at most. */
export const DEFER_LIMIT_MS = 15 * 60_000

export type SyncOutcome = RunCounts & { pages: number; runId: string | null; skippedBusy?: boolean; cursor?: string }

const pageSchemas = new WeakMap<SyncResource, z.ZodTypeAny>()
function pageSchema(resource: SyncResource) {
  let schema = pageSchemas.get(resource)
  if (!schema) {
    schema = z.object({ data: z.array(resource.itemSchema), next_cursor: z.string().nullable() })
    pageSchemas.set(resource, schema)
  }
  return schema as z.ZodType<{ data: Array<{ id: string; updated_at: string }>; next_cursor: string | null }, z.ZodTypeDef, unknown>
}

function resourceOf(connector: Connector, name: string) {
  const resource = connector.resources[name]
  if (!resource) throw new Error(`${connector.key} has no resource "${name}"`)
  return resource
}

/** Pull: from the stored cursor (`updated_since` = the last item seen) to the end of the list. */
export async function pullResource(connector: Connector, name: string, ctx: JobContext, integrationId: string): Promise<SyncOutcome> {
  const resource = resourceOf(connector, name)
  const runId = await startSyncRun(integrationId, `${name}.pull`, ctx.jobId)
  const counts: RunCounts = { seen: 0, created: 0, updated: 0, skipped: 0 }
  if (!runId) {
    ctx.summarize(`${name}: another pull is running; skipped`)
    return { ...counts, pages: 0, runId, skippedBusy: true }
  }
  const { updatedSince } = await getCursor(connector.key, name)
  let since = updatedSince
  let holdAt: string | undefined
  let pages = 0
  try {
    let pageCursor: string | undefined
    do {
      const page = await ctx.client.get(resource.listPath, pageSchema(resource), {
        updated_since: updatedSince,
        cursor: pageCursor,
        limit: PAGE_SIZE,
      })
      pages++
      const applied = await resource.applyPage(page.data, ctx)
      add(counts, applied)
      holdAt = earliest(holdAt, recentDeferred(applied.deferred))
      const last = page.data.at(-1)
      if (last) {
        // `updated_since` is inclusive: holding the cursor at a deferred item makes the next pull see it again.
        since = holdAt && holdAt < last.updated_at ? holdAt : last.updated_at
        // Kept after every page: a crash or a failed later page does not redo the pages already applied.
        await saveCursor(connector.key, name, { updatedSince: since })
      }
      await updateSyncRun(runId, counts)
      pageCursor = page.next_cursor ?? undefined
    } while (pageCursor && pages < MAX_PAGES_PER_PULL)
    await finishSyncRun(runId, 'succeeded', counts)
  } catch (error) {
    await finishSyncRun(runId, pages > 0 ? 'partially_failed' : 'failed', counts, (error as Error).message).catch(() => {})
    throw error
  }
  ctx.summarize(`${name} pull: ${pages} page(s), ${describe(counts)}${since ? `; cursor ${since}` : ''}`)
  return { ...counts, pages, runId, cursor: since }
}

/** Reconcile: walks everything changed in the last `windowHours` and applies it again (idempotently). */
export async function reconcileResource(
  connector: Connector,
  name: string,
  ctx: JobContext,
  integrationId: string,
  windowHours = DEFAULT_RECONCILE_WINDOW_HOURS,
): Promise<SyncOutcome> {
  const resource = resourceOf(connector, name)
  const runId = await startSyncRun(integrationId, `${name}.reconcile`, ctx.jobId)
  const counts: RunCounts = { seen: 0, created: 0, updated: 0, skipped: 0 }
  if (!runId) {
    ctx.summarize(`${name}: another reconciliation is running; skipped`)
    return { ...counts, pages: 0, runId, skippedBusy: true }
  }
  const from = new Date(Date.now() - windowHours * 3600_000).toISOString()
  let pages = 0
  try {
    let pageCursor: string | undefined
    do {
      const page = await ctx.client.get(resource.listPath, pageSchema(resource), { updated_since: from, cursor: pageCursor, limit: PAGE_SIZE })
      pages++
      add(counts, await resource.applyPage(page.data, ctx))
      await updateSyncRun(runId, counts)
      pageCursor = page.next_cursor ?? undefined
    } while (pageCursor && pages < MAX_PAGES_PER_RECONCILE)
    await finishSyncRun(runId, 'succeeded', counts)
  } catch (error) {
    await finishSyncRun(runId, pages > 0 ? 'partially_failed' : 'failed', counts, (error as Error).message).catch(() => {})
    throw error
  }
  // "repaired" = what the webhooks and pulls had missed or got out of order.
  ctx.summarize(`${name} reconcile (${windowHours} h): ${pages} page(s), ${describe(counts)}; repaired ${counts.created + counts.updated}`)
  return { ...counts, pages, runId }
}

function recentDeferred(deferred: string[] | undefined, now = Date.now()) {
  return deferred?.filter((updatedAt) => now - Date.parse(updatedAt) < DEFER_LIMIT_MS).reduce<string | undefined>(earliest, undefined)
}

function earliest(a: string | undefined, b: string | undefined) {
  if (a === undefined) return b
  if (b === undefined) return a
  return Date.parse(a) <= Date.parse(b) ? a : b
}

function add(into: RunCounts, page: { seen: number; created: number; updated: number; skipped: number }) {
  into.seen += page.seen
  into.created += page.created
  into.updated += page.updated
  into.skipped += page.skipped
}

function describe(counts: RunCounts) {
  return `${counts.seen} seen, ${counts.created} created, ${counts.updated} updated, ${counts.skipped} unchanged/older`
}
