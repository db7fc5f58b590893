import type { DeadLetterStatus, IntegrationKey } from '#app/generated/prisma/enums.ts'
import { createQueue, enqueue } from '#app/queues/connection.server.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { requeueOutboxMessage } from '#app/models/outbox.server.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'

/**
 * Dead letters: jobs that exhausted their retries (written by the engine). People inspect them, replay them (the
 * same name + payload on the same queue, under a fresh job id, so BullMQ does not ignore it as a duplicate of the
 * failed job it still keeps) or discard them. Each action is audited in the transaction that changes the row.
 */

export type Actor = { id: string; ip?: string | null; requestId?: string | null }
export type ActionFailure = { ok: false; status: 404 | 409 | 503; message: string }

export const DEAD_LETTER_STATUSES = ['open', 'replayed', 'discarded'] as const satisfies readonly DeadLetterStatus[]

export type DeadLetterRow = {
  id: string
  queue: string
  jobId: string
  name: string
  payload: Prisma.JsonValue
  error: string
  attempts: number
  failedAt: string
  status: DeadLetterStatus
  resolvedAt: string | null
  resolvedBy: string | null
  request: Prisma.JsonValue
  response: Prisma.JsonValue
}

/** Newest first; keyset on (failedAt, id): `before` is `<iso>|<id>` of the previous page's last row. */
export async function listDeadLetters(input: { integration: IntegrationKey; status: DeadLetterStatus; before?: string; take: number }) {
  const [beforeAt, beforeId] = input.before?.split('|') ?? []
  const cursor =
    beforeAt && beforeId && !Number.isNaN(Date.parse(beforeAt))
      ? { OR: [{ failedAt: { lt: new Date(beforeAt) } }, { failedAt: new Date(beforeAt), id: { lt: beforeId } }] }
      : {}
  const rows = await prisma.deadLetter.findMany({
    where: { integration: input.integration, status: input.status, ...cursor },
    orderBy: [{ failedAt: 'desc' }, { id: 'desc' }],
    take: input.take + 1,
    select: {
      id: true,
      queue: true,
      jobId: true,
      name: true,
      payload: true,
      error: true,
      attempts: true,
      failedAt: true,
      status: true,
      resolvedAt: true,
      resolvedBy: { select: { name: true } },
      request: true,
      response: true,
    },
  })
  const page = rows.slice(0, input.take)
  const last = page.at(-1)
  return {
    rows: page.map(
      (row): DeadLetterRow => ({
        ...row,
        failedAt: row.failedAt.toISOString(),
        resolvedAt: row.resolvedAt?.toISOString() ?? null,
        resolvedBy: row.resolvedBy?.name ?? null,
      }),
    ),
    nextCursor: rows.length > input.take && last ? `${last.failedAt.toISOString()}|${last.id}` : null,
  }
}

const replayJobId = (jobId: string) => `${jobId}-replay-${Date.now()}`

/**
 * Replays one open dead letter. The row is claimed first (open → replayed, conditional, so two people clicking at
 * once replay it once); an effect's outbox row goes back to `pending` and a webhook's inbox row back to `received`
 * so the engine does the work again; then the job is enqueued. If the queue cannot take it, the claim is undone.
 */
export async function replayDeadLetter(input: { id: string; integration?: IntegrationKey }, actor: Actor) {
  const letter = await prisma.deadLetter.findFirst({
    where: { id: input.id, ...(input.integration ? { integration: input.integration } : {}) },
    select: { id: true, queue: true, jobId: true, name: true, payload: true, status: true, version: true },
  })
  if (!letter) return { ok: false, status: 404, message: 'That dead letter does not exist.' } satisfies ActionFailure
  if (letter.status !== 'open') {
    return { ok: false, status: 409, message: `That job was already ${letter.status}. Reload to see its current state.` } satisfies ActionFailure
  }
  const payload = (letter.payload ?? {}) as { outboxId?: unknown; webhookEventId?: unknown }
  const newJobId = replayJobId(letter.jobId)

  const claimed = await prisma.$transaction(async (tx) => {
    const { count } = await tx.deadLetter.updateMany({
      where: { id: letter.id, status: 'open', version: letter.version },
      data: { status: 'replayed', resolvedAt: new Date(), resolvedById: actor.id, version: { increment: 1 } },
    })
    if (count === 0) return false
    if (typeof payload.outboxId === 'string' && /^\d+$/.test(payload.outboxId)) {
      await requeueOutboxMessage(BigInt(payload.outboxId), tx)
    }
    if (typeof payload.webhookEventId === 'string') {
      await tx.webhookEvent.updateMany({ where: { id: payload.webhookEventId, status: 'failed' }, data: { status: 'received' } })
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'update:integration.replay',
      entityType: 'DeadLetter',
      entityId: letter.id,
      before: { status: 'open' },
      after: { status: 'replayed', queue: letter.queue, jobId: newJobId },
      ip: actor.ip,
      requestId: actor.requestId,
    })
    return true
  })
  if (!claimed) return { ok: false, status: 409, message: 'Someone else resolved that job a moment ago. Reload to see it.' } satisfies ActionFailure

  try {
    await enqueue(createQueue(letter.queue), letter.name, letter.payload, { jobId: newJobId })
  } catch (error) {
    await prisma.deadLetter.update({
      where: { id: letter.id },
      data: { status: 'open', resolvedAt: null, resolvedById: null, version: { increment: 1 } },
      select: { id: true },
    })
    return {
      ok: false,
      status: 503,
      message: `The queue is unavailable, nothing was replayed: ${error instanceof Error ? error.message : String(error)}`,
    } satisfies ActionFailure
  }
  return { ok: true as const, jobId: newJobId }
}

export async function discardDeadLetter(input: { id: string; integration?: IntegrationKey }, actor: Actor) {
  return prisma.$transaction(async (tx) => {
    const letter = await tx.deadLetter.findFirst({
      where: { id: input.id, ...(input.integration ? { integration: input.integration } : {}) },
      select: { id: true, status: true },
    })
    if (!letter) return { ok: false, status: 404, message: 'That dead letter does not exist.' } satisfies ActionFailure
    const { count } = await tx.deadLetter.updateMany({
      where: { id: letter.id, status: 'open' },
      data: { status: 'discarded', resolvedAt: new Date(), resolvedById: actor.id, version: { increment: 1 } },
    })
    if (count === 0) return { ok: false, status: 409, message: `That job was already ${letter.status}. Reload to see its current state.` } satisfies ActionFailure
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'update:integration.discard',
      entityType: 'DeadLetter',
      entityId: letter.id,
      before: { status: 'open' },
      after: { status: 'discarded' },
      ip: actor.ip,
      requestId: actor.requestId,
    })
    return { ok: true as const }
  })
}

/** Bounded per click: a flood of dead letters is replayed in batches a person can watch. */
export const RETRY_ALL_LIMIT = 500

/** "Retry failed": replays every open dead letter of an integration (oldest first), up to RETRY_ALL_LIMIT. */
export async function replayOpenDeadLetters(integration: IntegrationKey, actor: Actor) {
  const open = await prisma.deadLetter.findMany({
    where: { integration, status: 'open' },
    orderBy: [{ failedAt: 'asc' }, { id: 'asc' }],
    take: RETRY_ALL_LIMIT,
    select: { id: true },
  })
  let replayed = 0
  for (const { id } of open) {
    const result = await replayDeadLetter({ id, integration }, actor)
    if (result.ok) replayed++
    else if (result.status === 503) return { ok: false as const, status: 503 as const, message: result.message, replayed }
  }
  const remaining = await prisma.deadLetter.count({ where: { integration, status: 'open' } })
  return { ok: true as const, replayed, remaining }
}
