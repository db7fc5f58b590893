import { enqueue } from './connection.server.ts'
import { getSystemQueue } from './system.server.ts'

/**
 * SLA jobs, on the `system` queue (payload schemas `sla-timer` / `sla-sweep` in system.server.ts; processed by
 * workers/sla/processor.ts through the system worker). Not a queue of their own: on BullMQ's PostgreSQL backend every
 * queue costs each worker process a connection pool and a LISTEN connection, and the timers are light.
 *
 * A timer is one delayed job per SLA clock instant (its warning point, its deadline) carrying the clock's id only;
 * the processor re-reads the row and decides from its current state, so a job for an instant that has since moved
 * (pause, re-match) is a harmless no-op. The scheduled sweep repairs whatever a lost or early job missed.
 * Design: docs/decisions/0007-sla-engine.md.
 */
export type SlaTimerKind = 'warning' | 'deadline'

/**
 * A timer never fires sooner than this after it is scheduled: scheduling happens inside the caller's transaction,
 * and a job that ran before the commit would read the old row (the sweep would still catch it, later).
 */
export const SLA_MIN_TIMER_DELAY_MS = 1_000

/** Deterministic per clock, kind and instant (BullMQ 6.7 refuses ":" in custom ids): scheduling twice is a no-op. */
export const slaJobId = (clockId: string, kind: SlaTimerKind, at: Date) => `sla-${clockId}-${kind}-${at.getTime()}`

/** Schedules the job that evaluates `clockId` at `at` (real time; `nowMs` is the caller's clock, for the delay). */
export async function enqueueSlaTimer(clockId: string, kind: SlaTimerKind, at: Date, nowMs = Date.now()) {
  return enqueue(getSystemQueue(), 'sla-timer', { clockId, kind }, {
    jobId: slaJobId(clockId, kind, at),
    delay: Math.max(SLA_MIN_TIMER_DELAY_MS, at.getTime() - nowMs),
    // A timer that fails is retried by BullMQ; one that is lost for good is the sweep's.
    attempts: 3,
    removeOnComplete: { age: 24 * 3600, count: 5_000 },
  })
}

export const SLA_SWEEP_SCHEDULER_ID = 'system:sla-sweep'
/** How often the sweep runs: the worst-case lateness of a warning or breach whose timer was lost. */
export const SLA_SWEEP_EVERY_MS = 15_000

/**
 * Registers (idempotently, from every worker process) the sweep: one scheduler for the deployment, so one sweep per
 * interval whatever the number of workers.
 */
export async function scheduleSlaSweep(everyMs = SLA_SWEEP_EVERY_MS) {
  await getSystemQueue().upsertJobScheduler(
    SLA_SWEEP_SCHEDULER_ID,
    { every: everyMs },
    // The next sweep is the retry: one attempt, a short history.
    { name: 'sla-sweep', data: {}, opts: { attempts: 1, removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } } },
  )
}
