import { UnrecoverableError } from 'bullmq'
import { z } from 'zod'
import { getEnv } from '#app/utils/env.server.ts'
import { createQueue } from './connection.server.ts'

/**
 * The `alerts` queue: the scheduled evaluation of every enabled alert rule (app/models/alert.server.ts). One job
 * scheduler for the whole deployment — `upsertJobScheduler` keeps one scheduler per id however many worker
 * processes register it, and each tick is one job with a deterministic id, so a tick is evaluated once whatever the
 * number of workers. Evaluation is idempotent anyway (partial unique index on open alerts), so a retried or stalled
 * job never fires twice. Worker: workers/alerts/.
 */
export const ALERTS_QUEUE = 'alerts'
export const ALERTS_EVALUATION_SCHEDULER_ID = 'alerts:evaluate'
export const AlertsJobSchemas = {
  evaluate: z.object({}).strict(),
} as const
export type AlertsJobName = keyof typeof AlertsJobSchemas
export type AlertsJobData = z.infer<(typeof AlertsJobSchemas)[AlertsJobName]>

export function getAlertsQueue() {
  return createQueue<AlertsJobData>(ALERTS_QUEUE)
}

export function parseAlertsJob(name: string, data: unknown): { name: AlertsJobName; data: AlertsJobData } {
  if (!(name in AlertsJobSchemas)) throw new UnrecoverableError(`unknown alerts job "${name}"`)
  const result = AlertsJobSchemas[name as AlertsJobName].safeParse(data)
  if (!result.success) {
    throw new UnrecoverableError(`invalid ${name} payload: ${result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'} ${issue.message}`).join('; ')}`)
  }
  return { name: name as AlertsJobName, data: result.data }
}

/**
 * Registers (idempotently, from every worker process) the evaluation schedule: every ALERTS_EVALUATION_SECONDS
 * (default 10 s: rules read complete minutes, so a breach is announced within ~10 s of its minute closing without
 * re-reading the same minute more than six times). `upsertJobScheduler` replaces the interval of an existing
 * scheduler, so a restart with a new value takes effect; NOTE: workers started with different values overwrite each
 * other (the last to start wins) — give every worker the same configuration.
 */
export async function scheduleAlertJobs(everyMs = getEnv().ALERTS_EVALUATION_SECONDS * 1000) {
  await getAlertsQueue().upsertJobScheduler(
    ALERTS_EVALUATION_SCHEDULER_ID,
    { every: everyMs },
    // The next tick is the retry: one attempt, a short history (the scale-out test reads it).
    { name: 'evaluate', data: {}, opts: { attempts: 1, removeOnComplete: { count: 200 }, removeOnFail: { count: 50 } } },
  )
}
