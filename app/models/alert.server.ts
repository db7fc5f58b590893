import { randomUUID } from 'node:crypto'
import type { AlertCondition, AlertSeverity, AlertStatus, Prisma } from '#app/generated/prisma/client.ts'
import { Histogram } from '#app/metrics/histogram.ts'
import type { AlertsChanged } from '#app/realtime/events.ts'
import { prisma, type Db } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { alertMessage, durationInWords } from './alert-rules.ts'
import { activeSilences, signalSilenceBoundaries, silenceFor, type ActiveSilence } from './alert-silence.server.ts'
import { recordAudit } from './audit.server.ts'

export { alertMessage, durationInWords }

/**
 * Alert rules and alerts (issue 7): evaluation of every enabled rule against minute rollups, de-duplicated firing,
 * self-resolution, acknowledgement and silencing.
 *
 * Evaluation model
 * - Time is in whole minutes: a MetricRollup row's `bucket` is the start of its minute. At `now`, the window of a
 *   rule is the last ⌈durationSeconds / 60⌉ COMPLETE minutes (at least one); the minute `now` is in is still being
 *   written by the processes and is ignored.
 * - A series (one label set matching the rule's scope) BREACHES when every minute of the window has a value and
 *   every value satisfies the condition — a one-minute spike under a three-minute rule never fires, and a gap in the
 *   data is not a breach.
 * - The series' label key is the alert's fingerprint, so one rule with scope {} watches each label set apart
 *   (`integration=payments` and `integration=shipping` fire separately); '' for an unlabelled series.
 * - Fire = insert a `firing` alert. At most one unresolved alert exists per rule + fingerprint (partial unique index
 *   `Alert_unresolved_per_rule_key`); the insert is `ON CONFLICT … DO UPDATE`, so repeated or concurrent
 *   evaluations update the open alert's value and message instead of adding a row.
 * - Resolve = the latest complete minute has a value and it does not satisfy the condition: the open alert (firing,
 *   acknowledged or silenced) becomes `resolved`. A later breach inserts a NEW alert; resolved rows are history.
 * - No data in the latest minute holds the alert's state (neither fires nor resolves): absence is not recovery.
 *
 * Silencing: an open alert is silenced while its own `silencedUntil` (the notification center's "silence for…") is
 * ahead, or while an active silence's label matchers match it (alert-silence.server.ts). Silencing changes what is
 * announced, never what is evaluated: a silenced alert fires, de-duplicates and resolves as usual, but a silenced
 * firing is signalled as 'silenced' (pages re-read, nothing asks for attention) and the badge does not count it.
 */

export type AlertRuleForEvaluation = {
  id: string
  name: string
  metric: string
  condition: AlertCondition
  threshold: number
  durationSeconds: number
  scope: Record<string, string>
}

export type MetricPoint = { at: Date; value: number }
/** One label set's values, oldest first; `labels` is the canonical key (`k=v` pairs sorted, joined by ','). */
export type MetricSeries = { labels: string; points: MetricPoint[] }
/** Returns the rule's metric over [from, to) for its scope: one series per label set, one point per minute. */
export type MetricReader = (rule: AlertRuleForEvaluation, from: Date, to: Date) => Promise<MetricSeries[]>

const MINUTE_MS = 60_000

/** Rule metrics ending in one of these read the histogram of the metric without the suffix. */
const QUANTILE_SUFFIXES: Record<string, number> = { _p50: 0.5, _p90: 0.9, _p95: 0.95, _p99: 0.99 }

/** Parses a canonical label key (`a=1,b=2`) into pairs. NOTE: the key format has no escaping; values must not contain ',' or '='. */
export function parseLabels(key: string): Record<string, string> {
  const labels: Record<string, string> = {}
  if (key === '') return labels
  for (const pair of key.split(',')) {
    const at = pair.indexOf('=')
    if (at > 0) labels[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return labels
}

function matchesScope(labels: string, scope: Record<string, string>) {
  const parsed = parseLabels(labels)
  return Object.entries(scope).every(([key, value]) => parsed[key] === value)
}

export function asScope(json: unknown): Record<string, string> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {}
  return Object.fromEntries(Object.entries(json as Record<string, unknown>).map(([key, value]) => [key, String(value)]))
}

/**
 * The default reader, over MetricRollup rows (one per metric + label set + minute):
 * - a metric named `<name>_p50|_p90|_p95|_p99` reads `<name>`'s rows and takes that quantile of each minute's
 *   histogram (seconds, see app/metrics/histogram.ts); a minute without a histogram has no value;
 * - any other metric is the minute's mean, `sum / count` (a gauge sampled once a minute is its value; a counter
 *   rolled up as one sample per minute is its per-minute total); a minute with count 0 has no value.
 * Rows are filtered by the rule's scope: every scope label must be present with the same value.
 */
export const readRollupMetric: MetricReader = async (rule, from, to) => {
  const suffix = Object.keys(QUANTILE_SUFFIXES).find((s) => rule.metric.endsWith(s))
  const metric = suffix ? rule.metric.slice(0, -suffix.length) : rule.metric
  const q = suffix ? QUANTILE_SUFFIXES[suffix]! : null
  const rows = await prisma.metricRollup.findMany({
    where: { metric, bucket: { gte: from, lt: to } },
    select: { labels: true, bucket: true, count: true, sum: true, min: true, max: true, histogram: true },
    orderBy: [{ labels: 'asc' }, { bucket: 'asc' }],
  })
  const series = new Map<string, MetricPoint[]>()
  for (const row of rows) {
    if (!matchesScope(row.labels, rule.scope)) continue
    let value: number | null
    if (q !== null) {
      value = row.histogram === null ? null : Histogram.fromJSON(row.histogram, { sum: row.sum, min: row.min, max: row.max }).quantile(q)
    } else {
      value = row.count > 0n ? row.sum / Number(row.count) : null
    }
    if (value === null) continue
    const points = series.get(row.labels) ?? []
    points.push({ at: row.bucket, value })
    series.set(row.labels, points)
  }
  return [...series].map(([labels, points]) => ({ labels, points }))
}

export function conditionHolds(condition: AlertCondition, value: number, threshold: number) {
  switch (condition) {
    case 'gt':
      return value > threshold
    case 'gte':
      return value >= threshold
    case 'lt':
      return value < threshold
    case 'lte':
      return value <= threshold
    case 'eq':
      return value === threshold
  }
}

/** Minutes a rule's condition must hold (the window), at least one. */
export function windowMinutes(durationSeconds: number) {
  return Math.max(1, Math.ceil(durationSeconds / 60))
}

export type EvaluatedAlert = {
  alertId: string
  ruleId: string
  fingerprint: string
  value: number
  status: AlertStatus
  silenced: boolean
  /** The label-matcher silence muting it, if one does. */
  silenceId?: string | null
}
export type EvaluationResult = {
  /** New alerts: what the notification center announces (those with `silenced` are not announced). */
  fired: EvaluatedAlert[]
  /** Open alerts still breaching, their value refreshed (no notification). */
  updated: EvaluatedAlert[]
  resolved: EvaluatedAlert[]
  /** Rules whose evaluation threw (bad scope data, a reader error): the others were still evaluated. */
  failed: Array<{ ruleId: string; error: unknown }>
}

/**
 * Evaluates every enabled rule at `now` (see the file comment). Safe to run concurrently and repeatedly: the
 * partial unique index makes firing idempotent and resolution is a conditional update.
 */
export async function evaluateAlertRules({
  now = new Date(),
  readMetric = readRollupMetric,
  since = new Date(now.getTime() - 2 * getEnv().ALERTS_EVALUATION_SECONDS * 1000),
}: {
  now?: Date
  readMetric?: MetricReader
  /** Silences that started or ran out after this are signalled (default: two evaluation intervals back). */
  since?: Date
} = {}) {
  const result: EvaluationResult = { fired: [], updated: [], resolved: [], failed: [] }
  const rules = await prisma.alertRule.findMany({
    where: { enabled: true },
    select: { id: true, name: true, metric: true, severity: true, condition: true, threshold: true, durationSeconds: true, scope: true },
    orderBy: { id: 'asc' },
  })
  const to = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS)
  const silences = await activeSilences(now)
  for (const row of rules) {
    const rule: RuleWithSeverity = { ...row, scope: asScope(row.scope) }
    try {
      await evaluateRule(rule, { now, to, readMetric, silences }, result)
    } catch (error) {
      // One broken rule must not silence every other rule; the caller (the worker job) reports `failed`.
      result.failed.push({ ruleId: rule.id, error })
    }
  }
  // Value refreshes (`updated`) change nothing a person sees at a glance; fired and resolved do. A silenced firing is
  // not announced: the signal says 'silenced' so lists re-read without the notification center asking for attention.
  const announced = result.fired.filter((entry) => !entry.silenced)
  const muted = result.fired.filter((entry) => entry.silenced)
  if (announced.length > 0) await notifyAlertsChanged(prisma, 'fired', announced.map((entry) => entry.alertId))
  if (muted.length > 0) await notifyAlertsChanged(prisma, 'silenced', muted.map((entry) => entry.alertId))
  if (result.resolved.length > 0) await notifyAlertsChanged(prisma, 'resolved', result.resolved.map((entry) => entry.alertId))
  await signalSilenceBoundaries({ since, now, active: silences })
  return result
}

/** NOTIFY channel every web process LISTENs on (server/realtime.alerts.ts) to push `alerts.changed` to its sockets. */
export const ALERTS_CHANNEL = 'opsdeck_alerts'
/** NOTIFY payloads are limited to 8000 bytes: beyond this many ids the signal carries none (`many`). */
const MAX_NOTIFIED_IDS = 100

/**
 * Tells every web process that alerts changed. Inside a transaction it is delivered on commit (never for a
 * rolled-back change); workers reach the browsers this way without importing socket.io (DESIGN.md § Realtime).
 */
export async function notifyAlertsChanged(db: Db, change: AlertsChanged['change'], ids: string[]) {
  const many = ids.length > MAX_NOTIFIED_IDS
  const payload: Omit<AlertsChanged, 'at'> = { change, ids: many ? [] : ids, many }
  await db.$executeRaw`select pg_notify(${ALERTS_CHANNEL}, ${JSON.stringify(payload)})`
}

/** Silences may match on the rule's severity. */
type RuleWithSeverity = AlertRuleForEvaluation & { severity: AlertSeverity }

async function evaluateRule(
  rule: RuleWithSeverity,
  { now, to, readMetric, silences }: { now: Date; to: Date; readMetric: MetricReader; silences: readonly ActiveSilence[] },
  result: EvaluationResult,
) {
  const minutes = windowMinutes(rule.durationSeconds)
  const from = new Date(to.getTime() - minutes * MINUTE_MS)
  const series = await readMetric(rule, from, to)
  const open = await prisma.alert.findMany({
    where: { ruleId: rule.id, status: { not: 'resolved' } },
    select: { id: true, fingerprint: true },
  })
  const openByFingerprint = new Map(open.map((alert) => [alert.fingerprint, alert.id]))

  for (const { labels, points } of series) {
    const inWindow = new Map<number, number>()
    for (const point of points) {
      const t = point.at.getTime()
      if (t >= from.getTime() && t < to.getTime()) inWindow.set(t, point.value)
    }
    const latest = inWindow.get(to.getTime() - MINUTE_MS)
    if (latest === undefined) continue // no data for the last minute: hold the current state
    let breaching = true
    for (let t = from.getTime(); t < to.getTime(); t += MINUTE_MS) {
      const value = inWindow.get(t)
      if (value === undefined || !conditionHolds(rule.condition, value, rule.threshold)) {
        breaching = false
        break
      }
    }
    const latestHolds = conditionHolds(rule.condition, latest, rule.threshold)
    const openId = openByFingerprint.get(labels)
    if (breaching || (openId && latestHolds)) {
      // Firing, or an open alert still breaching on its latest minute (a gap earlier in the window does not end it).
      const upserted = await upsertOpenAlert(rule, labels, latest, now)
      const silence = silenceFor(silences, rule, labels)
      const silenced = isSilenced(upserted, now) || silence !== null
      const entry = { alertId: upserted.id, ruleId: rule.id, fingerprint: labels, value: latest, status: upserted.status, silenced, silenceId: silence?.id ?? null }
      ;(upserted.inserted ? result.fired : result.updated).push(entry)
    } else if (openId && !latestHolds) {
      const resolved = await resolveAlert(openId, now)
      if (resolved) result.resolved.push({ alertId: openId, ruleId: rule.id, fingerprint: labels, value: latest, status: 'resolved', silenced: false })
    }
  }
}

/**
 * Inserts a firing alert, or — when an unresolved one exists for rule + fingerprint — updates its value and message.
 * NOTE: the conflict target must repeat the partial index's predicate for PostgreSQL to infer that index.
 */
async function upsertOpenAlert(rule: AlertRuleForEvaluation, fingerprint: string, value: number, now: Date) {
  const message = alertMessage(rule, value, fingerprint)
  const rows = await prisma.$queryRaw<Array<{ id: string; status: AlertStatus; silencedUntil: Date | null; inserted: boolean }>>`
    INSERT INTO "Alert" ("id", "ruleId", "fingerprint", "status", "value", "message", "firedAt", "createdAt", "updatedAt", "version")
    VALUES (${randomUUID()}, ${rule.id}, ${fingerprint}, 'firing'::"AlertStatus", ${value}, ${message}, ${now}, ${now}, ${now}, 1)
    ON CONFLICT ("ruleId", "fingerprint") WHERE "status" <> 'resolved'::"AlertStatus"
    DO UPDATE SET "value" = EXCLUDED."value", "message" = EXCLUDED."message", "updatedAt" = EXCLUDED."updatedAt"
    RETURNING "id", "status", "silencedUntil", (xmax = 0) AS "inserted"`
  return rows[0]!
}

async function resolveAlert(id: string, now: Date) {
  const { count } = await prisma.alert.updateMany({
    where: { id, status: { not: 'resolved' } },
    data: { status: 'resolved', resolvedAt: now, version: { increment: 1 } },
  })
  return count === 1
}

/**
 * The alert's own silence (silenceAlert): it stays open (and still resolves by itself) but is not announced while
 * `silencedUntil` is ahead. Label-matcher silences are checked apart (`withSilence`).
 */
export function isSilenced(alert: { silencedUntil: Date | null }, now = new Date()) {
  return alert.silencedUntil !== null && alert.silencedUntil.getTime() > now.getTime()
}

const ALERT_SELECT = {
  id: true,
  ruleId: true,
  fingerprint: true,
  status: true,
  value: true,
  message: true,
  firedAt: true,
  acknowledgedAt: true,
  acknowledgedById: true,
  silencedUntil: true,
  resolvedAt: true,
  version: true,
} as const

/** What lists of alerts show: the alert, its rule's name and severity, and who acknowledged it. */
const ALERT_LIST_SELECT = {
  ...ALERT_SELECT,
  rule: { select: { name: true, severity: true, metric: true } },
  acknowledgedBy: { select: { name: true } },
} as const

type ListedAlert = { status: AlertStatus; fingerprint: string; silencedUntil: Date | null; rule: { name: string; severity: AlertSeverity; metric: string } }

/**
 * Adds `silenced` (by its own silence or a matching active silence; never for a resolved alert) and the matching
 * silence (`silence`: id, end, comment) to listed alerts.
 */
function withSilence<Alert extends ListedAlert>(alerts: Alert[], silences: readonly ActiveSilence[], now: Date) {
  return alerts.map((alert) => {
    const silence = alert.status === 'resolved' ? null : silenceFor(silences, alert.rule, alert.fingerprint)
    return {
      ...alert,
      silenced: alert.status !== 'resolved' && (isSilenced(alert, now) || silence !== null),
      silence: silence ? { id: silence.id, endsAt: silence.endsAt, comment: silence.comment } : null,
    }
  })
}

/** Unresolved alerts, newest first, each flagged `silenced` (the notification center's list and /alerts' "open"). */
export async function listOpenAlerts({ now = new Date(), limit = 200 }: { now?: Date; limit?: number } = {}) {
  const [alerts, silences] = await Promise.all([
    prisma.alert.findMany({
      where: { status: { not: 'resolved' } },
      select: ALERT_LIST_SELECT,
      orderBy: [{ firedAt: 'desc' }, { id: 'asc' }],
      take: limit,
    }),
    activeSilences(now),
  ])
  return withSilence(alerts, silences, now)
}

/**
 * The notification center's badge: firing alerts nobody acknowledged and nobody silenced (a silenced alert stays
 * in the list, marked, but stops asking for attention until its silence ends).
 */
export async function countAlertsNeedingAttention({ now = new Date() }: { now?: Date } = {}) {
  const where: Prisma.AlertWhereInput = { status: 'firing', OR: [{ silencedUntil: null }, { silencedUntil: { lte: now } }] }
  const silences = await activeSilences(now)
  if (silences.length === 0) return prisma.alert.count({ where })
  // Matchers (regexes) are matched in memory: firing alerts are few, and so are active silences.
  const firing = await prisma.alert.findMany({ where, select: { fingerprint: true, rule: { select: { name: true, severity: true, metric: true } } } })
  return firing.filter((alert) => silenceFor(silences, alert.rule, alert.fingerprint) === null).length
}

export type AlertHistoryFilter = {
  status?: AlertStatus
  ruleId?: string
  severity?: AlertSeverity
  /** firedAt ≥ from */
  from?: Date
  /** firedAt < to */
  to?: Date
  /** Keyset cursor: the last row of the previous page (firedAt desc, id desc). */
  after?: { firedAt: Date; id: string }
  limit?: number
}

/** Every alert ever fired (history), newest first, filtered and paged by keyset in SQL. */
export async function listAlertHistory(filter: AlertHistoryFilter = {}, { now = new Date() }: { now?: Date } = {}) {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200)
  const where: Prisma.AlertWhereInput = {
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.ruleId ? { ruleId: filter.ruleId } : {}),
    ...(filter.severity ? { rule: { severity: filter.severity } } : {}),
    ...(filter.from || filter.to ? { firedAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
  }
  const after = filter.after
  const rows = await prisma.alert.findMany({
    where: after
      ? { AND: [where, { OR: [{ firedAt: { lt: after.firedAt } }, { firedAt: after.firedAt, id: { lt: after.id } }] }] }
      : where,
    select: ALERT_LIST_SELECT,
    orderBy: [{ firedAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
  })
  const page = withSilence(rows.slice(0, limit), await activeSilences(now), now)
  const last = page.at(-1)
  return { alerts: page, next: rows.length > limit && last ? { firedAt: last.firedAt, id: last.id } : null }
}

/** Where a person's change came from, for the audit entry. */
export type RequestAudit = { requestId?: string | null; ip?: string | null }

export type AlertChange =
  | { ok: true; alert: { id: string; status: AlertStatus; version: number; acknowledgedAt: Date | null; acknowledgedById: string | null; silencedUntil: Date | null } }
  | { ok: false; reason: 'not-found' | 'stale' | 'resolved' | 'already-acknowledged' | 'invalid'; message: string }

/**
 * Acknowledges a firing alert (optimistic concurrency: `expectedVersion` is the version the person saw). Evaluation
 * refreshing the value does not bump the version; resolving does, so acknowledging a resolved alert is refused.
 */
export async function acknowledgeAlert(
  id: string,
  userId: string,
  expectedVersion: number,
  { now = new Date(), audit = {} }: { now?: Date; audit?: RequestAudit } = {},
): Promise<AlertChange> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.alert.updateMany({
      where: { id, version: expectedVersion, status: 'firing' },
      data: { status: 'acknowledged', acknowledgedAt: now, acknowledgedById: userId, version: { increment: 1 } },
    })
    if (count === 0) return refusal(await tx.alert.findUnique({ where: { id }, select: { status: true, version: true } }), expectedVersion)
    const alert = await tx.alert.findUniqueOrThrow({ where: { id }, select: changeSelect })
    await recordAudit(tx, {
      actorId: userId,
      action: 'acknowledge:alert',
      entityType: 'alert',
      entityId: id,
      before: { status: 'firing', version: expectedVersion },
      after: { status: alert.status, version: alert.version, acknowledgedAt: now.toISOString() },
      ...audit,
    })
    await notifyAlertsChanged(tx, 'acknowledged', [id])
    return { ok: true as const, alert }
  })
}

/** Silences an open alert until `until` (must be in the future); it stays unresolved and still resolves by itself. */
export async function silenceAlert(
  id: string,
  until: Date,
  userId: string,
  { now = new Date(), audit = {} }: { now?: Date; audit?: RequestAudit } = {},
): Promise<AlertChange> {
  if (!(until.getTime() > now.getTime())) return { ok: false, reason: 'invalid', message: 'Silence until a time in the future.' }
  return prisma.$transaction(async (tx) => {
    const before = await tx.alert.findUnique({ where: { id }, select: { status: true, version: true, silencedUntil: true } })
    if (!before) return { ok: false as const, reason: 'not-found' as const, message: 'Alert not found.' }
    const { count } = await tx.alert.updateMany({
      where: { id, version: before.version, status: { not: 'resolved' } },
      data: { silencedUntil: until, version: { increment: 1 } },
    })
    if (count === 0) return refusal(await tx.alert.findUnique({ where: { id }, select: { status: true, version: true } }), before.version)
    const alert = await tx.alert.findUniqueOrThrow({ where: { id }, select: changeSelect })
    await recordAudit(tx, {
      actorId: userId,
      action: 'silence:alert',
      entityType: 'alert',
      entityId: id,
      before: { silencedUntil: before.silencedUntil?.toISOString() ?? null, version: before.version },
      after: { silencedUntil: until.toISOString(), version: alert.version },
      ...audit,
    })
    await notifyAlertsChanged(tx, 'silenced', [id])
    return { ok: true as const, alert }
  })
}

const changeSelect = { id: true, status: true, version: true, acknowledgedAt: true, acknowledgedById: true, silencedUntil: true } as const

function refusal(current: { status: AlertStatus; version: number } | null, expectedVersion: number): AlertChange {
  if (!current) return { ok: false, reason: 'not-found', message: 'Alert not found.' }
  if (current.status === 'resolved') return { ok: false, reason: 'resolved', message: 'The alert has already resolved.' }
  if (current.version !== expectedVersion) return { ok: false, reason: 'stale', message: 'The alert changed since you loaded it; reload and try again.' }
  return { ok: false, reason: 'already-acknowledged', message: 'The alert is already acknowledged.' }
}

// ─── Alerts raised by events ────────────────────────────────────────────────────────────────────────────────────

export type SystemRule = { id: string; name: string; metric: string; severity: AlertSeverity }

/**
 * A rule the system raises alerts on by events (SLA warnings, a stale metrics pipeline) rather than by evaluating
 * rollups: created enabled with its fixed id on first use, shown on /alerts like any rule. Returns null while someone
 * has disabled it (nothing is raised then).
 */
export async function ensureSystemRule(db: Db, rule: SystemRule) {
  await db.alertRule.createMany({
    data: [{ id: rule.id, name: rule.name, metric: rule.metric, condition: 'gt', threshold: 0, durationSeconds: 0, severity: rule.severity, enabled: true, scope: {} }],
    skipDuplicates: true,
  })
  const row = await db.alertRule.findUnique({ where: { id: rule.id }, select: { id: true, enabled: true } })
  return row?.enabled ? row : null
}

/**
 * Fires `ruleId`'s alert for `fingerprint` from an event rather than a metric (an SLA warning or breach:
 * app/models/sla/sla-alerts.server.ts), or refreshes the open one: the same partial unique index as evaluation, so a
 * repeated event de-duplicates. Inside a transaction the notification center hears of it on commit. Evaluation
 * leaves such alerts alone (their rule's metric has no rollups, and no data holds an alert's state).
 */
export async function raiseAlert(db: Db, input: { ruleId: string; fingerprint: string; value: number; message: string; now: Date }) {
  const rows = await db.$queryRaw<Array<{ id: string; inserted: boolean }>>`
    INSERT INTO "Alert" ("id", "ruleId", "fingerprint", "status", "value", "message", "firedAt", "createdAt", "updatedAt", "version")
    VALUES (${randomUUID()}, ${input.ruleId}, ${input.fingerprint}, 'firing'::"AlertStatus", ${input.value}, ${input.message}, ${input.now}, ${input.now}, ${input.now}, 1)
    ON CONFLICT ("ruleId", "fingerprint") WHERE "status" <> 'resolved'::"AlertStatus"
    DO UPDATE SET "value" = EXCLUDED."value", "message" = EXCLUDED."message", "updatedAt" = EXCLUDED."updatedAt"
    RETURNING "id", (xmax = 0) AS "inserted"`
  const row = rows[0]!
  if (row.inserted) {
    // A label-matcher silence mutes event-raised alerts as it mutes evaluated ones: recorded, not announced.
    const rule = await db.alertRule.findUniqueOrThrow({ where: { id: input.ruleId }, select: { name: true, severity: true, metric: true } })
    const muted = silenceFor(await activeSilences(input.now, db), rule, input.fingerprint) !== null
    await notifyAlertsChanged(db, muted ? 'silenced' : 'fired', [row.id])
  }
  return row
}

/** Resolves the open alerts of `ruleIds` for `fingerprint` (the event's condition ended); returns their ids. */
export async function resolveAlertsFor(db: Db, input: { ruleIds: string[]; fingerprint: string; now: Date }) {
  if (input.ruleIds.length === 0) return []
  const rows = await db.alert.findMany({ where: { ruleId: { in: input.ruleIds }, fingerprint: input.fingerprint, status: { not: 'resolved' } }, select: { id: true } })
  if (rows.length === 0) return []
  const ids = rows.map((row) => row.id)
  await db.alert.updateMany({ where: { id: { in: ids }, status: { not: 'resolved' } }, data: { status: 'resolved', resolvedAt: input.now, version: { increment: 1 } } })
  await notifyAlertsChanged(db, 'resolved', ids)
  return ids
}
