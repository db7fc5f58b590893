import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { BulkProgressPanel, useBulkProgress } from '#app/components/orders/bulk-progress.tsx'
import { bulkStylesHref } from '#app/components/orders/bulk-styles.ts'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'
import { BULK_KIND_LABEL, BulkStatusBadge, describeBulkParams, formatBytes } from '#app/components/orders/bulk-labels.tsx'
import { BULK_OUTCOMES, cancelBulkOperation, getBulkOperation, listBulkItems } from '#app/models/bulk-operation.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * One bulk operation: live progress (socket `bulk.progress`, polling while offline), counters, the per-row results
 * filterable by outcome (`?outcome=`, keyset `?after=`), the download once an export is done, and Cancel while it
 * runs. Visible to the person who started it and to admins (404 for anyone else, as for an unknown id).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: bulkStylesHref }]

const QuerySchema = z.object({
  outcome: z.enum(BULK_OUTCOMES).optional().catch(undefined),
  after: z.string().regex(/^\d+$/).max(20).optional().catch(undefined),
})

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const operation = await getBulkOperation(params.id ?? '', { id: user.id, role: user.role })
  invariantResponse(operation, 'There is no such bulk operation, or it was started by someone else.', { status: 404 })
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const items = operation.kind === 'export' ? { rows: [], nextCursor: null } : await listBulkItems({ operationId: operation.id, outcome: query.outcome, after: query.after, take: 50 })
  return json({
    operation: {
      id: operation.id,
      kind: operation.kind,
      status: operation.status,
      actorName: operation.actor?.name ?? 'someone',
      params: operation.params,
      selection: operation.selection,
      createdAt: operation.createdAt.toISOString(),
      startedAt: operation.startedAt?.toISOString() ?? null,
      finishedAt: operation.finishedAt?.toISOString() ?? null,
    },
    progress: {
      id: operation.id,
      status: operation.status,
      total: operation.total,
      processed: operation.processed,
      succeeded: operation.succeeded,
      skipped: operation.skipped,
      failed: operation.failed,
      fileBytes: operation.fileBytes,
      error: operation.error,
      finishedAt: operation.finishedAt?.toISOString() ?? null,
      downloadable: operation.hasFile,
    },
    items,
    outcome: query.outcome ?? null,
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const form = Object.fromEntries(await request.formData())
  invariantResponse(form.intent === 'cancel', 'That request was not understood.', { status: 400 })
  const meta = getRequestMeta(request, context)
  const result = await cancelBulkOperation(params.id ?? '', { id: user.id, role: user.role }, { requestId: meta.requestId, ip: meta.ip })
  invariantResponse(result.ok || result.status !== 404, 'There is no such bulk operation.', { status: 404 })
  if (!result.ok) return redirectWithToast(`/orders/bulk/${params.id}`, { type: 'info', title: result.message })
  return redirectWithToast(`/orders/bulk/${params.id}`, { title: 'Bulk operation cancelled', description: 'Rows already done stay done.' })
}

const OUTCOME_TONE: Record<string, BadgeTone> = { succeeded: 'success', skipped: 'warning', failed: 'danger' }
const OUTCOME_LABEL: Record<string, string> = { succeeded: 'Succeeded', skipped: 'Skipped', failed: 'Failed' }

export default function BulkOperationPage() {
  const data = useLoaderData<typeof loader>()
  const { operation, items, outcome } = data
  const progress = useBulkProgress(data.progress)
  const navigation = useNavigation()
  const [searchParams] = useSearchParams()
  const running = progress.status === 'queued' || progress.status === 'running'
  const selection =
    operation.selection.kind === 'ids' ? `${operation.selection.count.toLocaleString('en-GB')} selected orders` : 'all orders matching a filter'
  const details = describeBulkParams(operation.kind, operation.params)
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
        <Link to="/orders">Orders</Link> <span aria-hidden="true">/</span> <Link to="/orders/bulk">Bulk operations</Link> <span aria-hidden="true">/</span>{' '}
        <span>This operation</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 className="title-with-badge">
            {BULK_KIND_LABEL[operation.kind] ?? operation.kind} · {selection} <BulkStatusBadge status={progress.status} />
          </h1>
          <p className="muted">
            Started by {operation.actorName} {details ? <>· {details}</> : null}
            {operation.selection.kind === 'query' ? (
              <>
                {' '}
                · <Link to={`/orders?${operation.selection.search}`}>the filter</Link>
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

      <BulkProgressPanel progress={progress} kind={operation.kind} />

      {operation.kind === 'export' ? (
        progress.downloadable ? (
          <section className="panel" aria-labelledby="download-title">
            <h2 id="download-title" className="panel-title">
              Your file is ready
            </h2>
            <p>
              <a className="button button-primary" href={`/orders/exports/${operation.id}/download`} download data-testid="export-download">
                Download CSV{progress.fileBytes !== null ? ` (${formatBytes(progress.fileBytes)})` : ''}
              </a>
            </p>
          </section>
        ) : progress.status === 'completed' ? (
          <p className="alert alert-info" data-testid="export-expired">
            This export's file was deleted (files are kept for 7 days). Export the view again for a fresh one.
          </p>
        ) : null
      ) : (
        <section className="panel panel-flush" aria-labelledby="results-title">
          <h2 id="results-title" className="panel-title bulk-results__title">
            Results per order
          </h2>
          <div className="list-filters" role="group" aria-label="Filter by outcome">
            <Link to={withOutcome(null)} className={`chip${outcome === null ? ' chip-active' : ''}`} aria-current={outcome === null ? 'true' : undefined}>
              All <span className="num">{progress.processed.toLocaleString('en-GB')}</span>
            </Link>
            {BULK_OUTCOME_ORDER.map((value) => (
              <Link key={value} to={withOutcome(value)} className={`chip${outcome === value ? ' chip-active' : ''}`} aria-current={outcome === value ? 'true' : undefined}>
                {OUTCOME_LABEL[value]} <span className="num">{progress[value].toLocaleString('en-GB')}</span>
              </Link>
            ))}
          </div>
          <div className="table-wrap">
            <table className="data-table" data-testid="bulk-results">
              <caption className="visually-hidden">Result of the bulk operation for each order</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {items.rows.length === 0 ? (
                  <tr>
                    <td colSpan={3} className="empty">
                      {running ? 'Results appear here as rows are processed.' : 'No rows with this outcome.'}
                    </td>
                  </tr>
                ) : (
                  items.rows.map((item) => (
                    <tr key={item.id} data-outcome={item.outcome}>
                      <td className="cell-mono">{item.number ? <Link to={`/orders/${item.entityId}`}>{item.number}</Link> : <span className="muted">{item.entityId} (deleted)</span>}</td>
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
      )}
    </div>
  )
}

const BULK_OUTCOME_ORDER = ['succeeded', 'skipped', 'failed'] as const

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data ? (BULK_KIND_LABEL[data.operation.kind] ?? 'Bulk operation') : 'Bulk operation'} · Orders · OpsDeck` },
]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
