import type { SerializeFrom } from '@remix-run/node'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import { Field } from '#app/components/ui/field.tsx'
import type { OrderCaseFile } from '#app/models/order-detail.server.ts'
import { ActionDisclosure, FormError, OrderForm, useBusy, useOrderActionData } from './order-form.tsx'
import { humanize, RecordStatusBadge } from './order-status-badges.tsx'

type Fulfilment = SerializeFrom<OrderCaseFile>['fulfillments'][number]

/** Every parcel: carrier, tracking number (linked), what is in it, its tracking events; "Mark shipped" for packed ones. */
export function OrderFulfilments({ fulfillments, canShip, version }: { fulfillments: Fulfilment[]; canShip: boolean; version: number }) {
  return (
    <section className="panel" aria-labelledby="fulfilments-title" data-testid="order-fulfilments">
      <h2 id="fulfilments-title">
        Fulfilments <span className="muted">· {fulfillments.length}</span>
      </h2>
      {fulfillments.length === 0 ? <p className="muted">Nothing packed yet.</p> : null}
      {fulfillments.map((fulfillment, index) => (
        <article key={fulfillment.id} className="parcel" data-testid="fulfilment" aria-label={`Fulfilment ${index + 1}`}>
          <header className="parcel-head">
            <h3>Fulfilment {index + 1}</h3>
            <RecordStatusBadge status={fulfillment.status} />
            <span className="parcel-carrier">
              {fulfillment.carrier ? (
                <>
                  {fulfillment.carrier}
                  {fulfillment.service ? <span className="muted"> · {humanize(fulfillment.service)}</span> : null}
                </>
              ) : (
                <span className="muted">No carrier yet</span>
              )}
            </span>
            {fulfillment.trackingNumber ? (
              fulfillment.trackingUrl ? (
                <a href={fulfillment.trackingUrl} className="cell-mono" target="_blank" rel="noreferrer noopener" data-testid="tracking-number">
                  {fulfillment.trackingNumber}
                </a>
              ) : (
                <span className="cell-mono" data-testid="tracking-number">
                  {fulfillment.trackingNumber}
                </span>
              )
            ) : null}
            {canShip && !fulfillment.shippedAt && fulfillment.status !== 'cancelled' ? (
              <span className="parcel-action">
                <ActionDisclosure intent={`ship:${fulfillment.id}`} formIntent="ship" label="Mark shipped" tone="primary" align="end">
                  <ShipForm fulfillmentId={fulfillment.id} version={version} />
                </ActionDisclosure>
              </span>
            ) : null}
          </header>
          <dl className="parcel-facts">
            <div>
              <dt>Packed</dt>
              <dd>
                <DateTimeCell value={fulfillment.createdAt} />
                {fulfillment.location ? <span className="muted"> · {fulfillment.location.name}</span> : null}
              </dd>
            </div>
            <div>
              <dt>Shipped</dt>
              <dd>
                <DateTimeCell value={fulfillment.shippedAt} empty="Not yet" />
              </dd>
            </div>
            <div>
              <dt>Delivered</dt>
              <dd>
                <DateTimeCell value={fulfillment.deliveredAt} empty="Not yet" />
              </dd>
            </div>
            <div className="parcel-items">
              <dt>Items</dt>
              <dd>
                {fulfillment.lines.map((line) => (
                  <span key={line.orderLineId} className="parcel-item">
                    {line.quantity} × {line.title ?? line.sku ?? 'item'}
                  </span>
                ))}
              </dd>
            </div>
          </dl>
          {fulfillment.trackingEvents.length > 0 ? (
            <ol className="tracking" aria-label={`Tracking events of fulfilment ${index + 1}`} data-testid="tracking-events">
              {fulfillment.trackingEvents.map((event) => (
                <li key={event.id} className={`tracking-event tracking-${event.status}`}>
                  <span className="tracking-dot" aria-hidden="true" />
                  <span className="tracking-what">
                    <span className="cell-strong">{event.description}</span>
                    {event.location ? <span className="muted"> · {event.location}</span> : null}
                  </span>
                  <span className="tracking-when muted">
                    <DateTimeCell value={event.occurredAt} />
                  </span>
                </li>
              ))}
            </ol>
          ) : fulfillment.trackingNumber ? (
            <p className="muted">No tracking events from the carrier yet.</p>
          ) : null}
        </article>
      ))}
    </section>
  )
}

function ShipForm({ fulfillmentId, version }: { fulfillmentId: string; version: number }) {
  const intent = `ship:${fulfillmentId}`
  const busy = useBusy('ship')
  const data = useOrderActionData(intent)
  return (
    <OrderForm intent="ship" version={version} className="form" testId="ship-form">
      <input type="hidden" name="fulfillmentId" value={fulfillmentId} />
      <p className="field-hint">With a tracking number the parcel is marked shipped now. Without one, the carrier integration buys the label and reports it shipped.</p>
      <div className="form-row">
        <Field id={`carrier-${fulfillmentId}`} label="Carrier (optional)" error={data?.fieldErrors?.carrier}>
          {(control) => <input {...control} type="text" name="carrier" maxLength={60} autoComplete="off" />}
        </Field>
        <Field id={`tracking-${fulfillmentId}`} label="Tracking number (optional)" error={data?.fieldErrors?.trackingNumber}>
          {(control) => <input {...control} type="text" name="trackingNumber" maxLength={60} autoComplete="off" />}
        </Field>
      </div>
      <FormError intent={intent} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Shipping…' : 'Mark shipped'}
        </button>
      </div>
    </OrderForm>
  )
}
