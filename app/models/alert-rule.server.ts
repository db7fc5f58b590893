import { Prisma } from '#app/generated/prisma/client.ts'
import { prisma, type Db } from '#app/utils/db.server.ts'
import { asScope, notifyAlertsChanged, type RequestAudit } from './alert.server.ts'
import { findAlertMetric, type AlertRuleField, type AlertRuleInput } from './alert-rules.ts'
import { recordAudit } from './audit.server.ts'

/**
 * Alert rules: list, create, edit (version-checked), enable/disable — each change audited in its own transaction
 * and signalled to open pages (`alerts.changed` with change 'rules').
 */

export type Actor = { id: string } & RequestAudit

const RULE_SELECT = {
  id: true,
  name: true,
  metric: true,
  condition: true,
  threshold: true,
  durationSeconds: true,
  severity: true,
  enabled: true,
  scope: true,
  version: true,
  updatedAt: true,
  createdBy: { select: { name: true } },
} as const

export async function listAlertRules() {
  const rules = await prisma.alertRule.findMany({ select: RULE_SELECT, orderBy: [{ enabled: 'desc' }, { name: 'asc' }, { id: 'asc' }] })
  const open = await prisma.alert.groupBy({ by: ['ruleId'], where: { status: { not: 'resolved' } }, _count: { _all: true } })
  const openByRule = new Map(open.map((row) => [row.ruleId, row._count._all]))
  return rules.map((rule) => ({ ...rule, scope: asScope(rule.scope), openAlerts: openByRule.get(rule.id) ?? 0 }))
}

export async function getAlertRule(id: string) {
  const rule = await prisma.alertRule.findUnique({ where: { id }, select: RULE_SELECT })
  return rule ? { ...rule, scope: asScope(rule.scope) } : null
}

export type RuleFailure = { ok: false; status: 400 | 404 | 409; fieldErrors?: Partial<Record<AlertRuleField, string>>; message: string }

/** The quantile suffixes `readRollupMetric` understands (alert.server.ts). */
const QUANTILE_SUFFIX = /_p(50|90|95|99)$/

/**
 * A metric a rule may watch: one of ALERT_METRICS, or a metric the processes already roll up (so a new metric
 * can be alerted on before the catalog names it). A `_pNN` name needs its histogram metric to exist.
 */
export async function isKnownMetric(metric: string) {
  if (findAlertMetric(metric)) return true
  const base = metric.replace(QUANTILE_SUFFIX, '')
  const row = await prisma.metricRollup.findFirst({
    where: { metric: base, ...(base !== metric ? { histogram: { not: Prisma.DbNull } } : {}) },
    select: { id: true },
  })
  return row !== null
}

/** The checks that need more than the form schema: the metric exists and the scope names its labels. */
async function validateRule(input: AlertRuleInput): Promise<RuleFailure | null> {
  if (!(await isKnownMetric(input.metric))) {
    return { ok: false, status: 400, fieldErrors: { metric: `Unknown metric “${input.metric}”: choose one from the list` }, message: 'Check the highlighted fields.' }
  }
  const known = findAlertMetric(input.metric)
  const unknownLabel = known ? Object.keys(input.scope).find((key) => !known.labels.includes(key)) : undefined
  if (known && unknownLabel) {
    const allowed = known.labels.length ? `it has ${known.labels.join(', ')}` : 'it has no labels'
    return { ok: false, status: 400, fieldErrors: { scope: `${known.label} has no label “${unknownLabel}” (${allowed})` }, message: 'Check the highlighted fields.' }
  }
  return null
}

function ruleData(input: AlertRuleInput) {
  return {
    name: input.name,
    metric: input.metric,
    condition: input.condition,
    threshold: input.threshold,
    durationSeconds: input.durationSeconds,
    severity: input.severity,
    enabled: input.enabled,
    scope: input.scope as Prisma.InputJsonValue,
  }
}

export async function createAlertRule(input: AlertRuleInput, actor: Actor) {
  const failure = await validateRule(input)
  if (failure) return failure
  return prisma.$transaction(async (tx) => {
    const rule = await tx.alertRule.create({ data: { ...ruleData(input), createdById: actor.id }, select: RULE_SELECT })
    await recordAudit(tx, { actorId: actor.id, action: 'create:alert.rule', entityType: 'alert_rule', entityId: rule.id, after: ruleData(input), requestId: actor.requestId, ip: actor.ip })
    await notifyAlertsChanged(tx, 'rules', [])
    return { ok: true as const, rule }
  })
}

/**
 * Edits a rule if nobody changed it since `expectedVersion`. Disabling resolves its open alerts (nothing would
 * evaluate them any more); an edited enabled rule keeps its open alerts, which the next evaluation fires on or resolves
 * under the new condition.
 */
export async function updateAlertRule(id: string, expectedVersion: number, input: AlertRuleInput, actor: Actor, { now = new Date() } = {}) {
  const failure = await validateRule(input)
  if (failure) return failure
  return prisma.$transaction(async (tx) => {
    const before = await tx.alertRule.findUnique({ where: { id }, select: RULE_SELECT })
    if (!before) return { ok: false as const, status: 404 as const, message: 'Alert rule not found.' }
    const { count } = await tx.alertRule.updateMany({ where: { id, version: expectedVersion }, data: { ...ruleData(input), version: { increment: 1 } } })
    if (count === 0) return staleRule()
    const resolved = input.enabled ? [] : await resolveOpenAlertsOf(tx, id, now)
    const rule = await tx.alertRule.findUniqueOrThrow({ where: { id }, select: RULE_SELECT })
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'update:alert.rule',
      entityType: 'alert_rule',
      entityId: id,
      before: auditable(before),
      after: { ...auditable(rule), resolvedAlerts: resolved },
      requestId: actor.requestId,
      ip: actor.ip,
    })
    await notifyAlertsChanged(tx, 'rules', [])
    if (resolved.length) await notifyAlertsChanged(tx, 'resolved', resolved)
    return { ok: true as const, rule }
  })
}

/** Enables or disables a rule (the list's switch), version-checked like an edit. */
export async function setAlertRuleEnabled(id: string, expectedVersion: number, enabled: boolean, actor: Actor, { now = new Date() } = {}) {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.alertRule.updateMany({ where: { id, version: expectedVersion }, data: { enabled, version: { increment: 1 } } })
    if (count === 0) {
      const exists = await tx.alertRule.findUnique({ where: { id }, select: { id: true } })
      return exists ? staleRule() : { ok: false as const, status: 404 as const, message: 'Alert rule not found.' }
    }
    const resolved = enabled ? [] : await resolveOpenAlertsOf(tx, id, now)
    const rule = await tx.alertRule.findUniqueOrThrow({ where: { id }, select: RULE_SELECT })
    await recordAudit(tx, {
      actorId: actor.id,
      action: enabled ? 'enable:alert.rule' : 'disable:alert.rule',
      entityType: 'alert_rule',
      entityId: id,
      before: { enabled: !enabled, version: expectedVersion },
      after: { enabled, version: rule.version, resolvedAlerts: resolved },
      requestId: actor.requestId,
      ip: actor.ip,
    })
    await notifyAlertsChanged(tx, 'rules', [])
    if (resolved.length) await notifyAlertsChanged(tx, 'resolved', resolved)
    return { ok: true as const, rule }
  })
}

function staleRule() {
  return { ok: false as const, status: 409 as const, message: 'Someone changed this rule since you opened it; reload and try again.' }
}

function auditable(rule: { name: string; metric: string; condition: string; threshold: number; durationSeconds: number; severity: string; enabled: boolean; scope: unknown; version: number }) {
  const { name, metric, condition, threshold, durationSeconds, severity, enabled, scope, version } = rule
  return { name, metric, condition, threshold, durationSeconds, severity, enabled, scope: scope as Prisma.InputJsonValue, version }
}

async function resolveOpenAlertsOf(db: Db, ruleId: string, now: Date) {
  const open = await db.alert.findMany({ where: { ruleId, status: { not: 'resolved' } }, select: { id: true } })
  if (open.length === 0) return []
  await db.alert.updateMany({ where: { id: { in: open.map((alert) => alert.id) }, status: { not: 'resolved' } }, data: { status: 'resolved', resolvedAt: now, version: { increment: 1 } } })
  return open.map((alert) => alert.id)
}
