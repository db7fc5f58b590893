import { z } from 'zod'
import type { TicketPriority } from '#app/generated/prisma/enums.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { normalizeTag, TICKET_PRIORITIES, TICKET_TAG_MAX } from '#app/models/ticket-rules.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'
import { hasPermission, type Role } from '#app/utils/permissions.ts'
import { BusinessCalendarSchema, type BusinessCalendar, type Weekday } from './business-hours.ts'
import { parseDayHours, parseDuration, parseHolidays, SlaPolicyFormSchema, WEEK_ORDER, type SlaPolicyForm } from './calendar-form.ts'

export { SlaPolicyFormSchema, type SlaPolicyForm }
import { parseCalendar } from './clock-state.ts'
import { SLA_POLICY_TERMS_SELECT, type SlaPolicyForMatch } from './ticket-sla.server.ts'

/**
 * SLA policies, as managers and admins edit them on /tickets/sla (`manage:ticket`, the desk-setup permission that
 * gates macros and teams). Which policy a ticket gets, and how its clocks run, is the engine's (ticket-sla.server.ts,
 * ADR 0007); this module only validates and stores policies.
 *
 * What a change does (said on the page too): clocks started from now on use the saved policy. A running clock keeps
 * the targets and calendar it started with until its ticket next changes (a reply, a status, priority or tag change);
 * then the engine re-matches the ticket and re-measures the clock from its original start against the policy as it is
 * now — a breach the new target undoes is cleared, one it causes is recorded (history kept). A deactivated policy
 * stops matching: a running clock it gave is cancelled at the ticket's next change unless another policy matches.
 */

export type PolicyActor = { id: string; role: Role }
export type PolicyResult = { ok: true; id: string } | { ok: false; status: 400 | 403 | 404 | 409; message: string; fieldErrors?: Record<string, string> }

/** A year of business minutes is more than any support target. */
const MAX_TARGET_MINUTES = 525_600


/** What the form stores: the policy's terms (the engine's list, ticket-sla.server.ts) with a parsed calendar. */
type PolicyData = Omit<SlaPolicyForMatch, 'id' | 'calendar'> & { calendar: BusinessCalendar }

/** The form → the policy's columns, or the errors by field name (the form's names). */
export function parseSlaPolicyForm(form: SlaPolicyForm): { data: PolicyData } | { fieldErrors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const name = form.name.trim()
  if (!name) errors.name = 'Give the policy a name.'
  else if (name.length > 80) errors.name = 'Names are at most 80 characters.'
  const priority = form.priority ? form.priority : null
  if (priority !== null && !(TICKET_PRIORITIES as readonly string[]).includes(priority)) errors.priority = 'Choose a priority or “any”.'
  const tag = form.tag ? normalizeTag(form.tag) || null : null
  if (tag && tag.length > TICKET_TAG_MAX) errors.tag = `Tags are at most ${TICKET_TAG_MAX} characters.`
  const position = form.position?.trim() ? Number(form.position) : 0
  if (!Number.isInteger(position) || position < -1000 || position > 1000) errors.position = 'A whole number (lower is checked first).'
  const target = (field: 'firstResponse' | 'nextResponse' | 'resolution') => {
    const minutes = parseDuration(form[field])
    if (minutes === null || minutes < 1 || minutes > MAX_TARGET_MINUTES) {
      errors[field] = 'A duration in business time, e.g. 30m, 4h or 1h 30m.'
      return 0
    }
    return minutes
  }
  const firstResponseMinutes = target('firstResponse')
  const nextResponseMinutes = target('nextResponse')
  const resolutionMinutes = target('resolution')
  let warningPercent = 75
  let warningMinutesBefore: number | null = null
  if (form.warningMode === 'percent') {
    const value = form.warningValue?.trim() ? Number(form.warningValue) : 75
    if (!Number.isInteger(value) || value < 1 || value > 99) errors.warningValue = 'Warn at 1–99 % of the target.'
    else warningPercent = value
  } else {
    const value = parseDuration(form.warningValue ?? '')
    if (value === null || value < 1) errors.warningValue = 'How long before the deadline, e.g. 15m or 1h.'
    else warningMinutesBefore = value
  }

  const weekly = {} as Record<Weekday, { start: string; end: string }[]>
  for (const day of WEEK_ORDER) {
    const parsed = parseDayHours(form[`day${day}`])
    if ('error' in parsed) errors[`day${day}`] = parsed.error
    else weekly[day] = parsed
  }
  if (!Object.keys(errors).some((key) => key.startsWith('day'))) {
    const calendar = BusinessCalendarSchema.safeParse({ timeZone: form.timeZone.trim(), weekly, holidays: parseHolidays(form.holidays) })
    if (!calendar.success) {
      for (const issue of calendar.error.issues) {
        const [head, day] = issue.path
        const field = head === 'weekly' ? (day === undefined ? 'day1' : `day${String(day)}`) : head === 'holidays' ? 'holidays' : 'timeZone'
        errors[field] ??= issue.message
      }
    } else if (Object.keys(errors).length === 0) {
      return {
        data: { name, priority: priority as TicketPriority | null, tag, position, firstResponseMinutes, nextResponseMinutes, resolutionMinutes, warningPercent, warningMinutesBefore, calendar: calendar.data },
      }
    }
  }
  return { fieldErrors: errors }
}

const POLICY_SELECT = {
  ...SLA_POLICY_TERMS_SELECT,
  isActive: true,
  version: true,
  updatedAt: true,
} as const satisfies Prisma.SlaPolicySelect

/** Every policy (inactive ones last), in matching order, with how many clocks each runs now. */
export async function listSlaPolicies() {
  const [policies, running] = await Promise.all([
    prisma.slaPolicy.findMany({ select: POLICY_SELECT, orderBy: [{ isActive: 'desc' }, { position: 'asc' }, { id: 'asc' }] }),
    prisma.appliedSla.groupBy({ by: ['policyId'], where: { policyId: { not: null }, satisfiedAt: null }, _count: { _all: true } }),
  ])
  const runningByPolicy = new Map(running.map((row) => [row.policyId, row._count._all]))
  return policies.map((policy) => ({ ...policy, calendar: parseCalendar(policy.calendar), runningClocks: runningByPolicy.get(policy.id) ?? 0 }))
}

function refuse(actor: PolicyActor): PolicyResult | null {
  return hasPermission(actor.role, 'manage:ticket')
    ? null
    : { ok: false, status: 403, message: `Only managers and admins change SLA policies. Your role (${actor.role}) does not include "manage:ticket".` }
}

function auditable(data: PolicyData) {
  return { ...data, calendar: data.calendar as unknown as Prisma.InputJsonValue }
}

export async function createSlaPolicy(actor: PolicyActor, form: SlaPolicyForm, meta: { requestId?: string | null } = {}): Promise<PolicyResult> {
  const refused = refuse(actor)
  if (refused) return refused
  const parsed = parseSlaPolicyForm(form)
  if ('fieldErrors' in parsed) return { ok: false, status: 400, message: 'Check the highlighted fields.', fieldErrors: parsed.fieldErrors }
  return prisma.$transaction(async (tx) => {
    const policy = await tx.slaPolicy.create({ data: auditable(parsed.data), select: { id: true } })
    await recordAudit(tx, { actorId: actor.id, action: 'create:sla_policy', entityType: 'sla_policy', entityId: policy.id, after: auditable(parsed.data), requestId: meta.requestId })
    return { ok: true as const, id: policy.id }
  })
}

/** Saves an edit made on the version the person saw (a concurrent edit is refused, 409). */
export async function updateSlaPolicy(actor: PolicyActor, id: string, form: SlaPolicyForm, expectedVersion: number, meta: { requestId?: string | null } = {}): Promise<PolicyResult> {
  const refused = refuse(actor)
  if (refused) return refused
  const parsed = parseSlaPolicyForm(form)
  if ('fieldErrors' in parsed) return { ok: false, status: 400, message: 'Check the highlighted fields.', fieldErrors: parsed.fieldErrors }
  return prisma.$transaction(async (tx) => {
    const before = await tx.slaPolicy.findUnique({ where: { id }, select: POLICY_SELECT })
    if (!before) return { ok: false as const, status: 404 as const, message: 'There is no such policy; it may have been deleted.' }
    const { count } = await tx.slaPolicy.updateMany({ where: { id, version: expectedVersion }, data: { ...auditable(parsed.data), version: { increment: 1 } } })
    if (count === 0) return { ok: false as const, status: 409 as const, message: 'Someone changed this policy since you opened the page — reload to see their change.' }
    const { updatedAt: _updatedAt, ...previous } = before
    await recordAudit(tx, { actorId: actor.id, action: 'update:sla_policy', entityType: 'sla_policy', entityId: id, before: previous as Prisma.InputJsonValue, after: auditable(parsed.data), requestId: meta.requestId })
    return { ok: true as const, id }
  })
}

/** Deactivates (stops matching new tickets) or reactivates a policy. */
export async function setSlaPolicyActive(actor: PolicyActor, id: string, isActive: boolean, meta: { requestId?: string | null } = {}): Promise<PolicyResult> {
  const refused = refuse(actor)
  if (refused) return refused
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.slaPolicy.updateMany({ where: { id, isActive: !isActive }, data: { isActive, version: { increment: 1 } } })
    if (count === 0) {
      const exists = await tx.slaPolicy.findUnique({ where: { id }, select: { id: true } })
      return exists ? { ok: true as const, id } : { ok: false as const, status: 404 as const, message: 'There is no such policy.' }
    }
    await recordAudit(tx, { actorId: actor.id, action: isActive ? 'activate:sla_policy' : 'deactivate:sla_policy', entityType: 'sla_policy', entityId: id, after: { isActive }, requestId: meta.requestId })
    return { ok: true as const, id }
  })
}
