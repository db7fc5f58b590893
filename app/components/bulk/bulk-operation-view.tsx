import { Form, Link, useNavigation, useSearchParams } from '@remix-run/react'
import type { ReactNode } from 'react'
import { StatusBadge } from '#app/components/status-badge.tsx'
import type { BulkProgress } from '#app/realtime/events.ts'
import { BULK_AREA_VIEW, BULK_OUTCOME_LABEL, BULK_OUTCOME_ORDER, BULK_OUTCOME_TONE, BulkStatusBadge, type BulkAreaName } from './bulk-labels.tsx'

/**
 * One bulk operation's page, shared by orders (routes/orders.bulk.$id) and tickets (routes/tickets.bulk.$id): the
 * breadcrumb and header (what, on which selection, by whom, Stop while it runs) and the per-row results filterable by
 * outcome (`?outcome=`, keyset `?after=`). Each route supplies its area (labels, links) and loads the rows.
 */

export type BulkOperationSummary = {
  kind: string
  actorName: string
  params: unknown
  selection: { kind: 'ids'; count: number } | { kind: 'query'; search: string }
}

export type BulkResultRow = { id: string; entityId: string; number: string | number | null; outcome: string; reason: string | null }

export const isRunning = (progress: Pick<BulkProgress, 'status'>) => progress.status === 'queued' || progress.status === 'running'

export function BulkOperationHeader({ area, operation, progress }: { area: BulkAreaName; operation: BulkOperationSummary; progress: BulkProgress }) {
  const view = BULK_AREA_VIEW[area]
  const navigation = useNavigation()
  const kindLabel: string = (view.kindLabel as Record<string, string>)[operation.kind] ?? operation.kind
  const selection =
    operation.selection.kind === 'ids'
      ? `${operation.selection.count.toLocaleString('en-GB')} selected ${view.entities}`
      : `all ${view.entities} matching a ${view.selector}`
  const details = view.describeParams(operation.kind, operation.params)
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={view.path}>{view.title}</Link> <span aria-hidden="true">/</span> <Link to={`${view.path}/bulk`}>{capitalize(view.operation)}s</Link>{' '}
        <span aria-hidden="true">/</span> <span>This {view.operation.replace('bulk ', '')}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 className="title-with-badge">
            {kindLabel} · {selection} <BulkStatusBadge status={progress.status} />
          </h1>
          <p className="muted">
            Started by {operation.actorName} {details ? <>· {details}</> : null}
            {operation.selection.kind === 'query' ? (
              <>
                {' '}
                · <Link to={`${view.path}?${operation.selection.search}`}>the {view.selector}</Link>
              </>
            ) : null}
          </p>
        </div>
        {isRunning(progress) ? (
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
    </>
  )
}

export function BulkResults({
  area,
  progress,
  items,
  outcome,
}: {
  area: BulkAreaName
  progress: BulkProgress
  items: { rows: readonly BulkResultRow[]; nextCursor: string | null }
  outcome: string | null
}) {
  const view = BULK_AREA_VIEW[area]
  const [searchParams] = useSearchParams()
  const withOutcome = (next: string | null) => {
    const params = new URLSearchParams(searchParams)
    params.delete('after')
    if (next) params.set('outcome', next)
    else params.delete('outcome')
    const search = params.toString()
    return search ? `?${search}` : '.'
  }
  const rowsWord = area === 'orders' ? 'rows' : view.entities
  return (
    <section className="panel panel-flush" aria-labelledby="results-title">
      <h2 id="results-title" className="panel-title bulk-results__title">
        Results per {view.entity}
      </h2>
      <div className="list-filters" role="group" aria-label="Filter by outcome">
        <OutcomeChip to={withOutcome(null)} active={outcome === null} label="All" count={progress.processed} />
        {BULK_OUTCOME_ORDER.map((value) => (
          <OutcomeChip key={value} to={withOutcome(value)} active={outcome === value} label={BULK_OUTCOME_LABEL[value]!} count={progress[value]} />
        ))}
      </div>
      <div className="table-wrap">
        <table className="data-table" data-testid="bulk-results">
          <caption className="visually-hidden">
            Result of the {view.operation} for each {view.entity}
          </caption>
          <thead>
            <tr>
              <th scope="col">{capitalize(view.entity)}</th>
              <th scope="col">Outcome</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {items.rows.length === 0 ? (
              <tr>
                <td colSpan={3} className="empty">
                  {isRunning(progress) ? `Results appear here as ${rowsWord} are processed.` : `No ${rowsWord} with this outcome.`}
                </td>
              </tr>
            ) : (
              items.rows.map((item) => (
                <tr key={item.id} data-outcome={item.outcome}>
                  <td className="cell-mono">
                    {item.number !== null ? <Link to={`${view.path}/${item.entityId}`}>{view.formatNumber(item.number)}</Link> : <span className="muted">{item.entityId} (deleted)</span>}
                  </td>
                  <td>
                    <StatusBadge tone={BULK_OUTCOME_TONE[item.outcome]}>{BULK_OUTCOME_LABEL[item.outcome]}</StatusBadge>
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
  )
}

function OutcomeChip({ to, active, label, count }: { to: string; active: boolean; label: string; count: number }): ReactNode {
  return (
    <Link to={to} className={`chip${active ? ' chip-active' : ''}`} aria-current={active ? 'true' : undefined}>
      {label} <span className="num">{count.toLocaleString('en-GB')}</span>
    </Link>
  )
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
