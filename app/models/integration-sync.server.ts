import type { BreakerState, IntegrationKey, JobRunStatus, RecordLinkSource, WebhookEventStatus } from '#app/generated/prisma/enums.ts'
import { batched } from '#app/utils/batch.server.ts'
import { pgPool, prisma, type Prisma } from '#app/utils/db.server.ts'

/**
 * The sync engine's writes and reads (workers/integrations/shared/): cursors, sync runs, the run log (JobRun),
 * dead letters, record links, the rate-limit gate and the circuit breaker. All of it lives in Postgres, the source of
 * truth that survives a Redis loss and that the integration health page reads (docs/decisions/0006-sync-engine.md).
 */

// ─── Rate-limit gate ────────────────────────────────────────────────────────────────────────────────────────────

export async function getRateLimitedUntil(key: IntegrationKey): Promise<Date | null> {
  const row = await prisma.integration.findUnique({ where: { key }, select: { rateLimitedUntil: true } })
  return row?.rateLimitedUntil ?? null
}

/** Moves the integration's "no call before" deadline to `until` unless a later one is already stored. */
export async function extendRateLimit(key: IntegrationKey, until: Date) {
  await prisma.integration.updateMany({
    where: { key, OR: [{ rateLimitedUntil: null }, { rateLimitedUntil: { lt: until } }] },
    data: { rateLimitedUntil: until },
  })
}

// ─── Integration rows ───────────────────────────────────────────────────────────────────────────────────────────

const INTEGRATION_NAMES: Record<IntegrationKey, string> = {
  storefront: 'Storefront',
  payments: 'Payment gateway',
  carrier: 'Shipping carrier',
  warehouse: 'Warehouse (WMS)',
  helpdesk: 'Helpdesk mail',
}

/** Creates the missing Integration rows (the seed makes them; a fresh production database may not have run it). */
export async function ensureIntegrations(keys: readonly IntegrationKey[]) {
  await prisma.integration.createMany({
    data: keys.map((key) => ({ key, name: INTEGRATION_NAMES[key] })),
    skipDuplicates: true,
  })
}

export type IntegrationControl = {
  id: string
  key: IntegrationKey
  enabled: boolean
  pausedAt: Date | null
  breakerState: BreakerState
  breakerFailures: number
  breakerOpenedAt: Date | null
  breakerProbeAt: Date | null
  rateLimitedUntil: Date | null
}

const controlSelect = {
  id: true,
  key: true,
  enabled: true,
  pausedAt: true,
  breakerState: true,
  breakerFailures: true,
  breakerOpenedAt: true,
  breakerProbeAt: true,
  rateLimitedUntil: true,
} as const

/**
 * What the engine checks before a job: paused by a person, breaker state, rate-limit deadline. (The processor reuses
 * a read for up to 20 ms across the jobs that start meanwhile: workers/integrations/shared/processor.ts.)
 */
export async function getIntegrationControl(key: IntegrationKey): Promise<IntegrationControl> {
  const row = await prisma.integration.findUnique({ where: { key }, select: controlSelect })
  if (row) return row
  await ensureIntegrations([key])
  return prisma.integration.findUniqueOrThrow({ where: { key }, select: controlSelect })
}

export async function listIntegrationControls(): Promise<IntegrationControl[]> {
  return prisma.integration.findMany({ select: controlSelect, orderBy: { key: 'asc' } })
}

/** A person paused it: the breaker and the engine never resume it (only a person does). */
export function isPausedByPerson(control: Pick<IntegrationControl, 'enabled' | 'pausedAt'>) {
  return !control.enabled || control.pausedAt !== null
}

// ─── Cursors ────────────────────────────────────────────────────────────────────────────────────────────────────

export type ResourceCursor = { updatedSince?: string }

export async function getCursor(key: IntegrationKey, resource: string): Promise<ResourceCursor> {
  const row = await prisma.integration.findUnique({ where: { key }, select: { cursor: true } })
  const cursor = (row?.cursor ?? {}) as Record<string, ResourceCursor | undefined>
  return cursor[resource] ?? {}
}

/**
 * Stores one resource's cursor without touching the others' (jsonb_set in one statement, so two resources' pulls
 * running at once never overwrite each other), and never moves it backwards (a slower, older run finishing late).
 */
export async function saveCursor(key: IntegrationKey, resource: string, cursor: Required<ResourceCursor>) {
  await prisma.$executeRaw`
    UPDATE "Integration"
       SET "cursor" = jsonb_set("cursor", ARRAY[${resource}]::text[], ${JSON.stringify(cursor)}::jsonb, true),
           "updatedAt" = now()
     WHERE "key" = ${key}::"IntegrationKey"
       AND ("cursor" -> ${resource} ->> 'updatedSince' IS NULL
            OR ("cursor" -> ${resource} ->> 'updatedSince')::timestamptz <= ${cursor.updatedSince}::timestamptz)`
}

// ─── Sync runs ──────────────────────────────────────────────────────────────────────────────────────────────────

/** A `running` run with no progress for this long belongs to a dead worker: it is cancelled so a new one can start. */
export const SYNC_RUN_LEASE_MS = 2 * 60_000

export type RunCounts = { seen: number; created: number; updated: number; skipped: number; failed?: number }

/**
 * Starts a run of `kind` (e.g. `orders.pull`), or returns null when another live run of the same kind is in progress
 * (the unique partial index `SyncRun_one_running_idx` allows one `running` row per integration and kind).
 */
export async function startSyncRun(integrationId: string, kind: string, jobId: string): Promise<string | null> {
  const now = new Date()
  await prisma.syncRun.updateMany({
    where: { integrationId, kind, status: 'running', updatedAt: { lt: new Date(now.getTime() - SYNC_RUN_LEASE_MS) } },
    data: { status: 'cancelled', finishedAt: now, error: 'no progress within the lease: the worker running it stopped' },
  })
  try {
    const run = await prisma.syncRun.create({ data: { integrationId, kind, jobId, startedAt: now }, select: { id: true } })
    return run.id
  } catch (error) {
    if ((error as { code?: string }).code === 'P2002') return null
    throw error
  }
}

/** Progress after each page (also renews the run's lease). */
export async function updateSyncRun(runId: string, counts: RunCounts) {
  await prisma.syncRun.update({
    where: { id: runId },
    data: {
      itemsSeen: counts.seen,
      itemsCreated: counts.created,
      itemsUpdated: counts.updated,
      itemsSkipped: counts.skipped,
      itemsFailed: counts.failed ?? 0,
    },
  })
}

export async function finishSyncRun(runId: string, status: 'succeeded' | 'partially_failed' | 'failed', counts: RunCounts, error?: string) {
  await prisma.syncRun.updateMany({
    where: { id: runId, status: 'running' },
    data: {
      status,
      finishedAt: new Date(),
      itemsSeen: counts.seen,
      itemsCreated: counts.created,
      itemsUpdated: counts.updated,
      itemsSkipped: counts.skipped,
      itemsFailed: counts.failed ?? 0,
      error: error?.slice(0, 2_000) ?? null,
    },
  })
}

// ─── Run log, record links, dead letters ────────────────────────────────────────────────────────────────────────

export type JobRunInput = {
  integration: IntegrationKey | null
  queue: string
  jobId: string
  name: string
  attempt: number
  status: JobRunStatus
  startedAt: Date
  finishedAt: Date
  summary?: string | null
  error?: string | null
  request?: unknown
  response?: unknown
}

export type RecordLinkInput = { sourceType: RecordLinkSource; sourceId: string; entityType: string; entityId: string }

/**
 * One attempt's run-log row plus the records it touched. The rows of attempts that finish at the same moment in this
 * process are written together (two multi-row INSERTs in one transaction: a job's bookkeeping should not cost more
 * than its work, and the storefront import is benchmarked); each caller returns once its rows are committed.
 */
export function recordJobRun(run: JobRunInput, links: RecordLinkInput[] = []): Promise<void> {
  return writeJobRun({ run, links })
}

const writeJobRun = batched<{ run: JobRunInput; links: RecordLinkInput[] }, void>(
  async (items) => {
    const runs = items.map(({ run }) => ({
      integration: run.integration,
      queue: run.queue,
      job_id: run.jobId,
      name: run.name,
      attempt: run.attempt,
      status: run.status,
      duration_ms: Math.max(0, run.finishedAt.getTime() - run.startedAt.getTime()),
      summary: run.summary?.slice(0, 500) ?? null,
      error: run.error?.slice(0, 2_000) ?? null,
      request: run.request ?? null,
      response: run.response ?? null,
      started_at: run.startedAt.toISOString(),
      finished_at: run.finishedAt.toISOString(),
    }))
    // node-postgres directly, a prepared statement (atomic by itself) instead of two Prisma createMany in a transaction.
    await pgPool.query({
      name: 'opsdeck.write-job-runs',
      text: WRITE_JOB_RUNS_SQL,
      values: [JSON.stringify(runs), JSON.stringify(linkRows(items.flatMap((item) => item.links)))],
    })
    return items.map(() => undefined)
  },
  { isolateFailures: true },
)

/** $1: JobRun rows, $2: RecordLink rows (JSON arrays built by writeJobRun). */
const WRITE_JOB_RUNS_SQL = `
WITH runs AS (
  INSERT INTO "JobRun" ("integration", "queue", "jobId", "name", "attempt", "status", "durationMs", "summary", "error",
                        "request", "response", "startedAt", "finishedAt")
  SELECT "integration", "queue", "job_id", "name", "attempt", "status", "duration_ms", "summary", "error",
         NULLIF("request", 'null'::jsonb), NULLIF("response", 'null'::jsonb), "started_at", "finished_at"
    FROM jsonb_to_recordset($1::jsonb)
      AS r("integration" "IntegrationKey", "queue" text, "job_id" text, "name" text, "attempt" int, "status" "JobRunStatus",
           "duration_ms" int, "summary" text, "error" text, "request" jsonb, "response" jsonb,
           "started_at" timestamptz, "finished_at" timestamptz)
)
INSERT INTO "RecordLink" ("sourceType", "sourceId", "entityType", "entityId")
SELECT "source_type", "source_id", "entity_type", "entity_id"
  FROM jsonb_to_recordset($2::jsonb)
    AS l("source_type" "RecordLinkSource", "source_id" text, "entity_type" text, "entity_id" text)
ON CONFLICT DO NOTHING`

export async function addRecordLinks(links: RecordLinkInput[]) {
  if (links.length === 0) return
  await prisma.recordLink.createMany({ data: dedupeLinks(links), skipDuplicates: true })
}

function dedupeLinks(links: RecordLinkInput[]) {
  const seen = new Map<string, RecordLinkInput>()
  for (const link of links) seen.set(`${link.sourceType}|${link.sourceId}|${link.entityType}|${link.entityId}`, link)
  return [...seen.values()]
}

function linkRows(links: RecordLinkInput[]) {
  return dedupeLinks(links).map((link) => ({ source_type: link.sourceType, source_id: link.sourceId, entity_type: link.entityType, entity_id: link.entityId }))
}

export type DeadLetterInput = {
  queue: string
  jobId: string
  name: string
  payload: unknown
  error: string
  stack?: string | null
  attempts: number
  integration: IntegrationKey | null
  request?: unknown
  response?: unknown
}

export async function recordDeadLetter(input: DeadLetterInput) {
  await prisma.deadLetter.create({
    data: {
      queue: input.queue,
      jobId: input.jobId,
      name: input.name,
      payload: toJson(input.payload) ?? {},
      error: input.error.slice(0, 2_000),
      stack: input.stack?.slice(0, 8_000) ?? null,
      attempts: input.attempts,
      failedAt: new Date(),
      integration: input.integration,
      request: toJson(input.request),
      response: toJson(input.response),
    },
  })
}

function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue
}

/** Last success / last error shown on the health page (throttled by the caller: not one write per job). */
export async function markIntegrationSuccess(key: IntegrationKey, at = new Date()) {
  await prisma.integration.updateMany({
    where: { key, OR: [{ lastSuccessAt: null }, { lastSuccessAt: { lt: at } }] },
    data: { lastSuccessAt: at },
  })
}

export async function markIntegrationError(key: IntegrationKey, error: string, at = new Date()) {
  await prisma.integration.updateMany({ where: { key }, data: { lastErrorAt: at, lastError: error.slice(0, 1_000) } })
}

// ─── Circuit breaker ────────────────────────────────────────────────────────────────────────────────────────────
// Every transition is a conditional UPDATE on the current state, so when several workers see the same failure or
// success exactly one of them performs the transition (and pauses/resumes the queue).

const MAX_COOLDOWN_MS = 5 * 60_000

/**
 * Counts one retryable provider failure. Returns 'opened' when this call opened the breaker (closed → open after
 * `threshold` consecutive failures, or half_open → open at once): the caller pauses the integration's queue.
 */
export async function recordBreakerFailure(
  key: IntegrationKey,
  options: { threshold: number; cooldownMs: number },
): Promise<'opened' | 'counted'> {
  const now = new Date()
  const [row] = await prisma.$queryRaw<Array<{ breakerFailures: number; breakerState: BreakerState }>>`
    UPDATE "Integration" SET "breakerFailures" = "breakerFailures" + 1
     WHERE "key" = ${key}::"IntegrationKey"
     RETURNING "breakerFailures", "breakerState"`
  if (!row) return 'counted'
  if (row.breakerState === 'half_open') {
    // The trial after a good probe failed: open again with a doubled wait.
    const reopened = await reopenBreaker(key, 'half_open', now)
    return reopened ? 'opened' : 'counted'
  }
  if (row.breakerState === 'closed' && row.breakerFailures >= options.threshold) {
    const opened = await prisma.integration.updateMany({
      where: { key, breakerState: 'closed' },
      data: { breakerState: 'open', breakerOpenedAt: now, breakerProbeAt: new Date(now.getTime() + options.cooldownMs), status: 'down' },
    })
    return opened.count === 1 ? 'opened' : 'counted'
  }
  return 'counted'
}

/** A success: closes a half-open breaker and clears the failure count. Returns 'closed' when this call closed it. */
export async function recordBreakerSuccess(key: IntegrationKey): Promise<'closed' | 'unchanged'> {
  const closed = await prisma.integration.updateMany({
    where: { key, breakerState: 'half_open' },
    data: { breakerState: 'closed', breakerFailures: 0, breakerOpenedAt: null, breakerProbeAt: null, status: 'healthy' },
  })
  if (closed.count === 1) return 'closed'
  await prisma.integration.updateMany({ where: { key, breakerState: 'closed', breakerFailures: { gt: 0 } }, data: { breakerFailures: 0 } })
  return 'unchanged'
}

/** Open breakers whose probe time has come. */
export async function listBreakersDueForProbe(now = new Date()) {
  return prisma.integration.findMany({
    where: { breakerState: 'open', breakerProbeAt: { lte: now } },
    select: controlSelect,
  })
}

/**
 * Claims the probe of an open breaker (one worker wins): pushes breakerProbeAt out by the lease so no other worker
 * probes at the same time. Returns false when someone else claimed it or the state changed.
 */
export async function claimBreakerProbe(key: IntegrationKey, probeAt: Date, leaseMs = 30_000) {
  const claimed = await prisma.integration.updateMany({
    where: { key, breakerState: 'open', breakerProbeAt: probeAt },
    data: { breakerProbeAt: new Date(Date.now() + leaseMs) },
  })
  return claimed.count === 1
}

/** The probe answered: half-open (the queue resumes; the first job's success closes, a failure re-opens). */
export async function halfOpenBreaker(key: IntegrationKey) {
  const moved = await prisma.integration.updateMany({ where: { key, breakerState: 'open' }, data: { breakerState: 'half_open', status: 'degraded' } })
  return moved.count === 1
}

/** The probe failed: stays open, next probe after twice the previous wait (at most 5 minutes). */
export async function reopenBreaker(key: IntegrationKey, from: 'open' | 'half_open', now = new Date()) {
  const row = await prisma.integration.findUnique({ where: { key }, select: { breakerOpenedAt: true, breakerProbeAt: true } })
  const previous =
    row?.breakerOpenedAt && row.breakerProbeAt ? Math.max(1_000, row.breakerProbeAt.getTime() - row.breakerOpenedAt.getTime()) : 1_000
  const cooldown = Math.min(MAX_COOLDOWN_MS, previous * 2)
  const moved = await prisma.integration.updateMany({
    where: { key, breakerState: from },
    data: { breakerState: 'open', breakerOpenedAt: now, breakerProbeAt: new Date(now.getTime() + cooldown), status: 'down' },
  })
  return moved.count === 1
}

// ─── Webhook inbox (processing side; the web process inserts the rows) ──────────────────────────────────────────

export type InboxEvent = { id: string; provider: IntegrationKey; topic: string; payload: Prisma.JsonValue; status: WebhookEventStatus }

/**
 * The webhook job starts: counts the attempt and marks the event processing, unless it is already done (then it is
 * returned unchanged and the job does nothing: a duplicate job is a no-op).
 */
export async function beginWebhookAttempt(id: string): Promise<InboxEvent | null> {
  const [row] = await prisma.$queryRaw<InboxEvent[]>`
    UPDATE "WebhookEvent"
       SET "status" = CASE WHEN "status" IN ('processed', 'ignored') THEN "status" ELSE 'processing'::"WebhookEventStatus" END,
           "attempts" = CASE WHEN "status" IN ('processed', 'ignored') THEN "attempts" ELSE "attempts" + 1 END
     WHERE "id" = ${id}
    RETURNING "id", "provider", "topic", "payload", "status"`
  return row ?? null
}

export async function finishWebhookEvent(id: string, status: 'processed' | 'ignored' | 'failed', error?: string) {
  await prisma.webhookEvent.update({
    where: { id },
    data: { status, processedAt: new Date(), error: error?.slice(0, 2_000) ?? null },
  })
}

export async function noteWebhookError(id: string, error: string) {
  await prisma.webhookEvent.update({ where: { id }, data: { error: error.slice(0, 2_000) } })
}

/**
 * Inbox relay: events still `received` (or `processing` with no finished attempt) a while after they arrived — the
 * web process stored them but could not enqueue, or Redis lost the job. Oldest first.
 */
export async function listStrandedWebhookEvents(olderThanMs: number, limit: number, skipProviders: IntegrationKey[] = []) {
  return prisma.webhookEvent.findMany({
    where: {
      status: { in: ['received', 'processing'] },
      receivedAt: { lt: new Date(Date.now() - olderThanMs) },
      ...(skipProviders.length ? { provider: { notIn: skipProviders } } : {}),
    },
    orderBy: { receivedAt: 'asc' },
    take: limit,
    select: { id: true, provider: true },
  })
}
