import type { Job } from 'bullmq'
import { evaluateClock, sweepSlaClocks } from '#app/models/sla/clock.server.ts'
import { parseSlaJob, type SlaJobData } from '#app/queues/sla.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'

/**
 * The `sla` queue's jobs (docs/decisions/0007-sla-engine.md): a clock's `warning` / `deadline` timer evaluates that
 * clock now (a timer whose instant has moved, or whose clock was stopped or removed, does nothing), and the scheduled
 * `sweep` evaluates every clock whose instant passed unrecorded and re-schedules timers due soon.
 * `now` is injectable for tests; in production it is the wall clock.
 */
export function createSlaProcessor(log: Logger, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date())
  return async function processSlaJob(job: Job<SlaJobData>) {
    const parsed = parseSlaJob(job.name, job.data)
    if (parsed.kind === 'sweep') {
      const result = await sweepSlaClocks(now())
      if (result.breached || result.warned) {
        // Each one is a timer that did not do its job (lost, early, or never scheduled): worth seeing in the logs.
        log.warn({ job: job.id, ...result }, `sla sweep recorded ${result.breached} breach(es) and ${result.warned} warning(s) its timers missed`)
      }
      return result
    }
    const outcome = await evaluateClock(parsed.clockId, now())
    if (outcome) log.info({ job: job.id, clockId: parsed.clockId, outcome }, `sla ${outcome}`)
    return { clockId: parsed.clockId, outcome }
  }
}
