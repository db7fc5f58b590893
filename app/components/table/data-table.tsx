import { type ColumnDef, type RowData, tableFeatures, useTable } from '@tanstack/react-table'

/**
 * The console's table: TanStack Table v9 for the column model, our markup and CSS for the rest (compact rows,
 * sticky header). Sorting, filtering and paging belong in the URL and in SQL (STYLE.md habit 11), so the table uses
 * only the core row model.
 */

/** Feature set shared by every table; column helpers are typed with it (`createColumnHelper<TableFeatureSet, Row>()`). */
export const coreFeatures = tableFeatures({})
export type TableFeatureSet = typeof coreFeatures

export type DataTableProps<TData extends RowData> = {
  columns: ColumnDef<TableFeatureSet, TData, any>[]
  data: TData[]
  getRowId: (row: TData) => string
  /** Describes the table for screen readers; shown visually hidden. */
  caption: string
  emptyMessage?: string
  testId?: string
}

export function DataTable<TData extends RowData>({ columns, data, getRowId, caption, emptyMessage, testId }: DataTableProps<TData>) {
  const table = useTable({ features: coreFeatures, columns, data, getRowId: (row) => getRowId(row) })
  const rows = table.getRowModel().rows
  return (
    <div className="table-wrap">
      <table className="data-table" data-testid={testId}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col" className={`col-${header.column.id}`}>
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={table.getAllLeafColumns().length} className="empty">
                {emptyMessage ?? 'Nothing to show.'}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={row.id} data-row-id={row.id}>
                {row.getAllCells().map((cell) => (
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
