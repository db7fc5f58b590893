import { Link } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { BULK_AREA_VIEW, BulkStatusBadge, type BulkAreaName } from '#app/components/bulk/bulk-labels.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import type { BulkHistoryRow } from '#app/models/bulk-operation.server.ts'

/** A history row as the loader sends it (dates as ISO strings). */
export type BulkHistoryItem = Omit<BulkHistoryRow, 'createdAt' | 'startedAt' | 'finishedAt'> & { createdAt: string; startedAt: string | null; finishedAt: string | null }

export function toBulkHistoryItem(row: BulkHistoryRow): BulkHistoryItem {
  return { ...row, createdAt: row.createdAt.toISOString(), startedAt: row.startedAt?.toISOString() ?? null, finishedAt: row.finishedAt?.toISOString() ?? null }
}

const column = createColumnHelper<TableFeatureSet, BulkHistoryItem>()
const NUMBER = new Intl.NumberFormat('en-GB')

function duration(from: string, to: string) {
  const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000))
  if (seconds < 60) return `${seconds} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`
}

const SORT_LABEL: Record<string, string> = { placedAt: 'date', totalAmount: 'total', number: 'number' }

/** A stored "all matching" filter in words: `tags: vip · status: confirmed, on_hold · sorted by total ↑`. */
export function describeScopeSearch(search: string, everything = 'every order') {
  const params = new URLSearchParams(search)
  const parts: string[] = []
  for (const key of new Set(params.keys())) {
    if (key === 'sort' || key === 'dir') continue
    parts.push(`${key}: ${params.getAll(key).join(', ')}`)
  }
  const sort = params.get('sort')
  const dir = params.get('dir')
  if (sort || dir) parts.push(`sorted by ${SORT_LABEL[sort ?? 'placedAt'] ?? sort} ${dir === 'asc' ? '↑' : '↓'}`)
  return parts.join(' · ') || everything
}

/** The history table of one area's bulk operations (orders.bulk._index, tickets.bulk._index). */
export function bulkHistoryColumns({ area, showActor }: { area: BulkAreaName; showActor: boolean }) {
  const view = BULK_AREA_VIEW[area]
  const kindLabel: Record<string, string> = view.kindLabel
  const everything = `every ${view.entity}`
  return column.columns([
    column.accessor('createdAt', {
      id: 'started',
      header: 'Started',
      cell: (info) => (
        <Link to={`${view.path}/bulk/${info.row.original.id}`} className="cell-strong" data-testid="bulk-history-link">
          <DateTimeCell value={info.getValue()} />
        </Link>
      ),
    }),
    ...(showActor ? [column.accessor('actorName', { id: 'by', header: 'By', cell: (info) => info.getValue() ?? <span className="muted">someone no longer here</span> })] : []),
    column.accessor('kind', {
      id: 'action',
      header: 'Action',
      cell: (info) => {
        const row = info.row.original
        const details = view.describeParams(row.kind, row.params, row.assigneeName)
        return (
          <span className="cell-stack">
            <span className="cell-strong">{kindLabel[row.kind] ?? row.kind}</span>
            {details ? <span className="cell-sub cell-clip">{details}</span> : null}
          </span>
        )
      },
    }),
    column.accessor('scope', {
      id: 'scope',
      header: 'Scope',
      cell: (info) => {
        const scope = info.getValue()
        if (scope.kind === 'ids') return `${NUMBER.format(scope.count)} selected`
        return (
          <span className="cell-stack">
            <span>All matching</span>
            <Link to={`${view.path}${scope.search ? `?${scope.search}` : ''}`} className="cell-sub cell-clip" title={describeScopeSearch(scope.search, everything)}>
              {describeScopeSearch(scope.search, everything)}
            </Link>
          </span>
        )
      },
    }),
    column.accessor('status', { id: 'status', header: 'Status', cell: (info) => <BulkStatusBadge status={info.getValue()} testId="bulk-history-status" /> }),
    column.accessor('processed', {
      id: 'results',
      header: 'Results',
      cell: (info) => {
        const row = info.row.original
        if (row.kind === 'export') return <span className="num">{NUMBER.format(row.processed)} rows{row.downloadable ? ' · file ready' : ''}</span>
        return (
          <span className="cell-stack" data-testid="bulk-history-counts">
            <span>
              <span className="num" title="succeeded">{NUMBER.format(row.succeeded)} ✓</span> · <span className={row.skipped ? 'num num-warning' : 'num'} title="skipped">{NUMBER.format(row.skipped)} skipped</span> ·{' '}
              <span className={row.failed ? 'num num-danger' : 'num'} title="failed">{NUMBER.format(row.failed)} failed</span>
            </span>
            <span className="cell-sub">
              {NUMBER.format(row.processed)} of {NUMBER.format(row.total)} done
            </span>
          </span>
        )
      },
    }),
    column.accessor('finishedAt', {
      id: 'finished',
      header: 'Finished',
      cell: (info) => {
        const row = info.row.original
        if (!info.getValue()) return <span className="muted">{row.status === 'queued' ? 'waiting' : 'running'}</span>
        return (
          <span className="cell-stack">
            <DateTimeCell value={info.getValue()} />
            <span className="cell-sub">took {duration(row.startedAt ?? row.createdAt, info.getValue()!)}</span>
            {row.error ? <span className="cell-sub num-danger cell-clip" title={row.error}>{row.error}</span> : null}
          </span>
        )
      },
    }),
  ])
}
