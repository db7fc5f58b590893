import type { SerializeFrom } from '@remix-run/node'
import { useState } from 'react'
import { ActionDisclosure, FormError, OrderForm, useBusy, useOrderActionData } from '#app/components/orders/order-form.tsx'
import { currencyDigits } from '#app/utils/money.ts'
import { Field } from '#app/components/ui/field.tsx'
import type { ReturnPage } from '#app/models/return-detail.server.ts'
import { RETURN_REASON_MAX_LENGTH, type ReturnActionState } from '#app/models/return-rules.ts'
import { formatMoney } from '#app/utils/money.ts'

/**
 * The return's step forms. Each posts a hidden `intent` and the `expectedVersion` the page showed (the order page's
 * form frame, order-form.tsx), so a step taken on a stale page is refused instead of applied over someone's change.
 * Only the steps return-rules.ts allows for this status and role are rendered.
 */

type Page = SerializeFrom<ReturnPage>
type States = Record<'approve' | 'reject' | 'ship' | 'receive' | 'dispose' | 'resolve' | 'cancel', ReturnActionState>

function Submit({ intent, label, busyLabel, tone = 'primary' }: { intent: string; label: string; busyLabel: string; tone?: 'primary' | 'danger' | 'secondary' }) {
  const busy = useBusy(intent)
  return (
    <div className="form-actions">
      <button type="submit" className={`button button-${tone}`} disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </div>
  )
}

function ReasonField({ intent, label, hint }: { intent: string; label: string; hint?: string }) {
  const errors = useOrderActionData(intent)?.fieldErrors
  return (
    <Field id={`${intent}-reason`} label={label} error={errors?.reason} hint={hint}>
      {(control) => <textarea {...control} name="reason" rows={2} maxLength={RETURN_REASON_MAX_LENGTH} required />}
    </Field>
  )
}

/** Approve / reject / in transit / cancel: the header's buttons. */
export function ReturnHeaderActions({ states, version }: { states: States; version: number }) {
  const shipErrors = useOrderActionData('ship')?.fieldErrors
  if (!['approve', 'reject', 'ship', 'cancel'].some((a) => states[a as keyof States].allowed)) return null
  return (
    <div className="header-actions" data-testid="return-actions">
      {states.approve.allowed ? (
        <ActionDisclosure intent="approve" label="Approve" tone="primary" align="end">
          <OrderForm intent="approve" version={version} className="form" testId="approve-form">
            <label className="checkbox">
              <input type="checkbox" name="buyLabel" defaultChecked /> Buy a return label from the carrier
            </label>
            <Field id="approve-note" label="Note (optional)" hint="Recorded in the timeline.">
              {(control) => <textarea {...control} name="note" rows={2} maxLength={RETURN_REASON_MAX_LENGTH} />}
            </Field>
            <FormError intent="approve" />
            <Submit intent="approve" label="Approve return" busyLabel="Approving…" />
          </OrderForm>
        </ActionDisclosure>
      ) : null}
      {states.reject.allowed ? (
        <ActionDisclosure intent="reject" label="Reject" align="end">
          <OrderForm intent="reject" version={version} className="form" testId="reject-form">
            <ReasonField intent="reject" label="Why reject this return?" hint="Recorded on the return and in the timeline." />
            <FormError intent="reject" />
            <Submit intent="reject" label="Reject return" busyLabel="Rejecting…" tone="danger" />
          </OrderForm>
        </ActionDisclosure>
      ) : null}
      {states.ship.allowed ? (
        <ActionDisclosure intent="ship" label="Mark in transit" align="end">
          <OrderForm intent="ship" version={version} className="form" testId="ship-form">
            <Field id="ship-carrier" label="Carrier (optional)" error={shipErrors?.carrier}>
              {(control) => <input {...control} name="carrier" maxLength={60} />}
            </Field>
            <Field id="ship-tracking" label="Tracking number (optional)" error={shipErrors?.trackingNumber} hint="Leave empty to keep the label's tracking number.">
              {(control) => <input {...control} name="trackingNumber" maxLength={60} />}
            </Field>
            <FormError intent="ship" />
            <Submit intent="ship" label="Mark in transit" busyLabel="Saving…" />
          </OrderForm>
        </ActionDisclosure>
      ) : null}
      {states.cancel.allowed ? (
        <ActionDisclosure intent="cancel" label="Cancel return" tone="danger" align="end">
          <OrderForm intent="cancel" version={version} className="form" testId="cancel-form">
            <ReasonField intent="cancel" label="Why cancel this return?" hint="Possible until the goods are received." />
            <FormError intent="cancel" />
            <Submit intent="cancel" label="Cancel return" busyLabel="Cancelling…" tone="danger" />
          </OrderForm>
        </ActionDisclosure>
      ) : null}
    </div>
  )
}

/** The parcel arrived: units back and damaged per line. */
export function ReceiveForm({ lines, version }: { lines: Page['ret']['lines']; version: number }) {
  const errors = useOrderActionData('receive')?.fieldErrors
  return (
    <OrderForm intent="receive" version={version} className="form" testId="receive-form">
      <table className="mini-table">
        <caption className="visually-hidden">Units received</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Asked</th>
            <th scope="col">Received</th>
            <th scope="col">Damaged</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.id}>
              <td>
                <span className="cell-strong">{line.orderLine.sku}</span> <span className="muted">{line.orderLine.title}</span>
              </td>
              <td className="num">{line.quantityRequested}</td>
              <td>
                <input
                  className="qty-input"
                  type="number"
                  min={0}
                  max={line.quantityRequested}
                  name={`received.${line.id}`}
                  defaultValue={line.quantityRequested}
                  aria-label={`Received of ${line.orderLine.sku}`}
                  aria-invalid={errors?.[`received.${line.id}`] ? true : undefined}
                />
                {errors?.[`received.${line.id}`] ? <p className="field-error">{errors[`received.${line.id}`]}</p> : null}
              </td>
              <td>
                <input
                  className="qty-input"
                  type="number"
                  min={0}
                  max={line.quantityRequested}
                  name={`damaged.${line.id}`}
                  defaultValue={0}
                  aria-label={`Damaged of ${line.orderLine.sku}`}
                  aria-invalid={errors?.[`damaged.${line.id}`] ? true : undefined}
                />
                {errors?.[`damaged.${line.id}`] ? <p className="field-error">{errors[`damaged.${line.id}`]}</p> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {errors?.lines ? <p className="field-error">{errors.lines}</p> : null}
      <FormError intent="receive" />
      <Submit intent="receive" label="Receive" busyLabel="Receiving…" />
    </OrderForm>
  )
}

/** Per received line still to decide: restock (to a location), quarantine or scrap. */
export function DisposeForm({ lines, locations, version }: { lines: Page['ret']['lines']; locations: Page['locations']; version: number }) {
  const errors = useOrderActionData('dispose')?.fieldErrors
  const open = lines.filter((line) => line.quantityReceived > 0 && !line.disposition)
  if (open.length === 0) return null
  return (
    <OrderForm intent="dispose" version={version} className="form" testId="dispose-form">
      <table className="mini-table">
        <caption className="visually-hidden">What happens to the received items</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Back</th>
            <th scope="col">Decision</th>
            <th scope="col">Restock to</th>
          </tr>
        </thead>
        <tbody>
          {open.map((line) => {
            const good = line.quantityReceived - line.quantityDamaged
            return (
              <tr key={line.id}>
                <td>
                  <span className="cell-strong">{line.orderLine.sku}</span>
                </td>
                <td>
                  {line.quantityReceived}
                  {line.quantityDamaged ? <span className="muted"> ({line.quantityDamaged} damaged)</span> : null}
                </td>
                <td>
                  <select name={`disposition.${line.id}`} defaultValue={good > 0 ? 'restock' : 'quarantine'} aria-label={`Decision for ${line.orderLine.sku}`}>
                    <option value="">Decide later</option>
                    {good > 0 ? <option value="restock">Restock {good} undamaged</option> : null}
                    <option value="quarantine">Quarantine</option>
                    <option value="scrap">Scrap</option>
                  </select>
                  {errors?.[`disposition.${line.id}`] ? <p className="field-error">{errors[`disposition.${line.id}`]}</p> : null}
                </td>
                <td>
                  <select name={`location.${line.id}`} aria-label={`Restock location for ${line.orderLine.sku}`} defaultValue={locations[0]?.id ?? ''}>
                    {locations.map((location) => (
                      <option key={location.id} value={location.id}>
                        {location.code} · {location.name}
                      </option>
                    ))}
                  </select>
                  {errors?.[`location.${line.id}`] ? <p className="field-error">{errors[`location.${line.id}`]}</p> : null}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <p className="field-hint">Damaged units are never restocked. Restocking writes a ledger entry on the SKU, linked to this return.</p>
      {errors?.lines ? <p className="field-error">{errors.lines}</p> : null}
      <FormError intent="dispose" />
      <Submit intent="dispose" label="Save decisions" busyLabel="Saving…" />
    </OrderForm>
  )
}

/** Refund (through payments), exchange (a replacement order), store credit, or no action. */
export function ResolveForm({
  version,
  currency,
  money,
  lines,
  choices,
}: {
  version: number
  currency: string
  money: Page['money']
  lines: Page['ret']['lines']
  choices: Array<{ variantId: string; options: Array<{ id: string; sku: string; title: string }> }>
}) {
  const data = useOrderActionData('resolve')
  const errors = data?.fieldErrors
  const [resolution, setResolution] = useState(money.refundable > 0 ? 'refund' : 'store_credit')
  const digits = currencyDigits(currency)
  const suggested = (money.suggestedRefund / 10 ** digits).toFixed(digits)
  const received = lines.filter((line) => line.quantityReceived > 0)
  return (
    <OrderForm intent="resolve" version={version} className="form" testId="resolve-form">
      <fieldset className="form-row">
        <legend className="side-label">Resolution</legend>
        {(
          [
            ['refund', `Refund (up to ${formatMoney(money.refundable, currency)})`],
            ['exchange', 'Exchange (replacement order)'],
            ['store_credit', 'Store credit'],
            ['no_action', 'No action'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className="checkbox">
            <input
              type="radio"
              name="resolution"
              value={value}
              checked={resolution === value}
              onChange={() => setResolution(value)}
              disabled={value === 'refund' && money.refundable === 0}
            />{' '}
            {label}
          </label>
        ))}
      </fieldset>
      {resolution === 'refund' || resolution === 'store_credit' ? (
        <Field
          id="resolve-amount"
          label={`Amount (${currency})`}
          error={errors?.amount}
          hint={`The received units are worth ${formatMoney(money.suggestedRefund, currency)} at the prices paid${resolution === 'refund' ? '; a partial refund is fine' : ''}.`}
        >
          {(control) => <input {...control} type="text" name="amount" inputMode="decimal" defaultValue={suggested} autoComplete="off" required />}
        </Field>
      ) : null}
      {resolution === 'exchange'
        ? received.map((line) => {
            const options = choices.find((choice) => choice.variantId === line.orderLine.variantId)?.options ?? []
            return options.length > 1 ? (
              <Field key={line.id} id={`replacement-${line.id}`} label={`Replacement for ${line.orderLine.sku}`} error={errors?.[`replacement.${line.id}`]}>
                {(control) => (
                  <select {...control} name={`replacement.${line.id}`} defaultValue={line.orderLine.variantId ?? ''}>
                    {options.map((option) => (
                      <option key={option.id} value={option.id}>
                        {option.sku} · {option.title}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ) : null
          })
        : null}
      {resolution !== 'exchange' ? (
        <Field id="resolve-reason" label={resolution === 'no_action' ? 'Why is nothing owed?' : 'Note (optional)'} error={errors?.reason}>
          {(control) => <textarea {...control} name="reason" rows={2} maxLength={RETURN_REASON_MAX_LENGTH} required={resolution === 'no_action'} />}
        </Field>
      ) : (
        <p className="field-hint">A confirmed order at no charge, with the received items, is created and its stock reserved.</p>
      )}
      <FormError intent="resolve" />
      <Submit intent="resolve" label="Resolve return" busyLabel="Resolving…" />
    </OrderForm>
  )
}
