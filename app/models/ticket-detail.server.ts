import { prisma } from '#app/utils/db.server.ts'
import { firstName, renderMacro, type MacroContext } from './macro-template.ts'
import { listMacros } from './macro.server.ts'
import { isCsatSurvey } from './ticket.server.ts'
import type { TicketPriorityValue, TicketStatusValue } from './ticket-rules.ts'

/**
 * What the ticket page (`/tickets/:id`) shows: the ticket, its conversation (public replies and internal notes, with
 * attachment metadata), and the customer sidebar — the requester, their orders, returns and previous tickets (matched
 * by customer record or, for guests, by email). Only the fields the page renders.
 */

export const SIDEBAR_LIMIT = 10
export const MESSAGES_LIMIT = 500

export type TicketAttachment = { name: string; contentType: string | null; size: number | null; url: string | null }

function attachmentsOf(value: unknown): TicketAttachment[] {
  if (!Array.isArray(value)) return []
  return value
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string')
    .map((item) => ({
      name: String(item.name),
      contentType: typeof item.contentType === 'string' ? item.contentType : null,
      size: typeof item.size === 'number' ? item.size : null,
      // Only links the browser can open safely (no javascript: URLs from a mail).
      url: typeof item.url === 'string' && /^https?:\/\//.test(item.url) ? item.url : null,
    }))
}

export async function getTicketPage(ticketId: string) {
  const ticket = await prisma.ticket.findUnique({
    where: { id: ticketId },
    select: {
      id: true,
      number: true,
      subject: true,
      status: true,
      priority: true,
      channel: true,
      tags: true,
      requesterId: true,
      requesterEmail: true,
      requesterName: true,
      assigneeId: true,
      assignee: { select: { id: true, name: true } },
      teamId: true,
      team: { select: { id: true, name: true } },
      orderId: true,
      order: { select: { id: true, number: true, status: true, paymentStatus: true, fulfillmentStatus: true, totalAmount: true, currency: true, placedAt: true } },
      firstResponseAt: true,
      solvedAt: true,
      closedAt: true,
      csatRating: true,
      csatAt: true,
      source: true,
      externalId: true,
      createdAt: true,
      updatedAt: true,
      version: true,
      messages: {
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: MESSAGES_LIMIT,
        select: { id: true, kind: true, fromCustomer: true, body: true, attachments: true, externalId: true, createdAt: true, author: { select: { id: true, name: true, role: true } } },
      },
    },
  })
  if (!ticket) return null

  const customerMatch = ticket.requesterId ? { OR: [{ customerId: ticket.requesterId }, { customerEmail: ticket.requesterEmail }] } : { customerEmail: ticket.requesterEmail }
  const [customer, orders, returns, previous] = await Promise.all([
    ticket.requesterId
      ? prisma.customer.findUnique({ where: { id: ticket.requesterId }, select: { id: true, name: true, email: true, phone: true, tags: true, createdAt: true } })
      : null,
    prisma.order.findMany({
      where: customerMatch,
      orderBy: [{ placedAt: 'desc' }, { id: 'desc' }],
      take: SIDEBAR_LIMIT,
      select: { id: true, number: true, status: true, fulfillmentStatus: true, totalAmount: true, currency: true, placedAt: true },
    }),
    prisma.return.findMany({
      where: ticket.requesterId ? { OR: [{ customerId: ticket.requesterId }, { order: { customerEmail: ticket.requesterEmail } }] } : { order: { customerEmail: ticket.requesterEmail } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: SIDEBAR_LIMIT,
      select: { id: true, number: true, status: true, createdAt: true, order: { select: { id: true, number: true } } },
    }),
    prisma.ticket.findMany({
      where: { id: { not: ticket.id }, OR: [...(ticket.requesterId ? [{ requesterId: ticket.requesterId }] : []), { requesterEmail: ticket.requesterEmail }] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: SIDEBAR_LIMIT,
      select: { id: true, number: true, subject: true, status: true, createdAt: true },
    }),
  ])

  return {
    ticket: {
      ...ticket,
      status: ticket.status as TicketStatusValue,
      priority: ticket.priority as TicketPriorityValue,
      mailThread: ticket.source === 'helpdesk' && ticket.externalId !== null,
      messages: ticket.messages.map((message) => ({
        id: message.id,
        kind: message.kind,
        fromCustomer: message.fromCustomer,
        /** OpsDeck's own satisfaction survey (no author). */
        survey: !message.fromCustomer && message.author === null && isCsatSurvey(message.body),
        body: message.body,
        attachments: attachmentsOf(message.attachments),
        mailed: message.externalId !== null,
        createdAt: message.createdAt,
        author: message.author,
      })),
    },
    customer,
    orders,
    returns,
    previous,
  }
}

export type TicketPage = NonNullable<Awaited<ReturnType<typeof getTicketPage>>>

/** Active macros, each rendered for this ticket and agent (placeholders filled; the missing ones named). */
export async function macrosForTicket(page: TicketPage, agent: { name: string }) {
  const context: MacroContext = {
    'customer.name': page.ticket.requesterName,
    'customer.first_name': firstName(page.ticket.requesterName),
    'customer.email': page.ticket.requesterEmail,
    'order.number': page.ticket.order?.number ?? null,
    'ticket.number': `#${page.ticket.number}`,
    'ticket.subject': page.ticket.subject,
    'agent.name': agent.name,
    'agent.first_name': firstName(agent.name),
  }
  return (await listMacros()).map((macro) => {
    const rendered = renderMacro(macro.body, context)
    return { id: macro.id, name: macro.name, text: rendered.text, missing: rendered.missing, setStatus: macro.setStatus, addTags: macro.addTags }
  })
}
