import type { ColumnDef, RowSelectionState } from '@tanstack/react-table'
import { DataTable, type ListTableFeatures } from '#app/components/table/data-table.tsx'

/**
 * NOTE: kept only for the tickets list, which still imports it: the orders list uses the shared DataTable
 * (app/components/table/data-table.tsx) directly. Tickets can do the same (`viewColumns`, `selection`), then this
 * file goes.
 */
export { SELECT_COLUMN } from '#app/components/table/data-table.tsx'
export { SelectCheckbox } from '#app/components/table/select-checkbox.tsx'
export { SortHeader } from '#app/components/table/sort-header.tsx'
export type OrderTableFeatures = ListTableFeatures

export type OrderTableProps<Row extends { id: string }> = {
  columns: ColumnDef<OrderTableFeatures, Row, any>[]
  rows: Row[]
  visible: readonly string[]
  density: 'compact' | 'comfortable'
  rowSelection: RowSelectionState
  onRowSelectionChange: (next: RowSelectionState) => void
  caption: string
  emptyMessage: React.ReactNode
}

export function OrderTable<Row extends { id: string }>({ columns, rows, visible, density, rowSelection, onRowSelectionChange, caption, emptyMessage }: OrderTableProps<Row>) {
  return (
    <DataTable
      columns={columns}
      data={rows}
      getRowId={(row) => row.id}
      caption={caption}
      emptyMessage={emptyMessage}
      testId="orders-table"
      className={`orders-table orders-table--${density}`}
      wrapClassName="orders-table-wrap"
      viewColumns={visible}
      selection={{ state: rowSelection, onChange: onRowSelectionChange }}
    />
  )
}
