import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useLocation } from '@remix-run/react'
import { useMemo } from 'react'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { DataTable } from '#app/components/table/data-table.tsx'
import { countOverdueReturns, countReturns, listReturns, parseReturnListQuery } from '#app/models/return-list.server.ts'
import { REASON_LABELS, RETURN_AGE_OPTIONS, RETURN_REASON_CODES, RETURN_STATUSES, STATUS_LABELS } from '#app/models/return-rules.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import ordersListStylesHref from '../orders._index/orders-list.css'
import { listParam, withParams } from '../orders._index/search-params.ts'
import { returnColumns, type ReturnRow } from './columns.tsx'
import returnsQueueStylesHref from './returns-queue.css'

/**
 * `/returns`: the returns desk's queue. The URL is the whole view (status, reason, age, SLA, search, page cursor, rows
 * per page), parsed by the list model's schema and applied in SQL with keyset pages (app/models/return-list.server.ts);
 * invalid params are messages above the table (400). Returns received but not refunded for 48 h are flagged.
 */

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: ordersListStylesHref },
  { rel: 'stylesheet', href: returnsQueueStylesHref },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:return')
  const url = new URL(request.url)
  const now = new Date()
  const parsed = parseReturnListQuery(url.searchParams)
  const canRequest = hasPermission(user.role, 'create:return')
  if ('errors' in parsed) return json({ ok: false as const, errors: parsed.errors, now: now.toISOString(), canRequest }, { status: 400 })
  const [page, count, overdue] = await Promise.all([listReturns(parsed.query, now), countReturns(parsed.query, now), countOverdueReturns(now)])
  const rows: ReturnRow[] = page.rows.map((row) => ({
    ...row,
    requestedAt: row.requestedAt.toISOString(),
    receivedAt: row.receivedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    sla: row.sla ? { dueAt: row.sla.dueAt.toISOString(), overdue: row.sla.overdue } : null,
  }))
  return json({ ok: true as const, now: now.toISOString(), rows, count, overdue, nextCursor: page.nextCursor, prevCursor: page.prevCursor, limit: parsed.query.limit, canRequest })
}

const FILTER_LABELS: Record<string, string> = { status: 'Status', reason: 'Reason', age: 'Age', sla: 'SLA', q: 'Search', after: 'Page', before: 'Page', limit: 'Rows' }

export default function ReturnsQueue() {
  const data = useLoaderData<typeof loader>()
  const { search } = useLocation()
  const params = useMemo(() => new URLSearchParams(search), [search])
  const columns = useMemo(() => returnColumns(data.now), [data.now])
  const errors = data.ok ? {} : data.errors
  const statuses = listParam(params, 'status')
  const reasons = listParam(params, 'reason')
  return (
    <div className="page orders-page" data-testid="returns-view" data-search={search}>
      <header className="page-header">
        <div>
          <h1>Returns</h1>
          <p className="muted" data-testid="returns-count">
            {data.ok ? (
              <>
                <strong>
                  {data.count.exact ? '' : 'more than '}
                  {data.count.count.toLocaleString('en-GB')} return{data.count.count === 1 ? '' : 's'}
                </strong>{' '}
                match this view.
              </>
            ) : (
              'Fix the filters below to see returns.'
            )}
          </p>
        </div>
        <div className="header-actions">
          <Link to="/returns/insights" className="button button-secondary">
            Insights
          </Link>
          {data.canRequest ? (
            <Link to="/returns/new" className="button button-primary">
              New return
            </Link>
          ) : null}
        </div>
      </header>

      {data.ok && data.overdue > 0 ? (
        <div className="alert alert-error" role="status" data-testid="overdue-banner">
          <p>
            <strong>
              {data.overdue} return{data.overdue === 1 ? '' : 's'} received but not refunded for more than 48 hours.
            </strong>{' '}
            <Link to="/returns?sla=overdue">Show them</Link>
          </p>
        </div>
      ) : null}

      <section className="panel panel-flush orders-panel" aria-labelledby="returns-table-title">
        <h2 id="returns-table-title" className="visually-hidden">
          Returns
        </h2>
        <Form method="get" className="order-filters" data-testid="return-filters">
          <div className="order-filters__row">
            <label className="order-filters__search">
              <span className="order-filters__label">Search</span>
              <input type="search" name="q" defaultValue={params.get('q') ?? ''} placeholder="RMA or order number" maxLength={40} />
            </label>
            <label>
              <span className="order-filters__label">Older than</span>
              <select name="age" defaultValue={params.get('age') ?? ''}>
                <option value="">Any age</option>
                {RETURN_AGE_OPTIONS.map((days) => (
                  <option key={days} value={days}>
                    {days} day{days === '1' ? '' : 's'}
                  </option>
                ))}
              </select>
            </label>
            <label className="checkbox">
              <input type="checkbox" name="sla" value="overdue" defaultChecked={params.get('sla') === 'overdue'} /> Refund overdue (48 h)
            </label>
          </div>
          <fieldset className="return-filters__choices">
            <legend className="order-filters__label">Status</legend>
            {RETURN_STATUSES.map((status) => (
              <label key={status} className="checkbox">
                <input type="checkbox" name="status" value={status} defaultChecked={statuses.includes(status)} /> {STATUS_LABELS[status]}
              </label>
            ))}
          </fieldset>
          <fieldset className="return-filters__choices">
            <legend className="order-filters__label">Reason</legend>
            {RETURN_REASON_CODES.map((code) => (
              <label key={code} className="checkbox">
                <input type="checkbox" name="reason" value={code} defaultChecked={reasons.includes(code)} /> {REASON_LABELS[code]}
              </label>
            ))}
          </fieldset>
          {params.get('limit') ? <input type="hidden" name="limit" value={params.get('limit')!} /> : null}
          <div className="order-filters__actions">
            <button type="submit" className="button button-primary button-small">
              Apply
            </button>
            <Link to="/returns" className="button button-secondary button-small">
              Reset
            </Link>
          </div>
        </Form>

        {Object.keys(errors).length > 0 ? (
          <div className="alert alert-error orders-errors" role="alert" data-testid="returns-errors">
            <p>
              <strong>These filters could not be used:</strong>
            </p>
            <ul>
              {Object.entries(errors).map(([field, message]) => (
                <li key={field} data-field={field}>
                  {FILTER_LABELS[field] ?? field}: {message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}

        <DataTable
          columns={columns}
          data={data.ok ? data.rows : []}
          getRowId={(row) => row.id}
          caption="Returns matching the filters, one page"
          emptyMessage={data.ok ? 'No returns match these filters.' : 'Fix the filters above to see returns.'}
          testId="returns-table"
        />

        <nav className="pager orders-pager" aria-label="Pages">
          {data.ok && data.prevCursor ? (
            <Link to={withParams(params, { before: data.prevCursor, after: null })} rel="prev" data-testid="prev-page">
              ← Previous
            </Link>
          ) : (
            <span className="muted" aria-disabled="true">
              ← Previous
            </span>
          )}
          {data.ok && data.nextCursor ? (
            <Link to={withParams(params, { after: data.nextCursor, before: null })} rel="next" data-testid="next-page">
              Next →
            </Link>
          ) : (
            <span className="muted" aria-disabled="true">
              Next →
            </span>
          )}
        </nav>
      </section>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Returns · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
