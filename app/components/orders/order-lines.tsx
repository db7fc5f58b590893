import type { SerializeFrom } from '@remix-run/node'
import type { OrderCaseFile } from '#app/models/order-detail.server.ts'
import { ActionDisclosure, FormError, OrderForm, useBusy, useOrderActionData } from './order-form.tsx'
import { formatMoney } from '#app/utils/money.ts'

type Line = SerializeFrom<OrderCaseFile>['lines'][number]
type Summary = SerializeFrom<OrderCaseFile>['summary']

/**
 * Line items with every quantity counter (ordered, fulfilled, shipped, returned, cancelled), then the money
 * summary. A counter that is not complete is highlighted so a partial state reads at a glance.
 */
export function OrderLines({ lines, summary, canFulfil }: { lines: Line[]; summary: Summary; canFulfil: boolean }) {
  const money = (amount: number) => formatMoney(amount, summary.currency)
  const units = lines.reduce((sum, line) => sum + line.quantityOrdered, 0)
  return (
    <section className="panel panel-flush" aria-labelledby="lines-title">
      <div className="panel-head">
        <h2 id="lines-title">
          Items <span className="muted">· {units} units</span>
        </h2>
        {canFulfil ? (
          <ActionDisclosure intent="fulfil" label="Fulfil items" tone="primary" align="end">
            <FulfilForm lines={lines} version={summary.version} />
          </ActionDisclosure>
        ) : null}
      </div>
      <div className="table-wrap">
        <table className="data-table order-lines" data-testid="order-lines">
          <caption className="visually-hidden">Line items and their quantities</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className="num-col" title="Ordered">
                Ordered
              </th>
              <th scope="col" className="num-col" title="Packed into a fulfilment">
                Fulfilled
              </th>
              <th scope="col" className="num-col">
                Shipped
              </th>
              <th scope="col" className="num-col">
                Returned
              </th>
              <th scope="col" className="num-col">
                Cancelled
              </th>
              <th scope="col" className="num-col">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => {
              const active = line.quantityOrdered - line.quantityCancelled
              return (
                <tr key={line.id} data-line-id={line.id}>
                  <td className="cell-wrap">
                    <div className="line-item">
                      <span>
                        <span className="cell-strong">{line.title}</span>
                        {line.variantTitle || line.variant?.title ? <span className="muted"> · {line.variantTitle ?? line.variant?.title}</span> : null}
                      </span>
                      <span className="line-meta">
                        <span className="cell-mono">{line.sku}</span> · <span className="num">{money(line.unitPriceAmount)}</span> each
                      </span>
                    </div>
                  </td>
                  <td className="num-col num cell-strong">{line.quantityOrdered}</td>
                  <Counter value={line.quantityFulfilled} of={active} label="fulfilled" />
                  <Counter value={line.quantityShipped} of={active} label="shipped" />
                  <Counter value={line.quantityReturned} of={0} label="returned" attention />
                  <Counter value={line.quantityCancelled} of={0} label="cancelled" attention />
                  <td className="num-col num">{money(line.totalAmount)}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      <dl className="money-summary" data-testid="order-totals">
        <dt>Subtotal</dt>
        <dd className="num">{money(summary.subtotalAmount)}</dd>
        {summary.discountAmount ? (
          <>
            <dt>Discount</dt>
            <dd className="num">−{money(summary.discountAmount)}</dd>
          </>
        ) : null}
        <dt>Shipping</dt>
        <dd className="num">{money(summary.shippingAmount)}</dd>
        <dt>Tax</dt>
        <dd className="num">{money(summary.taxAmount)}</dd>
        <dt className="money-total">Total</dt>
        <dd className="num money-total">{money(summary.totalAmount)}</dd>
      </dl>
    </section>
  )
}

/** One counter cell: muted when zero, amber when part-way (e.g. 1 of 2 shipped), or when `attention` and non-zero. */
function Counter({ value, of, label, attention }: { value: number; of: number; label: string; attention?: boolean }) {
  const partial = attention ? value > 0 : value > 0 && value < of
  return (
    <td className={`num-col num${value === 0 ? ' muted' : ''}${partial ? ' num-warning' : ''}`} data-counter={label}>
      {value}
    </td>
  )
}

/** Per-line quantities to pack, each defaulting to what is left (ordered − cancelled − fulfilled). */
function FulfilForm({ lines, version }: { lines: Line[]; version: number }) {
  const busy = useBusy('fulfil')
  const errors = useOrderActionData('fulfil')?.fieldErrors
  const open = lines.filter((line) => line.quantityRemaining > 0)
  return (
    <OrderForm intent="fulfil" version={version} className="form" testId="fulfil-form">
      <p className="field-hint">Pack these units into a new fulfilment. Lower a quantity to fulfil part of the order.</p>
      <table className="mini-table">
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="num-col">
              Left
            </th>
            <th scope="col" className="num-col">
              Fulfil
            </th>
          </tr>
        </thead>
        <tbody>
          {open.map((line) => (
            <tr key={line.id}>
              <td>
                <label htmlFor={`fulfil-${line.id}`}>{line.title}</label> <span className="muted cell-mono">{line.sku}</span>
              </td>
              <td className="num-col num">{line.quantityRemaining}</td>
              <td className="num-col">
                <input
                  id={`fulfil-${line.id}`}
                  type="number"
                  name={`line.${line.id}`}
                  min={0}
                  max={line.quantityRemaining}
                  step={1}
                  defaultValue={line.quantityRemaining}
                  className="qty-input"
                  aria-invalid={errors?.[`line.${line.id}`] ? true : undefined}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {errors?.lines ? <p className="field-error">{errors.lines}</p> : null}
      <FormError intent="fulfil" />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating fulfilment…' : 'Create fulfilment'}
        </button>
      </div>
    </OrderForm>
  )
}
