import type { SlaMetric, TicketPriority, TicketStatus } from '#app/generated/prisma/enums.ts'
import type { Db, Prisma } from '#app/utils/db.server.ts'
import type { BusinessCalendar } from './business-hours.ts'
import { clockOps, dbWriter, getClocks, lockSubjectClocks, type Clock, type ClockView, type ClockWriter } from './clock.server.ts'
import { parseCalendar, warnAfterMinutes } from './clock-state.ts'

/**
 * Ticket SLAs on the one SLA engine (clock.server.ts, ADR 0007): which policy applies to a ticket, and how the
 * ticket's life moves its three clocks (subjectType 'ticket', subjectId = ticket id):
 *
 * - **Policy**: the first active SlaPolicy by `position` (ties: the more specific, priority + tag over one of them)
 *   whose priority (null = any) and tag (null = any) match the ticket. Re-matched on every event, so a priority or
 *   tag change moves running clocks to the new policy's targets, measured from their original start. No policy →
 *   running clocks are cancelled (their history stays).
 * - **first_response**: from the ticket's creation to the first public agent reply.
 * - **next_response**: from a customer message that follows an agent reply to the next public agent reply; each
 *   such customer message after a satisfied run starts a new run (restart).
 * - **resolution**: from creation to solved. Solving (or closing) satisfies every running clock; a solved ticket that
 *   reopens reopens its resolution clock, the solved time counting as a pause.
 * - **pending / on hold** pause every running clock; back to new/open resumes them (the deadline moves by the paused
 *   business time).
 */

export const TICKET_SUBJECT = 'ticket'

export type TicketSlaEventKind = 'created' | 'agent_public_reply' | 'customer_message' | 'status_changed' | 'priority_or_tags_changed'

export type TicketSlaEventInput = { ticketId: string; kind: TicketSlaEventKind; at: Date }

const PAUSED_STATUSES: readonly TicketStatus[] = ['pending', 'on_hold']
const DONE_STATUSES: readonly TicketStatus[] = ['solved', 'closed']

/**
 * A policy's terms: what matching and the clocks read. The one list of them: the policies page's model
 * (sla-policy.server.ts) selects these plus its own bookkeeping, and stores the same fields.
 */
export const SLA_POLICY_TERMS_SELECT = {
  id: true,
  name: true,
  priority: true,
  tag: true,
  position: true,
  firstResponseMinutes: true,
  nextResponseMinutes: true,
  resolutionMinutes: true,
  warningPercent: true,
  warningMinutesBefore: true,
  calendar: true,
} as const satisfies Prisma.SlaPolicySelect

export type SlaPolicyForMatch = Omit<Prisma.SlaPolicyGetPayload<{ select: typeof SLA_POLICY_TERMS_SELECT }>, 'calendar'> & { calendar: unknown }

export async function listActiveSlaPolicies(db: Db): Promise<SlaPolicyForMatch[]> {
  return db.slaPolicy.findMany({ where: { isActive: true }, select: SLA_POLICY_TERMS_SELECT, orderBy: [{ position: 'asc' }, { id: 'asc' }] })
}

/** The policy for a ticket among active `policies`: most specific first by position (see the module comment). */
export function matchSlaPolicy<P extends Pick<SlaPolicyForMatch, 'priority' | 'tag' | 'position'>>(
  policies: readonly P[],
  ticket: { priority: TicketPriority; tags: readonly string[] },
): P | null {
  const specificity = (p: P) => (p.priority ? 1 : 0) + (p.tag ? 1 : 0)
  const ordered = [...policies].sort((a, b) => a.position - b.position || specificity(b) - specificity(a))
  return ordered.find((p) => (p.priority === null || p.priority === ticket.priority) && (p.tag === null || ticket.tags.includes(p.tag))) ?? null
}

type Target = { policyId: string; targetMinutes: number; warnAfterMinutes: number; calendar: BusinessCalendar }

function targetsOf(policy: SlaPolicyForMatch): Record<SlaMetric, Target> {
  const calendar = parseCalendar(policy.calendar)
  const target = (minutes: number): Target => ({
    policyId: policy.id,
    targetMinutes: minutes,
    warnAfterMinutes: warnAfterMinutes(minutes, policy.warningMinutesBefore ? { beforeMinutes: policy.warningMinutesBefore } : { percent: policy.warningPercent }),
    calendar,
  })
  return {
    first_response: target(policy.firstResponseMinutes),
    next_response: target(policy.nextResponseMinutes),
    resolution: target(policy.resolutionMinutes),
  }
}

/**
 * THE entry point for ticket actions: call it inside the transaction that changed the ticket, after writing the
 * ticket (status, priority, tags, firstResponseAt as the action leaves them), with what happened and when.
 * It (re)matches the policy, starts/satisfies/pauses/resumes/reopens/restarts the ticket's clocks and schedules their
 * timers; everything it writes commits or rolls back with the caller's change. Scheduling happens before the commit
 * (the timer job re-reads the row, so a rolled-back change leaves only a no-op job); if the process dies before the
 * commit nothing happened, and a timer lost any other way is repaired by the sweep (ADR 0007).
 */
export async function recordTicketSlaEvent(tx: Prisma.TransactionClient, input: TicketSlaEventInput): Promise<void> {
  const ticket = await tx.ticket.findUnique({ where: { id: input.ticketId }, select: TICKET_SLA_SELECT })
  if (!ticket) throw new Error(`recordTicketSlaEvent: ticket ${input.ticketId} not found`)
  const clocks = new Map<SlaMetric, Clock>((await lockSubjectClocks(tx, TICKET_SUBJECT, ticket.id)).map((c) => [c.metric, c]))
  await applyTicketSlaEvent(dbWriter(tx), ticket, clocks, await listActiveSlaPolicies(tx), input)
}

const TICKET_SLA_SELECT = { id: true, status: true, priority: true, tags: true, createdAt: true, firstResponseAt: true } as const satisfies Prisma.TicketSelect
export type TicketSlaState = Prisma.TicketGetPayload<{ select: typeof TICKET_SLA_SELECT }>

/**
 * The ticket rules themselves, on the ticket's state and its clocks (updated in place): the database path above and
 * the demo seed's in-memory replay (seed-clocks.server.ts) run exactly this.
 */
export async function applyTicketSlaEvent(
  w: ClockWriter,
  ticket: TicketSlaState,
  clocks: Map<SlaMetric, Clock>,
  policies: readonly SlaPolicyForMatch[],
  input: TicketSlaEventInput,
): Promise<void> {
  const { at } = input
  const policy = matchSlaPolicy(policies, ticket)
  if (!policy) {
    for (const clock of [...clocks.values()]) {
      if (clock.satisfiedAt) continue
      await clockOps.cancel(w, clock, at)
      clocks.delete(clock.metric)
    }
    return
  }
  const targets = targetsOf(policy)
  const set = (clock: Clock) => clocks.set(clock.metric, clock)

  // 1. The policy's targets for running clocks (a priority/tag change, an edited policy).
  for (const clock of [...clocks.values()]) set(await clockOps.retarget(w, clock, targets[clock.metric], at))

  // 2. The clocks every ticket has. A first response recorded before this event means there is nothing to time.
  const start = (metric: SlaMetric, startedAt: Date) =>
    clockOps.insertClock(w, { subjectType: TICKET_SUBJECT, subjectId: ticket.id, ticketId: ticket.id, metric, startedAt, ...targets[metric] }, at)
  const repliedBefore = ticket.firstResponseAt !== null && ticket.firstResponseAt < at
  const done = DONE_STATUSES.includes(ticket.status)
  if (!clocks.has('first_response') && !repliedBefore && !done) set(await start('first_response', ticket.createdAt))
  if (!clocks.has('resolution') && !done) set(await start('resolution', ticket.createdAt))

  // 3. What happened.
  if (input.kind === 'agent_public_reply') {
    for (const metric of ['first_response', 'next_response'] as const) {
      const clock = clocks.get(metric)
      if (clock && !clock.satisfiedAt) set(await clockOps.satisfy(w, clock, at))
    }
  } else if (input.kind === 'customer_message' && ticket.firstResponseAt !== null && ticket.firstResponseAt <= at) {
    const next = clocks.get('next_response')
    if (!next) set(await start('next_response', at))
    else if (next.satisfiedAt) set(await clockOps.restart(w, next, at, targets.next_response))
  }

  // 4. The status the ticket is in now (a clock started above in a paused status pauses at once).
  for (const clock of [...clocks.values()]) {
    if (done) set(await clockOps.satisfy(w, clock, at))
    else if (PAUSED_STATUSES.includes(ticket.status)) set(await clockOps.pause(w, clock, at))
    else {
      const reopened = clock.metric === 'resolution' && clock.satisfiedAt ? await clockOps.reopen(w, clock, at) : clock
      set(await clockOps.resume(w, reopened, at))
    }
  }
}

/** One clock as the tickets UI shows it (countdowns: `dueAt`, or `remainingMinutes` frozen while paused). */
export type TicketSlaClock = Pick<
  ClockView,
  'metric' | 'startedAt' | 'dueAt' | 'warningAt' | 'pausedAt' | 'warnedAt' | 'breachedAt' | 'satisfiedAt' | 'targetMinutes' | 'remainingMinutes' | 'policyId'
>

/** The clocks of these tickets (first_response, next_response, resolution order), by ticket id; absent = no SLA. */
export async function getTicketSlaStatus(db: Db, ticketIds: readonly string[], now: Date = new Date()): Promise<Map<string, TicketSlaClock[]>> {
  const clocks = await getClocks(db, TICKET_SUBJECT, ticketIds, now)
  const order: Record<SlaMetric, number> = { first_response: 0, next_response: 1, resolution: 2 }
  const result = new Map<string, TicketSlaClock[]>()
  for (const [ticketId, list] of clocks) {
    result.set(
      ticketId,
      list
        .sort((a, b) => order[a.metric] - order[b.metric])
        .map((c) => ({
          metric: c.metric,
          startedAt: c.startedAt,
          dueAt: c.dueAt,
          warningAt: c.warningAt,
          pausedAt: c.pausedAt,
          warnedAt: c.warnedAt,
          breachedAt: c.breachedAt,
          satisfiedAt: c.satisfiedAt,
          targetMinutes: c.targetMinutes,
          remainingMinutes: c.remainingMinutes,
          policyId: c.policyId,
        })),
    )
  }
  return result
}
