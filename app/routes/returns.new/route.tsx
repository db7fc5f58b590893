import { json, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { Field } from '#app/components/ui/field.tsx'
import { findOrderIdByNumber } from '#app/models/return-list.server.ts'
import { REASON_LABELS, RETURN_NOTE_MAX_LENGTH, RETURN_REASON_CODES } from '#app/models/return-rules.ts'
import { getOrderForReturnRequest, getTicketForReturnRequest, requestReturn, ReturnForbiddenError, ReturnInputError } from '#app/models/return.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse, type ErrorBody } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import orderPageStylesHref from '../orders.$id/order-page.css'

/**
 * `/returns/new?orderId=…&ticketId=…`: request a return (every role with create:return, support included). The
 * order page and the ticket page link here; from a ticket, the return is linked to it (the ticket gets an internal
 * note). Quantities are limited to what is returnable (shipped − returned − on open returns). Support cannot read the
 * returns queue, so after the request they go back to the ticket they came from (or the order), not to the return.
 */

const IdSchema = z.string().min(1).max(64)
const QuerySchema = z.object({
  orderId: IdSchema.optional(),
  ticketId: IdSchema.optional(),
  order: z.string().trim().max(40).optional(),
})

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'create:return')
  const url = new URL(request.url)
  const parsed = QuerySchema.safeParse(Object.fromEntries(url.searchParams))
  invariantResponse(parsed.success, 'This link is not valid — start the return from the order page.', { status: 400 })
  const { orderId, ticketId, order: orderNumber } = parsed.data
  if (!orderId && orderNumber) {
    const found = await findOrderIdByNumber(orderNumber)
    if (found) {
      const next = new URLSearchParams({ orderId: found, ...(ticketId ? { ticketId } : {}) })
      throw redirect(`/returns/new?${next.toString()}`)
    }
    return json({ order: null, lines: [], ticket: null, lookupError: `No order ${orderNumber.startsWith('#') ? orderNumber : `#${orderNumber}`}` })
  }
  const ticket = ticketId ? await getTicketForReturnRequest(ticketId) : null
  invariantResponse(!ticketId || ticket, 'That ticket does not exist.', { status: 404 })
  const target = orderId ?? ticket?.orderId ?? null
  if (!target) return json({ order: null, lines: [], ticket, lookupError: null })
  const found = await getOrderForReturnRequest(target)
  invariantResponse(found, 'That order does not exist.', { status: 404 })
  return json({ order: found.order, lines: found.lines, ticket, lookupError: null })
}

type ActionData = { formError?: string; fieldErrors?: Record<string, string> }

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'create:return')
  const form = await request.formData()
  const orderId = IdSchema.safeParse(form.get('orderId'))
  if (!orderId.success) return json<ActionData>({ formError: 'Choose the order first.' }, { status: 400 })
  const ticketIdRaw = String(form.get('ticketId') ?? '')
  const ticketId = ticketIdRaw ? IdSchema.safeParse(ticketIdRaw) : null
  if (ticketId && !ticketId.success) return json<ActionData>({ formError: 'That ticket link is not valid.' }, { status: 400 })
  const note = String(form.get('note') ?? '')
  const fieldErrors: Record<string, string> = {}
  const lines: Array<{ orderLineId: string; quantity: number; reasonCode: (typeof RETURN_REASON_CODES)[number] }> = []
  for (const [key, value] of form.entries()) {
    if (!key.startsWith('qty.')) continue
    const lineId = key.slice(4)
    const text = String(value).trim()
    const quantity = Number(text || '0')
    if (!Number.isInteger(quantity) || quantity < 0) {
      fieldErrors[`line.${lineId}`] = 'Whole numbers only'
      continue
    }
    if (quantity === 0) continue
    const reason = String(form.get(`reason.${lineId}`) ?? '')
    if (!(RETURN_REASON_CODES as readonly string[]).includes(reason)) {
      fieldErrors[`reason.${lineId}`] = 'Choose a reason'
      continue
    }
    lines.push({ orderLineId: lineId, quantity, reasonCode: reason as (typeof RETURN_REASON_CODES)[number] })
  }
  if (Object.keys(fieldErrors).length) return json<ActionData>({ fieldErrors }, { status: 400 })
  try {
    const result = await requestReturn(
      { orderId: orderId.data, ticketId: ticketId?.data ?? null, lines, customerNote: note },
      { actor: { id: user.id, role: user.role }, requestId: getRequestMeta(request, context).requestId },
    )
    const toast = { title: `Return ${result.number} requested`, description: 'Operations approves it and sends the customer a label.' }
    if (hasPermission(user.role, 'read:return')) return redirectWithToast(`/returns/${result.id}`, toast)
    // Back where they came from: the ticket (it now has an internal note about the return), or the order.
    if (ticketId?.data && hasPermission(user.role, 'read:ticket')) return redirectWithToast(`/tickets/${ticketId.data}`, toast)
    return redirectWithToast(`/orders/${orderId.data}`, toast)
  } catch (error) {
    if (error instanceof ReturnForbiddenError) throw json<ErrorBody>({ message: error.message }, { status: 403 })
    if (error instanceof ReturnInputError) return json<ActionData>({ fieldErrors: error.fieldErrors, formError: error.message }, { status: 400 })
    throw error
  }
}

export default function NewReturnPage() {
  const { order, lines, ticket, lookupError } = useLoaderData<typeof loader>()
  const data = useActionData<typeof action>()
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting'
  const errors = data?.fieldErrors ?? {}
  return (
    <div className="page order-page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        {order ? <Link to={`/orders/${order.id}`}>{order.number}</Link> : <span>Returns</span>} <span aria-hidden="true">/</span> <span>New return</span>
      </nav>
      <header className="page-header">
        <div>
          <h1>Request a return</h1>
          <p className="muted">
            {order ? (
              <>
                Order <span className="cell-strong">{order.number}</span> · {order.customerName} · {order.customerEmail}
              </>
            ) : (
              'Find the order the customer wants to return items from.'
            )}
            {ticket ? (
              <>
                {' '}
                · from ticket <span className="cell-strong">#{ticket.number}</span> ({ticket.subject})
              </>
            ) : null}
          </p>
        </div>
      </header>

      {!order ? (
        <section className="panel">
          <Form method="get" className="form" data-testid="order-lookup">
            {ticket ? <input type="hidden" name="ticketId" value={ticket.id} /> : null}
            <Field id="order-number" label="Order number" error={lookupError ?? undefined} hint="For example #100234.">
              {(control) => <input {...control} name="order" required maxLength={40} />}
            </Field>
            <div className="form-actions">
              <button type="submit" className="button button-primary">
                Find order
              </button>
            </div>
          </Form>
        </section>
      ) : (
        <section className="panel">
          <Form method="post" className="form" data-testid="return-request-form">
            <input type="hidden" name="orderId" value={order.id} />
            {ticket ? <input type="hidden" name="ticketId" value={ticket.id} /> : null}
            {data?.formError ? (
              <div className="alert alert-error" role="alert" data-testid="request-error">
                <p>{data.formError}</p>
              </div>
            ) : null}
            <table className="mini-table">
              <caption className="visually-hidden">Items that can be returned</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Shipped</th>
                  <th scope="col">Returnable</th>
                  <th scope="col">Return</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {lines.map((line) => (
                  <tr key={line.id} data-testid="request-line" data-sku={line.sku}>
                    <td>
                      <span className="cell-strong">{line.title}</span> <span className="muted cell-mono">{line.sku}</span>
                    </td>
                    <td className="num">{line.quantityShipped}</td>
                    <td className="num">
                      {line.returnable}
                      {line.quantityOnOpenReturns ? <span className="muted"> ({line.quantityOnOpenReturns} on open returns)</span> : null}
                    </td>
                    <td>
                      <input
                        className="qty-input"
                        type="number"
                        name={`qty.${line.id}`}
                        min={0}
                        max={line.returnable}
                        defaultValue={0}
                        disabled={line.returnable === 0}
                        aria-label={`Units of ${line.sku} to return`}
                        aria-invalid={errors[`line.${line.id}`] ? true : undefined}
                      />
                      {errors[`line.${line.id}`] ? <p className="field-error">{errors[`line.${line.id}`]}</p> : null}
                    </td>
                    <td>
                      <select name={`reason.${line.id}`} defaultValue="" disabled={line.returnable === 0} aria-label={`Reason for ${line.sku}`}>
                        <option value="">Choose…</option>
                        {RETURN_REASON_CODES.map((code) => (
                          <option key={code} value={code}>
                            {REASON_LABELS[code]}
                          </option>
                        ))}
                      </select>
                      {errors[`reason.${line.id}`] ? <p className="field-error">{errors[`reason.${line.id}`]}</p> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {errors.lines ? <p className="field-error">{errors.lines}</p> : null}
            {errors.ticketId ? <p className="field-error">{errors.ticketId}</p> : null}
            <Field id="return-note" label="What the customer said (optional)" error={errors.note}>
              {(control) => <textarea {...control} name="note" rows={3} maxLength={RETURN_NOTE_MAX_LENGTH} />}
            </Field>
            <div className="form-actions">
              <button type="submit" className="button button-primary" disabled={busy}>
                {busy ? 'Requesting…' : 'Request return'}
              </button>
              <Link to={`/orders/${order.id}`} className="button button-secondary">
                Back to the order
              </Link>
            </div>
          </Form>
        </section>
      )}
    </div>
  )
}

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: orderPageStylesHref }]

export const meta: MetaFunction = () => [{ title: 'New return · Returns · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
