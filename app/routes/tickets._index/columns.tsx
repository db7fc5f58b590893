import { Link } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { SELECT_COLUMN, SelectCheckbox, SortHeader, type OrderTableFeatures } from '#app/components/orders/order-table.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import { SlaCountdown, TicketPriorityBadge, TicketStatusBadge } from '#app/components/tickets/ticket-badges.tsx'
import type { TicketListRow, TicketListSort } from '#app/models/ticket-list.server.ts'

/** A row as the loader sends it (dates as ISO strings). */
export type TicketRow = Omit<TicketListRow, 'createdAt' | 'updatedAt' | 'lastMessageAt'> & {
  createdAt: string
  updatedAt: string
  lastMessageAt: string | null
  /** The nearest running SLA target (app/models/ticket-sla.server.ts). */
  slaDueAt: string | null
  slaPaused: boolean
}

// The tickets table uses the orders table's component (same features: selection; columns fixed here).
const column = createColumnHelper<OrderTableFeatures, TicketRow>()

export function ticketColumns(context: { now: string; sort: TicketListSort; dir: 'asc' | 'desc'; sortLink: (key: TicketListSort) => string; selectable: boolean }) {
  const sortHeader = (label: string, key: TicketListSort) => () => <SortHeader label={label} active={context.sort === key} dir={context.dir} to={context.sortLink(key)} />
  return column.columns([
    ...(context.selectable
      ? [
          column.display({
            id: SELECT_COLUMN,
            header: ({ table }) => (
              <SelectCheckbox
                checked={table.getIsAllPageRowsSelected()}
                indeterminate={table.getIsSomePageRowsSelected()}
                onChange={table.getToggleAllPageRowsSelectedHandler()}
                label="Select every ticket on this page"
              />
            ),
            cell: ({ row }) => <SelectCheckbox checked={row.getIsSelected()} onChange={row.getToggleSelectedHandler()} label={`Select ticket #${row.original.number}`} />,
          }),
        ]
      : []),
    column.accessor('number', {
      id: 'number',
      header: 'Ticket',
      cell: ({ row }) => (
        <Link to={`/tickets/${row.original.id}`} className="cell-strong" data-testid="ticket-link">
          #{row.original.number}
        </Link>
      ),
    }),
    column.accessor('subject', {
      id: 'subject',
      header: 'Subject',
      cell: ({ row }) => (
        <span className="ticket-subject-cell">
          <Link to={`/tickets/${row.original.id}`}>{row.original.subject}</Link>
          {row.original.orderNumber ? <span className="muted"> · {row.original.orderNumber}</span> : null}
          {row.original.tags.length > 0 ? (
            <span className="ticket-tags">
              {row.original.tags.map((tag) => (
                <span key={tag} className="chip">
                  {tag}
                </span>
              ))}
            </span>
          ) : null}
        </span>
      ),
    }),
    column.accessor('requesterName', {
      id: 'requester',
      header: 'Requester',
      cell: ({ row }) => (
        <span>
          {row.original.requesterName}
          <br />
          <span className="muted">{row.original.requesterEmail}</span>
        </span>
      ),
    }),
    column.accessor('status', { id: 'status', header: 'Status', cell: ({ row }) => <TicketStatusBadge status={row.original.status} /> }),
    column.accessor('priority', { id: 'priority', header: 'Priority', cell: ({ row }) => <TicketPriorityBadge priority={row.original.priority} /> }),
    column.accessor('slaDueAt', {
      id: 'sla',
      header: 'SLA',
      cell: ({ row }) =>
        row.original.status === 'solved' || row.original.status === 'closed' ? (
          row.original.csatRating ? <span title="Customer satisfaction">★ {row.original.csatRating}/5</span> : <span className="muted">—</span>
        ) : (
          <SlaCountdown dueAt={row.original.slaDueAt} paused={row.original.slaPaused} now={context.now} />
        ),
    }),
    column.accessor('assigneeName', {
      id: 'assignee',
      header: 'Assignee',
      cell: ({ row }) => (
        <>
          {row.original.assigneeName ?? <span className="muted">Unassigned</span>}
          {row.original.teamName ? (
            <span className="ticket-team-chip" data-testid="ticket-team">
              {row.original.teamName}
            </span>
          ) : null}
        </>
      ),
    }),
    // One date column: the one the list is sorted by (updated or created), its header toggles the direction.
    context.sort === 'created'
      ? column.accessor('createdAt', { id: 'created', header: sortHeader('Created', 'created'), cell: ({ row }) => <DateTimeCell value={row.original.createdAt} /> })
      : column.accessor('updatedAt', { id: 'updated', header: sortHeader('Updated', 'updated'), cell: ({ row }) => <DateTimeCell value={row.original.updatedAt} /> }),
  ])
}
