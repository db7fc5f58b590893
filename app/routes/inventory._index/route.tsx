import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from '@remix-run/react'
import { useMemo } from 'react'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { formatUnits, STOCK_FILTER_LABELS } from '#app/components/inventory/stock-state.tsx'
import { useStockSignals } from '#app/components/inventory/use-stock-signals.ts'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import { DataTable } from '#app/components/table/data-table.tsx'
import { KeysetPager } from '#app/components/table/keyset-pager.tsx'
import { countInventoryStates, listInventory, listLocations, parseInventoryListQuery } from '#app/models/inventory-list.server.ts'
import { STOCK_STATES } from '#app/models/inventory-rules.ts'
import { listReconciliations } from '#app/models/inventory-reconcile.server.ts'
import { useIdleRevalidate } from '#app/realtime/use-idle-revalidate.ts'
import { enqueueInventoryReconcile } from '#app/queues/system.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import { withParams } from '../orders._index/search-params.ts'
import { inventoryColumns } from './columns.tsx'
import inventoryStylesHref from './inventory.css'

/**
 * `/inventory`: every SKU at every location — on hand, reserved, available, incoming and the low-stock threshold —
 * as keyset pages sorted by SKU and location. Search (SKU prefix, product or variant name), location and stock-state
 * filters and the page cursor live in the URL. The state chips count the whole search (oversold is always 0: the
 * CHECK forbids it, and the chip shows it). The latest reconciliation run is summarised at the bottom. Live: rows that
 * go low or out of stock (`inventory.stock`) re-read the page.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: inventoryStylesHref }]

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:inventory')
  const canEdit = hasPermission(user.role, 'update:inventory')
  const url = new URL(request.url)
  const parsed = parseInventoryListQuery(url.searchParams)
  const [locations, reconciliations] = await Promise.all([listLocations(), listReconciliations(1)])
  const lastRun = reconciliations[0]
    ? { ...reconciliations[0], startedAt: reconciliations[0].startedAt.toISOString(), finishedAt: reconciliations[0].finishedAt?.toISOString() ?? null }
    : null
  if ('errors' in parsed) {
    return json({ ok: false as const, errors: parsed.errors, locations, lastRun, canEdit }, { status: 400 })
  }
  const [page, counts] = await Promise.all([listInventory(parsed.query), countInventoryStates(parsed.query)])
  return json({ ok: true as const, ...page, counts, limit: parsed.query.limit, locations, lastRun, canEdit })
}

/** "Run now": queues a reconciliation on the worker (the page shows its result when it has run). */
export async function action({ request }: ActionFunctionArgs) {
  await requirePermission(request, 'update:inventory')
  const form = await request.formData()
  if (form.get('intent') !== 'reconcile') return json({ formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  try {
    await enqueueInventoryReconcile()
  } catch {
    return json({ formError: 'The job queue is not reachable right now, so the reconciliation could not be queued — try again in a minute.' }, { status: 503 })
  }
  return redirectWithToast('/inventory', { title: 'Reconciliation queued', description: 'Its result appears below when the worker has run it.' })
}

export default function InventoryPage() {
  const data = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const location = useLocation()
  const navigation = useNavigation()
  const params = useMemo(() => new URLSearchParams(location.search), [location.search])
  const loading = navigation.state === 'loading' && navigation.location?.pathname === '/inventory'
  const errors: Record<string, string> = data.ok ? {} : data.errors
  const state = params.get('state')
  const counts = data.ok ? data.counts : null
  const filtered = ['q', 'location', 'state'].some((key) => params.get(key))
  // A level went low or out somewhere: re-read the page when it shows that level (or lists low/out stock).
  const revalidate = useIdleRevalidate()
  const shown = new Set(data.ok ? data.rows.map((row) => row.levelId) : [])
  useStockSignals((signal) => {
    if (state === 'low' || state === 'out' || signal.levels.some((level) => shown.has(level.levelId))) revalidate()
  })

  return (
    <div className="page inventory-page" data-testid="inventory-view" data-search={location.search}>
      <header className="page-header">
        <div>
          <h1>Inventory</h1>
          <p className="muted" data-testid="inventory-count">
            {counts ? `${formatUnits(counts.total)} stock level${counts.total === 1 ? '' : 's'} (SKU × location)${filtered ? ' match' : ''}` : 'Fix the filters below to see stock.'}
          </p>
        </div>
      </header>

      <section className="panel panel-flush" aria-labelledby="inventory-table-title">
        <h2 id="inventory-table-title" className="visually-hidden">
          Stock levels
        </h2>
        <Form method="get" className="list-filters inventory-filters" role="search" data-testid="inventory-filters">
          {state ? <input type="hidden" name="state" value={state} /> : null}
          {params.get('limit') ? <input type="hidden" name="limit" value={params.get('limit')!} /> : null}
          <div className="field inventory-filters__search">
            <label htmlFor="inventory-q">Search</label>
            <input id="inventory-q" name="q" type="search" defaultValue={params.get('q') ?? ''} placeholder="SKU, product or variant name" aria-invalid={errors.q ? true : undefined} />
          </div>
          <div className="field">
            <label htmlFor="inventory-location">Location</label>
            <select id="inventory-location" name="location" defaultValue={params.get('location') ?? ''}>
              <option value="">All locations</option>
              {data.locations.map((loc) => (
                <option key={loc.id} value={loc.id}>
                  {loc.code} — {loc.name}
                  {loc.isActive ? '' : ' (closed)'}
                </option>
              ))}
            </select>
          </div>
          <div className="inventory-filters__actions">
            <button type="submit" className="button button-small button-primary">
              Apply
            </button>
            <Link to="/inventory" className="button button-small button-secondary">
              Reset
            </Link>
          </div>
        </Form>

        <nav className="inventory-states" aria-label="Stock state">
          <Link to={withParams(params, { state: null })} className={`chip${!state ? ' chip-active' : ''}`} aria-current={!state ? 'true' : undefined}>
            All{counts ? ` ${formatUnits(counts.total)}` : ''}
          </Link>
          {STOCK_STATES.map((key) => (
            <Link
              key={key}
              to={withParams(params, { state: key })}
              className={`chip${state === key ? ' chip-active' : ''}`}
              aria-current={state === key ? 'true' : undefined}
              data-testid={`state-${key}`}
            >
              {STOCK_FILTER_LABELS[key]}
              {counts ? ` ${formatUnits(counts[key])}` : ''}
            </Link>
          ))}
        </nav>

        {Object.keys(errors).length > 0 ? (
          <div className="alert alert-error inventory-errors" role="alert" data-testid="inventory-errors">
            <p>
              <strong>These filters could not be used:</strong>
            </p>
            <ul>
              {Object.entries(errors).map(([field, message]) => (
                <li key={field} data-field={field}>
                  {field}: {message} <Link to="/inventory">Start again</Link>
                </li>
              ))}
            </ul>
          </div>
        ) : null}

        <div className={loading ? 'inventory-table-loading' : undefined} aria-busy={loading || undefined}>
          <DataTable
            columns={inventoryColumns}
            data={data.ok ? data.rows : []}
            getRowId={(row) => row.levelId}
            caption="Stock per SKU and location, one page"
            emptyMessage={filtered ? 'No stock matches these filters.' : 'No stock levels yet. They appear when the warehouse syncs or stock is received.'}
            testId="inventory-table"
          />
        </div>

        <KeysetPager
          prevTo={data.ok && data.prevCursor ? withParams(params, { before: data.prevCursor, after: null }) : null}
          nextTo={data.ok && data.nextCursor ? withParams(params, { after: data.nextCursor, before: null }) : null}
        />
      </section>

      <section className="panel" aria-labelledby="reconcile-title" data-testid="reconciliation">
        <div className="inventory-reconcile-head">
          <h2 id="reconcile-title" className="panel-title">
            Reconciliation
          </h2>
          {data.canEdit ? (
            <Form method="post">
              <input type="hidden" name="intent" value="reconcile" />
              <button type="submit" className="button button-small button-secondary" disabled={navigation.state === 'submitting'}>
                Run now
              </button>
            </Form>
          ) : null}
        </div>
        {actionData?.formError ? (
          <p className="alert alert-error" role="alert">
            {actionData.formError}
          </p>
        ) : null}
        {data.lastRun ? (
          <p>
            Last run <DateTimeCell value={data.lastRun.startedAt} />: {formatUnits(data.lastRun.levelsChecked)} levels checked,{' '}
            <strong className={data.lastRun.drifted ? 'num-warning' : undefined}>{data.lastRun.drifted} drifted</strong>, {data.lastRun.repaired} repaired
            {data.lastRun.ledgerDrifted ? `, ${data.lastRun.ledgerDrifted} differ from their ledger` : ''}
            {data.lastRun.error ? <span className="num-danger"> — failed: {data.lastRun.error}</span> : null}
            {!data.lastRun.finishedAt ? ' (running)' : null}
          </p>
        ) : (
          <p className="muted">Not run yet. The worker recomputes reserved stock from open reservations every 10 minutes.</p>
        )}
        {data.lastRun && data.lastRun.details.length > 0 ? (
          <ul className="detail-list inventory-drift">
            {data.lastRun.details.slice(0, 10).map((d, i) => (
              <li key={`${d.levelId ?? d.sku}-${i}`}>
                <span className="cell-mono">{d.sku}</span> at {d.location}: {d.why}
                {d.repaired ? ' — repaired' : ' — needs a person'}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Inventory · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
