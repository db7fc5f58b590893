import type { TicketStatus } from '#app/generated/prisma/enums.ts'
import type { Prisma } from '#app/utils/db.server.ts'
import { evaluateClock, withoutSlaTimers } from './clock.server.ts'
import { recordTicketSlaEvent, type TicketSlaEventKind } from './ticket-sla.server.ts'

/** What the demo seed knows of a ticket's life (test/factories/tickets.ts TicketGraph, as plain values). */
export type SeedTicketHistory = {
  id: string
  status: TicketStatus
  createdAt: Date
  firstResponseAt: Date | null
  lastMessageAt: Date | null
  solvedAt: Date | null
  closedAt: Date | null
  messages: Array<{ kind: 'public_reply' | 'internal_note'; fromCustomer: boolean; createdAt: Date }>
}

type Step = { at: Date; kind: TicketSlaEventKind; status: TicketStatus; firstResponseAt: Date | null }

/**
 * Gives the seeded tickets their SLA clocks by replaying each ticket's history through the real engine
 * (recordTicketSlaEvent), so demo clocks are exactly what the app would have computed: the ticket row is walked
 * through its states with plain SQL (keeping the seeded updatedAt/version), and put back to its final state. Clocks
 * past their warning or deadline at `now` are evaluated as the sweep would. No timer jobs: the worker's sweep
 * schedules those due soon.
 */
export async function seedTicketClocks(tx: Prisma.TransactionClient, tickets: readonly SeedTicketHistory[], now: Date): Promise<number> {
  await withoutSlaTimers(async () => {
    for (const ticket of tickets) {
      for (const step of stepsOf(ticket)) {
        await tx.$executeRaw`update "Ticket" set status = ${step.status}::"TicketStatus", "firstResponseAt" = ${step.firstResponseAt} where id = ${ticket.id}`
        await recordTicketSlaEvent(tx, { ticketId: ticket.id, kind: step.kind, at: step.at })
      }
      await tx.$executeRaw`update "Ticket" set status = ${ticket.status}::"TicketStatus", "firstResponseAt" = ${ticket.firstResponseAt} where id = ${ticket.id}`
    }
    const due = await tx.$queryRaw<Array<{ id: string }>>`
      select id from "AppliedSla" where "satisfiedAt" is null and "pausedAt" is null
        and (("breachedAt" is null and "dueAt" <= ${now}) or ("warnedAt" is null and "warningAt" <= ${now}))`
    for (const { id } of due) {
      // A clock past its deadline gets its breach; one only past its warning point gets the warning.
      while ((await evaluateClock(id, now, tx)) !== null);
    }
  })
  return tx.appliedSla.count({ where: { subjectType: 'ticket' } })
}

function stepsOf(ticket: SeedTicketHistory): Step[] {
  const steps: Step[] = []
  let status: TicketStatus = 'new'
  let firstResponseAt: Date | null = null
  steps.push({ at: ticket.createdAt, kind: 'created', status, firstResponseAt })
  const messages = [...ticket.messages].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
  for (const message of messages.slice(1)) {
    if (message.kind !== 'public_reply') continue
    if (message.fromCustomer) {
      steps.push({ at: message.createdAt, kind: 'customer_message', status, firstResponseAt })
    } else {
      firstResponseAt ??= message.createdAt
      status = 'open'
      steps.push({ at: message.createdAt, kind: 'agent_public_reply', status, firstResponseAt })
    }
  }
  const finalAt =
    ticket.status === 'solved' || ticket.status === 'closed'
      ? ticket.solvedAt
      : ticket.status === 'pending' || ticket.status === 'on_hold'
        ? ticket.lastMessageAt
        : null
  if (finalAt && ticket.status !== status) {
    steps.push({ at: finalAt, kind: 'status_changed', status: ticket.status === 'closed' ? 'solved' : ticket.status, firstResponseAt })
  }
  return steps
}
