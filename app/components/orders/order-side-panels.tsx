import type { SerializeFrom } from '@remix-run/node'
import { Link } from '@remix-run/react'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import type { AddressView, OrderCaseFile } from '#app/models/order-detail.server.ts'
import { ORDER_TAG_MAX_LENGTH } from '#app/models/order-rules.ts'
import { FormError, OrderForm, useBusy, useOrderActionData } from './order-form.tsx'
import { humanize, RecordStatusBadge } from './order-status-badges.tsx'

type File = SerializeFrom<OrderCaseFile>

/** The customer: name, contact, how many orders they have, and a link to all of them. */
export function OrderCustomer({ customer }: { customer: File['customer'] }) {
  return (
    <section className="panel side-panel" aria-labelledby="customer-title" data-testid="order-customer">
      <h2 id="customer-title">Customer</h2>
      <p className="cell-strong">{customer.name}</p>
      <p>
        <a href={`mailto:${customer.email}`}>{customer.email}</a>
        {customer.phone ? (
          <>
            <br />
            <span className="muted">{customer.phone}</span>
          </>
        ) : null}
      </p>
      {customer.tags.length ? (
        <p className="tag-list">
          {customer.tags.map((tag) => (
            <span key={tag} className="tag">
              {tag}
            </span>
          ))}
        </p>
      ) : null}
      <p>
        <Link to={`/orders?${new URLSearchParams({ q: customer.email }).toString()}`}>
          {customer.orderCount === null ? 'Orders with this email' : `${customer.orderCount} order${customer.orderCount === 1 ? '' : 's'} from this customer`}
        </Link>
      </p>
    </section>
  )
}

export function OrderAddresses({ shipping, billing }: { shipping: AddressView | null; billing: AddressView | null }) {
  return (
    <section className="panel side-panel" aria-labelledby="addresses-title">
      <h2 id="addresses-title">Addresses</h2>
      <div className="address-block">
        <h3>Shipping</h3>
        {shipping ? <Address address={shipping} /> : <p className="muted">No shipping address — the carrier cannot make a label.</p>}
      </div>
      <div className="address-block">
        <h3>Billing</h3>
        {billing ? <Address address={billing} /> : <p className="muted">Same as shipping</p>}
      </div>
    </section>
  )
}

function Address({ address }: { address: AddressView }) {
  const lines = [
    address.name,
    address.company,
    address.line1,
    address.line2,
    [address.city, address.region].filter(Boolean).join(', '),
    [address.postalCode, address.country].filter(Boolean).join(' '),
  ].filter((line): line is string => Boolean(line))
  return (
    <address className="address">
      {lines.map((line, index) => (
        <span key={index}>{line}</span>
      ))}
      {address.phone ? <span className="muted">{address.phone}</span> : null}
    </address>
  )
}

type Assignee = { id: string; name: string; role: string }

/** Who works the order and its tags; the forms only for those who may change them. */
export function OrderAssignment({
  summary,
  assignees,
  me,
  canAssign,
  canTag,
}: {
  summary: File['summary']
  assignees: Assignee[]
  me: { id: string }
  canAssign: boolean
  canTag: boolean
}) {
  const busyAssign = useBusy('assign')
  const busyTag = useBusy('tag')
  const tagErrors = useOrderActionData('tag')?.fieldErrors
  return (
    <section className="panel side-panel" aria-labelledby="work-title" data-testid="order-assignment">
      <h2 id="work-title">Assignee and tags</h2>
      <div>
        <p className="side-label">Assignee</p>
        <p data-testid="assignee">{summary.assignee ? `${summary.assignee.name} (${summary.assignee.role})` : <span className="muted">Unassigned</span>}</p>
        {canAssign ? (
          <>
            {/* Keyed by version: after any change the select shows the stored assignee again. */}
            <OrderForm key={`assign-${summary.version}`} intent="assign" version={summary.version} className="inline-form assign-form">
              <label htmlFor="assignee-select" className="visually-hidden">
                Assign to
              </label>
              <select id="assignee-select" name="assigneeId" defaultValue={summary.assignee?.id ?? ''}>
                <option value="">Unassigned</option>
                {assignees.map((person) => (
                  <option key={person.id} value={person.id}>
                    {person.name} ({person.role})
                  </option>
                ))}
              </select>
              <button type="submit" className="button button-small" disabled={busyAssign}>
                Assign
              </button>
            </OrderForm>
            {summary.assignee?.id !== me.id ? (
              <OrderForm intent="assign" version={summary.version} className="inline-form">
                <input type="hidden" name="assigneeId" value={me.id} />
                <button type="submit" className="button button-small button-link" disabled={busyAssign}>
                  Assign to me
                </button>
              </OrderForm>
            ) : null}
            <FormError intent="assign" />
          </>
        ) : null}
      </div>
      <div>
        <p className="side-label">Tags</p>
        <div className="tag-list" data-testid="order-tags">
          {summary.tags.length === 0 ? <span className="muted">No tags</span> : null}
          {summary.tags.map((tag) =>
            canTag ? (
              <OrderForm key={tag} intent="tag" version={summary.version} className="tag tag-removable">
                <input type="hidden" name="remove" value={tag} />
                <span>{tag}</span>
                <button type="submit" className="tag-remove" aria-label={`Remove tag ${tag}`} disabled={busyTag}>
                  ×
                </button>
              </OrderForm>
            ) : (
              <span key={tag} className="tag">
                {tag}
              </span>
            ),
          )}
        </div>
        {canTag ? (
          // Keyed by the tags: once they change, the box is empty for the next one.
          <OrderForm key={`tags-${summary.tags.join(',')}`} intent="tag" version={summary.version} className="inline-form tag-form">
            <label htmlFor="tag-add" className="visually-hidden">
              Add tags
            </label>
            <input
              id="tag-add"
              type="text"
              name="add"
              placeholder="Add tags, comma-separated"
              maxLength={ORDER_TAG_MAX_LENGTH * 5}
              autoComplete="off"
              aria-invalid={tagErrors?.add ? true : undefined}
              aria-describedby={tagErrors?.add ? 'tag-add-error' : undefined}
            />
            <button type="submit" className="button button-small" disabled={busyTag}>
              Add
            </button>
          </OrderForm>
        ) : null}
        {tagErrors?.add ? (
          <p className="field-error" id="tag-add-error">
            {tagErrors.add}
          </p>
        ) : null}
        <FormError intent="tag" />
      </div>
    </section>
  )
}

/** Returns and tickets about this order. */
export function OrderLinkedRecords({
  returns,
  tickets,
  startReturnHref,
  linkReturns = false,
}: {
  returns: File['returns']
  tickets: File['tickets']
  /** `/returns/new?orderId=…` when the person may request a return (create:return). */
  startReturnHref?: string
  /** Return numbers link to `/returns/:id` for people who may read returns (read:return). */
  linkReturns?: boolean
}) {
  return (
    <section className="panel side-panel" aria-labelledby="linked-title" data-testid="order-linked">
      <h2 id="linked-title">Returns and tickets</h2>
      <div>
        <p className="side-label">
          Returns · {returns.length}
          {startReturnHref ? (
            <>
              {' '}
              · <Link to={startReturnHref} data-testid="start-return">Start a return</Link>
            </>
          ) : null}
        </p>
        {returns.length === 0 ? <p className="muted">No returns.</p> : null}
        <ul className="linked-list">
          {returns.map((ret) => (
            <li key={ret.id} data-testid="linked-return">
              <span className="linked-head">
                {linkReturns ? (
                  <Link to={`/returns/${ret.id}`} className="cell-strong">
                    {ret.number}
                  </Link>
                ) : (
                  <span className="cell-strong">{ret.number}</span>
                )}{' '}
                <RecordStatusBadge status={ret.status} />
              </span>
              <span className="muted">
                {ret.units} unit{ret.units === 1 ? '' : 's'}
                {ret.reason ? ` · ${ret.reason}` : ''}
                {ret.resolution ? ` · ${humanize(ret.resolution)}` : ''}
              </span>
              <span className="muted">
                Requested <DateTimeCell value={ret.requestedAt} />
              </span>
            </li>
          ))}
        </ul>
      </div>
      <div>
        <p className="side-label">Tickets · {tickets.length}</p>
        {tickets.length === 0 ? <p className="muted">No tickets.</p> : null}
        <ul className="linked-list">
          {tickets.map((ticket) => (
            <li key={ticket.id} data-testid="linked-ticket">
              <span className="linked-head">
                <span className="cell-strong">#{ticket.number}</span> <RecordStatusBadge status={ticket.status} />
                {ticket.priority === 'high' || ticket.priority === 'urgent' ? <RecordStatusBadge status={ticket.priority} /> : null}
              </span>
              <span>{ticket.subject}</span>
              <span className="muted">
                {ticket.assignee ? ticket.assignee.name : 'Unassigned'} · last message <DateTimeCell value={ticket.lastMessageAt ?? ticket.createdAt} />
              </span>
            </li>
          ))}
        </ul>
      </div>
    </section>
  )
}

/**
 * Every sync job and webhook that touched the order, each linking to its attempts on the integration's page (job search
 * by job id) when the viewer may open that page.
 */
export function OrderSyncPanel({ sync }: { sync: File['sync'] }) {
  return (
    <section className="panel side-panel" aria-labelledby="sync-title" data-testid="order-sync">
      <h2 id="sync-title">Sync and webhooks</h2>
      <div>
        <p className="side-label">
          Sync jobs · {sync.jobCount}
          {sync.jobCount > sync.jobs.length ? <span className="muted"> (newest {sync.jobs.length} shown)</span> : null}
        </p>
        {sync.jobs.length === 0 ? <p className="muted">No sync job has touched this order.</p> : null}
        <ul className="linked-list">
          {sync.jobs.map((job) => (
            <li key={job.id} data-testid="linked-job">
              <span className="linked-head">
                {job.href ? (
                  <Link to={job.href} className="cell-strong">
                    {job.name ?? 'job'} <span className="cell-mono">{job.jobId}</span>
                  </Link>
                ) : (
                  <span className="cell-strong">{job.jobId}</span>
                )}
              </span>
              <span className="linked-head">
                {job.status ? <RecordStatusBadge status={job.status} /> : <span className="muted">no attempt recorded yet</span>}
                <span className="muted">
                  {job.integration ?? job.queue}
                  {job.attempts > 1 ? ` · ${job.attempts} attempts` : ''}
                </span>
              </span>
              {job.error ? <span className="num-danger cell-clip">{job.error}</span> : job.summary ? <span className="muted cell-clip">{job.summary}</span> : null}
              <span className="muted">
                <DateTimeCell value={job.finishedAt ?? job.linkedAt} />
              </span>
            </li>
          ))}
        </ul>
      </div>
      <div>
        <p className="side-label">
          Webhooks · {sync.webhookCount}
          {sync.webhookCount > sync.webhooks.length ? <span className="muted"> (newest {sync.webhooks.length} shown)</span> : null}
        </p>
        {sync.webhooks.length === 0 ? <p className="muted">No webhook has mentioned this order.</p> : null}
        <ul className="linked-list">
          {sync.webhooks.map((event) => (
            <li key={event.id} data-testid="linked-webhook">
              <span className="linked-head">
                {event.href ? (
                  <Link to={event.href} className="cell-strong">
                    {event.topic}
                  </Link>
                ) : (
                  <span className="cell-strong">{event.topic}</span>
                )}
                <RecordStatusBadge status={event.status} />
              </span>
              <span className="muted">
                {event.provider} · {event.eventId}
                {event.attempts > 1 ? ` · ${event.attempts} attempts` : ''}
              </span>
              {event.error ? <span className="num-danger cell-clip">{event.error}</span> : null}
              <span className="muted">
                <DateTimeCell value={event.receivedAt} />
              </span>
            </li>
          ))}
        </ul>
      </div>
    </section>
  )
}
