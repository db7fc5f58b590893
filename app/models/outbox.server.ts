import type { OutboxStatus } from '#app/generated/prisma/enums.ts'
import { enqueueEffect, integrationOfTopic } from '#app/queues/integrations.server.ts'
import { prisma, type Db, type Prisma } from '#app/utils/db.server.ts'

/**
 * The transactional outbox (DESIGN.md "Data"): an outbound effect (capture, refund, label, stock push, reply) is a
 * row written in the same transaction as the business change, so it exists exactly when the change does. After the
 * commit the caller hands the ids to dispatchOutbox() (fast path); the worker's relay re-enqueues any row still
 * pending (Redis was down, the process died between commit and enqueue). The job id is `outbox-<id>`, so the fast
 * path and the relay never make two jobs, and the provider call carries the row's deterministic idempotencyKey, so
 * even a job that runs twice (a worker killed after the call, before marking `sent`) has one effect.
 */

/** Effect topics and their payloads (ids only): CONTRACTS-3.md section C. */
export type OutboxTopic =
  | 'payments.capture'
  | 'payments.refund'
  | 'payments.void'
  | 'carrier.create-shipment'
  | 'carrier.return-label'
  | 'warehouse.adjust'
  | 'helpdesk.reply'

/** Time the fast path has before the relay also picks a new row up (the relay's enqueue is a no-op if both run). */
const DISPATCH_GRACE_MS = 5_000
/** After the relay enqueues a row it leaves it alone this long (the job is queued; the queue may be paused). */
const RELAY_LEASE_MS = 30_000

export type AddOutboxMessageInput = {
  topic: OutboxTopic
  /** Ids only, e.g. `{ paymentId }`. */
  payload: Record<string, string | number>
  /** Deterministic, e.g. `capture-<paymentId>`: the same business effect always gets the same key. */
  idempotencyKey: string
}

/**
 * Records an effect inside the caller's business transaction (`db` = the transaction client). Adding the same
 * idempotencyKey twice returns the existing row (the effect is the same effect), so a retried action is safe.
 * Returns the row id to pass to dispatchOutbox() after the commit.
 */
export async function addOutboxMessage(db: Db, input: AddOutboxMessageInput): Promise<bigint> {
  if (!integrationOfTopic(input.topic)) throw new Error(`outbox topic "${input.topic}" names no integration`)
  const [row] = await db.$queryRaw<Array<{ id: bigint }>>`
    INSERT INTO "OutboxMessage" ("topic", "payload", "idempotencyKey", "availableAt")
    VALUES (${input.topic}, ${JSON.stringify(input.payload)}::jsonb, ${input.idempotencyKey}, now() + ${DISPATCH_GRACE_MS} * interval '1 millisecond')
    ON CONFLICT ("idempotencyKey") DO UPDATE SET "idempotencyKey" = EXCLUDED."idempotencyKey"
    RETURNING "id"`
  return row!.id
}

/**
 * After the commit: enqueues the effects now. Never throws: an id that cannot be enqueued (queue backend down)
 * stays pending and the relay enqueues it within seconds. Returns how many were enqueued.
 */
export async function dispatchOutbox(ids: Array<bigint | string>): Promise<number> {
  if (ids.length === 0) return 0
  const rows = await prisma.outboxMessage.findMany({
    where: { id: { in: ids.map((id) => BigInt(id)) }, status: { in: ['pending', 'processing'] } },
    select: { id: true, topic: true },
  })
  let enqueued = 0
  for (const row of rows) {
    const key = integrationOfTopic(row.topic)
    if (!key) continue
    try {
      await enqueueEffect(key, row.id)
      enqueued++
    } catch {
      // The relay picks it up (the row is durable); the caller's request does not fail for it.
    }
  }
  return enqueued
}

/**
 * The relay (a system job every ~2 s): claims due rows that are pending, or processing for longer than the lease
 * (their worker died, or Redis lost the job), pushes their availableAt out by the lease and enqueues them. A failed
 * enqueue puts the row back to due at once. `FOR UPDATE SKIP LOCKED` lets several workers relay without overlap.
 */
export async function relayOutbox(limit = 500): Promise<{ enqueued: number; failed: number }> {
  const rows = await prisma.$queryRaw<Array<{ id: bigint; topic: string }>>`
    UPDATE "OutboxMessage" SET "availableAt" = now() + ${RELAY_LEASE_MS} * interval '1 millisecond'
     WHERE "id" IN (
       SELECT "id" FROM "OutboxMessage"
        WHERE "status" IN ('pending', 'processing') AND "availableAt" <= now()
        ORDER BY "availableAt", "id"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
    RETURNING "id", "topic"`
  let enqueued = 0
  const failedIds: bigint[] = []
  for (const row of rows) {
    const key = integrationOfTopic(row.topic)
    if (!key) {
      await markOutboxFailed(row.id, `outbox topic "${row.topic}" names no integration`)
      continue
    }
    try {
      await enqueueEffect(key, row.id)
      enqueued++
    } catch {
      failedIds.push(row.id)
    }
  }
  if (failedIds.length) await prisma.outboxMessage.updateMany({ where: { id: { in: failedIds } }, data: { availableAt: new Date() } })
  return { enqueued, failed: failedIds.length }
}

export type OutboxRow = { id: bigint; topic: string; payload: Prisma.JsonValue; idempotencyKey: string; status: OutboxStatus }

/**
 * The effect job starts: returns the row (null when unknown) and counts the attempt. A row already `sent` is
 * returned as is and the job does nothing (a duplicate job is a no-op). The lease keeps the relay from re-enqueueing
 * a row whose job is running.
 */
export async function beginOutboxAttempt(id: bigint): Promise<OutboxRow | null> {
  const [row] = await prisma.$queryRaw<OutboxRow[]>`
    UPDATE "OutboxMessage"
       SET "status" = CASE WHEN "status" = 'sent' THEN "status" ELSE 'processing'::"OutboxStatus" END,
           "attempts" = CASE WHEN "status" = 'sent' THEN "attempts" ELSE "attempts" + 1 END,
           "availableAt" = now() + ${RELAY_LEASE_MS} * interval '1 millisecond'
     WHERE "id" = ${id}
    RETURNING "id", "topic", "payload", "idempotencyKey", "status"`
  return row ?? null
}

export async function markOutboxSent(id: bigint) {
  await prisma.outboxMessage.update({ where: { id }, data: { status: 'sent', processedAt: new Date(), lastError: null } })
}

/** A failed attempt that will be retried: the error is kept for the health page, the row stays processing. */
export async function noteOutboxError(id: bigint, error: string) {
  await prisma.outboxMessage.updateMany({ where: { id, status: { not: 'sent' } }, data: { lastError: error.slice(0, 2_000) } })
}

/** Dead: the job exhausted its attempts or failed permanently (a DeadLetter row says why; replay sets it pending). */
export async function markOutboxFailed(id: bigint, error: string) {
  await prisma.outboxMessage.updateMany({
    where: { id, status: { not: 'sent' } },
    data: { status: 'failed', processedAt: new Date(), lastError: error.slice(0, 2_000) },
  })
}

/**
 * Replay of a failed effect (dead-letter replay, inside its transaction): pending again and due now; the relay or
 * the caller enqueues it. A row already sent stays sent.
 */
export async function requeueOutboxMessage(id: bigint, db: Db = prisma) {
  const moved = await db.outboxMessage.updateMany({
    where: { id, status: { not: 'sent' } },
    data: { status: 'pending', availableAt: new Date(), processedAt: null, lastError: null },
  })
  return moved.count === 1
}
