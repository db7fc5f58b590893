import { Link, useLocation } from '@remix-run/react'
import { useMemo } from 'react'
import { DataTable } from '#app/components/table/data-table.tsx'
import { bulkHistoryColumns, type BulkHistoryItem } from './bulk-history-columns.tsx'
import { BULK_AREA_VIEW, BULK_STATUS_LABEL, type BulkAreaName } from './bulk-labels.tsx'

/**
 * The history of one area's bulk operations (`/orders/bulk`, `/tickets/bulk`): who, what, when, on which selection,
 * how it went, newest first, keyset pages (`?after=`), filters by action and status in the URL, Everyone/Mine for
 * admins. Each row opens the operation's page. The routes load the rows (listBulkOperations with their area).
 */
export function BulkHistory({
  area,
  data,
}: {
  area: BulkAreaName
  data: { rows: BulkHistoryItem[]; nextCursor: string | null; firstPage: boolean; everyone: boolean; canSeeEveryone: boolean }
}) {
  const view = BULK_AREA_VIEW[area]
  const kindLabel: Record<string, string> = view.kindLabel
  const { search } = useLocation()
  const params = useMemo(() => new URLSearchParams(search), [search])
  const columns = useMemo(() => bulkHistoryColumns({ area, showActor: data.everyone }), [area, data.everyone])
  const heading = `${view.operation.charAt(0).toUpperCase()}${view.operation.slice(1)}s`
  /** The same view with `changes` applied, back on the first page. */
  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params)
    next.delete('after')
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) next.delete(key)
      else next.set(key, value)
    }
    const text = next.toString()
    return text ? `?${text}` : `${view.path}/bulk`
  }
  const kind = params.get('kind')
  const status = params.get('status')

  return (
    <div className="page orders-page" data-testid="bulk-history">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={view.path}>{view.title}</Link> <span aria-hidden="true">/</span> <span>{heading}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1>{heading}</h1>
          <p className="muted">
            {data.everyone ? 'Everyone’s' : 'Your'} {area === 'orders' ? 'bulk actions and exports' : 'bulk actions'} on {view.entities}, newest first. Open one for its result on
            each {view.entity}.
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
        {/* One grid child: the panel's gap would otherwise open a blank band between the two rows of chips. */}
        <div>
          <FilterChips label="Filter by action" anyLabel="All actions" current={kind} labels={kindLabel} to={(value) => withParams({ kind: value })} />
          <FilterChips label="Filter by status" anyLabel="Any status" current={status} labels={BULK_STATUS_LABEL} to={(value) => withParams({ status: value })} />
        </div>
        <DataTable
          columns={columns}
          data={data.rows}
          getRowId={(row) => row.id}
          caption={`${heading} on ${view.entities}`}
          emptyMessage={kind || status ? `No ${view.operation} matches these filters.` : view.emptyHistory}
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

/** One URL filter as chips: "any" first, then each value (`to(null)` / `to(value)` give the links). */
function FilterChips({ label, anyLabel, current, labels, to }: { label: string; anyLabel: string; current: string | null; labels: Record<string, string>; to: (value: string | null) => string }) {
  return (
    <div className="list-filters" role="group" aria-label={label}>
      {[null, ...Object.keys(labels)].map((value) => {
        const active = value === null ? !current : current === value
        return (
          <Link key={value ?? ''} to={to(value)} className={`chip${active ? ' chip-active' : ''}`} aria-current={active ? 'true' : undefined} preventScrollReset>
            {value === null ? anyLabel : labels[value]}
          </Link>
        )
      })}
    </div>
  )
}
