import { json, redirect, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useLocation, useNavigation } from '@remix-run/react'
import type { RowSelectionState } from '@tanstack/react-table'
import { useMemo, useState } from 'react'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { BulkBar } from '#app/components/orders/bulk-bar.tsx'
import { bulkStylesHref } from '#app/components/orders/bulk-styles.ts'
import { NewOrdersBanner } from '#app/components/orders/new-orders-banner.tsx'
import { FILTER_LABELS, filterValuesFrom, OrderFilters } from '#app/components/orders/order-filters.tsx'
import { SavedViewsMenu } from '#app/components/orders/saved-views-menu.tsx'
import { DataTable } from '#app/components/table/data-table.tsx'
import { countOrders, listOrders, parseOrderListQuery, type OrderListColumn, type OrderListSort } from '#app/models/order-list.server.ts'
import { getDefaultView } from '#app/models/saved-view.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { ALL_COLUMNS, DEFAULT_COLUMNS, ORDER_COLUMN_LABELS, orderColumns, type OrderRow } from './columns.tsx'
import ordersListStylesHref from './orders-list.css'
import { listParam, VIEW_PARAMS, withParams } from './search-params.ts'
import { FilterChips } from './filter-chips.tsx'

/**
 * `/orders`: every order, found in milliseconds at 1,000,000 rows. The URL is the whole view (filters, sort, page
 * cursor, columns, density, rows per page): the loader parses it with the list model's schema, runs one keyset page
 * query and one capped count (app/models/order-list.server.ts), and returns only what the table shows. Invalid
 * params are field messages above the table (status 400), never a crash.
 */

// The bulk bar, saved views menu and new-orders banner (H-bulk's components) style themselves with bulk.css.
export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: ordersListStylesHref },
  { rel: 'stylesheet', href: bulkStylesHref },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const url = new URL(request.url)
  const now = new Date().toISOString()
  const parsed = parseOrderListQuery(url.searchParams)
  if ('errors' in parsed) {
    return json({ ok: false as const, errors: parsed.errors, now }, { status: 400 })
  }
  const { query } = parsed
  // A bare /orders opens the person's default saved view (its links carry `view=all`, ignored by the parser, to
  // show everything instead). Asked alongside the page queries: one round trip, not two, on the common path.
  const [defaultView, page, count] = await Promise.all([
    url.search === '' ? getDefaultView(user.id, user.role, 'orders') : null,
    listOrders(query),
    countOrders(query),
  ])
  if (defaultView?.search) throw redirect(`/orders?${defaultView.search}`)
  const rows: OrderRow[] = page.rows.map((row) => ({ ...row, placedAt: row.placedAt.toISOString() }))
  return json({
    ok: true as const,
    now,
    rows,
    count,
    nextCursor: page.nextCursor,
    prevCursor: page.prevCursor,
    view: { sort: query.sort, dir: query.dir, limit: query.limit, cols: query.cols ?? null, density: query.density ?? 'comfortable' },
  })
}

const NUMBER = new Intl.NumberFormat('en-GB')

export function countLabel(count: { count: number; exact: boolean }) {
  const noun = count.count === 1 ? 'order' : 'orders'
  return count.exact ? `${NUMBER.format(count.count)} ${noun}` : `about ${NUMBER.format(count.count)} ${noun}`
}

export default function OrdersPage() {
  const data = useLoaderData<typeof loader>()
  const location = useLocation()
  // Selection belongs to one view: a new URL (filters, sort, page) starts with nothing selected.
  return <OrdersView key={location.search} data={data} search={location.search} />
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>

function OrdersView({ data, search }: { data: LoaderData; search: string }) {
  const params = useMemo(() => new URLSearchParams(search), [search])
  const navigation = useNavigation()
  const loading = navigation.state === 'loading' && navigation.location?.pathname === '/orders'
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({})
  const [allMatching, setAllMatching] = useState(false)

  const errors = data.ok ? {} : data.errors
  const view = data.ok ? data.view : { sort: 'placedAt' as OrderListSort, dir: 'desc' as const, limit: 50, cols: null, density: 'comfortable' as const }
  const visible: readonly OrderListColumn[] = (view.cols as OrderListColumn[] | null) ?? DEFAULT_COLUMNS
  const columns = useMemo(
    () =>
      orderColumns({
        now: data.now,
        density: view.density,
        sort: view.sort,
        dir: view.dir,
        sortLink: (key) => withParams(params, { sort: key === 'placedAt' ? null : key, dir: nextDir(view.sort, view.dir, key) }),
      }),
    [data.now, view.density, view.sort, view.dir, params],
  )
  const rows = data.ok ? data.rows : []
  const selectedIds = Object.keys(rowSelection).filter((id) => rowSelection[id])
  const pageAllSelected = rows.length > 0 && selectedIds.length === rows.length
  const count = data.ok ? data.count : null
  const filterParams = selectionQuery(params)
  // The same view with every filter removed (sort, columns, density and page size kept).
  const resetTo = `/orders${withParams(new URLSearchParams(VIEW_PARAMS.flatMap((key) => params.getAll(key).map((value) => [key, value]))), {})}`
  const clearSelection = () => {
    setAllMatching(false)
    setRowSelection({})
  }

  return (
    // data-search: the view this render shows (browser tests wait for it after a navigation).
    <div className="page orders-page" data-testid="orders-view" data-search={search}>
      <header className="page-header">
        <div>
          <h1>Orders</h1>
          <p className="muted" data-testid="orders-count" data-exact={count ? String(count.exact) : undefined}>
            {count ? (
              <>
                <strong className="orders-count">{countLabel(count)}</strong>
                {count.exact ? ' match this view' : ' match this view (estimated; exact counts stop at 10,000)'}
              </>
            ) : (
              'Fix the filters below to see orders.'
            )}
          </p>
        </div>
        <div className="header-actions">
          <Link to="/orders/bulk" className="button button-small button-secondary" data-testid="bulk-history-nav">
            Bulk operations
          </Link>
          <SavedViewsMenu area="orders" current={search} />
        </div>
      </header>

      {data.ok ? <NewOrdersBanner query={search.replace(/^\?/, '')} since={data.now} visibleIds={rows.map((row) => row.id)} /> : null}

      <section className="panel panel-flush orders-panel" aria-labelledby="orders-table-title">
        <h2 id="orders-table-title" className="visually-hidden">
          Orders
        </h2>
        <OrderFilters
          values={filterValuesFrom(params, (key) => listParam(params, key))}
          errors={errors}
          hidden={VIEW_PARAMS.flatMap((key) => params.getAll(key).map((value) => [key, value] as [string, string]))}
          resetTo={resetTo}
        />
        {data.ok ? <FilterChips params={params} resetTo={resetTo} /> : null}

        {Object.keys(errors).length > 0 ? (
          <div className="alert alert-error orders-errors" role="alert" data-testid="orders-errors">
            <p>
              <strong>These filters could not be used:</strong>
            </p>
            <ul>
              {Object.entries(errors).map(([field, message]) => (
                <li key={field} data-field={field}>
                  {FILTER_LABELS[field] ?? field}: {message}
                  {field === 'after' || field === 'before' ? (
                    <>
                      {' '}
                      <Link to={withParams(params, {})}>First page</Link>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          </div>
        ) : null}

        <div className="orders-toolbar">
          <div className="orders-toolbar__selection" aria-live="polite">
            {allMatching && count ? (
              <span data-testid="selection-summary">
                All <strong>{countLabel(count)}</strong> matching this view are selected.{' '}
                <button type="button" className="link-button" onClick={clearSelection}>
                  Clear selection
                </button>
              </span>
            ) : selectedIds.length > 0 ? (
              <span data-testid="selection-summary">
                {selectedIds.length} selected on this page.
                {pageAllSelected && count && count.count > rows.length ? (
                  <>
                    {' '}
                    <button type="button" className="link-button" onClick={() => setAllMatching(true)} data-testid="select-all-matching">
                      Select all {countLabel(count)} matching
                    </button>
                  </>
                ) : null}
              </span>
            ) : (
              <span className="muted">{rows.length > 0 ? `${rows.length} on this page` : null}</span>
            )}
          </div>
          <div className="orders-toolbar__view">
            <ViewLinks label="Density" options={[['comfortable', 'Comfortable'], ['compact', 'Compact']]} current={view.density} to={(value) => withParams(params, { density: value === 'comfortable' ? null : value }, { keepPage: true })} />
            <ViewLinks label="Rows" options={[['25', '25'], ['50', '50'], ['100', '100']]} current={String(view.limit)} to={(value) => withParams(params, { limit: value === '50' ? null : value })} />
            <ColumnsMenu visible={visible} to={(cols) => withParams(params, { cols: sameColumns(cols, DEFAULT_COLUMNS) ? null : cols.join(',') }, { keepPage: true })} />
          </div>
        </div>

        {allMatching && count ? (
          <BulkBar selection={{ query: filterParams, count: count.count, exact: count.exact }} onClear={clearSelection} />
        ) : selectedIds.length > 0 ? (
          <BulkBar selection={{ ids: selectedIds }} onClear={clearSelection} />
        ) : null}

        <div className={loading ? 'orders-table-loading' : undefined} aria-busy={loading || undefined}>
          <DataTable
            columns={columns}
            data={rows}
            getRowId={(row) => row.id}
            testId="orders-table"
            className={`orders-table orders-table--${view.density}`}
            wrapClassName="orders-table-wrap"
            viewColumns={visible}
            selection={{
              state: rowSelection,
              onChange: (next) => {
                setRowSelection(next)
                setAllMatching(false)
              },
            }}
            caption="Orders matching the filters, one page"
            emptyMessage={data.ok ? <EmptyMessage filtered={[...params.keys()].some((key) => !(VIEW_PARAMS as readonly string[]).includes(key))} /> : 'Fix the filters above to see orders.'}
          />
        </div>

        <nav className="pager orders-pager" aria-label="Pages">
          {data.ok && data.prevCursor ? (
            <Link to={withParams(params, { before: data.prevCursor, after: null })} rel="prev" data-testid="prev-page" preventScrollReset={false}>
              ← Previous
            </Link>
          ) : (
            <span className="muted" aria-disabled="true">
              ← Previous
            </span>
          )}
          {data.ok && (data.prevCursor || data.nextCursor) ? (
            <Link to={withParams(params, {})} className="muted" data-testid="first-page">
              First page
            </Link>
          ) : null}
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

function nextDir(sort: OrderListSort, dir: 'asc' | 'desc', key: OrderListSort) {
  // Same column: flip. A new column starts where people expect: newest/largest first, numbers ascending.
  const next = sort === key ? (dir === 'desc' ? 'asc' : 'desc') : key === 'number' ? 'asc' : 'desc'
  return next === 'desc' ? null : next
}

/** The filters of the current view as the params object a `{ query }` bulk selection stores (no page, no view). */
function selectionQuery(params: URLSearchParams) {
  const query: Record<string, string | string[]> = {}
  for (const key of new Set(params.keys())) {
    if (key === 'after' || key === 'before' || (VIEW_PARAMS as readonly string[]).includes(key)) continue
    const values = params.getAll(key)
    query[key] = values.length === 1 ? values[0]! : values
  }
  return query
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((id, i) => id === b[i])

function ViewLinks({ label, options, current, to }: { label: string; options: [string, string][]; current: string; to: (value: string) => string }) {
  return (
    <div className="segmented" role="group" aria-label={label}>
      {options.map(([value, text]) => (
        <Link
          key={value}
          to={to(value)}
          className={`segmented__item${value === current ? ' segmented__item--active' : ''}`}
          aria-current={value === current ? 'true' : undefined}
          preventScrollReset
        >
          {text}
        </Link>
      ))}
    </div>
  )
}

/** Show/hide and reorder columns; each change is a link, so the choice is in the URL (`cols=number,total,…`). */
function ColumnsMenu({ visible, to }: { visible: readonly OrderListColumn[]; to: (cols: readonly OrderListColumn[]) => string }) {
  const hidden = ALL_COLUMNS.filter((id) => !visible.includes(id))
  const move = (index: number, by: -1 | 1) => {
    const next = [...visible]
    const [item] = next.splice(index, 1)
    next.splice(index + by, 0, item!)
    return next
  }
  return (
    <details className="columns-menu" data-testid="columns-menu">
      <summary className="button button-small">Columns</summary>
      <div className="columns-menu__panel">
        <p className="columns-menu__title">Shown, in order</p>
        <ul>
          {visible.map((id, index) => (
            <li key={id}>
              <span className="columns-menu__name">{ORDER_COLUMN_LABELS[id]}</span>
              <span className="columns-menu__actions">
                {index > 0 ? (
                  <Link to={to(move(index, -1))} aria-label={`Move ${ORDER_COLUMN_LABELS[id]} left`} preventScrollReset>
                    ←
                  </Link>
                ) : null}
                {index < visible.length - 1 ? (
                  <Link to={to(move(index, 1))} aria-label={`Move ${ORDER_COLUMN_LABELS[id]} right`} preventScrollReset>
                    →
                  </Link>
                ) : null}
                {visible.length > 1 ? (
                  <Link to={to(visible.filter((other) => other !== id))} aria-label={`Hide ${ORDER_COLUMN_LABELS[id]}`} preventScrollReset>
                    Hide
                  </Link>
                ) : null}
              </span>
            </li>
          ))}
        </ul>
        {hidden.length > 0 ? (
          <>
            <p className="columns-menu__title">Hidden</p>
            <ul>
              {hidden.map((id) => (
                <li key={id}>
                  <span className="columns-menu__name muted">{ORDER_COLUMN_LABELS[id]}</span>
                  <Link to={to([...visible, id])} aria-label={`Show ${ORDER_COLUMN_LABELS[id]}`} preventScrollReset>
                    Show
                  </Link>
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <Link to={to(DEFAULT_COLUMNS)} className="columns-menu__reset" preventScrollReset>
          Reset columns
        </Link>
      </div>
    </details>
  )
}

function EmptyMessage({ filtered }: { filtered: boolean }) {
  return filtered ? (
    <>No orders match these filters. Try fewer filters, or search by order number.</>
  ) : (
    <>No orders yet. Orders appear here as the storefront integration imports them.</>
  )
}

export const meta: MetaFunction = () => [{ title: 'Orders · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
