import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, type ShouldRevalidateFunction } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { useOrderActionData, type OrderActionData } from '#app/components/orders/order-form.tsx'
import { OrderFulfilments } from '#app/components/orders/order-fulfilments.tsx'
import { OrderHeaderActions } from '#app/components/orders/order-header-actions.tsx'
import { OrderLines } from '#app/components/orders/order-lines.tsx'
import { OrderLiveChanges } from '#app/components/orders/order-live-changes.tsx'
import { OrderNotes } from '#app/components/orders/order-notes.tsx'
import { OrderPayments } from '#app/components/orders/order-payments.tsx'
import { OrderPresence } from '#app/components/orders/order-presence.tsx'
import { OrderAddresses, OrderAssignment, OrderCustomer, OrderLinkedRecords, OrderSyncPanel } from '#app/components/orders/order-side-panels.tsx'
import { FulfillmentStatusBadge, humanize, OrderStatusBadge, PaymentStatusBadge } from '#app/components/orders/order-status-badges.tsx'
import { OrderTimeline } from '#app/components/orders/order-timeline.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import {
  addOrderNote,
  assignOrder,
  cancelOrder,
  confirmOrder,
  fulfilOrder,
  holdOrder,
  IllegalTransitionError,
  OrderActionForbiddenError,
  OrderNotFoundError,
  refundOrder,
  releaseOrder,
  setOrderTags,
  shipOrder,
  StaleOrderError,
  type Ctx,
} from '#app/models/order-actions.server.ts'
import { getOrderCaseFile, getOrderCurrency, listOrderAssignees } from '#app/models/order-detail.server.ts'
import { ACTION_ROLES, HOLD_REASON_MAX_LENGTH, legalActions, ORDER_NOTE_MAX_LENGTH, ORDER_TAG_MAX_LENGTH, type OrderAction } from '#app/models/order-rules.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse, type ErrorBody } from '#app/utils/http.server.ts'
import { toMinorUnits } from '#app/utils/money.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import orderPageStylesHref from './order-page.css'

/**
 * The order's case file: summary and lifecycle actions, items with every quantity counter, payment and refunds,
 * fulfilments with tracking, internal notes, the timeline of everything that happened (with who did it), the
 * customer and addresses, assignee and tags, linked returns and tickets, and every sync job and webhook that
 * touched the order. Presence shows who else has it open; the page follows changes to the order live.
 *
 * Actions are offered only when legal for the order's state and the person's role (order-rules.ts) and are done by
 * order-actions.server.ts. Every form carries the order version the page showed: an edit on a stale page is refused
 * (409, "Someone changed this order…"), never applied over someone else's change. Exceptions, on purpose: adding a
 * note and adding/removing a tag carry no version — they cannot overwrite anyone's change (a note is new, a tag
 * change is a delta), and refusing a note because someone else tagged the order would only lose the note.
 */

const STALE_MESSAGE = 'Someone changed this order since you opened it — reload to see their change'

const IdSchema = z.string().min(1).max(64)
const Version = z.coerce.number({ invalid_type_error: 'Reload the page and try again' }).int().positive()
const Reason = (what: string) =>
  z
    .string({ required_error: `Say why you ${what}` })
    .trim()
    .min(1, `Say why you ${what}`)
    .max(HOLD_REASON_MAX_LENGTH, `Keep it under ${HOLD_REASON_MAX_LENGTH} characters`)
const Optional = (max: number, label: string) =>
  z
    .string()
    .trim()
    .max(max, `${label} is at most ${max} characters`)
    .optional()
    .transform((value) => value || undefined)

export const ConfirmOrderSchema = z.object({ intent: z.literal('confirm'), expectedVersion: Version })
export const HoldOrderSchema = z.object({ intent: z.literal('hold'), expectedVersion: Version, reason: Reason('hold this order') })
export const ReleaseOrderSchema = z.object({ intent: z.literal('release'), expectedVersion: Version })
export const CancelOrderSchema = z.object({ intent: z.literal('cancel'), expectedVersion: Version, reason: Reason('cancel this order') })
/** Quantities come as `line.<orderLineId>` fields (see FulfilForm); parsed separately. */
export const FulfilOrderSchema = z.object({ intent: z.literal('fulfil'), expectedVersion: Version })
export const ShipOrderSchema = z.object({
  intent: z.literal('ship'),
  expectedVersion: Version,
  fulfillmentId: IdSchema.optional(),
  carrier: Optional(60, 'The carrier'),
  trackingNumber: Optional(60, 'The tracking number'),
})
export const RefundOrderSchema = z.object({
  intent: z.literal('refund'),
  expectedVersion: Version,
  amount: z.string({ required_error: 'Enter an amount' }).trim().min(1, 'Enter an amount'),
  reason: Reason('refund'),
  requestKey: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'Reload the page and try again'),
})
export const AddNoteSchema = z.object({
  intent: z.literal('note'),
  body: z.string({ required_error: 'Write something in the note' }).trim().min(1, 'Write something in the note').max(ORDER_NOTE_MAX_LENGTH, `Keep notes under ${ORDER_NOTE_MAX_LENGTH} characters`),
})
const TagList = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((tag) => tag.trim()).filter(Boolean))
  .refine((tags) => tags.every((tag) => tag.length <= ORDER_TAG_MAX_LENGTH), `Tags are at most ${ORDER_TAG_MAX_LENGTH} characters`)
export const SetTagsSchema = z
  .object({ intent: z.literal('tag'), add: TagList, remove: TagList })
  .refine((value) => value.add.length + value.remove.length > 0, { message: 'Type a tag to add', path: ['add'] })
export const AssignOrderSchema = z.object({
  intent: z.literal('assign'),
  expectedVersion: Version,
  assigneeId: z
    .string()
    .max(64)
    .transform((value) => value || null),
})

const SCHEMAS = {
  confirm: ConfirmOrderSchema,
  hold: HoldOrderSchema,
  release: ReleaseOrderSchema,
  cancel: CancelOrderSchema,
  fulfil: FulfilOrderSchema,
  ship: ShipOrderSchema,
  refund: RefundOrderSchema,
  note: AddNoteSchema,
  tag: SetTagsSchema,
  assign: AssignOrderSchema,
} satisfies Record<OrderAction, z.ZodTypeAny>

function parseId(params: LoaderFunctionArgs['params']) {
  const parsed = IdSchema.safeParse(params.id)
  invariantResponse(parsed.success, 'There is no order at this address.', { status: 404 })
  return parsed.data
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const id = parseId(params)
  const file = await getOrderCaseFile(id, { integrationLinks: hasPermission(user.role, 'read:integration') })
  invariantResponse(file, `There is no order with id “${id}”. It may have been deleted, or the link is wrong — find it on the orders list.`, { status: 404 })
  const units = file.lines.reduce(
    (sum, line) => ({
      active: sum.active + line.quantityOrdered - line.quantityCancelled,
      fulfilled: sum.fulfilled + line.quantityFulfilled,
      shipped: sum.shipped + line.quantityShipped,
    }),
    { active: 0, fulfilled: 0, shipped: 0 },
  )
  const actions = legalActions({ ...file.summary, units }, user.role)
  return json({
    file,
    actions,
    assignees: actions.includes('assign') ? await listOrderAssignees() : [],
    me: { id: user.id, name: user.name, role: user.role },
    returnLinks: { canStart: hasPermission(user.role, 'create:return'), canRead: hasPermission(user.role, 'read:return') },
    // A fresh key per rendered refund form: a double submit of the same form is one refund.
    refundRequestKey: crypto.randomUUID(),
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const orderId = parseId(params)
  const form = await request.formData()
  const intent = String(form.get('intent') ?? '')
  if (!(intent in SCHEMAS)) {
    return json<OrderActionData>({ intent, formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  }
  const action = intent as OrderAction
  // Changing an order needs update:order; a note is also open to the roles the rules allow (support adds context).
  if (!hasPermission(user.role, 'update:order') && !(action === 'note' && ACTION_ROLES.note.includes(user.role))) {
    throw json<ErrorBody>(
      { message: `You need the "update:order" permission to ${action} orders. Your role (${user.role}) does not include it.`, permission: 'update:order' },
      { status: 403 },
    )
  }

  const fields = Object.fromEntries([...form.entries()].filter(([key]) => !key.startsWith('line.')).map(([key, value]) => [key, String(value)]))
  const parsed = SCHEMAS[action].safeParse(fields)
  // The ship form's errors belong to one parcel's form.
  const formIntent = action === 'ship' && fields.fulfillmentId ? `ship:${fields.fulfillmentId}` : action
  if (!parsed.success) {
    const flat = parsed.error.flatten()
    const fieldErrors = Object.fromEntries(Object.entries(flat.fieldErrors).map(([field, errors]) => [field, (errors as string[] | undefined)?.[0] ?? 'Invalid']))
    return json<OrderActionData>(
      { intent: formIntent, fieldErrors, formError: fieldErrors.expectedVersion ?? fieldErrors.requestKey ?? flat.formErrors[0] },
      { status: 400 },
    )
  }
  const input = parsed.data
  const meta = getRequestMeta(request, context)
  const ctx = (expectedVersion?: number): Ctx => ({ actor: { id: user.id, role: user.role }, expectedVersion, requestId: meta.requestId })
  const back = `/orders/${orderId}`

  try {
    switch (input.intent) {
      case 'confirm':
        await confirmOrder(orderId, ctx(input.expectedVersion))
        return redirectWithToast(back, { title: 'Order confirmed' })
      case 'hold':
        await holdOrder(orderId, { reason: input.reason }, ctx(input.expectedVersion))
        return redirectWithToast(back, { title: 'Order on hold', description: 'It cannot be fulfilled or shipped until someone releases it.' })
      case 'release': {
        const result = await releaseOrder(orderId, ctx(input.expectedVersion))
        return redirectWithToast(back, { title: 'Hold released', description: `The order is ${humanize(result.status)} again.` })
      }
      case 'cancel': {
        const result = await cancelOrder(orderId, { reason: input.reason }, ctx(input.expectedVersion))
        const said = [
          result.releasedUnits ? `${result.releasedUnits} reserved unit${result.releasedUnits === 1 ? '' : 's'} released.` : null,
          result.voidRequested ? 'The card authorization is being voided with the payment gateway.' : null,
        ].filter(Boolean)
        return redirectWithToast(back, { title: 'Order cancelled', description: said.length ? said.join(' ') : undefined })
      }
      case 'fulfil': {
        const lines: Array<{ orderLineId: string; quantity: number }> = []
        for (const [key, value] of form.entries()) {
          if (!key.startsWith('line.')) continue
          const quantity = Number(String(value).trim() || '0')
          if (!Number.isInteger(quantity) || quantity < 0) {
            return json<OrderActionData>({ intent: 'fulfil', fieldErrors: { [key]: 'Whole numbers only', lines: 'Quantities are whole numbers (0 to skip an item)' } }, { status: 400 })
          }
          if (quantity > 0) lines.push({ orderLineId: key.slice('line.'.length), quantity })
        }
        if (lines.length === 0) return json<OrderActionData>({ intent: 'fulfil', fieldErrors: { lines: 'Choose at least one item to fulfil' } }, { status: 400 })
        const result = await fulfilOrder(orderId, { lines }, ctx(input.expectedVersion))
        const units = lines.reduce((sum, line) => sum + line.quantity, 0)
        return redirectWithToast(back, { title: 'Fulfilment created', description: `${units} unit${units === 1 ? '' : 's'} packed${result.fulfillmentId ? ' and ready to ship' : ''}.` })
      }
      case 'ship': {
        const result = await shipOrder(orderId, { fulfillmentId: input.fulfillmentId, carrier: input.carrier, trackingNumber: input.trackingNumber }, ctx(input.expectedVersion))
        const parcels = result.fulfillmentIds?.length ?? 1
        return redirectWithToast(
          back,
          input.trackingNumber
            ? { title: 'Marked as shipped', description: `${parcels} parcel${parcels === 1 ? '' : 's'} with tracking ${input.trackingNumber}.` }
            : { title: 'Label requested from the carrier', description: 'The carrier integration buys the label; the parcel shows as shipped when the carrier reports it.' },
        )
      }
      case 'refund': {
        const amount = toMinorUnits(input.amount, await orderCurrency(orderId))
        if (typeof amount === 'string') return json<OrderActionData>({ intent: 'refund', fieldErrors: { amount } }, { status: 400 })
        const result = await refundOrder(orderId, { amount, reason: input.reason, requestKey: input.requestKey }, ctx(input.expectedVersion))
        return redirectWithToast(
          back,
          result.changed
            ? { title: 'Refund requested', description: 'Sent to the payment gateway; it shows as succeeded when the gateway confirms.' }
            : { type: 'info', title: 'Refund already requested', description: 'That refund form was already submitted, so no second refund was made.' },
        )
      }
      case 'note':
        await addOrderNote(orderId, { body: input.body }, ctx())
        return redirectWithToast(back, { title: 'Note added' })
      case 'tag': {
        const result = await setOrderTags(orderId, { add: input.add, remove: input.remove }, ctx())
        return redirectWithToast(back, { type: result.changed ? 'success' : 'info', title: result.changed ? 'Tags updated' : 'Tags unchanged' })
      }
      case 'assign': {
        const result = await assignOrder(orderId, { assigneeId: input.assigneeId }, ctx(input.expectedVersion))
        return redirectWithToast(back, {
          type: result.changed ? 'success' : 'info',
          title: !result.changed ? 'Assignee unchanged' : input.assigneeId ? (input.assigneeId === user.id ? 'Assigned to you' : 'Order assigned') : 'Order unassigned',
        })
      }
    }
  } catch (error) {
    if (error instanceof StaleOrderError) return json<OrderActionData>({ intent: formIntent, stale: true, formError: STALE_MESSAGE }, { status: 409 })
    if (error instanceof OrderActionForbiddenError) throw json<ErrorBody>({ message: error.message }, { status: 403 })
    if (error instanceof IllegalTransitionError) return json<OrderActionData>({ intent: formIntent, formError: error.message }, { status: 422 })
    if (error instanceof OrderNotFoundError) throw json<ErrorBody>({ message: 'This order no longer exists.' }, { status: 404 })
    throw error
  }
}

async function orderCurrency(orderId: string) {
  const currency = await getOrderCurrency(orderId)
  invariantResponse(currency, 'This order no longer exists.', { status: 404 })
  return currency
}

export default function OrderPage() {
  const { file, actions, assignees, me, refundRequestKey, returnLinks } = useLoaderData<typeof loader>()
  const { summary } = file
  const can = (action: OrderAction) => actions.includes(action)
  return (
    <div className="page order-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/orders">Orders</Link> <span aria-hidden="true">/</span> <span>{summary.number}</span>
      </nav>
      <header className="page-header order-header">
        <div className="order-title">
          <h1 className="title-with-badge">
            <span data-testid="order-number">{summary.number}</span>
            <OrderStatusBadge status={summary.status} />
            <PaymentStatusBadge status={summary.paymentStatus} prefix />
            <FulfillmentStatusBadge status={summary.fulfillmentStatus} prefix />
          </h1>
          <p className="muted order-subtitle">
            Placed <DateTimeCell value={summary.placedAt} /> · {humanize(summary.channel)}
            {summary.externalId ? ` · ${summary.source} ${summary.externalId}` : ''} · updated <DateTimeCell value={summary.updatedAt} /> ·{' '}
            <span className="nowrap">
              version <span data-testid="order-version">{summary.version}</span>
            </span>
          </p>
          {summary.status === 'cancelled' ? (
            <p className="order-banner order-banner-danger">
              Cancelled <DateTimeCell value={summary.cancelledAt} />
              {summary.cancelReason ? ` — ${summary.cancelReason}` : ''}
            </p>
          ) : null}
        </div>
        <div className="order-header-side">
          <OrderPresence orderId={summary.id} selfId={me.id} />
          <OrderHeaderActions actions={actions} version={summary.version} />
        </div>
      </header>

      <OrderLiveChanges orderId={summary.id} version={summary.version} />
      <ActionAlert orderId={summary.id} />

      <div className="order-layout">
        <div className="order-main">
          <OrderLines lines={file.lines} summary={summary} canFulfil={can('fulfil')} />
          <OrderPayments file={file} canRefund={can('refund')} refundRequestKey={refundRequestKey} />
          <OrderFulfilments fulfillments={file.fulfillments} canShip={can('ship')} version={summary.version} />
          <OrderNotes notes={file.notes} canNote={can('note')} version={summary.version} />
          <OrderTimeline timeline={file.timeline} />
        </div>
        <aside className="order-side" aria-label="Customer and related records">
          <OrderCustomer customer={file.customer} />
          <OrderAddresses shipping={file.shippingAddress} billing={file.billingAddress} />
          <OrderAssignment summary={summary} assignees={assignees} me={me} canAssign={can('assign')} canTag={can('tag')} />
          <OrderLinkedRecords
            returns={file.returns}
            tickets={file.tickets}
            startReturnHref={returnLinks.canStart ? `/returns/new?orderId=${summary.id}` : undefined}
            linkReturns={returnLinks.canRead}
          />
          <OrderSyncPanel sync={file.sync} />
        </aside>
      </div>
    </div>
  )
}

/**
 * A refused action, at the top of the page where it cannot be missed. A stale page gets a reload link: the person's
 * change was not applied, and they should see the other change before deciding again.
 */
function ActionAlert({ orderId }: { orderId: string }) {
  const data = useOrderActionData()
  if (!data?.formError) return null
  return (
    <div className={`alert ${data.stale ? 'alert-error alert-stale' : 'alert-error'}`} role="alert" data-testid={data.stale ? 'stale-error' : 'action-error'}>
      <p>{data.formError}</p>
      {data.stale ? (
        <p>
          Your change was not saved.{' '}
          <a href={`/orders/${orderId}`} className="button button-small button-secondary" data-testid="reload">
            Reload the order
          </a>
        </p>
      ) : null}
    </div>
  )
}

/**
 * After a refusal as stale, keep the page as the person saw it: the banner tells them someone else changed the order
 * and the reload shows that change when they choose to look — the page does not change under them unannounced.
 */
export const shouldRevalidate: ShouldRevalidateFunction = ({ actionResult, defaultShouldRevalidate }) => {
  if ((actionResult as OrderActionData | undefined)?.stale) return false
  return defaultShouldRevalidate
}

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: orderPageStylesHref }]

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.file.summary.number ?? 'Order'} · Orders · OpsDeck` }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
