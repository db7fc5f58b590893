import type { IntegrationKey, JobRunStatus } from '#app/generated/prisma/enums.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import type { Actor, ActionFailure } from '#app/models/dead-letter.server.ts'
import { QueueUnavailableError } from '#app/queues/connection.server.ts'
import { enqueueSyncNow, getIntegrationQueue, integrationQueueName, jobIds } from '#app/queues/integrations.server.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'

/**
 * An integration as people see and steer it: its run log, failures, job search, and the actions the drill-down
 * offers (sync now, pause, resume). What the engine writes (runs, job runs, breaker) is
 * app/models/integration-sync.server.ts; health figures are integration-health.server.ts.
 */

export async function getIntegration(key: IntegrationKey) {
  return prisma.integration.findUnique({
    where: { key },
    select: {
      key: true,
      name: true,
      enabled: true,
      pausedAt: true,
      pausedBy: { select: { name: true } },
      breakerState: true,
      lastSuccessAt: true,
      lastErrorAt: true,
      lastError: true,
      version: true,
    },
  })
}

export async function listIntegrationKeys() {
  return prisma.integration.findMany({ select: { key: true, name: true }, orderBy: { key: 'asc' } })
}

// ─── Runs ───────────────────────────────────────────────────────────────────────────────────────────────────────

/** Keyset cursor `<iso>|<id>` over (time desc, id desc); anything malformed means "first page". */
function keyset<Field extends string>(field: Field, before: string | undefined) {
  const [at, id] = before?.split('|') ?? []
  if (!at || !id || Number.isNaN(Date.parse(at))) return {}
  const date = new Date(at)
  return { OR: [{ [field]: { lt: date } }, { [field]: date, id: { lt: field === 'finishedAt' && /^\d+$/.test(id) ? BigInt(id) : id } }] }
}

export async function listSyncRuns(input: { key: IntegrationKey; before?: string; take: number }) {
  const rows = await prisma.syncRun.findMany({
    where: { integration: { key: input.key }, ...(keyset('startedAt', input.before) as Prisma.SyncRunWhereInput) },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: input.take + 1,
    select: {
      id: true,
      kind: true,
      status: true,
      jobId: true,
      startedAt: true,
      finishedAt: true,
      itemsSeen: true,
      itemsCreated: true,
      itemsUpdated: true,
      itemsSkipped: true,
      itemsFailed: true,
      error: true,
    },
  })
  const page = rows.slice(0, input.take)
  const last = page.at(-1)
  return {
    rows: page.map((row) => ({
      ...row,
      startedAt: row.startedAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    })),
    nextCursor: rows.length > input.take && last ? `${last.startedAt.toISOString()}|${last.id}` : null,
  }
}

// ─── Job runs: failures and search ──────────────────────────────────────────────────────────────────────────────

export const JOB_FILTERS = ['problems', 'failed', 'retrying', 'rate_limited', 'all'] as const
export type JobFilter = (typeof JOB_FILTERS)[number]

const JOB_RUN_SELECT = {
  id: true,
  queue: true,
  jobId: true,
  name: true,
  attempt: true,
  status: true,
  durationMs: true,
  summary: true,
  error: true,
  request: true,
  response: true,
  finishedAt: true,
} as const satisfies Prisma.JobRunSelect

export type JobRunRow = {
  id: string
  jobId: string
  name: string
  attempt: number
  status: JobRunStatus
  durationMs: number
  summary: string | null
  error: string | null
  request: Prisma.JsonValue
  response: Prisma.JsonValue
  finishedAt: string
}

function toJobRow(row: Prisma.JobRunGetPayload<{ select: typeof JOB_RUN_SELECT }>): JobRunRow {
  return { ...row, id: String(row.id), finishedAt: row.finishedAt.toISOString() }
}

function statusWhere(filter: JobFilter): Prisma.JobRunWhereInput {
  if (filter === 'problems') return { status: { in: ['failed', 'retrying'] } }
  if (filter === 'all') return {}
  return { status: filter }
}

/** Attempts of this integration's jobs, newest first (keyset on finishedAt, id). Default: failures and retries. */
export async function listJobRuns(input: { key: IntegrationKey; filter: JobFilter; before?: string; take: number }) {
  const rows = await prisma.jobRun.findMany({
    where: { integration: input.key, ...statusWhere(input.filter), ...(keyset('finishedAt', input.before) as Prisma.JobRunWhereInput) },
    orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
    take: input.take + 1,
    select: JOB_RUN_SELECT,
  })
  const page = rows.slice(0, input.take)
  const last = page.at(-1)
  return { rows: page.map(toJobRow), nextCursor: rows.length > input.take && last ? `${last.finishedAt.toISOString()}|${last.id}` : null }
}

export const SEARCH_LIMIT = 50

/**
 * Job search (what bull-board users ask for): `q` is tried as
 *   - a job id (exact, this integration's queue);
 *   - a record: an order number (#500001), a ticket number (#1234 when no such order), a return number (RMA-10001),
 *     a SKU, or any record id —
 *     through RecordLink, whose source is a job (`<queue>/<jobId>`) or a webhook (WebhookEvent.id → its job);
 *   - text: a fragment of the error (trigram index) or of the summary.
 * Answers the matching attempts (newest first) and how the query was understood.
 */
export async function searchJobs(input: { key: IntegrationKey; q: string }) {
  const q = input.q.trim()
  const queue = integrationQueueName(input.key)
  const matched: string[] = []

  const byId = await prisma.jobRun.findMany({
    where: { integration: input.key, jobId: q },
    orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
    take: SEARCH_LIMIT,
    select: JOB_RUN_SELECT,
  })
  if (byId.length > 0) return { matchedBy: ['job id'], rows: byId.map(toJobRow) }

  // Which records `q` names.
  const entities: Array<{ entityType: string; entityId: string }> = [{ entityType: 'any', entityId: q }]
  if (/^#?\d+$/.test(q)) {
    const number = q.startsWith('#') ? q : `#${q}`
    const order = await prisma.order.findUnique({ where: { number }, select: { id: true } })
    if (order) {
      entities.push({ entityType: 'order', entityId: order.id })
      matched.push(`order ${number}`)
    } else if (Number(q.replace('#', '')) <= 2_147_483_647) {
      const ticket = await prisma.ticket.findUnique({ where: { number: Number(q.replace('#', '')) }, select: { id: true } })
      if (ticket) {
        entities.push({ entityType: 'ticket', entityId: ticket.id })
        matched.push(`ticket ${number}`)
      }
    }
  }
  if (/^RMA-/i.test(q)) {
    // A return (the carrier's return-label jobs link it); "rma-10001" is RMA-10001.
    const ret = await prisma.return.findUnique({ where: { number: /^RMA-\d+$/i.test(q) ? q.toUpperCase() : q }, select: { id: true, number: true } })
    if (ret) {
      entities.push({ entityType: 'return', entityId: ret.id })
      matched.push(`return ${ret.number}`)
    }
  }
  const variant = await prisma.productVariant.findUnique({ where: { sku: q.toUpperCase() }, select: { id: true, sku: true } })
  if (variant) {
    entities.push({ entityType: 'sku', entityId: variant.sku }, { entityType: 'sku', entityId: variant.id })
    matched.push(`SKU ${variant.sku}`)
  }
  const links = await prisma.recordLink.findMany({
    where: {
      OR: [
        { entityId: q },
        ...entities.filter((entity) => entity.entityType !== 'any').map((entity) => ({ entityType: entity.entityType, entityId: entity.entityId })),
      ],
    },
    orderBy: { createdAt: 'desc' },
    take: 200,
    select: { sourceType: true, sourceId: true },
  })
  const jobKeys = new Set<string>()
  for (const link of links) {
    if (link.sourceType === 'job' && link.sourceId.startsWith(`${queue}/`)) jobKeys.add(link.sourceId.slice(queue.length + 1))
    if (link.sourceType === 'webhook') jobKeys.add(jobIds.webhook(link.sourceId))
  }
  if (links.length > 0 && matched.length === 0) matched.push('record id')

  const textMatch = q.length >= 3
  const rows = await prisma.jobRun.findMany({
    where: {
      integration: input.key,
      OR: [
        ...(jobKeys.size > 0 ? [{ jobId: { in: [...jobKeys] } }] : []),
        // ILIKE '%…%' on error uses the trigram index (JobRun_error_trgm_idx).
        ...(textMatch ? [{ error: { contains: q, mode: 'insensitive' as const } }, { summary: { contains: q, mode: 'insensitive' as const } }] : []),
      ],
    },
    orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
    take: SEARCH_LIMIT,
    select: JOB_RUN_SELECT,
  })
  if (jobKeys.size === 0 && !textMatch) return { matchedBy: matched, rows: [] }
  if (textMatch) matched.push('error or summary text')
  return { matchedBy: matched, rows: rows.map(toJobRow) }
}

/** Attempts per minute over the last hour, completed vs failed (pre-aggregated for the chart: ≤ 60 points). */
export async function getThroughputSeries(key: IntegrationKey, now = new Date()) {
  const since = new Date(now.getTime() - 60 * 60_000)
  const rows = await prisma.$queryRaw<Array<{ minute: Date; ok: bigint; failed: bigint; limited: bigint }>>`
    select date_trunc('minute', "finishedAt") as minute,
           count(*) filter (where status = 'completed') as ok,
           count(*) filter (where status in ('failed', 'retrying')) as failed,
           count(*) filter (where status = 'rate_limited') as limited
      from "JobRun"
     where integration = ${key}::"IntegrationKey" and "finishedAt" >= ${since} and "finishedAt" <= ${now}
     group by 1 order by 1`
  const byMinute = new Map(rows.map((row) => [row.minute.getTime(), row]))
  const start = Math.floor(since.getTime() / 60_000) * 60_000 + 60_000
  return Array.from({ length: 60 }, (_, index) => {
    const minute = start + index * 60_000
    const row = byMinute.get(minute)
    return { at: new Date(minute).toISOString(), ok: Number(row?.ok ?? 0), failed: Number(row?.failed ?? 0), limited: Number(row?.limited ?? 0) }
  })
}

// ─── Actions ────────────────────────────────────────────────────────────────────────────────────────────────────

function queueFailure(error: unknown): ActionFailure {
  if (error instanceof QueueUnavailableError) return { ok: false, status: 503, message: `The queue is unavailable: ${error.message}` }
  throw error
}

/** "Sync now": an incremental pull of every resource, right away; refused while a person has paused it. */
export async function syncNow(key: IntegrationKey, actor: Actor) {
  const integration = await prisma.integration.findUnique({ where: { key }, select: { id: true, enabled: true, name: true } })
  if (!integration) return { ok: false, status: 404, message: 'No such integration.' } satisfies ActionFailure
  if (!integration.enabled) {
    return { ok: false, status: 409, message: `${integration.name} is paused. Resume it first; a sync would only wait in its queue.` } satisfies ActionFailure
  }
  let jobs: Awaited<ReturnType<typeof enqueueSyncNow>>
  try {
    jobs = await enqueueSyncNow(key)
  } catch (error) {
    return queueFailure(error)
  }
  await recordAudit(prisma, {
    actorId: actor.id,
    action: 'update:integration.sync',
    entityType: 'Integration',
    entityId: integration.id,
    after: { key, jobIds: jobs.map((job) => job.id ?? null) },
    ip: actor.ip,
    requestId: actor.requestId,
  })
  return { ok: true as const, name: integration.name }
}

/**
 * Pause: the row first (the engine's breaker reads `enabled` and never resumes a person's pause), then the queue
 * (no job starts; running ones finish). Resume: the row, then the queue — unless the breaker is open, in which case
 * the queue stays paused and the breaker's next successful probe resumes it.
 */
export async function setIntegrationPaused(input: { key: IntegrationKey; paused: boolean }, actor: Actor) {
  const result = await prisma.$transaction(async (tx) => {
    const current = await tx.integration.findUnique({
      where: { key: input.key },
      select: { id: true, name: true, enabled: true, pausedAt: true, breakerState: true },
    })
    if (!current) return { ok: false, status: 404, message: 'No such integration.' } satisfies ActionFailure
    if (current.enabled === !input.paused) {
      return { ok: false, status: 409, message: `${current.name} is already ${input.paused ? 'paused' : 'running'}.` } satisfies ActionFailure
    }
    const now = new Date()
    await tx.integration.update({
      where: { id: current.id },
      data: input.paused
        ? { enabled: false, pausedAt: now, pausedById: actor.id, version: { increment: 1 } }
        : { enabled: true, pausedAt: null, pausedById: null, version: { increment: 1 } },
      select: { id: true },
    })
    await recordAudit(tx, {
      actorId: actor.id,
      action: input.paused ? 'update:integration.pause' : 'update:integration.resume',
      entityType: 'Integration',
      entityId: current.id,
      before: { enabled: current.enabled, pausedAt: current.pausedAt?.toISOString() ?? null },
      after: { enabled: !input.paused, pausedAt: input.paused ? now.toISOString() : null },
      ip: actor.ip,
      requestId: actor.requestId,
    })
    return { ok: true as const, name: current.name, breakerOpen: current.breakerState === 'open' }
  })
  if (!result.ok) return result
  try {
    const queue = getIntegrationQueue(input.key)
    if (input.paused) await queue.pause()
    else if (!result.breakerOpen) await queue.resume()
  } catch (error) {
    // The row is the truth and the engine re-applies it to the queue; say the queue part did not happen yet.
    return { ...result, queueError: error instanceof Error ? error.message : String(error) }
  }
  return { ...result, queueError: null }
}
