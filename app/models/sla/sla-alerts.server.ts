import type { AlertSeverity, SlaMetric } from '#app/generated/prisma/enums.ts'
import { ensureSystemRule, raiseAlert, resolveAlertsFor } from '#app/models/alert.server.ts'
import type { Prisma } from '#app/utils/db.server.ts'

/**
 * SLA warnings and breaches as alerts (issue 6, "warnings before breach and breaches raise alerts"): when the engine
 * records a warning or a breach (clock.server.ts dbWriter.signal, in the same transaction), the clock's alert fires
 * in the alerts pipeline (app/models/alert.server.ts raiseAlert) — the notification center's bell, /alerts, its
 * history, acknowledge and silence — next to the live `sla.warning` / `sla.breached` socket signals.
 *
 * - Two system rules, created on first use with fixed ids: "SLA warning" (severity warning) and "SLA breached"
 *   (critical). Disabling one on /alerts stops those alerts; their metrics have no rollups, so the periodic
 *   evaluation never fires or resolves them.
 * - One alert per clock (fingerprint `metric=…,subject=…,subjectId=…`): a breach resolves the clock's warning alert;
 *   the clock being met, restarted or cancelled resolves both (a re-matched clock whose breach or warning the new
 *   target undid resolves that one). The SLA history (SlaEvent) keeps every warning and breach regardless.
 */

export const SLA_ALERT_RULES = {
  warning: { id: 'system-sla-warning', name: 'SLA warning', metric: 'sla_warning', severity: 'warning' as AlertSeverity },
  breached: { id: 'system-sla-breached', name: 'SLA breached', metric: 'sla_breached', severity: 'critical' as AlertSeverity },
} as const

type AlertClock = { subjectType: string; subjectId: string; ticketId: string | null; metric: SlaMetric; dueAt: Date; breachedAt: Date | null; warnedAt: Date | null }

export function slaAlertFingerprint(clock: Pick<AlertClock, 'subjectType' | 'subjectId' | 'metric'>) {
  // Label values may not contain ',' or '=' (alert.server.ts parseLabels); ids and subject types do not.
  return `metric=${clock.metric},subject=${clock.subjectType},subjectId=${clock.subjectId}`
}

const METRIC_WORDS: Record<SlaMetric, string> = { first_response: 'first response', next_response: 'next response', resolution: 'resolution' }

async function describeSubject(tx: Prisma.TransactionClient, clock: AlertClock) {
  if (clock.ticketId) {
    const ticket = await tx.ticket.findUnique({ where: { id: clock.ticketId }, select: { number: true, subject: true } })
    if (ticket) return `Ticket #${ticket.number} “${ticket.subject.slice(0, 80)}”`
  }
  return `${clock.subjectType[0]!.toUpperCase()}${clock.subjectType.slice(1)} ${clock.subjectId}`
}

const utc = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`

/** Fires the clock's warning or breach alert (in the engine's transaction). */
export async function raiseSlaAlert(tx: Prisma.TransactionClient, clock: AlertClock, kind: 'warning' | 'breached', now: Date) {
  const fingerprint = slaAlertFingerprint(clock)
  if (kind === 'breached') await resolveAlertsFor(tx, { ruleIds: [SLA_ALERT_RULES.warning.id], fingerprint, now })
  const rule = await ensureSystemRule(tx, SLA_ALERT_RULES[kind])
  if (!rule) return null
  const what = `${METRIC_WORDS[clock.metric]} SLA`
  const message =
    kind === 'breached'
      ? `${await describeSubject(tx, clock)}: ${what} breached (was due ${utc(clock.dueAt)})`
      : `${await describeSubject(tx, clock)}: ${what} due ${utc(clock.dueAt)}`
  return raiseAlert(tx, { ruleId: rule.id, fingerprint, value: 1, message, now })
}

/** After a clock event: resolves the alerts whose condition the event ended (see the module comment). */
export async function resolveSlaAlerts(tx: Prisma.TransactionClient, clock: AlertClock, event: string, now: Date) {
  const ended =
    event === 'satisfied' || event === 'cancelled' || event === 'restarted'
      ? [SLA_ALERT_RULES.warning.id, SLA_ALERT_RULES.breached.id]
      : event === 'rematched'
        ? [...(clock.warnedAt ? [] : [SLA_ALERT_RULES.warning.id]), ...(clock.breachedAt ? [] : [SLA_ALERT_RULES.breached.id])]
        : []
  if (ended.length > 0) await resolveAlertsFor(tx, { ruleIds: ended, fingerprint: slaAlertFingerprint(clock), now })
}
