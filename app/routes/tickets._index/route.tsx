import { json, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useLocation, useNavigation } from '@remix-run/react'
import type { RowSelectionState } from '@tanstack/react-table'
import { useMemo, useState } from 'react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { bulkStylesHref } from '#app/components/orders/bulk-styles.ts'
import { OrderTable } from '#app/components/orders/order-table.tsx'
import { KeysetPager } from '#app/components/table/keyset-pager.tsx'
import { SavedViewsMenu } from '#app/components/orders/saved-views-menu.tsx'
import { TicketBulkBar } from '#app/components/tickets/ticket-bulk-bar.tsx'
import { countText, TicketQueues } from '#app/components/tickets/ticket-queues.tsx'
import { searchParamsToSelectionQuery } from '#app/models/bulk-operation.server.ts'
import { getDefaultView, listSavedViews } from '#app/models/saved-view.server.ts'
import { AGENT_ROLES, autoAssignTickets, bulkUpdateTickets, listTicketAgents, TicketActionError, type BulkTicketAction, type BulkTicketResult } from '#app/models/ticket-actions.server.ts'
import { createTicketBulkOperation } from '#app/models/ticket-bulk.server.ts'
import { listTeamOptions } from '#app/models/ticket-team.server.ts'
import { getTicketSlaSummary } from '#app/models/ticket-sla.server.ts'
import { countTickets, countTicketViews, listTickets, parseTicketListQuery, type TicketListSort } from '#app/models/ticket-list.server.ts'
import { parseTagList, PRIORITY_LABELS, STATUS_LABELS, TICKET_BULK_MAX, TICKET_PRIORITIES, TICKET_STATUSES, VIEW_LABELS } from '#app/models/ticket-rules.ts'
import { onlineUserIds } from '#app/realtime/presence.server.ts'
import { useTicketFeed } from '#app/realtime/use-ticket-feed.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, safeRedirectPath } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import ordersListStylesHref from '../orders._index/orders-list.css'
import { withParams } from '../orders._index/search-params.ts'
import { ticketColumns, type TicketRow } from './columns.tsx'
import ticketsStylesHref from './tickets.css'

/**
 * `/tickets`: the support queues. The URL is the whole view (view preset, filters, search, sort, page cursor): the
 * loader parses it with the list model's schema, reads one keyset page and every queue's capped count in one
 * statement each (app/models/ticket-list.server.ts), and the page re-reads on every live `tickets.changed`, so the
 * counts and rows follow what other agents and the helpdesk do. Saved views are the shared saved-view model
 * (area `tickets`). Bulk actions (agents and admins) change the selected tickets through the ticket actions model.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: ordersListStylesHref },
  { rel: 'stylesheet', href: bulkStylesHref },
  { rel: 'stylesheet', href: ticketsStylesHref },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  const url = new URL(request.url)
  const now = new Date()
  const viewer = { id: user.id, role: user.role }
  const [saved, defaultView] = await Promise.all([listSavedViews(viewer, 'tickets'), url.search === '' ? getDefaultView(user.id, user.role, 'tickets') : null])
  if (defaultView?.search) throw redirect(`/tickets?${defaultView.search}`)
  const canUpdate = hasPermission(user.role, 'update:ticket')
  const parsed = parseTicketListQuery(url.searchParams)
  const [counts, agents, teams] = await Promise.all([
    countTicketViews(viewer, saved.map((view) => ({ id: view.id, search: view.search })), now),
    canUpdate ? listTicketAgents() : Promise.resolve([] as Awaited<ReturnType<typeof listTicketAgents>>),
    listTeamOptions(),
  ])
  const savedViews = saved.map((view) => ({ id: view.id, name: view.name, search: view.search, mine: view.mine }))
  if ('errors' in parsed) {
    return json({ ok: false as const, errors: parsed.errors, now: now.toISOString(), counts, saved: savedViews, agents, teams, canUpdate, canCreate: hasPermission(user.role, 'create:ticket') }, { status: 400 })
  }
  const { query } = parsed
  // A view narrowed by filters or a search gets its own count (the queue's count is in the sidebar).
  const filtered = Boolean(query.q || query.status || query.priority || query.tag || query.assignee || query.team)
  const [page, count] = await Promise.all([listTickets(query, viewer, now), filtered ? countTickets(query, viewer, now) : null])
  const sla = await getTicketSlaSummary(page.rows.map((row) => row.id), now)
  const rows: TicketRow[] = page.rows.map((row) => ({
    ...row,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
    slaDueAt: sla.get(row.id)?.dueAt?.toISOString() ?? null,
    slaPaused: sla.get(row.id)?.paused ?? false,
  }))
  return json({
    ok: true as const,
    now: now.toISOString(),
    rows,
    nextCursor: page.nextCursor,
    prevCursor: page.prevCursor,
    query: { view: query.view, sort: query.sort, dir: query.dir, q: query.q ?? '' },
    count,
    counts,
    saved: savedViews,
    agents,
    teams,
    canUpdate,
    canCreate: hasPermission(user.role, 'create:ticket'),
  })
}

const BulkSchema = z.object({
  intent: z.literal('bulk'),
  op: z.enum(['assign', 'tag', 'untag', 'solve', 'close', 'round_robin'], { errorMap: () => ({ message: 'Choose a bulk action' }) }),
  /** The selected rows of the page, or every ticket matching the view (`query`: the list's search string). */
  scope: z.enum(['ids', 'query']).default('ids'),
  ids: z.array(z.string().min(1).max(64)).max(TICKET_BULK_MAX, `Select at most ${TICKET_BULK_MAX} tickets, or all matching the view`).default([]),
  query: z.string().max(4000).default(''),
  /** '' = unassign, 'keep' = leave the agent as is. */
  assigneeId: z.string().max(64).optional(),
  /** '' = leave the team as is, 'none' = take out of its team. */
  teamId: z.string().max(64).optional(),
  tags: z.string().max(500).optional(),
  back: z.string().max(4000).optional(),
})

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:ticket')
  const form = await request.formData()
  const parsed = BulkSchema.safeParse({ ...Object.fromEntries(form), ids: form.getAll('ids').map(String) })
  const back = safeRedirectPath(String(form.get('back') ?? ''), '/tickets')
  const target = back.startsWith('/tickets') ? back : '/tickets'
  const refuse = (description: string) => redirectWithToast(target, { type: 'error', title: 'Nothing changed', description })
  if (!parsed.success) return refuse(parsed.error.issues[0]?.message ?? 'That request was not understood.')
  const input = parsed.data
  const tags = parseTagList(input.tags)
  if ((input.op === 'tag' || input.op === 'untag') && tags.length === 0) return refuse('Type at least one tag.')
  if (input.scope === 'ids' && input.ids.length === 0) return refuse('Select at least one ticket.')
  const agent = input.assigneeId === 'keep' ? undefined : input.assigneeId || null
  const team = !input.teamId ? undefined : input.teamId === 'none' ? null : input.teamId
  if (input.op === 'assign' && agent === undefined && team === undefined) return refuse('Choose an agent or a team.')
  const actor = { id: user.id, role: user.role }
  const meta = getRequestMeta(request, context)

  // "All matching" and round-robin run as a tracked job (app/models/ticket-bulk.server.ts).
  if (input.scope === 'query' || input.op === 'round_robin') {
    if (input.op === 'solve') return refuse('Solve works on selected tickets; close all matching instead.')
    const online = input.op === 'round_robin' ? await onlineUserIds(AGENT_ROLES) : []
    const result = await createTicketBulkOperation({
      kind: input.op === 'untag' ? 'tag' : input.op,
      selection: input.scope === 'ids' ? { ids: input.ids } : { query: searchParamsToSelectionQuery(new URLSearchParams(input.query)) },
      params:
        input.op === 'tag'
          ? { add: tags, remove: [] }
          : input.op === 'untag'
            ? { add: [], remove: tags }
            : input.op === 'round_robin'
              ? { agentIds: online }
              : input.op === 'assign'
                ? { ...(agent !== undefined ? { assigneeId: agent } : {}), ...(team !== undefined ? { teamId: team } : {}) }
                : {},
      actor,
      requestId: meta.requestId,
      ip: meta.ip,
    })
    if (!result.ok) return refuse(result.message)
    const count = result.operation.total.toLocaleString('en-GB')
    return redirectWithToast(`/tickets/bulk/${result.operation.id}`, {
      type: 'info',
      title: `Bulk action on ${count} ticket${result.operation.total === 1 ? '' : 's'} queued`,
      description: 'It runs in the background; this page follows its progress.',
    })
  }

  const actions: BulkTicketAction[] =
    input.op === 'assign'
      ? [...(team !== undefined ? [{ kind: 'team' as const, teamId: team }] : []), ...(agent !== undefined ? [{ kind: 'assign' as const, assigneeId: agent }] : [])]
      : input.op === 'tag'
        ? [{ kind: 'tag', add: tags, remove: [] }]
        : input.op === 'untag'
          ? [{ kind: 'tag', add: [], remove: tags }]
          : [{ kind: input.op }]
  try {
    const ctx = { actor, requestId: meta.requestId }
    const results: BulkTicketResult[] = []
    for (const bulk of actions) results.push(await bulkUpdateTickets(input.ids, bulk, ctx))
    // Tickets now with a team and no agent go round-robin to the team's members online.
    if (team && agent === undefined) await autoAssignTickets(input.ids, await onlineUserIds(AGENT_ROLES), { actorId: user.id, requestId: meta.requestId })
    const result = results.reduce((sum, next) => ({ succeeded: Math.max(sum.succeeded, next.succeeded), unchanged: Math.min(sum.unchanged, next.unchanged), skipped: [...sum.skipped, ...next.skipped] }))
    const skipped = result.skipped.length
    return redirectWithToast(target, {
      type: skipped > 0 ? 'info' : 'success',
      title: `${result.succeeded} ticket${result.succeeded === 1 ? '' : 's'} updated`,
      description:
        [result.unchanged > 0 ? `${result.unchanged} already so.` : null, skipped > 0 ? `${skipped} skipped: ${result.skipped.slice(0, 3).map((item) => `#${item.number ?? '?'} ${item.reason}`).join(' ')}` : null]
          .filter(Boolean)
          .join(' ')
          .slice(0, 480) || undefined,
    })
  } catch (error) {
    if (error instanceof TicketActionError) return refuse(error.message)
    throw error
  }
}

export default function TicketsPage() {
  const data = useLoaderData<typeof loader>()
  const location = useLocation()
  useTicketFeed('list')
  // Selection belongs to one view: a new URL starts with nothing selected.
  return <TicketsView key={location.search} data={data} search={location.search} />
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>

function TicketsView({ data, search }: { data: LoaderData; search: string }) {
  const params = useMemo(() => new URLSearchParams(search), [search])
  const navigation = useNavigation()
  const loading = navigation.state === 'loading' && navigation.location?.pathname === '/tickets'
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({})
  const sort: TicketListSort = data.ok ? data.query.sort : 'updated'
  const dir = data.ok ? data.query.dir : 'desc'
  const columns = useMemo(
    () =>
      ticketColumns({
        now: data.now,
        sort,
        dir,
        selectable: data.canUpdate,
        sortLink: (key) => withParams(params, { sort: key === 'updated' ? null : key, dir: sort === key && dir === 'desc' ? 'asc' : null }),
      }),
    [data.now, sort, dir, params, data.canUpdate],
  )
  const rows = data.ok ? data.rows : []
  const selectedIds = Object.keys(rowSelection).filter((id) => rowSelection[id])
  const errors: Record<string, string> = data.ok ? {} : data.errors
  const view = data.ok ? data.query.view : 'open'
  const current = new URLSearchParams(params)
  current.delete('after')
  current.delete('before')
  const filtered = [...params.entries()].some(([key, value]) => value.trim() !== '' && !['view', 'sort', 'dir', 'after', 'before', 'limit'].includes(key))
  const viewCount = (data.ok ? data.count : null) ?? data.counts.views[view]

  return (
    <div className="page tickets-page" data-testid="tickets-view" data-search={search}>
      <header className="page-header">
        <div>
          <h1>Tickets</h1>
          <p className="muted" data-testid="tickets-count">
            <strong>{VIEW_LABELS[view]}</strong>
            {`${filtered ? ', filtered' : ''}: ${countText(viewCount)} ticket${viewCount.count === 1 && viewCount.exact ? '' : 's'}`}
          </p>
        </div>
        <div className="header-actions">
          {/* The menu's base path is `/${area}`; its prop type names only 'orders' (app/components/orders, not ours). */}
          <SavedViewsMenu area="tickets" current={search} />
          <Link to="/tickets/macros" className="button button-small button-secondary">
            Macros
          </Link>
          <Link to="/tickets/teams" className="button button-small button-secondary">
            Teams
          </Link>
          <Link to="/tickets/sla" className="button button-small button-secondary">
            SLA policies
          </Link>
          <Link to="/tickets/bulk" className="button button-small button-secondary" data-testid="tickets-bulk-history">
            Bulk actions
          </Link>
          {data.canCreate ? (
            <Link to="/tickets/new" className="button button-small button-primary" data-testid="new-ticket">
              New ticket
            </Link>
          ) : null}
        </div>
      </header>

      <div className="tickets-layout">
        <TicketQueues counts={data.counts} current={current.toString()} saved={data.saved} />

        <section className="panel panel-flush tickets-panel" aria-labelledby="tickets-table-title">
          <h2 id="tickets-table-title" className="visually-hidden">
            Tickets
          </h2>
          <TicketFilters params={params} errors={errors} />
          {Object.keys(errors).length > 0 ? (
            <div className="alert alert-error orders-errors" role="alert" data-testid="tickets-errors">
              <ul>
                {Object.entries(errors).map(([field, message]) => (
                  <li key={field} data-field={field}>
                    {message}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {data.canUpdate && selectedIds.length > 0 ? (
            <TicketBulkBar
              ids={selectedIds}
              agents={data.agents}
              teams={data.teams}
              back={`/tickets${search}`}
              search={current.toString()}
              matching={viewCount.count}
              matchingText={countText(viewCount)}
              allOnPage={rows.length > 0 && selectedIds.length === rows.length}
              onClear={() => setRowSelection({})}
            />
          ) : null}
          <div className={loading ? 'orders-table-loading' : undefined} aria-busy={loading || undefined}>
            <OrderTable
              columns={columns}
              rows={rows}
              visible={columns.map((column) => column.id!).filter((id) => id !== 'select')}
              density="comfortable"
              rowSelection={rowSelection}
              onRowSelectionChange={setRowSelection}
              caption="Tickets in this view, one page"
              emptyMessage={data.ok ? (filtered ? 'No tickets match these filters.' : 'No tickets in this view.') : 'Fix the filters above to see tickets.'}
            />
          </div>
          <KeysetPager
            prevTo={data.ok && data.prevCursor ? withParams(params, { before: data.prevCursor, after: null }) : null}
            nextTo={data.ok && data.nextCursor ? withParams(params, { after: data.nextCursor, before: null }) : null}
          />
        </section>
      </div>
    </div>
  )
}

/** Search and filters: a GET form, so the result is a URL (keeps the view preset and sort). */
function TicketFilters({ params, errors }: { params: URLSearchParams; errors: Record<string, string> }) {
  const value = (key: string) => params.get(key) ?? ''
  return (
    <Form method="get" className="list-filters ticket-filters" role="search" data-testid="ticket-filters">
      {['view', 'sort', 'dir'].map((key) => (params.has(key) ? <input key={key} type="hidden" name={key} value={value(key)} /> : null))}
      <div className="field ticket-filters__search">
        <label htmlFor="ticket-q">Search</label>
        <input id="ticket-q" name="q" type="search" defaultValue={value('q')} placeholder="Subject or message words, email, #ticket or #order" aria-invalid={errors.q ? true : undefined} />
      </div>
      <div className="field">
        <label htmlFor="ticket-status">Status</label>
        <select id="ticket-status" name="status" defaultValue={value('status')}>
          <option value="">Any</option>
          {TICKET_STATUSES.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="ticket-priority">Priority</label>
        <select id="ticket-priority" name="priority" defaultValue={value('priority')}>
          <option value="">Any</option>
          {TICKET_PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {PRIORITY_LABELS[priority]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="ticket-tag">Tag</label>
        <input id="ticket-tag" name="tag" defaultValue={value('tag')} size={12} />
      </div>
      <div className="segmented ticket-filters__sort" role="group" aria-label="Sort by">
        {(
          [
            ['updated', 'Last updated'],
            ['created', 'Newest'],
          ] as const
        ).map(([key, label]) => (
          <Link
            key={key}
            to={withParams(params, { sort: key === 'updated' ? null : key, dir: null })}
            className={`segmented__item${(params.get('sort') ?? 'updated') === key ? ' segmented__item--active' : ''}`}
            preventScrollReset
          >
            {label}
          </Link>
        ))}
      </div>
      <div className="ticket-filters__actions">
        <button type="submit" className="button button-small button-primary">
          Apply
        </button>
        <Link to={`/tickets?view=${params.get('view') ?? 'open'}`} className="button button-small button-secondary">
          Reset
        </Link>
      </div>
    </Form>
  )
}

export const meta: MetaFunction = () => [{ title: 'Tickets · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
