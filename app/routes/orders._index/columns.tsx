import { Link } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { RelativeTime } from '#app/components/integrations/health.tsx'
import { CHANNEL_LABELS } from '#app/components/orders/order-filters.tsx'
import { FulfillmentStatusBadge, OrderStatusBadge, PaymentStatusBadge } from '#app/components/orders/order-status-badges.tsx'
import { SELECT_COLUMN, type ListTableFeatures } from '#app/components/table/data-table.tsx'
import { SelectCheckbox } from '#app/components/table/select-checkbox.tsx'
import { SortHeader } from '#app/components/table/sort-header.tsx'
import type { OrderListColumn, OrderListRow, OrderListSort } from '#app/models/order-list.server.ts'
import { formatMoney } from '#app/utils/money.ts'

/** A row as the loader sends it (dates as ISO strings). */
export type OrderRow = Omit<OrderListRow, 'placedAt'> & { placedAt: string }

/** Every column, its label and (when sortable) the server sort key; the order here is the default order. */
export const ORDER_COLUMN_LABELS: Record<OrderListColumn, string> = {
  number: 'Order',
  placedAt: 'Placed',
  customer: 'Customer',
  status: 'Status',
  payment: 'Payment',
  fulfillment: 'Fulfilment',
  channel: 'Channel',
  total: 'Total',
  country: 'Country',
  tags: 'Tags',
  assignee: 'Assignee',
}
/** NOTE: values from a `.server` module never reach the browser bundle; the ids are typed against the model's list. */
export const ALL_COLUMNS = Object.keys(ORDER_COLUMN_LABELS) as OrderListColumn[]
export const DEFAULT_COLUMNS: readonly OrderListColumn[] = ['number', 'placedAt', 'customer', 'status', 'payment', 'fulfillment', 'channel', 'total']
const SORT_KEYS: Partial<Record<OrderListColumn, OrderListSort>> = { number: 'number', placedAt: 'placedAt', total: 'totalAmount' }

const column = createColumnHelper<ListTableFeatures, OrderRow>()

export type ColumnContext = {
  /** Snapshot time relative dates are measured from (the loader's, so server and browser render the same text). */
  now: string
  density: 'compact' | 'comfortable'
  sort: OrderListSort
  dir: 'asc' | 'desc'
  /** The link that sorts by `key` (toggling the direction when already sorted by it). */
  sortLink: (key: OrderListSort) => string
}

export function orderColumns(context: ColumnContext) {
  const header = (id: OrderListColumn) => {
    const key = SORT_KEYS[id]
    if (!key) return ORDER_COLUMN_LABELS[id]
    return () => <SortHeader label={ORDER_COLUMN_LABELS[id]} active={context.sort === key} dir={context.dir} to={context.sortLink(key)} />
  }
  const ariaSort = (id: OrderListColumn) =>
    SORT_KEYS[id] && SORT_KEYS[id] === context.sort ? { ariaSort: context.dir === 'asc' ? ('ascending' as const) : ('descending' as const) } : undefined
  const comfortable = context.density === 'comfortable'

  return column.columns([
    column.display({
      id: SELECT_COLUMN,
      header: ({ table }) => (
        <SelectCheckbox
          checked={table.getIsAllPageRowsSelected()}
          indeterminate={table.getIsSomePageRowsSelected()}
          onChange={table.getToggleAllPageRowsSelectedHandler()}
          label="Select every order on this page"
        />
      ),
      cell: ({ row }) => <SelectCheckbox checked={row.getIsSelected()} onChange={row.getToggleSelectedHandler()} label={`Select order ${row.original.number}`} />,
    }),
    column.accessor('number', {
      id: 'number',
      header: header('number'),
      meta: ariaSort('number'),
      cell: (info) => (
        <Link to={`/orders/${info.row.original.id}`} className="cell-strong order-link" prefetch="intent">
          {info.getValue()}
        </Link>
      ),
    }),
    column.accessor('placedAt', {
      id: 'placedAt',
      header: header('placedAt'),
      meta: ariaSort('placedAt'),
      cell: (info) =>
        comfortable ? (
          <span className="cell-stack">
            <RelativeTime value={info.getValue()} now={context.now} />
            <span className="cell-sub">
              <AbsoluteTime value={info.getValue()} now={context.now} />
            </span>
          </span>
        ) : (
          <RelativeTime value={info.getValue()} now={context.now} />
        ),
    }),
    column.accessor('customerName', {
      id: 'customer',
      header: header('customer'),
      cell: (info) =>
        comfortable ? (
          <span className="cell-stack cell-customer">
            <span className="cell-clip">{info.getValue()}</span>
            <span className="cell-sub cell-clip">{info.row.original.customerEmail}</span>
          </span>
        ) : (
          <span className="cell-clip cell-customer" title={info.row.original.customerEmail}>
            {info.getValue()}
          </span>
        ),
    }),
    column.accessor('status', { id: 'status', header: header('status'), cell: (info) => <OrderStatusBadge status={info.getValue()} /> }),
    column.accessor('paymentStatus', { id: 'payment', header: header('payment'), cell: (info) => <PaymentStatusBadge status={info.getValue()} /> }),
    column.accessor('fulfillmentStatus', { id: 'fulfillment', header: header('fulfillment'), cell: (info) => <FulfillmentStatusBadge status={info.getValue()} /> }),
    column.accessor('channel', { id: 'channel', header: header('channel'), cell: (info) => <span className="channel">{CHANNEL_LABELS[info.getValue()]}</span> }),
    column.accessor('totalAmount', {
      id: 'total',
      header: header('total'),
      meta: ariaSort('total'),
      cell: (info) => <span className="num">{formatMoney(info.getValue(), info.row.original.currency)}</span>,
    }),
    column.accessor('country', {
      id: 'country',
      header: header('country'),
      cell: (info) => (info.getValue() ? <span className="cell-mono">{info.getValue()}</span> : <span className="muted">—</span>),
    }),
    column.accessor('tags', {
      id: 'tags',
      header: header('tags'),
      cell: (info) => <Tags tags={info.getValue()} />,
    }),
    column.accessor('assigneeName', {
      id: 'assignee',
      header: header('assignee'),
      cell: (info) => (info.getValue() ? <span>{info.getValue()}</span> : <span className="muted">Unassigned</span>),
    }),
  ])
}

function Tags({ tags }: { tags: string[] }) {
  if (tags.length === 0) return <span className="muted">—</span>
  const shown = tags.slice(0, 3)
  return (
    <span className="tag-list" title={tags.join(', ')}>
      {shown.map((tag) => (
        <span key={tag} className="tag">
          {tag}
        </span>
      ))}
      {tags.length > shown.length ? <span className="muted">+{tags.length - shown.length}</span> : null}
    </span>
  )
}

const SAME_YEAR = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })
const OTHER_YEAR = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })

/** "25 Nov, 17:03 UTC" this year, "3 Mar 2025" before; UTC so server and browser render the same text. */
function AbsoluteTime({ value, now }: { value: string; now: string }) {
  const date = new Date(value)
  const sameYear = date.getUTCFullYear() === new Date(now).getUTCFullYear()
  return (
    <time dateTime={value} title={value}>
      {sameYear ? `${SAME_YEAR.format(date)} UTC` : OTHER_YEAR.format(date)}
    </time>
  )
}
