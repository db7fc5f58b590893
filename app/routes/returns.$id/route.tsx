import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, type ShouldRevalidateFunction } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { ActionDisclosure, useOrderActionData, type OrderActionData } from '#app/components/orders/order-form.tsx'
import { humanize, OrderStatusBadge, RecordStatusBadge } from '#app/components/orders/order-status-badges.tsx'
import { OrderTimeline } from '#app/components/orders/order-timeline.tsx'
import { ReturnStatusBadge, SlaBadge } from '#app/components/returns/return-badges.tsx'
import { DisposeForm, ReceiveForm, ResolveForm, ReturnHeaderActions } from '#app/components/returns/return-step-forms.tsx'
import { ReturnLiveChanges } from '#app/components/returns/return-live-changes.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import { exchangeChoices, getReturnPage } from '#app/models/return-detail.server.ts'
import { DISPOSITION_LABELS, RESOLUTION_LABELS, RETURN_DISPOSITIONS, RETURN_REASON_MAX_LENGTH, RETURN_RESOLUTIONS, returnActionStates } from '#app/models/return-rules.ts'
import {
  approveReturn,
  cancelReturn,
  disposeReturnLines,
  IllegalReturnActionError,
  markReturnInTransit,
  receiveReturn,
  rejectReturn,
  resolveReturn,
  ReturnForbiddenError,
  ReturnInputError,
  ReturnNotFoundError,
  StaleReturnError,
  type Ctx,
} from '#app/models/return.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse, type ErrorBody } from '#app/utils/http.server.ts'
import { formatMoney, toMinorUnits } from '#app/utils/money.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import orderPageStylesHref from '../orders.$id/order-page.css'
import returnPageStylesHref from './return-page.css'

/**
 * `/returns/:id`: the RMA — its items with asked / received / damaged / restocked counts, the order it belongs to,
 * the ticket it came from, label and tracking, refunds, stock put back, the refund clock ("received but not
 * refunded for 48 h") and a timeline of every step with who took it, kept current while open (ReturnLiveChanges:
 * a socket signal when anyone or any integration changes it). Only the steps return-rules.ts allows for the
 * status and the person's role are offered; each carries the version the page showed (stale → 409, not applied).
 */

const STALE_MESSAGE = 'Someone changed this return since you opened it — reload to see their change'
const IdSchema = z.string().min(1).max(64)
const Version = z.coerce.number({ invalid_type_error: 'Reload the page and try again' }).int().positive()
const Reason = (what: string) => z.string({ required_error: what }).trim().min(1, what).max(RETURN_REASON_MAX_LENGTH, `Keep it under ${RETURN_REASON_MAX_LENGTH} characters`)
const OptionalText = (max: number) => z.string().trim().max(max, `At most ${max} characters`).optional()

export const ApproveReturnSchema = z.object({ intent: z.literal('approve'), expectedVersion: Version, buyLabel: z.literal('on').optional(), note: OptionalText(RETURN_REASON_MAX_LENGTH) })
export const RejectReturnSchema = z.object({ intent: z.literal('reject'), expectedVersion: Version, reason: Reason('Say why the return is rejected') })
export const ShipReturnSchema = z.object({ intent: z.literal('ship'), expectedVersion: Version, carrier: OptionalText(60), trackingNumber: OptionalText(60) })
export const CancelReturnSchema = z.object({ intent: z.literal('cancel'), expectedVersion: Version, reason: Reason('Say why the return is cancelled') })
/** Quantities and decisions come as `received.<lineId>`, `damaged.<lineId>`, `disposition.<lineId>`, `location.<lineId>`. */
export const ReceiveReturnSchema = z.object({ intent: z.literal('receive'), expectedVersion: Version })
export const DisposeReturnSchema = z.object({ intent: z.literal('dispose'), expectedVersion: Version })
export const ResolveReturnSchema = z.object({
  intent: z.literal('resolve'),
  expectedVersion: Version,
  resolution: z.enum(RETURN_RESOLUTIONS, { errorMap: () => ({ message: 'Choose a resolution' }) }),
  amount: z.string().trim().optional(),
  reason: OptionalText(RETURN_REASON_MAX_LENGTH),
})

const SCHEMAS = {
  approve: ApproveReturnSchema,
  reject: RejectReturnSchema,
  ship: ShipReturnSchema,
  cancel: CancelReturnSchema,
  receive: ReceiveReturnSchema,
  dispose: DisposeReturnSchema,
  resolve: ResolveReturnSchema,
} as const

function parseId(params: LoaderFunctionArgs['params']) {
  const parsed = IdSchema.safeParse(params.id)
  invariantResponse(parsed.success, 'There is no return at this address.', { status: 404 })
  return parsed.data
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:return')
  const id = parseId(params)
  const page = await getReturnPage(id)
  invariantResponse(page, `There is no return with id “${id}”. The link may be wrong — find it in the returns queue.`, { status: 404 })
  const states = returnActionStates(page.ret.status, user.role)
  const choices = states.resolve.allowed ? await exchangeChoices(page.ret.lines.map((l) => l.orderLine.variantId).filter((v): v is string => Boolean(v))) : []
  return json({ ...page, states, choices })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:return')
  const returnId = parseId(params)
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  if (!(intent in SCHEMAS)) return json<OrderActionData>({ intent, formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  const fields = Object.fromEntries([...form.entries()].filter(([key]) => !key.includes('.')).map(([key, value]) => [key, String(value)]))
  const parsed = SCHEMAS[intent as keyof typeof SCHEMAS].safeParse(fields)
  if (!parsed.success) {
    const flat = parsed.error.flatten()
    const fieldErrors = Object.fromEntries(Object.entries(flat.fieldErrors).map(([field, errors]) => [field, (errors as string[] | undefined)?.[0] ?? 'Invalid']))
    return json<OrderActionData>({ intent, fieldErrors, formError: fieldErrors.expectedVersion ?? flat.formErrors[0] }, { status: 400 })
  }
  const input = parsed.data
  const meta = getRequestMeta(request, context)
  const ctx: Ctx = { actor: { id: user.id, role: user.role }, expectedVersion: input.expectedVersion, requestId: meta.requestId }
  const back = `/returns/${returnId}`
  const perLine = (prefix: string) =>
    [...form.entries()].filter(([key]) => key.startsWith(`${prefix}.`)).map(([key, value]) => ({ lineId: key.slice(prefix.length + 1), value: String(value).trim() }))

  try {
    switch (input.intent) {
      case 'approve': {
        const buyLabel = input.buyLabel === 'on'
        await approveReturn(returnId, { buyLabel, note: input.note }, ctx)
        return redirectWithToast(back, {
          title: 'Return approved',
          description: buyLabel ? 'The carrier integration buys the return label; it shows here when it arrives.' : 'No label: the customer sends it back their own way.',
        })
      }
      case 'reject':
        await rejectReturn(returnId, { reason: input.reason }, ctx)
        return redirectWithToast(back, { title: 'Return rejected' })
      case 'ship':
        await markReturnInTransit(returnId, { carrier: input.carrier, trackingNumber: input.trackingNumber }, ctx)
        return redirectWithToast(back, { title: 'Marked in transit' })
      case 'cancel':
        await cancelReturn(returnId, { reason: input.reason }, ctx)
        return redirectWithToast(back, { title: 'Return cancelled' })
      case 'receive': {
        const damaged = new Map(perLine('damaged').map((d) => [d.lineId, d.value]))
        const fieldErrors: Record<string, string> = {}
        const lines = perLine('received').map(({ lineId, value }) => {
          const received = Number(value || '0')
          const hurt = Number(damaged.get(lineId) || '0')
          if (!Number.isInteger(received) || received < 0) fieldErrors[`received.${lineId}`] = 'Whole numbers only'
          if (!Number.isInteger(hurt) || hurt < 0) fieldErrors[`damaged.${lineId}`] = 'Whole numbers only'
          return { returnLineId: lineId, received, damaged: hurt }
        })
        if (Object.keys(fieldErrors).length) return json<OrderActionData>({ intent, fieldErrors }, { status: 400 })
        await receiveReturn(returnId, { lines }, ctx)
        const units = lines.reduce((sum, line) => sum + line.received, 0)
        return redirectWithToast(back, { title: 'Return received', description: `${units} unit${units === 1 ? '' : 's'} back. Decide what happens to them next.` })
      }
      case 'dispose': {
        const locations = new Map(perLine('location').map((l) => [l.lineId, l.value]))
        const lines = perLine('disposition')
          .filter(({ value }) => value !== '')
          .map(({ lineId, value }) => ({ returnLineId: lineId, disposition: value as (typeof RETURN_DISPOSITIONS)[number], locationId: value === 'restock' ? locations.get(lineId) || null : null }))
        const bad = lines.find((line) => !(RETURN_DISPOSITIONS as readonly string[]).includes(line.disposition))
        if (bad) return json<OrderActionData>({ intent, fieldErrors: { [`disposition.${bad.returnLineId}`]: 'Choose restock, quarantine or scrap' } }, { status: 400 })
        await disposeReturnLines(returnId, { lines }, ctx)
        const restocked = lines.filter((line) => line.disposition === 'restock').length
        return redirectWithToast(back, { title: 'Decisions saved', description: restocked ? `${restocked} item${restocked === 1 ? '' : 's'} restocked.` : undefined })
      }
      case 'resolve': {
        const page = await getReturnPage(returnId)
        invariantResponse(page, 'This return no longer exists.', { status: 404 })
        const currency = page.ret.order.currency
        if (input.resolution === 'refund' || input.resolution === 'store_credit') {
          const amount = toMinorUnits(input.amount ?? '', currency)
          if (typeof amount === 'string') return json<OrderActionData>({ intent, fieldErrors: { amount } }, { status: 400 })
          if (input.resolution === 'refund') {
            const result = await resolveReturn(returnId, { resolution: 'refund', amount, reason: input.reason }, ctx)
            return redirectWithToast(back, {
              type: result.changed ? 'success' : 'info',
              title: result.changed ? 'Refund requested, return resolved' : 'Already refunded',
              description: `${formatMoney(amount, currency)} sent to the payment gateway; it shows as succeeded when the gateway confirms.`,
            })
          }
          await resolveReturn(returnId, { resolution: 'store_credit', amount }, ctx)
          return redirectWithToast(back, { title: 'Store credit issued', description: `${formatMoney(amount, currency)} recorded on the return.` })
        }
        if (input.resolution === 'exchange') {
          const replacements = perLine('replacement').map(({ lineId, value }) => ({ returnLineId: lineId, variantId: value }))
          await resolveReturn(returnId, { resolution: 'exchange', replacements }, ctx)
          return redirectWithToast(back, { title: 'Exchange order created', description: 'Its stock is reserved; fulfil it from the orders list.' })
        }
        await resolveReturn(returnId, { resolution: 'no_action', reason: input.reason ?? '' }, ctx)
        return redirectWithToast(back, { title: 'Return resolved', description: 'No money or goods owed.' })
      }
    }
  } catch (error) {
    if (error instanceof StaleReturnError) return json<OrderActionData>({ intent, stale: true, formError: STALE_MESSAGE }, { status: 409 })
    if (error instanceof ReturnForbiddenError) throw json<ErrorBody>({ message: error.message }, { status: 403 })
    if (error instanceof ReturnInputError) return json<OrderActionData>({ intent, fieldErrors: error.fieldErrors, formError: Object.keys(error.fieldErrors).length ? undefined : error.message }, { status: 400 })
    if (error instanceof IllegalReturnActionError) return json<OrderActionData>({ intent, formError: error.message }, { status: 422 })
    if (error instanceof ReturnNotFoundError) throw json<ErrorBody>({ message: 'This return no longer exists.' }, { status: 404 })
    throw error
  }
}

export default function ReturnPage() {
  const { ret, ticket, exchangeOrder, locations, money, sla, timeline, states, choices, labelRequest } = useLoaderData<typeof loader>()
  const currency = ret.order.currency
  const labelFailed = labelRequest?.status === 'failed'
  const waitingForLabel = ret.status === 'approved' && !ret.trackingNumber && ret.approvedWithLabel && !labelFailed
  return (
    <div className="page order-page return-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/returns">Returns</Link> <span aria-hidden="true">/</span> <span>{ret.number}</span>
      </nav>
      <header className="page-header order-header">
        <div className="order-title">
          <h1 className="title-with-badge">
            <span data-testid="return-number">{ret.number}</span>
            <ReturnStatusBadge status={ret.status} />
            <SlaBadge sla={sla} />
          </h1>
          <p className="muted order-subtitle">
            Requested <DateTimeCell value={ret.requestedAt} /> for order{' '}
            <Link to={`/orders/${ret.order.id}`} data-testid="return-order-link">
              {ret.order.number}
            </Link>{' '}
            · {ret.order.customerName} · updated <DateTimeCell value={ret.updatedAt} /> ·{' '}
            <span className="nowrap">
              version <span data-testid="return-version">{ret.version}</span>
            </span>
          </p>
          {ret.status === 'rejected' ? <p className="order-banner order-banner-danger">Rejected — {ret.rejectReason}</p> : null}
          {ret.status === 'cancelled' ? <p className="order-banner order-banner-danger">Cancelled — {ret.cancelReason}</p> : null}
          {sla?.overdue ? (
            <p className="order-banner order-banner-danger" data-testid="sla-overdue">
              Received <DateTimeCell value={ret.receivedAt} /> and not refunded for more than 48 hours.
            </p>
          ) : null}
        </div>
        <div className="order-header-side">
          <ReturnHeaderActions states={states} version={ret.version} />
        </div>
      </header>
      <ActionAlert returnId={ret.id} />
      <ReturnLiveChanges returnId={ret.id} version={ret.version} waiting={waitingForLabel || ret.refunds.some((refund) => refund.status === 'pending')} />

      <div className="order-layout">
        <div className="order-main">
          <section className="panel panel-flush" aria-labelledby="return-items-title" data-testid="return-items">
            <div className="panel-head">
              <h2 id="return-items-title">Items</h2>
              {states.receive.allowed ? (
                <ActionDisclosure intent="receive" label="Receive" tone="primary" align="end">
                  <ReceiveForm lines={ret.lines} version={ret.version} />
                </ActionDisclosure>
              ) : null}
            </div>
            <div className="table-wrap">
              <table className="data-table">
                <caption className="visually-hidden">Items on this return</caption>
                <thead>
                  <tr>
                    <th scope="col">Item</th>
                    <th scope="col">Reason</th>
                    <th scope="col" className="num-col">
                      Asked
                    </th>
                    <th scope="col" className="num-col">
                      Received
                    </th>
                    <th scope="col" className="num-col">
                      Damaged
                    </th>
                    <th scope="col">Decision</th>
                  </tr>
                </thead>
                <tbody>
                  {ret.lines.map((line) => (
                    <tr key={line.id} data-testid="return-line" data-sku={line.orderLine.sku}>
                      <td>
                        <div className="cell-stack">
                          <span className="cell-strong">{line.orderLine.title}</span>
                          <span className="muted cell-mono">
                            {line.orderLine.sku}
                            {line.orderLine.variantTitle ? ` · ${line.orderLine.variantTitle}` : ''}
                          </span>
                        </div>
                      </td>
                      <td>{line.reasonLabel}</td>
                      <td className="num-col num">{line.quantityRequested}</td>
                      <td className="num-col num" data-testid="line-received">
                        {line.quantityReceived}
                      </td>
                      <td className={`num-col num${line.quantityDamaged ? ' num-warning' : ' muted'}`}>{line.quantityDamaged}</td>
                      <td data-testid="line-disposition">
                        {line.disposition ? (
                          <>
                            {DISPOSITION_LABELS[line.disposition]}
                            {line.disposition === 'restock' ? <span className="muted"> {line.quantityRestocked} to {line.restockLocation ?? 'a location'}</span> : null}
                          </>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {ret.note ? <p className="list-note">Customer: “{ret.note}”</p> : null}
          </section>

          {states.dispose.allowed && ret.lines.some((l) => l.quantityReceived > 0 && !l.disposition) ? (
            <section className="panel" aria-labelledby="dispose-title">
              <h2 id="dispose-title">What happens to the received items</h2>
              <DisposeForm lines={ret.lines} locations={locations} version={ret.version} />
            </section>
          ) : null}

          {states.resolve.allowed && !ret.lines.some((l) => l.quantityReceived > 0 && !l.disposition) ? (
            <section className="panel" aria-labelledby="resolve-title">
              <h2 id="resolve-title">Resolve</h2>
              <ResolveForm version={ret.version} currency={currency} money={money} lines={ret.lines} choices={choices} />
            </section>
          ) : null}

          <OrderTimeline timeline={{ entries: timeline, total: timeline.length }} />
        </div>
        <aside className="order-side" aria-label="Order, shipping and money">
          <section className="panel side-panel" aria-labelledby="return-order-title">
            <h2 id="return-order-title">Order</h2>
            <p>
              <Link to={`/orders/${ret.order.id}`} className="cell-strong">
                {ret.order.number}
              </Link>{' '}
              <OrderStatusBadge status={ret.order.status} />
            </p>
            <p className="muted">
              {ret.order.customerName} · {ret.order.customerEmail}
            </p>
            {ticket ? (
              <p data-testid="return-ticket">
                From ticket <span className="cell-strong">#{ticket.number}</span> <span className="muted">{ticket.subject}</span>
              </p>
            ) : null}
          </section>
          <section className="panel side-panel" aria-labelledby="return-shipping-title" data-testid="return-shipping">
            <h2 id="return-shipping-title">Shipping back</h2>
            {ret.trackingNumber ? (
              <p>
                {ret.carrier ?? 'Carrier'} <span className="cell-mono" data-testid="return-tracking">{ret.trackingNumber}</span>
                {ret.labelUrl ? (
                  <>
                    {' '}
                    · <a href={ret.labelUrl}>label</a>
                  </>
                ) : null}
              </p>
            ) : (
              labelFailed ? (
                <p className="num-danger" data-testid="label-failed">
                  The carrier refused the label{labelRequest?.lastError ? `: ${labelRequest.lastError}` : ''}. Replay it from{' '}
                  <Link to="/integrations/carrier">Integrations → carrier</Link> once fixed, or mark the return in transit by hand.
                </p>
              ) : (
                <p className="muted" data-testid="label-waiting">
                  {waitingForLabel ? 'Waiting for the carrier’s label — this page updates by itself.' : 'No label: the customer sends it back their own way.'}
                </p>
              )
            )}
            {ret.inTransitAt ? (
              <p className="muted">
                In transit since <DateTimeCell value={ret.inTransitAt} />
              </p>
            ) : null}
            {ret.receivedAt ? (
              <p className="muted">
                Received <DateTimeCell value={ret.receivedAt} />
              </p>
            ) : null}
          </section>
          <section className="panel side-panel" aria-labelledby="return-money-title" data-testid="return-money">
            <h2 id="return-money-title">Resolution</h2>
            {ret.resolution ? (
              <p className="cell-strong" data-testid="return-resolution">
                {RESOLUTION_LABELS[ret.resolution]}
                {ret.storeCreditAmount ? ` · ${formatMoney(ret.storeCreditAmount, currency)}` : ''}
              </p>
            ) : (
              <p className="muted">Not resolved yet.</p>
            )}
            {exchangeOrder ? (
              <p>
                Replacement order{' '}
                <Link to={`/orders/${exchangeOrder.id}`} className="cell-strong" data-testid="exchange-order">
                  {exchangeOrder.number}
                </Link>{' '}
                <OrderStatusBadge status={exchangeOrder.status} />
              </p>
            ) : null}
            {ret.refunds.length ? (
              <ul className="linked-list" data-testid="return-refunds">
                {ret.refunds.map((refund) => (
                  <li key={refund.id}>
                    <span className="linked-head">
                      <span className="num cell-strong">{formatMoney(refund.amount, refund.currency)}</span> <RecordStatusBadge status={refund.status} />
                    </span>
                    <span className="muted">
                      Refund <DateTimeCell value={refund.processedAt ?? refund.createdAt} />
                    </span>
                  </li>
                ))}
              </ul>
            ) : null}
            <p className="muted">
              Order: captured {formatMoney(money.captured, currency)}, refunded or in progress {formatMoney(money.refunded, currency)}.
            </p>
          </section>
          {ret.ledgerEntries.length ? (
            <section className="panel side-panel" aria-labelledby="return-stock-title" data-testid="return-stock">
              <h2 id="return-stock-title">Stock</h2>
              <ul className="linked-list">
                {ret.ledgerEntries.map((entry) => (
                  <li key={entry.id}>
                    <span className="linked-head">
                      <span className="cell-strong">{entry.variant.sku}</span> +{entry.onHandDelta} at {entry.location.code}
                    </span>
                    <span className="muted">
                      {humanize(entry.kind)} <DateTimeCell value={entry.createdAt} />
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </aside>
      </div>
    </div>
  )
}

function ActionAlert({ returnId }: { returnId: string }) {
  const data = useOrderActionData()
  if (!data?.formError) return null
  return (
    <div className="alert alert-error" role="alert" data-testid={data.stale ? 'stale-error' : 'action-error'}>
      <p>{data.formError}</p>
      {data.stale ? (
        <p>
          Your change was not saved.{' '}
          <a href={`/returns/${returnId}`} className="button button-small button-secondary">
            Reload the return
          </a>
        </p>
      ) : null}
    </div>
  )
}

export const shouldRevalidate: ShouldRevalidateFunction = ({ actionResult, defaultShouldRevalidate }) => {
  if ((actionResult as OrderActionData | undefined)?.stale) return false
  return defaultShouldRevalidate
}

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: orderPageStylesHref },
  { rel: 'stylesheet', href: returnPageStylesHref },
]

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.ret.number ?? 'Return'} · Returns · OpsDeck` }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
