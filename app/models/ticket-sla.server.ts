import { prisma } from '#app/utils/db.server.ts'

/**
 * The SLA figures the tickets list and page show, per ticket: the nearest unmet target that is running (its due
 * time), whether a target is paused (pending / on hold), and whether one is breached. Read from the SLA engine's
 * clocks (AppliedSla rows: app/models/sla/); one query for a whole page of tickets.
 */
export type TicketSlaSummary = { dueAt: Date | null; paused: boolean; breached: boolean }

export async function getTicketSlaSummary(ticketIds: string[]): Promise<Map<string, TicketSlaSummary>> {
  const summaries = new Map<string, TicketSlaSummary>()
  if (ticketIds.length === 0) return summaries
  const clocks = await prisma.appliedSla.findMany({
    where: { ticketId: { in: ticketIds }, satisfiedAt: null },
    select: { ticketId: true, dueAt: true, pausedAt: true, breachedAt: true },
  })
  for (const clock of clocks) {
    if (!clock.ticketId) continue
    const summary = summaries.get(clock.ticketId) ?? { dueAt: null, paused: false, breached: false }
    if (clock.pausedAt) summary.paused = true
    else if (!summary.dueAt || clock.dueAt < summary.dueAt) summary.dueAt = clock.dueAt
    if (clock.breachedAt) summary.breached = true
    summaries.set(clock.ticketId, summary)
  }
  return summaries
}
