import { Form, Link } from '@remix-run/react'
import { humanize } from '#app/components/orders/order-status-badges.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import { formatMoney } from '#app/utils/money.ts'
import { TicketStatusBadge } from './ticket-badges.tsx'
import type { TicketStatusValue } from '#app/models/ticket-rules.ts'

type OrderSummary = { id: string; number: string; status: string; fulfillmentStatus: string; totalAmount: number; currency: string; placedAt: string }
export type TicketSidebarProps = {
  ticketId: string
  version: number
  linkedOrder: (OrderSummary & { paymentStatus: string }) | null
  customer: { id: string; name: string; email: string; phone: string | null; tags: string[] } | null
  requester: { name: string; email: string }
  orders: OrderSummary[]
  returns: { id: string; number: string; status: string; createdAt: string; order: { id: string; number: string } }[]
  previous: { id: string; number: number; subject: string; status: TicketStatusValue; createdAt: string }[]
  can: { update: boolean; readOrder: boolean; createReturn: boolean; refund: boolean }
  orderError?: string
}

/**
 * Beside the conversation: the linked order and what can be done about it (its case file, start a return, refund —
 * each only for the roles that may), linking another order, and the customer with their orders, returns and
 * previous tickets.
 */
export function TicketSidebar({ ticketId, version, linkedOrder, customer, requester, orders, returns, previous, can, orderError }: TicketSidebarProps) {
  return (
    <aside className="ticket-sidebar" aria-label="Customer and order">
      <section className="panel" aria-labelledby="linked-order-title" data-testid="linked-order">
        <h2 id="linked-order-title" className="panel-title">
          Order
        </h2>
        {linkedOrder ? (
          <>
            <p className="ticket-order-line">
              <strong>{linkedOrder.number}</strong> · {formatMoney(linkedOrder.totalAmount, linkedOrder.currency)} · {humanize(linkedOrder.status)}, {humanize(linkedOrder.fulfillmentStatus)}
            </p>
            <div className="ticket-order-actions">
              {can.readOrder ? (
                <Link to={`/orders/${linkedOrder.id}`} className="button button-small button-secondary" data-testid="open-case-file">
                  Open case file
                </Link>
              ) : null}
              {can.createReturn ? (
                <Link to={`/returns/new?orderId=${encodeURIComponent(linkedOrder.id)}&ticketId=${encodeURIComponent(ticketId)}`} className="button button-small button-secondary" data-testid="start-return">
                  Start a return
                </Link>
              ) : null}
              {can.refund ? (
                <Link to={`/orders/${linkedOrder.id}#payments-title`} className="button button-small button-secondary" data-testid="issue-refund">
                  Issue a refund
                </Link>
              ) : null}
              {can.update ? (
                <Form method="post" className="inline-form">
                  <input type="hidden" name="intent" value="unlink-order" />
                  <input type="hidden" name="expectedVersion" value={version} />
                  <button type="submit" className="link-button" data-testid="unlink-order">
                    Unlink
                  </button>
                </Form>
              ) : null}
            </div>
          </>
        ) : (
          <p className="muted">No order linked.</p>
        )}
        {can.update ? (
          <Form method="post" className="inline-form ticket-link-order" data-testid="link-order-form">
            <input type="hidden" name="intent" value="link-order" />
            <input type="hidden" name="expectedVersion" value={version} />
            <label htmlFor="link-order-number" className="visually-hidden">
              Order number
            </label>
            <input id="link-order-number" name="orderNumber" placeholder="#100234" size={10} aria-invalid={orderError ? true : undefined} />
            <button type="submit" className="button button-small button-secondary">
              {linkedOrder ? 'Link another' : 'Link order'}
            </button>
            {orderError ? <p className="field-error">{orderError}</p> : null}
          </Form>
        ) : null}
      </section>

      <section className="panel" aria-labelledby="customer-title" data-testid="ticket-customer">
        <h2 id="customer-title" className="panel-title">
          Customer
        </h2>
        <p>
          <strong>{customer?.name ?? requester.name}</strong>
          <br />
          <a href={`mailto:${requester.email}`}>{requester.email}</a>
          {customer?.phone ? (
            <>
              <br />
              <span className="muted">{customer.phone}</span>
            </>
          ) : null}
        </p>
        {customer?.tags.length ? (
          <p>
            {customer.tags.map((tag) => (
              <span key={tag} className="chip">
                {tag}
              </span>
            ))}
          </p>
        ) : null}

        <h3 className="ticket-sidebar__subtitle">Orders</h3>
        {orders.length > 0 ? (
          <ul className="ticket-sidebar__list" data-testid="customer-orders">
            {orders.map((order) => (
              <li key={order.id}>
                {can.readOrder ? <Link to={`/orders/${order.id}`}>{order.number}</Link> : order.number} · {formatMoney(order.totalAmount, order.currency)} ·{' '}
                <span className="muted">{humanize(order.status)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No orders.</p>
        )}

        <h3 className="ticket-sidebar__subtitle">Returns</h3>
        {returns.length > 0 ? (
          <ul className="ticket-sidebar__list" data-testid="customer-returns">
            {returns.map((ret) => (
              <li key={ret.id}>
                {ret.number} for {ret.order.number} · <span className="muted">{humanize(ret.status)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No returns.</p>
        )}

        <h3 className="ticket-sidebar__subtitle">Previous tickets</h3>
        {previous.length > 0 ? (
          <ul className="ticket-sidebar__list" data-testid="customer-tickets">
            {previous.map((ticket) => (
              <li key={ticket.id}>
                <Link to={`/tickets/${ticket.id}`}>#{ticket.number}</Link> {ticket.subject} <TicketStatusBadge status={ticket.status} />{' '}
                <span className="muted">
                  <DateTimeCell value={ticket.createdAt} />
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No other tickets.</p>
        )}
      </section>
    </aside>
  )
}
