import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { BulkProgressPanel, useBulkProgress } from '#app/components/orders/bulk-progress.tsx'
import { bulkStylesHref } from '#app/components/orders/bulk-styles.ts'
import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'
import { BULK_OUTCOMES, cancelBulkOperation, getBulkOperation, listBulkItems } from '#app/models/bulk-operation.server.ts'
import { ticketNumbers } from '#app/models/ticket-bulk.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * One bulk action on tickets (app/models/ticket-bulk.server.ts): live progress (the orders' progress panel and its
 * `bulk.progress` socket signal), the per-ticket results filterable by outcome, Stop while it runs. Visible to the
 * person who started it and to admins (404 for anyone else, as for an unknown id).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: bulkStylesHref }]

const QuerySchema = z.object({
  outcome: z.enum(BULK_OUTCOMES).optional().catch(undefined),
  after: z.string().regex(/^\d+$/).max(20).optional().catch(undefined),
})

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  const operation = await getBulkOperation(params.id ?? '', { id: user.id, role: user.role })
  invariantResponse(operation, 'There is no such bulk operation, or it was started by someone else.', { status: 404 })
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const items = await listBulkItems({ operationId: operation.id, outcome: query.outcome, after: query.after, take: 50 })
  const numbers = await ticketNumbers(items.rows.map((row) => row.entityId))
  return json({
    operation: {
      id: operation.id,
      kind: operation.kind,
      actorName: operation.actor?.name ?? 'someone',
      params: operation.params as { add?: string[]; remove?: string[]; assigneeId?: string | null; teamId?: string | null; agentIds?: string[] },
      selection: operation.selection,
    },
    progress: {
      id: operation.id,
      status: operation.status,
      total: operation.total,
      processed: operation.processed,
      succeeded: operation.succeeded,
      skipped: operation.skipped,
      failed: operation.failed,
      fileBytes: null,
      error: operation.error,
      finishedAt: operation.finishedAt?.toISOString() ?? null,
      downloadable: false,
    },
    items: { rows: items.rows.map((row) => ({ ...row, number: numbers.get(row.entityId) ?? null })), nextCursor: items.nextCursor },
    outcome: query.outcome ?? null,
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:ticket')
  const form = Object.fromEntries(await request.formData())
  invariantResponse(form.intent === 'cancel', 'That request was not understood.', { status: 400 })
  const meta = getRequestMeta(request, context)
  const result = await cancelBulkOperation(params.id ?? '', { id: user.id, role: user.role }, { requestId: meta.requestId, ip: meta.ip })
  invariantResponse(result.ok || result.status !== 404, 'There is no such bulk operation.', { status: 404 })
  if (!result.ok) return redirectWithToast(`/tickets/bulk/${params.id}`, { type: 'info', title: result.message })
  return redirectWithToast(`/tickets/bulk/${params.id}`, { title: 'Bulk action stopped', description: 'Tickets already done stay done.' })
}

/** Isomorphic copy of the outcomes' order (BULK_OUTCOMES is server-only: stripped from the browser bundle). */
const OUTCOME_ORDER = ['succeeded', 'skipped', 'failed'] as const
const KIND_LABEL: Record<string, string> = { tag: 'Tag', assign: 'Assign', close: 'Close', round_robin: 'Assign round-robin' }
const OUTCOME_TONE: Record<string, BadgeTone> = { succeeded: 'success', skipped: 'warning', failed: 'danger' }
const OUTCOME_LABEL: Record<string, string> = { succeeded: 'Succeeded', skipped: 'Skipped', failed: 'Failed' }

function describeParams(kind: string, params: ReturnType<typeof useLoaderData<typeof loader>>['operation']['params']) {
  if (kind === 'tag') return [params.add?.length ? `add ${params.add.join(', ')}` : null, params.remove?.length ? `remove ${params.remove.join(', ')}` : null].filter(Boolean).join('; ')
  if (kind === 'round_robin') return `among ${params.agentIds?.length ?? 0} agent${params.agentIds?.length === 1 ? '' : 's'} online when it started`
  if (kind === 'assign') return [params.teamId !== undefined ? (params.teamId ? 'to the chosen team' : 'out of its team') : null, params.assigneeId !== undefined ? (params.assigneeId ? 'to the chosen agent' : 'unassign') : null].filter(Boolean).join(', ')
  return ''
}

export default function TicketBulkPage() {
  const data = useLoaderData<typeof loader>()
  const { operation, items, outcome } = data
  const progress = useBulkProgress(data.progress)
  const navigation = useNavigation()
  const [searchParams] = useSearchParams()
  const running = progress.status === 'queued' || progress.status === 'running'
  const selection = operation.selection.kind === 'ids' ? `${operation.selection.count.toLocaleString('en-GB')} selected tickets` : 'all tickets matching a view'
  const details = describeParams(operation.kind, operation.params)
  const withOutcome = (next: string | null) => {
    const params = new URLSearchParams(searchParams)
    params.delete('after')
    if (next) params.set('outcome', next)
    else params.delete('outcome')
    const search = params.toString()
    return search ? `?${search}` : '.'
  }

  return (
    <div className="page" data-testid="bulk-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/tickets">Tickets</Link> <span aria-hidden="true">/</span> <span>Bulk action</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 className="title-with-badge">
            {KIND_LABEL[operation.kind] ?? operation.kind} · {selection} <BulkStatusBadge status={progress.status} />
          </h1>
          <p className="muted">
            Started by {operation.actorName} {details ? <>· {details}</> : null}
            {operation.selection.kind === 'query' ? (
              <>
                {' '}
                · <Link to={`/tickets?${operation.selection.search}`}>the view</Link>
              </>
            ) : null}
          </p>
        </div>
        {running ? (
          <div className="header-actions">
            <Form method="post">
              <input type="hidden" name="intent" value="cancel" />
              <button type="submit" className="button button-secondary" disabled={navigation.state !== 'idle'}>
                Stop
              </button>
            </Form>
          </div>
        ) : null}
      </header>

      <BulkProgressPanel progress={progress} kind={operation.kind} unit="tickets processed" />

      <section className="panel panel-flush" aria-labelledby="results-title">
        <h2 id="results-title" className="panel-title bulk-results__title">
          Results per ticket
        </h2>
        <div className="list-filters" role="group" aria-label="Filter by outcome">
          <Link to={withOutcome(null)} className={`chip${outcome === null ? ' chip-active' : ''}`} aria-current={outcome === null ? 'true' : undefined}>
            All <span className="num">{progress.processed.toLocaleString('en-GB')}</span>
          </Link>
          {OUTCOME_ORDER.map((value) => (
            <Link key={value} to={withOutcome(value)} className={`chip${outcome === value ? ' chip-active' : ''}`} aria-current={outcome === value ? 'true' : undefined}>
              {OUTCOME_LABEL[value]} <span className="num">{progress[value].toLocaleString('en-GB')}</span>
            </Link>
          ))}
        </div>
        <div className="table-wrap">
          <table className="data-table" data-testid="bulk-results">
            <caption className="visually-hidden">Result of the bulk action for each ticket</caption>
            <thead>
              <tr>
                <th scope="col">Ticket</th>
                <th scope="col">Outcome</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {items.rows.length === 0 ? (
                <tr>
                  <td colSpan={3} className="empty">
                    {running ? 'Results appear here as tickets are processed.' : 'No tickets with this outcome.'}
                  </td>
                </tr>
              ) : (
                items.rows.map((item) => (
                  <tr key={item.id} data-outcome={item.outcome}>
                    <td className="cell-mono">{item.number ? <Link to={`/tickets/${item.entityId}`}>#{item.number}</Link> : <span className="muted">{item.entityId} (deleted)</span>}</td>
                    <td>
                      <StatusBadge tone={OUTCOME_TONE[item.outcome]}>{OUTCOME_LABEL[item.outcome]}</StatusBadge>
                    </td>
                    <td>{item.reason ?? <span className="muted">—</span>}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        {items.nextCursor ? (
          <nav className="pager" aria-label="Pages">
            <span />
            <Link to={`?${new URLSearchParams({ ...(outcome ? { outcome } : {}), after: items.nextCursor }).toString()}`}>More →</Link>
          </nav>
        ) : null}
      </section>
    </div>
  )
}

function BulkStatusBadge({ status }: { status: string }) {
  const tone: BadgeTone = status === 'completed' ? 'success' : status === 'failed' ? 'danger' : status === 'cancelled' ? 'neutral' : 'info'
  const label = { queued: 'Queued', running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Stopped' }[status] ?? status
  return (
    <span data-testid="bulk-status" data-status={status}>
      <StatusBadge tone={tone}>{label}</StatusBadge>
    </span>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? (KIND_LABEL[data.operation.kind] ?? 'Bulk action') : 'Bulk action'} · Tickets · OpsDeck` }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
