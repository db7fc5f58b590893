import type { Job } from 'bullmq'
import { evaluateAlertRules } from '#app/models/alert.server.ts'
import { checkMetricsFreshness, recordTopSkuStockouts } from '#app/models/alert-signals.server.ts'
import { parseAlertsJob, type AlertsJobData } from '#app/queues/alerts.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'

/**
 * Runs one scheduled evaluation of every enabled rule (after writing the top-SKU stock-out signal), then checks the
 * metrics pipeline is still writing rollups. Fired and resolved alerts are signalled to the web processes
 * by the model (NOTIFY), which push them to the notification centers. A rule that fails to evaluate is logged and
 * the others still run; the job succeeds so the schedule keeps its pace (the next tick tries the rule again).
 */
export function createAlertsProcessor(log: Logger, { instanceId }: { instanceId: string }) {
  return async function processAlertsJob(job: Job<AlertsJobData>) {
    parseAlertsJob(job.name, job.data)
    const startedAt = Date.now()
    const now = new Date()
    // The signals alerts need that the metrics pipeline does not record, then every rule.
    await recordTopSkuStockouts({ now })
    const result = await evaluateAlertRules({ now })
    // Rules hold their state without data: say so when the metrics pipeline itself has stopped.
    await checkMetricsFreshness({ now, runningSince: new Date(Date.now() - process.uptime() * 1000) })
    for (const { ruleId, error } of result.failed) {
      log.warn({ job: job.id, ruleId, err: error }, `alert rule ${ruleId} could not be evaluated: ${(error as Error).message}`)
    }
    if (result.fired.length || result.resolved.length) {
      log.info({ job: job.id, fired: result.fired.length, resolved: result.resolved.length }, 'alerts evaluated')
    }
    return {
      by: instanceId,
      fired: result.fired.length,
      updated: result.updated.length,
      resolved: result.resolved.length,
      failed: result.failed.length,
      ms: Date.now() - startedAt,
    }
  }
}
