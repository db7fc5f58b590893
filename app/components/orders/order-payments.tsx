import type { SerializeFrom } from '@remix-run/node'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import { Field } from '#app/components/ui/field.tsx'
import type { OrderCaseFile } from '#app/models/order-detail.server.ts'
import { HOLD_REASON_MAX_LENGTH } from '#app/models/order-rules.ts'
import { ActionDisclosure, FormError, OrderForm, useBusy, useOrderActionData } from './order-form.tsx'
import { humanize, RecordStatusBadge } from './order-status-badges.tsx'
import { currencyDigits, formatMoney } from '#app/utils/money.ts'

type File = SerializeFrom<OrderCaseFile>

/** Payments, refunds and what is left to refund; the refund form when a refund is legal now. */
export function OrderPayments({
  file,
  canRefund,
  refundRequestKey,
}: {
  file: Pick<File, 'payments' | 'refunds' | 'totals' | 'summary'>
  canRefund: boolean
  refundRequestKey: string
}) {
  const { payments, refunds, totals, summary } = file
  const money = (amount: number, currency = summary.currency) => formatMoney(amount, currency)
  return (
    <section className="panel panel-flush" aria-labelledby="payments-title" data-testid="order-payments">
      <div className="panel-head">
        <h2 id="payments-title">Payment</h2>
        {canRefund && totals.refundable > 0 ? (
          <ActionDisclosure intent="refund" label="Refund" align="end">
            <RefundForm currency={summary.currency} refundable={totals.refundable} version={summary.version} requestKey={refundRequestKey} />
          </ActionDisclosure>
        ) : null}
      </div>
      <ul className="figures-inline" aria-label="Money">
        <li>
          <span className="figure-label">Captured</span> <span className="num cell-strong">{money(totals.captured)}</span>
        </li>
        <li>
          <span className="figure-label">Refunded</span> <span className="num cell-strong">{money(totals.refunded)}</span>
        </li>
        {totals.refundPending > 0 ? (
          <li>
            <span className="figure-label">Refund in progress</span> <span className="num num-warning">{money(totals.refundPending)}</span>
          </li>
        ) : null}
        <li>
          <span className="figure-label">Refundable</span> <span className="num cell-strong">{money(totals.refundable)}</span>
        </li>
      </ul>
      {payments.length === 0 ? (
        <p className="list-note muted">No payment recorded yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Payments</caption>
            <thead>
              <tr>
                <th scope="col">Payment</th>
                <th scope="col">Status</th>
                <th scope="col" className="num-col">
                  Amount
                </th>
                <th scope="col" className="num-col">
                  Captured
                </th>
                <th scope="col" className="num-col">
                  Refunded
                </th>
              </tr>
            </thead>
            <tbody>
              {payments.map((payment) => (
                <tr key={payment.id}>
                  <td>
                    <div className="cell-stack">
                      <span>
                        <span className="cell-strong">{payment.method ? humanize(payment.method) : 'Payment'}</span>{' '}
                        <span className="muted cell-mono" title={`${payment.provider} reference`}>
                          {payment.externalId}
                        </span>
                      </span>
                      <span className="muted">
                        {payment.capturedAt ? 'Captured ' : payment.authorizedAt ? 'Authorized ' : 'Created '}
                        <DateTimeCell value={payment.capturedAt ?? payment.authorizedAt ?? payment.createdAt} />
                      </span>
                      {payment.failureReason ? <span className="num-danger">{payment.failureReason}</span> : null}
                    </div>
                  </td>
                  <td>
                    <RecordStatusBadge status={payment.status} />
                  </td>
                  <td className="num-col num">{money(payment.amount, payment.currency)}</td>
                  <td className="num-col num">{money(payment.capturedAmount, payment.currency)}</td>
                  <td className={`num-col num${payment.refundedAmount ? '' : ' muted'}`}>{money(payment.refundedAmount, payment.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {refunds.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table" data-testid="order-refunds">
            <caption className="table-caption">Refunds</caption>
            <thead>
              <tr>
                <th scope="col">Refund</th>
                <th scope="col">Status</th>
                <th scope="col" className="num-col">
                  Amount
                </th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {refunds.map((refund) => (
                <tr key={refund.id}>
                  <td className="cell-wrap">
                    {refund.reason ?? <span className="muted">No reason given</span>}
                    {refund.return ? <span className="muted"> · return {refund.return.number}</span> : null}
                  </td>
                  <td>
                    <RecordStatusBadge status={refund.status} />
                  </td>
                  <td className="num-col num">{money(refund.amount, refund.currency)}</td>
                  <td>
                    <div className="cell-stack">
                      <span>{refund.createdBy?.name ?? <span className="muted">Payment gateway</span>}</span>
                      <span className="muted">
                        <DateTimeCell value={refund.processedAt ?? refund.createdAt} />
                      </span>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  )
}

function RefundForm({ currency, refundable, version, requestKey }: { currency: string; refundable: number; version: number; requestKey: string }) {
  const busy = useBusy('refund')
  const errors = useOrderActionData('refund')?.fieldErrors
  const digits = currencyDigits(currency)
  const full = (refundable / 10 ** digits).toFixed(digits)
  return (
    <OrderForm intent="refund" version={version} className="form" testId="refund-form">
      {/* One key per rendered form: submitting it twice is one refund (order-actions.server.ts refundOrder). */}
      <input type="hidden" name="requestKey" value={requestKey} />
      <Field
        id="refund-amount"
        label={`Amount (${currency})`}
        error={errors?.amount}
        hint={`Up to ${formatMoney(refundable, currency)}; the full refundable amount is filled in.`}
      >
        {(control) => <input {...control} type="text" name="amount" inputMode="decimal" defaultValue={full} autoComplete="off" required />}
      </Field>
      <Field id="refund-reason" label="Reason" error={errors?.reason} hint="Recorded on the refund and in the timeline.">
        {(control) => <textarea {...control} name="reason" rows={2} maxLength={HOLD_REASON_MAX_LENGTH} required />}
      </Field>
      <FormError intent="refund" />
      <p className="field-hint">Sent to the payment gateway; the status turns to succeeded when the gateway confirms.</p>
      <div className="form-actions">
        <button type="submit" className="button button-danger" disabled={busy}>
          {busy ? 'Requesting refund…' : 'Refund'}
        </button>
      </div>
    </OrderForm>
  )
}
