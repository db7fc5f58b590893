import { UnrecoverableError } from 'bullmq'
import { z } from 'zod'
import { getEnv } from '#app/utils/env.server.ts'
import { createQueue } from './connection.server.ts'

/**
 * The `system` queue: housekeeping jobs of the platform itself. Payloads carry ids only (never secrets or personal
 * data) and are validated by the processor with the schema below.
 */
export const SYSTEM_QUEUE = 'system'

export const SystemJobSchemas = {
  /** Scheduled every HEARTBEAT_SECONDS: proves scheduler → backend → worker → database, and prunes dead workers. */
  heartbeat: z.object({}).strict(),
  /** Every ~2 s: enqueues transactional-outbox rows still pending (a lost enqueue, a lost Redis, a dead worker). */
  'outbox-relay': z.object({}).strict(),
  /** Every ~5 s: enqueues webhook inbox events left `received` (the web stored them but could not enqueue). */
  'inbox-relay': z.object({}).strict(),
  /** Every ~2 s: probes open circuit breakers whose wait is over (their own queues are paused). */
  'breaker-probe': z.object({}).strict(),
  /** An SLA clock's timer (delayed to its warning point or deadline): evaluates the clock (app/queues/sla.server.ts). */
  'sla-timer': z.object({ clockId: z.string().min(1).max(64), kind: z.enum(['warning', 'deadline']) }).strict(),
  /** Every SLA_SWEEP_EVERY_MS: records warnings/breaches the SLA timers missed, re-schedules timers due soon. */
  'sla-sweep': z.object({}).strict(),
  /** Every INVENTORY_RECONCILE_EVERY_MS: recompute reserved stock from open reservations, repair and report drift. */
  'inventory-reconcile': z.object({}).strict(),
} as const

export type SystemJobName = keyof typeof SystemJobSchemas
export type SystemJobData<Name extends SystemJobName = SystemJobName> = z.infer<(typeof SystemJobSchemas)[Name]>

export const HEARTBEAT_SCHEDULER_ID = 'system:heartbeat'
export const OUTBOX_RELAY_EVERY_MS = 2_000
export const INBOX_RELAY_EVERY_MS = 5_000
export const BREAKER_PROBE_EVERY_MS = 2_000
export const INVENTORY_RECONCILE_EVERY_MS = 10 * 60_000

export function getSystemQueue() {
  return createQueue<SystemJobData>(SYSTEM_QUEUE)
}

/** "Run now" on /inventory: a stock reconciliation right away (one per 10 s however often it is asked). */
export async function enqueueInventoryReconcile() {
  return getSystemQueue().add('inventory-reconcile', {}, { jobId: `inventory-reconcile:manual:${Math.floor(Date.now() / 10_000)}`, attempts: 1, removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } })
}

/** Validates a `system` job; throws a readable error naming the job for an unknown name or a bad payload. */
export function parseSystemJob(name: string, data: unknown): { name: SystemJobName; data: SystemJobData } {
  if (!(name in SystemJobSchemas)) throw new UnrecoverableError(`unknown system job "${name}"`)
  const result = SystemJobSchemas[name as SystemJobName].safeParse(data)
  if (!result.success) {
    throw new UnrecoverableError(`invalid ${name} payload: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`)
  }
  return { name: name as SystemJobName, data: result.data }
}

/**
 * Registers (idempotently, from every worker process) the recurring system jobs. `upsertJobScheduler` keeps one
 * scheduler per id however many processes call it, and updates the interval when HEARTBEAT_SECONDS changes.
 */
export async function scheduleSystemJobs() {
  const every = getEnv().HEARTBEAT_SECONDS * 1000
  await getSystemQueue().upsertJobScheduler(
    HEARTBEAT_SCHEDULER_ID,
    { every },
    {
      name: 'heartbeat',
      data: {},
      // The next beat is never far away: no retries, little history.
      opts: { attempts: 1, removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } },
    },
  )
  // The sync engine's housekeeping (workers/system/sync.ts). Same reasoning: the next tick is the retry.
  const housekeeping = [
    ['outbox-relay', OUTBOX_RELAY_EVERY_MS],
    ['inbox-relay', INBOX_RELAY_EVERY_MS],
    ['breaker-probe', BREAKER_PROBE_EVERY_MS],
    ['inventory-reconcile', INVENTORY_RECONCILE_EVERY_MS],
  ] as const
  for (const [name, every] of housekeeping) {
    await getSystemQueue().upsertJobScheduler(
      `system:${name}`,
      { every },
      { name, data: {}, opts: { attempts: 1, removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } } },
    )
  }
}
