import { Link } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { formatUnits, StockStateBadge } from '#app/components/inventory/stock-state.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'
import type { InventoryRow } from '#app/models/inventory-list.server.ts'

const column = createColumnHelper<TableFeatureSet, InventoryRow>()

const units = (value: number) => <span className="num">{formatUnits(value)}</span>

/** Variant × location rows of /inventory. */
export const inventoryColumns = column.columns([
  column.accessor('sku', {
    header: 'SKU',
    cell: (info) => (
      <Link to={`/inventory/${info.row.original.variantId}`} className="cell-strong cell-mono">
        {info.getValue()}
      </Link>
    ),
  }),
  column.accessor('productTitle', {
    header: 'Product',
    cell: (info) => (
      <>
        {info.getValue()}
        {info.row.original.variantTitle && info.row.original.variantTitle !== 'Default' ? <span className="muted"> · {info.row.original.variantTitle}</span> : null}
      </>
    ),
  }),
  column.accessor('locationCode', { header: 'Location', cell: (info) => <span title={info.row.original.locationName}>{info.getValue()}</span> }),
  column.accessor('onHand', { header: 'On hand', cell: (info) => units(info.getValue()) }),
  column.accessor('reserved', { header: 'Reserved', cell: (info) => units(info.getValue()) }),
  column.accessor('available', { header: 'Available', cell: (info) => <strong className="num">{formatUnits(info.getValue())}</strong> }),
  column.accessor('incoming', { header: 'Incoming', cell: (info) => units(info.getValue()) }),
  column.accessor('lowStockThreshold', { header: 'Low at', cell: (info) => units(info.getValue()) }),
  column.accessor('state', { header: 'State', cell: (info) => <StockStateBadge state={info.getValue()} /> }),
])
