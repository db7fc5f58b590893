import type { OrderAction } from '#app/models/order-rules.ts'
import { HOLD_REASON_MAX_LENGTH } from '#app/models/order-rules.ts'
import { Field } from '#app/components/ui/field.tsx'
import { ActionDisclosure, FormError, OrderForm, useBusy, useOrderActionData } from './order-form.tsx'

/**
 * The lifecycle actions in the order header: only those legal for this order's state and the person's role
 * (order-rules.ts `legalActions`). Confirm and release are one click; hold and cancel ask for a reason.
 */
export function OrderHeaderActions({ actions, version }: { actions: readonly OrderAction[]; version: number }) {
  const can = (action: OrderAction) => actions.includes(action)
  if (!['confirm', 'release', 'hold', 'cancel'].some((action) => can(action as OrderAction))) return null
  return (
    <div className="header-actions" data-testid="order-actions">
      {can('confirm') ? <OneClick intent="confirm" label="Confirm order" busyLabel="Confirming…" version={version} primary /> : null}
      {can('release') ? <OneClick intent="release" label="Release hold" busyLabel="Releasing…" version={version} primary /> : null}
      {can('hold') ? (
        <ActionDisclosure intent="hold" label="Hold" align="end">
          <ReasonForm intent="hold" version={version} label="Why hold this order?" hint="Shown in the timeline; the order cannot be fulfilled or shipped until released." submit="Put on hold" />
        </ActionDisclosure>
      ) : null}
      {can('cancel') ? (
        <ActionDisclosure intent="cancel" label="Cancel order" tone="danger" align="end">
          <ReasonForm
            intent="cancel"
            version={version}
            label="Why cancel this order?"
            hint="Reserved stock is released and packed parcels are unpacked. Money is not refunded automatically."
            submit="Cancel order"
            danger
          />
        </ActionDisclosure>
      ) : null}
    </div>
  )
}

function OneClick({ intent, label, busyLabel, version, primary }: { intent: string; label: string; busyLabel: string; version: number; primary?: boolean }) {
  const busy = useBusy(intent)
  return (
    <OrderForm intent={intent} version={version}>
      <button type="submit" className={`button ${primary ? 'button-primary' : 'button-secondary'}`} disabled={busy}>
        {busy ? busyLabel : label}
      </button>
    </OrderForm>
  )
}

function ReasonForm({ intent, version, label, hint, submit, danger }: { intent: string; version: number; label: string; hint: string; submit: string; danger?: boolean }) {
  const busy = useBusy(intent)
  const errors = useOrderActionData(intent)?.fieldErrors
  return (
    <OrderForm intent={intent} version={version} className="form">
      <Field id={`${intent}-reason`} label={label} error={errors?.reason} hint={hint}>
        {(control) => <textarea {...control} name="reason" rows={2} maxLength={HOLD_REASON_MAX_LENGTH} required />}
      </Field>
      <FormError intent={intent} />
      <div className="form-actions">
        <button type="submit" className={`button ${danger ? 'button-danger' : 'button-primary'}`} disabled={busy}>
          {busy ? 'Saving…' : submit}
        </button>
      </div>
    </OrderForm>
  )
}
