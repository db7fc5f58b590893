import { UnrecoverableError } from 'bullmq'
import { z } from 'zod'
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
/**
 * Rules read complete minutes of rollups; evaluating every 10 s announces a breach within ~10 s of its minute
 * closing without re-reading the same minute more than six times.
 */
export const ALERTS_EVALUATION_EVERY_MS = 10_000

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

/** Registers (idempotently, from every worker process) the evaluation schedule. */
export async function scheduleAlertJobs(everyMs = ALERTS_EVALUATION_EVERY_MS) {
  await getAlertsQueue().upsertJobScheduler(
    ALERTS_EVALUATION_SCHEDULER_ID,
    { every: everyMs },
    // The next tick is the retry: one attempt, a short history (the scale-out test reads it).
    { name: 'evaluate', data: {}, opts: { attempts: 1, removeOnComplete: { count: 200 }, removeOnFail: { count: 50 } } },
  )
}
