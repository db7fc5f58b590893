import { Link } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { BreakerBadge, ErrorRate, HealthBadge, Lag, QueueDepth, RelativeTime } from '#app/components/integrations/health.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'
import type { IntegrationHealth } from '#app/realtime/events.ts'

const column = createColumnHelper<TableFeatureSet, IntegrationHealth>()

/** The health table; `now` is the snapshot time every relative time is measured from. */
export function healthColumns(now: string) {
  return column.columns([
    column.accessor('name', {
      header: 'Integration',
      cell: (info) => (
        <Link to={`/integrations/${info.row.original.key}`} className="cell-strong" data-testid={`open-${info.row.original.key}`}>
          {info.getValue()}
        </Link>
      ),
    }),
    column.accessor('status', {
      header: 'Status',
      cell: (info) => (
        <span className="status-cell">
          <HealthBadge status={info.getValue()} />
          {info.row.original.statusReason ? <span className="status-reason">{info.row.original.statusReason}</span> : null}
        </span>
      ),
    }),
    column.accessor('lastSuccessAt', { header: 'Last success', cell: (info) => <RelativeTime value={info.getValue()} now={now} /> }),
    column.accessor('lagSeconds', { header: 'Lag', cell: (info) => <Lag seconds={info.getValue()} /> }),
    column.accessor('jobsPerMinute', {
      header: 'Jobs/min',
      cell: (info) => (
        <span className="num" title="Attempts finished per minute, last 5 minutes">
          {info.getValue().toLocaleString('en-GB', { maximumFractionDigits: 1 })}
        </span>
      ),
    }),
    column.accessor('errorRate', { header: 'Errors (5 min)', cell: (info) => <ErrorRate rate={info.getValue()} /> }),
    column.accessor('breakerState', { header: 'Breaker', cell: (info) => <BreakerBadge state={info.getValue()} /> }),
    column.accessor('queue', { header: 'Queue', cell: (info) => <QueueDepth queue={info.getValue()} /> }),
    column.accessor('deadLetters', {
      header: 'Dead letters',
      cell: (info) =>
        info.getValue() > 0 ? (
          <Link to={`/integrations/${info.row.original.key}?view=dead-letters`} className="num num-danger">
            {info.getValue()} open
          </Link>
        ) : (
          <span className="num muted">0</span>
        ),
    }),
  ])
}
