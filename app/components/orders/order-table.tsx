import { Link } from '@remix-run/react'
import {
  columnOrderingFeature,
  columnVisibilityFeature,
  rowSelectionFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type RowSelectionState,
} from '@tanstack/react-table'
import { useEffect, useRef } from 'react'

/**
 * The orders table: TanStack Table for the column model, column visibility and order, and row selection; our markup
 * for the rest. Sorting and paging are the server's (keyset SQL, app/models/order-list.server.ts), so the table gets
 * one page of rows and the view (visible columns in order, density) from the URL; selection is the only client state.
 */

export const orderTableFeatures = tableFeatures({ columnVisibilityFeature, columnOrderingFeature, rowSelectionFeature })
export type OrderTableFeatures = typeof orderTableFeatures

/** The selection checkbox column's id: always first, never hidden. */
export const SELECT_COLUMN = 'select'

export type OrderTableProps<Row extends { id: string }> = {
  columns: ColumnDef<OrderTableFeatures, Row, any>[]
  rows: Row[]
  /** Visible column ids, in display order (from `cols`); every other column is hidden. */
  visible: readonly string[]
  density: 'compact' | 'comfortable'
  rowSelection: RowSelectionState
  onRowSelectionChange: (next: RowSelectionState) => void
  caption: string
  emptyMessage: React.ReactNode
}

export function OrderTable<Row extends { id: string }>({
  columns,
  rows,
  visible,
  density,
  rowSelection,
  onRowSelectionChange,
  caption,
  emptyMessage,
}: OrderTableProps<Row>) {
  const allIds = columns.map((column) => column.id!).filter((id) => id !== SELECT_COLUMN)
  const columnOrder = [SELECT_COLUMN, ...visible, ...allIds.filter((id) => !visible.includes(id))]
  const columnVisibility = Object.fromEntries(allIds.map((id) => [id, visible.includes(id)]))
  const table = useTable({
    features: orderTableFeatures,
    columns,
    data: rows,
    getRowId: (row) => row.id,
    enableRowSelection: true,
    state: { columnOrder, columnVisibility, rowSelection },
    onRowSelectionChange: (updater) => onRowSelectionChange(typeof updater === 'function' ? updater(rowSelection) : updater),
  })
  const tableRows = table.getRowModel().rows
  return (
    <div className="table-wrap orders-table-wrap">
      <table className={`data-table orders-table orders-table--${density}`} data-testid="orders-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th
                  key={header.id}
                  scope="col"
                  className={`col-${header.column.id}`}
                  data-column={header.column.id}
                  aria-sort={(header.column.columnDef.meta as { ariaSort?: 'ascending' | 'descending' } | undefined)?.ariaSort}
                >
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {tableRows.length === 0 ? (
            <tr>
              <td colSpan={table.getVisibleLeafColumns().length} className="empty">
                {emptyMessage}
              </td>
            </tr>
          ) : (
            tableRows.map((row) => (
              <tr key={row.id} data-row-id={row.id} className={row.getIsSelected() ? 'is-selected' : undefined}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={`col-${cell.column.id}`}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  )
}

/** A checkbox that can show "some selected" (indeterminate is a DOM property, not an attribute). */
export function SelectCheckbox({ checked, indeterminate = false, onChange, label }: { checked: boolean; indeterminate?: boolean; onChange: (event: unknown) => void; label: string }) {
  const ref = useRef<HTMLInputElement>(null)
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate && !checked
  }, [indeterminate, checked])
  return <input ref={ref} type="checkbox" className="select-checkbox" checked={checked} onChange={onChange} aria-label={label} />
}

/** A sortable column header: a link that sorts by this key (toggling the direction when already sorted by it). */
export function SortHeader({ label, active, dir, to }: { label: string; active: boolean; dir: 'asc' | 'desc'; to: string }) {
  return (
    <Link to={to} className={`sort-header${active ? ' sort-header--active' : ''}`} preventScrollReset data-testid={`sort-${label.toLowerCase()}`}>
      {label}
      <span aria-hidden="true" className="sort-header__arrow">
        {active ? (dir === 'asc' ? '▲' : '▼') : '↕'}
      </span>
      {active ? <span className="visually-hidden">, sorted {dir === 'asc' ? 'ascending' : 'descending'}</span> : null}
    </Link>
  )
}
