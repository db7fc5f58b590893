import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { SlaCountdown, TicketPriorityBadge, TicketStatusBadge } from '#app/components/tickets/ticket-badges.tsx'
import { TicketComposer, type ReplyActionData } from '#app/components/tickets/ticket-composer.tsx'
import { TicketConversation } from '#app/components/tickets/ticket-conversation.tsx'
import { TicketPresence } from '#app/components/tickets/ticket-presence.tsx'
import { TicketProperties } from '#app/components/tickets/ticket-properties.tsx'
import { TicketSidebar } from '#app/components/tickets/ticket-sidebar.tsx'
import { TicketSlaClocks } from '#app/components/tickets/ticket-sla.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import {
  AGENT_ROLES,
  assignTicket,
  assignTicketTeam,
  linkTicketOrder,
  listTicketAgents,
  ReplyConflictError,
  replyToTicket,
  setTicketPriority,
  setTicketStatus,
  setTicketTags,
  TicketActionError,
  unlinkTicketOrder,
  type Ctx,
} from '#app/models/ticket-actions.server.ts'
import { getTicketPage, macrosForTicket } from '#app/models/ticket-detail.server.ts'
import { listTeamOptions } from '#app/models/ticket-team.server.ts'
import { getTicketSlaClocks, getTicketSlaSummary } from '#app/models/ticket-sla.server.ts'
import { parseTagList, STATUS_LABELS, TICKET_BODY_MAX, TICKET_PRIORITIES, TICKET_STATUSES } from '#app/models/ticket-rules.ts'
import { onlineUserIds } from '#app/realtime/presence.server.ts'
import { useTicketFeed } from '#app/realtime/use-ticket-feed.ts'
import { useTicketPresence } from '#app/realtime/use-ticket-presence.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import orderPageStylesHref from '../orders.$id/order-page.css'
import ordersListStylesHref from '../orders._index/orders-list.css'
import ticketPageStylesHref from './ticket-page.css'

/**
 * A ticket, worked in one place: the conversation (public replies and internal notes), the reply composer with
 * macros, status/priority/assignee/tags, the linked order with its actions (case file, start a return, refund), and
 * the customer's orders, returns and previous tickets. Who else is viewing and typing shows live; the page re-reads
 * when the ticket changes. Changes go through app/models/ticket-actions.server.ts (one transaction each, version
 * checks, audit, outbox); a reply that collides with someone else's is refused with their message and "Send anyway".
 */

// Presence avatars (order page) and segmented controls / link buttons (orders list) are shared styles.
export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: orderPageStylesHref },
  { rel: 'stylesheet', href: ordersListStylesHref },
  { rel: 'stylesheet', href: ticketPageStylesHref },
]

const IdSchema = z.string().min(1).max(64)
const Version = z.coerce.number({ invalid_type_error: 'Reload the page and try again' }).int().positive()
const OptionalId = z
  .string()
  .max(64)
  .optional()
  .transform((value) => value || null)

export const ReplySchema = z.object({
  intent: z.literal('reply'),
  kind: z.enum(['public_reply', 'internal_note'], { errorMap: () => ({ message: 'Choose a public reply or an internal note' }) }),
  body: z.string({ required_error: 'Write a reply' }).trim().min(1, 'Write a reply').max(TICKET_BODY_MAX, `Keep it under ${TICKET_BODY_MAX.toLocaleString('en')} characters`),
  macroId: OptionalId,
  setStatus: z
    .union([z.enum(TICKET_STATUSES), z.literal('')])
    .optional()
    .transform((value) => value || null),
  lastSeenMessageId: OptionalId,
  force: z.literal('1').optional(),
})
export const StatusSchema = z.object({ intent: z.literal('status'), expectedVersion: Version, status: z.enum(TICKET_STATUSES, { errorMap: () => ({ message: 'Choose a status' }) }) })
export const PrioritySchema = z.object({ intent: z.literal('priority'), expectedVersion: Version, priority: z.enum(TICKET_PRIORITIES, { errorMap: () => ({ message: 'Choose a priority' }) }) })
export const AssignSchema = z.object({ intent: z.literal('assign'), expectedVersion: Version, assigneeId: OptionalId })
export const TeamSchema = z.object({ intent: z.literal('team'), expectedVersion: Version, teamId: OptionalId })
export const TagsSchema = z
  .object({ intent: z.literal('tags'), add: z.string().max(500).optional().transform(parseTagList), remove: z.string().max(500).optional().transform(parseTagList) })
  .refine((value) => value.add.length + value.remove.length > 0, { message: 'Type a tag to add', path: ['add'] })
  .refine((value) => value.add.every((tag) => tag.length <= 40), { message: 'Tags are at most 40 characters', path: ['add'] })
export const LinkOrderSchema = z.object({
  intent: z.literal('link-order'),
  expectedVersion: Version,
  orderNumber: z
    .string({ required_error: 'Type an order number' })
    .trim()
    .min(1, 'Type an order number')
    .max(40, 'That is not an order number')
    .transform((value) => (value.startsWith('#') ? value : `#${value}`)),
})
export const UnlinkOrderSchema = z.object({ intent: z.literal('unlink-order'), expectedVersion: Version })

const ActionSchema = z.discriminatedUnion('intent', [ReplySchema, StatusSchema, PrioritySchema, AssignSchema, TeamSchema, TagsSchema.innerType().innerType(), LinkOrderSchema, UnlinkOrderSchema])

export type TicketActionData = ReplyActionData | { intent: string; formError: string; fieldErrors?: Record<string, string> }

function parseId(params: LoaderFunctionArgs['params']) {
  const parsed = IdSchema.safeParse(params.id)
  invariantResponse(parsed.success, 'There is no ticket at this address.', { status: 404 })
  return parsed.data
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  const id = parseId(params)
  const page = await getTicketPage(id)
  invariantResponse(page, `There is no ticket with id “${id}”. It may have been deleted, or the link is wrong — find it on the tickets list.`, { status: 404 })
  const canUpdate = hasPermission(user.role, 'update:ticket')
  const now = new Date()
  const [macros, agents, teams, sla, clocks] = await Promise.all([
    canUpdate ? macrosForTicket(page, user) : Promise.resolve([] as Awaited<ReturnType<typeof macrosForTicket>>),
    canUpdate ? listTicketAgents() : Promise.resolve([] as Awaited<ReturnType<typeof listTicketAgents>>),
    canUpdate ? listTeamOptions() : Promise.resolve([] as Awaited<ReturnType<typeof listTeamOptions>>),
    getTicketSlaSummary([id], now),
    getTicketSlaClocks([id], now),
  ])
  return json({
    now: now.toISOString(),
    ...page,
    sla: sla.get(id) ?? null,
    clocks: (clocks.get(id) ?? []).map((clock) => ({
      metric: clock.metric,
      dueAt: clock.dueAt.toISOString(),
      pausedAt: clock.pausedAt?.toISOString() ?? null,
      breachedAt: clock.breachedAt?.toISOString() ?? null,
      satisfiedAt: clock.satisfiedAt?.toISOString() ?? null,
      remainingMinutes: clock.remainingMinutes,
    })),
    macros,
    agents,
    teams,
    me: { id: user.id, name: user.name, role: user.role },
    can: {
      update: canUpdate,
      readOrder: hasPermission(user.role, 'read:order'),
      createReturn: hasPermission(user.role, 'create:return'),
      refund: hasPermission(user.role, 'update:order'),
    },
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:ticket')
  const ticketId = parseId(params)
  const fields = Object.fromEntries(await request.formData())
  const parsed = ActionSchema.safeParse(fields)
  if (!parsed.success) {
    const flat = parsed.error.flatten()
    const fieldErrors = Object.fromEntries(Object.entries(flat.fieldErrors).map(([field, errors]) => [field, (errors as string[] | undefined)?.[0] ?? 'Invalid']))
    const intent = typeof fields.intent === 'string' ? fields.intent.slice(0, 40) : 'unknown'
    const formError = fieldErrors.intent ? 'That request was not understood. Reload the page and try again.' : (fieldErrors.expectedVersion ?? Object.values(fieldErrors)[0] ?? 'Check the form.')
    return json<TicketActionData>({ intent, formError, fieldErrors }, { status: 400 })
  }
  const input = parsed.data
  if (input.intent === 'tags') {
    const checked = TagsSchema.safeParse(input)
    if (!checked.success) return json<TicketActionData>({ intent: 'tags', formError: checked.error.issues[0]!.message }, { status: 400 })
  }
  const ctx: Ctx = { actor: { id: user.id, role: user.role }, requestId: getRequestMeta(request, context).requestId }
  const back = `/tickets/${ticketId}`
  try {
    switch (input.intent) {
      case 'reply': {
        const result = await replyToTicket(
          ticketId,
          { kind: input.kind, body: input.body, macroId: input.macroId, setStatus: input.setStatus, lastSeenMessageId: input.lastSeenMessageId, force: input.force === '1' },
          ctx,
        )
        const note = input.kind === 'internal_note'
        return redirectWithToast(back, {
          title: note ? 'Note added' : result.mailed ? 'Reply sent' : 'Reply recorded',
          description: [result.status ? `Status: ${STATUS_LABELS[result.status]}.` : null, result.tagsAdded.length ? `Tagged ${result.tagsAdded.join(', ')}.` : null].filter(Boolean).join(' ') || undefined,
        })
      }
      case 'status':
        await setTicketStatus(ticketId, input.status, input.expectedVersion, ctx)
        return redirectWithToast(back, { title: `Status: ${STATUS_LABELS[input.status]}` })
      case 'priority':
        await setTicketPriority(ticketId, input.priority, input.expectedVersion, ctx)
        return redirectWithToast(back, { title: 'Priority changed' })
      case 'assign':
        await assignTicket(ticketId, input.assigneeId, input.expectedVersion, ctx)
        return redirectWithToast(back, { title: input.assigneeId ? (input.assigneeId === user.id ? 'You took this ticket' : 'Ticket assigned') : 'Ticket unassigned' })
      case 'team': {
        const result = await assignTicketTeam(ticketId, input.teamId, input.expectedVersion, ctx, { onlineAgentIds: input.teamId ? await onlineUserIds(AGENT_ROLES) : [] })
        const description = result.autoAssignedTo
          ? 'It went round-robin to a team member online.'
          : input.teamId && result.changed
            ? 'It waits in the team’s queue until an agent takes it (nobody from the team is online).'
            : undefined
        return redirectWithToast(back, { title: input.teamId ? 'Team set' : 'Removed from its team', description })
      }
      case 'tags':
        await setTicketTags(ticketId, { add: parseTagList(input.add.join(',')), remove: input.remove }, ctx)
        return redirectWithToast(back, { title: 'Tags updated' })
      case 'link-order':
        await linkTicketOrder(ticketId, input.orderNumber, input.expectedVersion, ctx)
        return redirectWithToast(back, { title: `Order ${input.orderNumber} linked` })
      case 'unlink-order':
        await unlinkTicketOrder(ticketId, input.expectedVersion, ctx)
        return redirectWithToast(back, { title: 'Order unlinked' })
    }
  } catch (error) {
    if (error instanceof ReplyConflictError) {
      return json<ReplyActionData>(
        {
          intent: 'reply',
          formError: error.message,
          conflict: error.messages.map((message) => ({ author: message.author, fromCustomer: message.fromCustomer, createdAt: message.createdAt.toISOString(), excerpt: message.excerpt })),
        },
        { status: 409 },
      )
    }
    if (error instanceof TicketActionError) {
      if (error.status === 403 || error.status === 404) throw json({ message: error.message }, { status: error.status })
      return json<TicketActionData>({ intent: input.intent, formError: error.message, fieldErrors: error.field ? { [error.field]: error.message } : undefined }, { status: error.status })
    }
    throw error
  }
}

export default function TicketPage() {
  const data = useLoaderData<typeof loader>()
  const actionData = useActionData<TicketActionData>()
  const { ticket } = data
  const presence = useTicketPresence(ticket.id, data.me.id)
  useTicketFeed({ ticketId: ticket.id })
  const lastMessageId = ticket.messages.at(-1)?.id ?? null
  const propertyError = actionData && actionData.intent !== 'reply' && actionData.intent !== 'link-order' && 'formError' in actionData ? { intent: actionData.intent, message: actionData.formError ?? '' } : null

  return (
    <div className="page ticket-page" data-testid="ticket-page" data-version={ticket.version}>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/tickets">Tickets</Link> / #{ticket.number}
      </nav>
      <header className="page-header ticket-header">
        <div>
          <h1 className="title-with-badge">
            <span>
              #{ticket.number} {ticket.subject}
            </span>
            <TicketStatusBadge status={ticket.status} />
            <TicketPriorityBadge priority={ticket.priority} />
          </h1>
          <p className="muted">
            {ticket.requesterName} &lt;{ticket.requesterEmail}&gt; · via {ticket.channel} · opened <DateTimeCell value={ticket.createdAt} />
            {ticket.assignee ? ` · assigned to ${ticket.assignee.name}` : ' · unassigned'}
            {ticket.team ? ` · team ${ticket.team.name}` : null}
          </p>
        </div>
        <div className="header-actions">
          {ticket.status !== 'solved' && ticket.status !== 'closed' ? (
            <span className="ticket-sla" data-testid="ticket-sla">
              SLA: <SlaCountdown dueAt={data.sla?.dueAt ?? null} paused={data.sla?.paused ?? false} now={data.now} />
            </span>
          ) : null}
          <TicketPresence others={presence.others} known={presence.known} />
        </div>
      </header>

      <div className="ticket-layout">
        <div className="ticket-main">
          <section className="panel" aria-labelledby="conversation-title">
            <h2 id="conversation-title" className="panel-title">
              Conversation
            </h2>
            <TicketConversation messages={ticket.messages} requesterName={ticket.requesterName} mailThread={ticket.mailThread} />
          </section>
          {data.can.update ? (
            <section className="panel" aria-labelledby="composer-title">
              <h2 id="composer-title" className="panel-title">
                Reply
              </h2>
              {ticket.status === 'closed' ? (
                <p className="muted">This ticket is closed. Add an internal note, or create a follow-up ticket.</p>
              ) : null}
              <TicketComposer
                key={ticket.id}
                status={ticket.status}
                lastMessageId={lastMessageId}
                macros={data.macros}
                mailThread={ticket.mailThread}
                typingOthers={presence.others.filter((viewer) => viewer.typing)}
                onTyping={presence.typing}
                onStopTyping={presence.stopTyping}
              />
            </section>
          ) : null}
        </div>
        <div className="ticket-aside">
          <section className="panel" aria-labelledby="properties-title">
            <h2 id="properties-title" className="panel-title">
              Ticket
            </h2>
            <TicketProperties
              ticket={{ ...ticket, assigneeName: ticket.assignee?.name ?? null, teamName: ticket.team?.name ?? null }}
              agents={data.agents}
              teams={data.teams}
              me={data.me}
              canUpdate={data.can.update}
              error={propertyError}
            />
          </section>
          <section className="panel" aria-labelledby="sla-title">
            <h2 id="sla-title" className="panel-title">
              SLA
            </h2>
            <TicketSlaClocks clocks={data.clocks} now={data.now} />
          </section>
          <TicketSidebar
            ticketId={ticket.id}
            version={ticket.version}
            linkedOrder={ticket.order}
            customer={data.customer}
            requester={{ name: ticket.requesterName, email: ticket.requesterEmail }}
            orders={data.orders}
            returns={data.returns}
            previous={data.previous}
            can={data.can}
            orderError={actionData?.intent === 'link-order' && 'formError' in actionData ? actionData.formError : undefined}
          />
        </div>
      </div>
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `#${data.ticket.number} ${data.ticket.subject} · Tickets · OpsDeck` : 'Ticket · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
