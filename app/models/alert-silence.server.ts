import type { Prisma } from '#app/generated/prisma/client.ts'
import { prisma, type Db } from '#app/utils/db.server.ts'
import { notifyAlertsChanged, parseLabels, type RequestAudit } from './alert.server.ts'
import { alertLabels, asMatchers, matchesAll, silencePeriod, silenceState, type SilenceInput, type SilenceMatcher } from './alert-silences.ts'
import { recordAudit } from './audit.server.ts'

/**
 * Silences by label matchers (app/models/alert-silences.ts has the matching rules): create, list, expire early
 * ("unsilence"), and the question evaluation and the lists ask — which active silence, if any, mutes this alert.
 * A silenced alert still fires, de-duplicates and resolves like any other; it is shown as silenced, is not counted
 * by the notification center's badge and its firing is not announced (alert.server.ts).
 * Each change is audited in its transaction and signalled (`alerts.changed`, change 'silenced') so open pages and
 * the badge re-read.
 */

export type ActiveSilence = { id: string; matchers: SilenceMatcher[]; endsAt: Date; comment: string }

/** Silences active at `now` (few: read once per evaluation or list, matched in memory). */
export async function activeSilences(now = new Date(), db: Db = prisma): Promise<ActiveSilence[]> {
  const rows = await db.alertSilence.findMany({
    where: { startsAt: { lte: now }, endsAt: { gt: now } },
    select: { id: true, matchers: true, endsAt: true, comment: true },
    orderBy: [{ endsAt: 'desc' }, { id: 'asc' }],
  })
  return rows.map((row) => ({ ...row, matchers: asMatchers(row.matchers) }))
}

/** The silence that mutes an alert of `rule` on series `fingerprint` (the one lasting longest), or null. */
export function silenceFor(
  silences: readonly ActiveSilence[],
  rule: { name: string; severity: string; metric: string },
  fingerprint: string,
): ActiveSilence | null {
  if (silences.length === 0) return null
  const labels = alertLabels(rule, parseLabels(fingerprint))
  return silences.find((silence) => matchesAll(silence.matchers, labels)) ?? null
}

export type SilenceActor = { id: string } & RequestAudit

export async function createSilence(input: SilenceInput, actor: SilenceActor, { now = new Date() }: { now?: Date } = {}) {
  const { startsAt, endsAt } = silencePeriod(input, now)
  return prisma.$transaction(async (tx) => {
    const silence = await tx.alertSilence.create({
      data: { matchers: input.matchers as unknown as Prisma.InputJsonValue, startsAt, endsAt, comment: input.comment, createdById: actor.id },
      select: { id: true, startsAt: true, endsAt: true, version: true },
    })
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'create:alert.silence',
      entityType: 'alert_silence',
      entityId: silence.id,
      after: { matchers: input.matchers as unknown as Prisma.InputJsonValue, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), comment: input.comment },
      requestId: actor.requestId,
      ip: actor.ip,
    })
    await notifyAlertsChanged(tx, 'silenced', [])
    return silence
  })
}

export type ExpireResult = { ok: true; endsAt: Date } | { ok: false; status: 404 | 409; message: string }

/**
 * Unsilence: ends an active or pending silence now (a pending one ends before it started). Kept as history with who
 * ended it. Refused (409) if it already ended or changed since the person loaded it.
 */
export async function expireSilence(id: string, expectedVersion: number, actor: SilenceActor, { now = new Date() }: { now?: Date } = {}): Promise<ExpireResult> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.alertSilence.findUnique({ where: { id }, select: { startsAt: true, endsAt: true, version: true } })
    if (!before) return { ok: false as const, status: 404 as const, message: 'Silence not found.' }
    if (silenceState(before, now) === 'expired') return { ok: false as const, status: 409 as const, message: 'This silence has already ended.' }
    const startsAt = before.startsAt.getTime() > now.getTime() ? now : before.startsAt
    const { count } = await tx.alertSilence.updateMany({
      where: { id, version: expectedVersion, endsAt: { gt: now } },
      data: { startsAt, endsAt: now, expiredById: actor.id, version: { increment: 1 } },
    })
    if (count === 0) return { ok: false as const, status: 409 as const, message: 'The silence changed since you loaded it; reload and try again.' }
    await recordAudit(tx, {
      actorId: actor.id,
      action: 'expire:alert.silence',
      entityType: 'alert_silence',
      entityId: id,
      before: { startsAt: before.startsAt.toISOString(), endsAt: before.endsAt.toISOString(), version: before.version },
      after: { startsAt: startsAt.toISOString(), endsAt: now.toISOString(), version: before.version + 1 },
      requestId: actor.requestId,
      ip: actor.ip,
    })
    await notifyAlertsChanged(tx, 'silenced', [])
    return { ok: true as const, endsAt: now }
  })
}

/**
 * The silences page: every active and pending silence (soonest to end first) and the most recently ended ones, each
 * with its state, who created it (and who ended it early) and how many open alerts it mutes now.
 */
export async function listSilences({ now = new Date(), expiredLimit = 50 }: { now?: Date; expiredLimit?: number } = {}) {
  const select = {
    id: true,
    matchers: true,
    startsAt: true,
    endsAt: true,
    comment: true,
    version: true,
    createdAt: true,
    createdBy: { select: { name: true } },
    expiredBy: { select: { name: true } },
  } as const
  const [current, expired, open] = await Promise.all([
    prisma.alertSilence.findMany({ where: { endsAt: { gt: now } }, select, orderBy: [{ endsAt: 'asc' }, { id: 'asc' }] }),
    prisma.alertSilence.findMany({ where: { endsAt: { lte: now } }, select, orderBy: [{ endsAt: 'desc' }, { id: 'desc' }], take: expiredLimit }),
    prisma.alert.findMany({
      where: { status: { not: 'resolved' } },
      select: { fingerprint: true, rule: { select: { name: true, severity: true, metric: true } } },
    }),
  ])
  const openLabels = open.map((alert) => alertLabels(alert.rule, parseLabels(alert.fingerprint)))
  return [...current, ...expired].map((row) => {
    const matchers = asMatchers(row.matchers)
    const state = silenceState(row, now)
    return {
      ...row,
      matchers,
      state,
      mutedAlerts: state === 'active' ? openLabels.filter((labels) => matchesAll(matchers, labels)).length : 0,
    }
  })
}

/**
 * "Silence like this": matchers naming exactly one alert's rule and series (`rule=…` plus each series label), for
 * the silence form to start from; null for an unknown alert.
 */
export async function matchersForAlert(alertId: string): Promise<SilenceMatcher[] | null> {
  const alert = await prisma.alert.findUnique({ where: { id: alertId }, select: { fingerprint: true, rule: { select: { name: true } } } })
  if (!alert) return null
  const series = Object.entries(parseLabels(alert.fingerprint)).map(([label, value]) => ({ label, op: '=' as const, value }))
  return [{ label: 'rule', op: '=', value: alert.rule.name }, ...series]
}

/** Active and pending silences (the /alerts tab's count). */
export async function countCurrentSilences(now = new Date()) {
  return prisma.alertSilence.count({ where: { endsAt: { gt: now } } })
}

/**
 * A silence that starts, or runs out by itself, changes what needs attention without anyone acting: called after
 * each evaluation with the period since the previous one, it signals 'silenced' when a silence started (the badge
 * re-counts) and 'fired' for the firing alerts a silence that ran out no longer mutes (they ask for attention again,
 * as if they had just fired). A silence ended with "unsilence" was already signalled by expireSilence. `since` may
 * overlap the previous period: a repeated signal only makes pages re-read.
 */
export async function signalSilenceBoundaries({ since, now, active }: { since: Date; now: Date; active: readonly ActiveSilence[] }) {
  const [started, ended] = await Promise.all([
    prisma.alertSilence.count({ where: { startsAt: { gt: since, lte: now }, endsAt: { gt: now } } }),
    prisma.alertSilence.findMany({
      where: { endsAt: { gt: since, lte: now }, expiredById: null },
      select: { id: true, matchers: true, endsAt: true, comment: true },
    }),
  ])
  if (started > 0) await notifyAlertsChanged(prisma, 'silenced', [])
  if (ended.length === 0) return { started, unmuted: [] as string[] }
  const endedSilences = ended.map((row) => ({ ...row, matchers: asMatchers(row.matchers) }))
  const firing = await prisma.alert.findMany({
    where: { status: 'firing', OR: [{ silencedUntil: null }, { silencedUntil: { lte: now } }] },
    select: { id: true, fingerprint: true, rule: { select: { name: true, severity: true, metric: true } } },
  })
  const unmuted = firing
    .filter((alert) => silenceFor(endedSilences, alert.rule, alert.fingerprint) !== null && silenceFor(active, alert.rule, alert.fingerprint) === null)
    .map((alert) => alert.id)
  if (unmuted.length > 0) await notifyAlertsChanged(prisma, 'fired', unmuted)
  return { started, unmuted }
}
