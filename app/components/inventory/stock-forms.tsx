import { Form, useActionData, useNavigation } from '@remix-run/react'
import { useState } from 'react'
import { Field } from '#app/components/ui/field.tsx'
import { formatUnits } from './stock-state.tsx'

/** What the SKU page's action answers when it refuses a form (its field errors, or one message for the form). */
export type StockActionData = { intent: string; fieldErrors?: Record<string, string>; formError?: string }

type Level = { levelId: string; locationId: string; locationCode: string; locationName: string; onHand: number; reserved: number; available: number; version: number; lowStockThreshold: number }
type Location = { id: string; code: string; name: string }

/**
 * The stock forms of /inventory/:variantId (operations staff and admins): adjust (damage / loss / found), transfer,
 * stock count (the difference is shown as you type, then confirmed) and the low-stock threshold. Each names the level
 * as `<levelId>@<version>`, so a change made on a stale page is refused by the model.
 */
export function StockForms({ levels, locations, reasons }: { levels: Level[]; locations: Location[]; reasons: { value: string; label: string }[] }) {
  const actionData = useActionData<StockActionData>()
  const navigation = useNavigation()
  const busy = (intent: string) => navigation.state === 'submitting' && navigation.formData?.get('intent') === intent
  const errorsFor = (intent: string) => (actionData?.intent === intent ? actionData : undefined)
  const first = levels[0]!
  const [countLevel, setCountLevel] = useState(`${first.levelId}@${first.version}`)
  const [counted, setCounted] = useState('')
  const counting = levels.find((l) => `${l.levelId}@${l.version}` === countLevel) ?? first
  const countedNumber = /^\d{1,7}$/.test(counted.trim()) ? Number(counted.trim()) : null
  const difference = countedNumber === null ? null : countedNumber - counting.onHand

  return (
    <section className="panel" aria-labelledby="stock-forms-title">
      <h2 id="stock-forms-title" className="panel-title">
        Change stock
      </h2>
      <div className="inventory-forms">
        <StockForm intent="adjust" title="Adjust" submit="Record adjustment" busy={busy('adjust')} errors={errorsFor('adjust')}>
          {(e) => (
            <>
              <LevelSelect id="adjust-level" levels={levels} error={e.level} />
              <Field id="adjust-reason" label="Reason" error={e.reason}>
                {(control) => (
                  <select {...control} name="reason" defaultValue="">
                    <option value="" disabled>
                      Choose…
                    </option>
                    {reasons.map((r) => (
                      <option key={r.value} value={r.value}>
                        {r.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field id="adjust-quantity" label="Units" error={e.quantity} hint="Damaged and lost units are removed; found units are added.">
                {(control) => <input {...control} type="text" name="quantity" inputMode="numeric" autoComplete="off" />}
              </Field>
              <Field id="adjust-note" label="Note" error={e.note} hint="Required for damage and loss.">
                {(control) => <input {...control} type="text" name="note" maxLength={500} />}
              </Field>
            </>
          )}
        </StockForm>

        <StockForm intent="transfer" title="Transfer" submit="Move stock" busy={busy('transfer')} errors={errorsFor('transfer')}>
          {(e) => (
            <>
              <LevelSelect id="transfer-level" label="From" levels={levels} error={e.level} />
              <Field id="transfer-to" label="To" error={e.toLocationId}>
                {(control) => (
                  <select {...control} name="toLocationId" defaultValue="">
                    <option value="" disabled>
                      Choose…
                    </option>
                    {locations.map((loc) => (
                      <option key={loc.id} value={loc.id}>
                        {loc.code} — {loc.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field id="transfer-quantity" label="Units" error={e.quantity} hint="Only available (unreserved) units can move.">
                {(control) => <input {...control} type="text" name="quantity" inputMode="numeric" autoComplete="off" />}
              </Field>
              <Field id="transfer-note" label="Note" error={e.note}>
                {(control) => <input {...control} type="text" name="note" maxLength={500} />}
              </Field>
            </>
          )}
        </StockForm>

        <StockForm intent="count" title="Stock count" submit="Confirm count" busy={busy('count')} errors={errorsFor('count')}>
          {(e) => (
            <>
              <LevelSelect id="count-level" levels={levels} error={e.level} value={countLevel} onChange={setCountLevel} />
              <Field id="count-counted" label="Counted on the shelf" error={e.counted}>
                {(control) => <input {...control} type="text" name="counted" inputMode="numeric" autoComplete="off" value={counted} onChange={(event) => setCounted(event.currentTarget.value)} />}
              </Field>
              <p className="inventory-count-diff" aria-live="polite" data-testid="count-difference">
                Recorded <strong>{formatUnits(counting.onHand)}</strong>
                {difference === null ? (
                  <span className="muted"> — enter the count to see the difference</span>
                ) : (
                  <>
                    {' '}
                    · counted <strong>{formatUnits(countedNumber!)}</strong> · difference{' '}
                    <strong className={difference < 0 ? 'num-danger' : difference > 0 ? 'num-warning' : undefined}>
                      {difference === 0 ? 'none' : difference > 0 ? `+${formatUnits(difference)}` : `−${formatUnits(-difference)}`}
                    </strong>
                  </>
                )}
              </p>
              <Field id="count-note" label="Note" error={e.note}>
                {(control) => <input {...control} type="text" name="note" maxLength={500} />}
              </Field>
            </>
          )}
        </StockForm>

        <StockForm intent="threshold" title="Low-stock threshold" submit="Save threshold" busy={busy('threshold')} errors={errorsFor('threshold')}>
          {(e) => (
            <>
              <LevelSelect id="threshold-level" levels={levels} error={e.level} />
              <Field id="threshold-value" label="Low when available is at or below" error={e.threshold}>
                {(control) => <input {...control} type="text" name="threshold" inputMode="numeric" autoComplete="off" defaultValue={String(first.lowStockThreshold)} />}
              </Field>
            </>
          )}
        </StockForm>
      </div>
    </section>
  )
}

function StockForm({
  intent,
  title,
  submit,
  busy,
  errors,
  children,
}: {
  intent: string
  title: string
  submit: string
  busy: boolean
  errors: StockActionData | undefined
  children: (fieldErrors: Record<string, string | undefined>) => React.ReactNode
}) {
  return (
    <Form method="post" className="form inventory-form" noValidate data-testid={`${intent}-form`} aria-labelledby={`${intent}-form-title`}>
      <h3 id={`${intent}-form-title`}>{title}</h3>
      <input type="hidden" name="intent" value={intent} />
      {errors?.formError ? (
        <p className="alert alert-error" role="alert">
          {errors.formError}
        </p>
      ) : null}
      {children(errors?.fieldErrors ?? {})}
      <div className="form-actions">
        <button type="submit" className="button button-primary button-small" disabled={busy}>
          {busy ? 'Saving…' : submit}
        </button>
      </div>
    </Form>
  )
}

function LevelSelect({
  id,
  label = 'Location',
  levels,
  error,
  value,
  onChange,
}: {
  id: string
  label?: string
  levels: Level[]
  error?: string
  value?: string
  onChange?: (value: string) => void
}) {
  return (
    <Field id={id} label={label} error={error}>
      {(control) => (
        <select
          {...control}
          name="level"
          {...(value !== undefined ? { value, onChange: (event: React.ChangeEvent<HTMLSelectElement>) => onChange?.(event.currentTarget.value) } : { defaultValue: `${levels[0]!.levelId}@${levels[0]!.version}` })}
        >
          {levels.map((level) => (
            <option key={level.levelId} value={`${level.levelId}@${level.version}`}>
              {level.locationCode} — {formatUnits(level.onHand)} on hand, {formatUnits(level.available)} available
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}
