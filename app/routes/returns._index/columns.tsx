import { Link } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { RelativeTime } from '#app/components/integrations/health.tsx'
import { ReturnStatusBadge, SlaBadge } from '#app/components/returns/return-badges.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import type { ReturnListRow } from '#app/models/return-list.server.ts'
import { REASON_LABELS, RESOLUTION_LABELS } from '#app/models/return-rules.ts'

/** A queue row as the loader sends it (dates as ISO strings). */
export type ReturnRow = Omit<ReturnListRow, 'requestedAt' | 'receivedAt' | 'createdAt' | 'sla'> & {
  requestedAt: string
  receivedAt: string | null
  createdAt: string
  sla: { dueAt: string; overdue: boolean } | null
}

const column = createColumnHelper<TableFeatureSet, ReturnRow>()

export function returnColumns(now: string) {
  return column.columns([
    column.accessor('number', {
      id: 'number',
      header: 'Return',
      cell: (info) => (
        <Link to={`/returns/${info.row.original.id}`} className="cell-strong" prefetch="intent" data-testid="return-link">
          {info.getValue()}
        </Link>
      ),
    }),
    column.accessor('orderNumber', {
      id: 'order',
      header: 'Order',
      cell: (info) => (
        <span className="cell-stack">
          <Link to={`/orders/${info.row.original.orderId}`}>{info.getValue()}</Link>
          <span className="cell-sub cell-clip">{info.row.original.customerName}</span>
        </span>
      ),
    }),
    column.accessor('status', {
      id: 'status',
      header: 'Status',
      cell: (info) => (
        <span className="cell-stack">
          <ReturnStatusBadge status={info.getValue()} />
          <SlaBadge sla={info.row.original.sla} />
          {info.row.original.resolution ? <span className="cell-sub">{RESOLUTION_LABELS[info.row.original.resolution as keyof typeof RESOLUTION_LABELS]}</span> : null}
        </span>
      ),
    }),
    column.accessor('reasonCodes', {
      id: 'reasons',
      header: 'Reasons',
      cell: (info) => <span className="cell-clip">{info.getValue().map((code) => REASON_LABELS[code]).join(', ')}</span>,
    }),
    column.accessor('units', { id: 'units', header: 'Units', cell: (info) => <span className="num">{info.getValue()}</span> }),
    column.accessor('requestedAt', {
      id: 'requested',
      header: 'Requested',
      cell: (info) => (
        <span className="cell-stack">
          <RelativeTime value={info.getValue()} now={now} />
          <span className="cell-sub">
            <DateTimeCell value={info.getValue()} />
          </span>
        </span>
      ),
    }),
    column.accessor('receivedAt', { id: 'received', header: 'Received', cell: (info) => <DateTimeCell value={info.getValue()} /> }),
  ])
}
