import { getTicketSlaStatus } from '#app/models/sla/ticket-sla.server.ts'
import { prisma } from '#app/utils/db.server.ts'

/**
 * The SLA figures the tickets list and page show, per ticket, from the SLA engine's clocks
 * (app/models/sla/ticket-sla.server.ts getTicketSlaStatus): the nearest running, unpaused target (its deadline and
 * metric), whether a target is paused (pending / on hold), and whether one is breached. One query per page.
 */
export type TicketSlaSummary = { dueAt: Date | null; metric: string | null; paused: boolean; breached: boolean }

/** Every clock of these tickets (first response, next response, resolution), for the ticket page. */
export function getTicketSlaClocks(ticketIds: string[], now = new Date()) {
  return getTicketSlaStatus(prisma, ticketIds, now)
}

export async function getTicketSlaSummary(ticketIds: string[], now = new Date()): Promise<Map<string, TicketSlaSummary>> {
  const summaries = new Map<string, TicketSlaSummary>()
  if (ticketIds.length === 0) return summaries
  for (const [ticketId, clocks] of await getTicketSlaClocks(ticketIds, now)) {
    const summary: TicketSlaSummary = { dueAt: null, metric: null, paused: false, breached: false }
    for (const clock of clocks) {
      if (clock.satisfiedAt) continue
      if (clock.breachedAt || (!clock.pausedAt && clock.dueAt <= now)) summary.breached = true
      if (clock.pausedAt) summary.paused = true
      else if (!summary.dueAt || clock.dueAt < summary.dueAt) {
        summary.dueAt = clock.dueAt
        summary.metric = clock.metric
      }
    }
    summaries.set(ticketId, summary)
  }
  return summaries
}
