import { evaluateClock, sweepSlaClocks } from '#app/models/sla/clock.server.ts'
import type { SystemJobData } from '#app/queues/system.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'

/**
 * The SLA jobs of the `system` queue (docs/decisions/0007-sla-engine.md), dispatched by workers/system/heartbeat.ts:
 * a clock's `sla-timer` (warning point or deadline) evaluates that clock now — a timer whose instant has moved, or
 * whose clock was stopped or removed, does nothing — and the scheduled `sla-sweep` evaluates every clock whose
 * instant passed unrecorded and re-schedules the timers due soon.
 */
export async function runSlaTimer(data: SystemJobData<'sla-timer'>, log: Logger, now = new Date()) {
  const outcome = await evaluateClock(data.clockId, now)
  if (outcome) log.info({ clockId: data.clockId, timer: data.kind, outcome }, `sla ${outcome}`)
  return { clockId: data.clockId, timer: data.kind, outcome }
}

export async function runSlaSweep(log: Logger, now = new Date()) {
  const result = await sweepSlaClocks(now)
  if (result.breached || result.warned) {
    // Each one is a timer that did not do its job (lost, early, or never scheduled): worth seeing in the logs.
    log.warn(result, `sla sweep recorded ${result.breached} breach(es) and ${result.warned} warning(s) its timers missed`)
  }
  return result
}
