import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useLocation } from '@remix-run/react'
import { useMemo } from 'react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { BULK_KIND_LABEL, BULK_STATUS_LABEL } from '#app/components/orders/bulk-labels.tsx'
import { DataTable } from '#app/components/table/data-table.tsx'
import { BULK_KINDS, BULK_STATUSES, listBulkOperations } from '#app/models/bulk-operation.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import ordersListStylesHref from '../orders._index/orders-list.css'
import { bulkHistoryColumns, type BulkHistoryItem } from './columns.tsx'

/**
 * `/orders/bulk`: the history of bulk actions and exports on orders — who, what, when, on which selection, how it went
 * (succeeded / skipped / failed), newest first, keyset pages (`?after=`), filters by action and status in the URL.
 * Each row opens the operation's page (per-row results, download). Everyone sees their own operations; admins see
 * everyone's (`?who=mine` for their own) — the same rule as an operation's page. POST /orders/bulk (starting one) is
 * the parent route's action (orders.bulk.tsx).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: ordersListStylesHref }]

// NOTE: the component lists the choices from bulk-labels.tsx; BULK_KINDS / BULK_STATUSES come from a .server module,
// which the browser bundle does not have.
const QuerySchema = z.object({
  kind: z.enum(BULK_KINDS).optional().catch(undefined),
  status: z.enum(BULK_STATUSES).optional().catch(undefined),
  who: z.enum(['mine', 'everyone']).optional().catch(undefined),
  after: z.string().max(200).optional().catch(undefined),
})

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const isAdmin = user.role === 'admin'
  const everyone = isAdmin && query.who !== 'mine'
  const page = await listBulkOperations({ viewer: { id: user.id, role: user.role }, everyone, kind: query.kind, status: query.status, after: query.after })
  const rows: BulkHistoryItem[] = page.rows.map((row) => ({
    ...row,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
  }))
  return json({ rows, nextCursor: page.nextCursor, firstPage: !query.after, everyone, canSeeEveryone: isAdmin })
}

export default function BulkHistoryPage() {
  const data = useLoaderData<typeof loader>()
  const { search } = useLocation()
  const params = useMemo(() => new URLSearchParams(search), [search])
  const columns = useMemo(() => bulkHistoryColumns({ showActor: data.everyone }), [data.everyone])
  /** The same view with `changes` applied, back on the first page. */
  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params)
    next.delete('after')
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) next.delete(key)
      else next.set(key, value)
    }
    const text = next.toString()
    return text ? `?${text}` : '/orders/bulk'
  }
  const kind = params.get('kind')
  const status = params.get('status')

  return (
    <div className="page orders-page" data-testid="bulk-history">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/orders">Orders</Link> <span aria-hidden="true">/</span> <span>Bulk operations</span>
      </nav>
      <header className="page-header">
        <div>
          <h1>Bulk operations</h1>
          <p className="muted">
            {data.everyone ? 'Everyone’s' : 'Your'} bulk actions and exports on orders, newest first. Open one for its result on each order.
          </p>
        </div>
        {data.canSeeEveryone ? (
          <div className="segmented" role="group" aria-label="Whose operations">
            {(
              [
                ['everyone', 'Everyone'],
                ['mine', 'Mine'],
              ] as const
            ).map(([value, label]) => {
              const active = (value === 'everyone') === data.everyone
              return (
                <Link key={value} to={withParams({ who: value === 'everyone' ? null : 'mine' })} className={`segmented__item${active ? ' segmented__item--active' : ''}`} aria-current={active ? 'true' : undefined}>
                  {label}
                </Link>
              )
            })}
          </div>
        ) : null}
      </header>

      <section className="panel panel-flush">
        <div className="list-filters" role="group" aria-label="Filter by action">
          <FilterChip to={withParams({ kind: null })} active={!kind}>
            All actions
          </FilterChip>
          {Object.keys(BULK_KIND_LABEL).map((value) => (
            <FilterChip key={value} to={withParams({ kind: value })} active={kind === value}>
              {BULK_KIND_LABEL[value]}
            </FilterChip>
          ))}
        </div>
        <div className="list-filters" role="group" aria-label="Filter by status">
          <FilterChip to={withParams({ status: null })} active={!status}>
            Any status
          </FilterChip>
          {Object.keys(BULK_STATUS_LABEL).map((value) => (
            <FilterChip key={value} to={withParams({ status: value })} active={status === value}>
              {BULK_STATUS_LABEL[value]}
            </FilterChip>
          ))}
        </div>
        <DataTable
          columns={columns}
          data={data.rows}
          getRowId={(row) => row.id}
          caption="Bulk operations on orders"
          emptyMessage={kind || status ? 'No bulk operation matches these filters.' : 'No bulk operations yet. Select orders on the orders list to tag, assign, fulfil, ship, cancel or export them.'}
          testId="bulk-history-table"
        />
        {data.nextCursor || !data.firstPage ? (
          <nav className="pager" aria-label="Pages">
            {data.firstPage ? <span /> : <Link to={withParams({})}>← Newest</Link>}
            {data.nextCursor ? (
              <Link to={`?${new URLSearchParams([...[...params].filter(([key]) => key !== 'after'), ['after', data.nextCursor]]).toString()}`} data-testid="bulk-history-older">
                Older →
              </Link>
            ) : (
              <span />
            )}
          </nav>
        ) : null}
      </section>
    </div>
  )
}

function FilterChip({ to, active, children }: { to: string; active: boolean; children: React.ReactNode }) {
  return (
    <Link to={to} className={`chip${active ? ' chip-active' : ''}`} aria-current={active ? 'true' : undefined} preventScrollReset>
      {children}
    </Link>
  )
}

export const meta: MetaFunction = () => [{ title: 'Bulk operations · Orders · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
