import {
  columnOrderingFeature,
  columnVisibilityFeature,
  rowSelectionFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type RowData,
  type RowSelectionState,
  type TableFeatures,
  type TableOptions,
} from '@tanstack/react-table'

/**
 * The console's table: TanStack Table v9 for the column model, our markup and CSS for the rest (compact rows,
 * sticky header). Sorting, filtering and paging belong in the URL and in SQL (STYLE.md habit 11), so the table uses
 * only the core row model. A list whose view is in its URL (visible columns in order) and whose rows can be selected
 * for bulk work (orders, tickets) passes `viewColumns` and/or `selection` with columns typed for `listFeatures`.
 */

/** Feature set shared by every table; column helpers are typed with it (`createColumnHelper<TableFeatureSet, Row>()`). */
export const coreFeatures = tableFeatures({})
export type TableFeatureSet = typeof coreFeatures

/** Lists with a column view (visibility, order) and row selection: `createColumnHelper<ListTableFeatures, Row>()`. */
export const listFeatures = tableFeatures({ columnVisibilityFeature, columnOrderingFeature, rowSelectionFeature })
export type ListTableFeatures = typeof listFeatures

/** The selection checkbox column's id: always first, never hidden (see SelectCheckbox). */
export const SELECT_COLUMN = 'select'

type ColumnMeta = { ariaSort?: 'ascending' | 'descending' } | undefined

export type DataTableProps<TFeatures extends TableFeatures, TData extends RowData> = {
  columns: ColumnDef<TFeatures, TData, any>[]
  data: TData[]
  getRowId: (row: TData) => string
  /** Describes the table for screen readers; shown visually hidden. */
  caption: string
  emptyMessage?: React.ReactNode
  testId?: string
  /** Added to the table's own classes (`data-table`) and to its scroll wrapper's (`table-wrap`). */
  className?: string
  wrapClassName?: string
  /** With `listFeatures` columns: the ids shown, in this order; every other column is hidden (SELECT_COLUMN stays first). */
  viewColumns?: readonly string[]
  /** With `listFeatures` columns: the selected row ids and what to do when the selection changes (controlled). */
  selection?: { state: RowSelectionState; onChange: (next: RowSelectionState) => void }
}

/**
 * Columns typed for `listFeatures` may use `viewColumns`/`selection`; a header's `meta.ariaSort` becomes its
 * `aria-sort` (a list sorted by the server says which column it is sorted by).
 */
export function DataTable<TFeatures extends TableFeatures, TData extends RowData>({
  columns,
  data,
  getRowId,
  caption,
  emptyMessage,
  testId,
  className,
  wrapClassName,
  viewColumns,
  selection,
}: DataTableProps<TFeatures, TData>) {
  const isList = viewColumns !== undefined || selection !== undefined
  const state: Record<string, unknown> = {}
  if (viewColumns) {
    const ids = columns.map((column) => column.id!).filter((id) => id !== SELECT_COLUMN)
    state.columnOrder = [SELECT_COLUMN, ...viewColumns, ...ids.filter((id) => !viewColumns.includes(id))]
    state.columnVisibility = Object.fromEntries(ids.map((id) => [id, viewColumns.includes(id)]))
  }
  if (selection) state.rowSelection = selection.state
  // NOTE: one table type for both feature sets: the list features are only present when the caller uses them, and
  // the markup below asks for visible cells/columns only when the visibility feature is there.
  const table = useTable({
    features: (isList ? listFeatures : coreFeatures) as TFeatures,
    columns,
    data,
    getRowId: (row: TData) => getRowId(row),
    ...(isList ? { state, enableRowSelection: selection !== undefined } : {}),
    ...(selection
      ? {
          onRowSelectionChange: (updater: RowSelectionState | ((old: RowSelectionState) => RowSelectionState)) =>
            selection.onChange(typeof updater === 'function' ? updater(selection.state) : updater),
        }
      : {}),
  } as unknown as TableOptions<TFeatures, TData>)
  const list = table as unknown as ListTable
  const rows = table.getRowModel().rows
  const columnCount = viewColumns ? list.getVisibleLeafColumns().length : table.getAllLeafColumns().length
  return (
    <div className={wrapClassName ? `table-wrap ${wrapClassName}` : 'table-wrap'}>
      <table className={className ? `data-table ${className}` : 'data-table'} data-testid={testId}>
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
                  aria-sort={(header.column.columnDef.meta as ColumnMeta)?.ariaSort}
                >
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columnCount} className="empty">
                {emptyMessage ?? 'Nothing to show.'}
              </td>
            </tr>
          ) : (
            rows.map((row) => {
              const listRow = row as unknown as ListRow
              const cells = (viewColumns ? listRow.getVisibleCells() : row.getAllCells()) as ReturnType<typeof row.getAllCells>
              return (
                <tr key={row.id} data-row-id={row.id} className={selection && listRow.getIsSelected() ? 'is-selected' : undefined}>
                  {cells.map((cell) => (
                    <td key={cell.id} className={`col-${cell.column.id}`}>
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              )
            })
          )}
        </tbody>
      </table>
    </div>
  )
}

type ListTable = { getVisibleLeafColumns: () => unknown[] }
type ListRow = { getVisibleCells: () => unknown[]; getIsSelected: () => boolean }
