import type { SlaMetric, TicketPriority, TicketStatus } from '#app/generated/prisma/enums.ts'
import type { Prisma } from '#app/utils/db.server.ts'
import { clockOps, memoryWriter, type Clock } from './clock.server.ts'
import { applyTicketSlaEvent, listActiveSlaPolicies, type TicketSlaEventKind } from './ticket-sla.server.ts'

/** What the demo seed knows of a ticket's life (test/factories/tickets.ts TicketGraph, as plain values). */
export type SeedTicketHistory = {
  id: string
  status: TicketStatus
  priority: TicketPriority
  tags: string[]
  createdAt: Date
  firstResponseAt: Date | null
  lastMessageAt: Date | null
  solvedAt: Date | null
  closedAt: Date | null
  messages: Array<{ kind: 'public_reply' | 'internal_note'; fromCustomer: boolean; createdAt: Date }>
}

type Step = { at: Date; kind: TicketSlaEventKind; status: TicketStatus; firstResponseAt: Date | null }

/**
 * Gives the seeded tickets their SLA clocks by replaying each ticket's history through the real ticket rules
 * (applyTicketSlaEvent) in memory, then inserting the resulting clocks and their history set-based: demo clocks are
 * exactly what the app would have computed, without a round trip per event. Clocks past their warning or deadline at
 * `now` are evaluated as the sweep would. No timer jobs: the worker's sweep schedules those due soon.
 */
export async function seedTicketClocks(
  tx: Prisma.TransactionClient,
  tickets: readonly SeedTicketHistory[],
  now: Date,
): Promise<{ clocks: number; events: number }> {
  const policies = await listActiveSlaPolicies(tx)
  const memory = memoryWriter()
  for (const ticket of tickets) {
    const clocks = new Map<SlaMetric, Clock>()
    for (const step of stepsOf(ticket)) {
      const state = { id: ticket.id, status: step.status, priority: ticket.priority, tags: ticket.tags, createdAt: ticket.createdAt, firstResponseAt: step.firstResponseAt }
      await applyTicketSlaEvent(memory.writer, state, clocks, policies, { ticketId: ticket.id, kind: step.kind, at: step.at })
    }
    for (const clock of clocks.values()) {
      // A clock past its deadline gets its breach; one only past its warning point gets the warning.
      let current = clock
      for (;;) {
        const { clock: next, outcome } = await clockOps.evaluate(memory.writer, current, now)
        if (!outcome) break
        current = next
      }
    }
  }
  return memory.flush(tx)
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
