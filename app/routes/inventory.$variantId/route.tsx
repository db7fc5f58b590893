import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useLocation } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { StockForms, type StockActionData } from '#app/components/inventory/stock-forms.tsx'
import { Delta, formatUnits, StockStateBadge } from '#app/components/inventory/stock-state.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import {
  adjustStock,
  confirmStockCount,
  InventoryForbiddenError,
  InventoryNotFoundError,
  setLowStockThreshold,
  StaleLevelError,
  transferStock,
  type StockCtx,
} from '#app/models/inventory-adjust.server.ts'
import { getVariantStock, listLocations, listVariantLedger } from '#app/models/inventory-list.server.ts'
import { ADJUST_REASONS, ADJUST_REASON_LABELS, MAX_STOCK_QUANTITY, STOCK_NOTE_MAX_LENGTH } from '#app/models/inventory-rules.ts'
import { InventoryInputError } from '#app/models/inventory-stock.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse, type ErrorBody } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import inventoryStylesHref from '../inventory._index/inventory.css'

/**
 * `/inventory/:variantId`: one SKU — its level at every location, the forms operations staff use to change stock
 * (adjust with a reason, transfer between locations, stock count with the difference shown before confirming, low-stock
 * threshold) and its ledger, newest first, each movement linked to the order or return behind it.
 * Every form carries the level version the page showed: a change made on a stale page is refused (409).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: inventoryStylesHref }]

const Quantity = (min: number) =>
  z.coerce
    .number({ invalid_type_error: 'Enter a whole number' })
    .int('Enter a whole number')
    .min(min, min === 0 ? 'Enter 0 or more' : 'Enter at least 1')
    .max(MAX_STOCK_QUANTITY, `At most ${MAX_STOCK_QUANTITY.toLocaleString('en-GB')}`)
/** `<levelId>@<version>`: the level a form acts on and the version the page showed. */
const LevelRef = z
  .string({ required_error: 'Choose a location' })
  .regex(/^[^@\s]{1,64}@\d{1,9}$/, 'Choose a location')
  .transform((value) => {
    const [levelId, version] = value.split('@')
    return { levelId: levelId!, expectedVersion: Number(version) }
  })
const Note = z.string().trim().max(STOCK_NOTE_MAX_LENGTH, `Keep the note under ${STOCK_NOTE_MAX_LENGTH} characters`).optional()

const StockActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('adjust'), level: LevelRef, reason: z.enum(ADJUST_REASONS, { errorMap: () => ({ message: 'Choose why the stock changed' }) }), quantity: Quantity(1), note: Note }),
  z.object({ intent: z.literal('transfer'), level: LevelRef, toLocationId: z.string({ required_error: 'Choose where the stock goes' }).min(1, 'Choose where the stock goes').max(64), quantity: Quantity(1), note: Note }),
  z.object({ intent: z.literal('count'), level: LevelRef, counted: Quantity(0), note: Note }),
  z.object({ intent: z.literal('threshold'), level: LevelRef, threshold: Quantity(0) }),
])

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:inventory')
  const variantId = z.string().min(1).max(64).parse(params.variantId)
  const url = new URL(request.url)
  const [stock, ledger, locations] = await Promise.all([
    getVariantStock(variantId),
    listVariantLedger(variantId, { before: url.searchParams.get('before') ?? undefined }),
    listLocations(),
  ])
  invariantResponse(stock, 'This SKU does not exist (it may have been removed from the catalogue).', { status: 404 })
  return json({
    variant: stock.variant,
    levels: stock.levels,
    ledger: { rows: ledger.rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })), nextBefore: ledger.nextBefore },
    locations: locations.filter((loc) => loc.isActive),
    canEdit: hasPermission(user.role, 'update:inventory'),
    reasons: ADJUST_REASONS.map((reason) => ({ value: reason, label: ADJUST_REASON_LABELS[reason] })),
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:inventory')
  const variantId = z.string().min(1).max(64).parse(params.variantId)
  const form = Object.fromEntries([...(await request.formData()).entries()].map(([key, value]) => [key, String(value)]))
  const intent = form.intent ?? ''
  const parsed = StockActionSchema.safeParse(form)
  if (!parsed.success) {
    const flat = parsed.error.flatten()
    const fieldErrors = Object.fromEntries(Object.entries(flat.fieldErrors).map(([field, errors]) => [field, (errors as string[] | undefined)?.[0] ?? 'Invalid']))
    return json<StockActionData>({ intent, fieldErrors, formError: flat.formErrors[0] ?? (fieldErrors.intent ? 'That request was not understood. Reload the page.' : undefined) }, { status: 400 })
  }
  const input = parsed.data
  // The level must belong to this SKU (a tampered form must not move another SKU's stock from this page).
  const stock = await getVariantStock(variantId)
  invariantResponse(stock, 'This SKU does not exist.', { status: 404 })
  if (!stock.levels.some((level) => level.levelId === input.level.levelId)) {
    return json<StockActionData>({ intent, fieldErrors: { level: 'Choose a location of this SKU' } }, { status: 400 })
  }
  const ctx: StockCtx = { actor: { id: user.id, role: user.role }, requestId: getRequestMeta(request, context).requestId }
  const back = `/inventory/${variantId}`
  try {
    switch (input.intent) {
      case 'adjust': {
        const result = await adjustStock({ ...input.level, reason: input.reason, quantity: input.quantity, note: input.note }, ctx)
        return redirectWithToast(back, { title: 'Stock adjusted', description: `${ADJUST_REASON_LABELS[input.reason]}: ${result.delta > 0 ? '+' : ''}${result.delta}. On hand now ${result.onHand}.` })
      }
      case 'transfer': {
        await transferStock({ ...input.level, toLocationId: input.toLocationId, quantity: input.quantity, note: input.note }, ctx)
        return redirectWithToast(back, { title: 'Stock transferred', description: `${input.quantity} moved.` })
      }
      case 'count': {
        const result = await confirmStockCount({ ...input.level, counted: input.counted, note: input.note }, ctx)
        return redirectWithToast(back, {
          title: 'Count confirmed',
          description: result.difference === 0 ? 'The shelf matches the record.' : `On hand ${result.difference > 0 ? 'up' : 'down'} by ${Math.abs(result.difference)} to ${result.onHand}.`,
        })
      }
      case 'threshold':
        await setLowStockThreshold({ ...input.level, threshold: input.threshold }, ctx)
        return redirectWithToast(back, { title: 'Low-stock threshold saved' })
    }
  } catch (error) {
    if (error instanceof StaleLevelError) return json<StockActionData>({ intent, formError: error.message }, { status: 409 })
    if (error instanceof InventoryInputError) {
      // A field the model refused (more than is free, below what is reserved…): a field error, like the schema's (400).
      return json<StockActionData>({ intent, ...(error.field ? { fieldErrors: { [error.field]: error.message } } : { formError: error.message }) }, { status: error.field ? 400 : 422 })
    }
    if (error instanceof InventoryForbiddenError) throw json<ErrorBody>({ message: error.message }, { status: 403 })
    if (error instanceof InventoryNotFoundError) throw json<ErrorBody>({ message: 'This stock level no longer exists.' }, { status: 404 })
    throw error
  }
}

export default function VariantStockPage() {
  const data = useLoaderData<typeof loader>()
  const location = useLocation()
  const { variant, levels, ledger } = data
  const totals = levels.reduce((t, l) => ({ onHand: t.onHand + l.onHand, reserved: t.reserved + l.reserved, available: t.available + l.available, incoming: t.incoming + l.incoming }), { onHand: 0, reserved: 0, available: 0, incoming: 0 })
  return (
    <div className="page inventory-sku-page" data-testid="sku-view" data-search={location.search}>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/inventory">Inventory</Link> / <span className="cell-mono">{variant.sku}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 className="inventory-sku-title">{variant.sku}</h1>
          <p className="muted">
            {variant.product.title}
            {variant.title && variant.title !== 'Default' ? ` · ${variant.title}` : ''}
            {variant.barcode ? ` · barcode ${variant.barcode}` : ''}
          </p>
        </div>
      </header>

      <ul className="figures figures-compact" aria-label="Totals over every location">
        {(
          [
            ['On hand', totals.onHand],
            ['Reserved', totals.reserved],
            ['Available', totals.available],
            ['Incoming', totals.incoming],
          ] as const
        ).map(([label, value]) => (
          <li key={label} className="figure">
            <span className="figure-label">{label}</span>
            <span className="figure-value">{formatUnits(value)}</span>
          </li>
        ))}
      </ul>

      <section className="panel panel-flush" aria-labelledby="levels-title">
        <h2 id="levels-title" className="panel-title inventory-panel-title">
          Stock per location
        </h2>
        <div className="table-wrap">
          <table className="data-table" data-testid="levels-table">
            <thead>
              <tr>
                <th scope="col">Location</th>
                <th scope="col" className="col-onHand">On hand</th>
                <th scope="col" className="col-reserved">Reserved</th>
                <th scope="col" className="col-available">Available</th>
                <th scope="col" className="col-incoming">Incoming</th>
                <th scope="col" className="col-lowStockThreshold">Low at</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {levels.length === 0 ? (
                <tr>
                  <td colSpan={7} className="empty">
                    Not stocked anywhere yet.
                  </td>
                </tr>
              ) : (
                levels.map((level) => (
                  <tr key={level.levelId} data-row-id={level.levelId} data-location={level.locationCode}>
                    <td>
                      <strong>{level.locationCode}</strong> <span className="muted">{level.locationName}</span>
                      {level.isActive ? null : <span className="muted"> (closed)</span>}
                    </td>
                    <td className="col-onHand num" data-testid="on-hand">{formatUnits(level.onHand)}</td>
                    <td className="col-reserved num" title={`${level.openReservations} open reservation${level.openReservations === 1 ? '' : 's'}`}>
                      {formatUnits(level.reserved)}
                    </td>
                    <td className="col-available num">
                      <strong>{formatUnits(level.available)}</strong>
                    </td>
                    <td className="col-incoming num">{formatUnits(level.incoming)}</td>
                    <td className="col-lowStockThreshold num">{formatUnits(level.lowStockThreshold)}</td>
                    <td>
                      <StockStateBadge state={level.state} />
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
      </section>

      {/* Keyed on the levels' versions: after a change is saved the forms start empty again (a refused one keeps its values). */}
      {data.canEdit && levels.length > 0 ? <StockForms key={levels.map((l) => l.version).join('.')} levels={levels} locations={data.locations} reasons={data.reasons} /> : null}

      <section className="panel panel-flush" aria-labelledby="ledger-title">
        <h2 id="ledger-title" className="panel-title inventory-panel-title">
          Ledger
        </h2>
        <div className="table-wrap">
          <table className="data-table" data-testid="ledger-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Movement</th>
                <th scope="col">Location</th>
                <th scope="col" className="col-onHand">On hand</th>
                <th scope="col" className="col-reserved">Reserved</th>
                <th scope="col">Why</th>
                <th scope="col">By</th>
                <th scope="col">Behind it</th>
              </tr>
            </thead>
            <tbody>
              {ledger.rows.length === 0 ? (
                <tr>
                  <td colSpan={8} className="empty">
                    No stock movements yet.
                  </td>
                </tr>
              ) : (
                ledger.rows.map((row) => (
                  <tr key={row.id} data-row-id={row.id} data-kind={row.kind}>
                    <td>
                      <DateTimeCell value={row.createdAt} />
                    </td>
                    <td>{KIND_LABELS[row.kind] ?? row.kind}</td>
                    <td>{row.locationCode}</td>
                    <td className="col-onHand num">
                      <Delta value={row.onHandDelta} />
                    </td>
                    <td className="col-reserved num">
                      <Delta value={row.reservedDelta} />
                    </td>
                    <td className="inventory-reason">{row.reason ?? <span className="muted">—</span>}</td>
                    <td>{row.actorName ?? <span className="muted">System</span>}</td>
                    <td>
                      {row.orderId ? <Link to={`/orders/${row.orderId}`}>Order {row.orderNumber}</Link> : null}
                      {row.orderId && row.returnId ? ' · ' : null}
                      {row.returnId ? <Link to={`/returns/${row.returnId}`}>Return {row.returnNumber}</Link> : null}
                      {!row.orderId && !row.returnId ? <span className="muted">—</span> : null}
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        <nav className="pager" aria-label="Ledger pages">
          {location.search.includes('before=') ? <Link to={location.pathname}>Newest</Link> : <span className="muted">Newest</span>}
          {ledger.nextBefore ? (
            <Link to={`?before=${ledger.nextBefore}`} rel="next" data-testid="ledger-older">
              Older →
            </Link>
          ) : (
            <span className="muted" aria-disabled="true">
              Older →
            </span>
          )}
        </nav>
      </section>
    </div>
  )
}

const KIND_LABELS: Record<string, string> = {
  reserve: 'Reserved',
  release: 'Released',
  commit: 'Shipped',
  adjust: 'Adjusted',
  restock: 'Restocked (return)',
  transfer_in: 'Transfer in',
  transfer_out: 'Transfer out',
  sync: 'Warehouse sync',
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.variant.sku ?? 'SKU'} · Inventory · OpsDeck` }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
