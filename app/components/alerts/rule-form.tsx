import { Form, Link, useNavigation } from '@remix-run/react'
import { Field } from '#app/components/ui/field.tsx'
import { ALERT_CONDITIONS, ALERT_METRICS, ALERT_SEVERITIES, CONDITION_SYMBOLS, type AlertRuleField, type AlertRuleFormValues } from '#app/models/alert-rules.ts'

/** What the form shows: the rule being edited, or what was typed when the action refused it. */
export type RuleFormValues = AlertRuleFormValues

export const EMPTY_RULE: RuleFormValues = {
  name: '',
  metric: '',
  condition: 'gt',
  threshold: '',
  durationSeconds: '60',
  severity: 'warning',
  scope: '',
  enabled: true,
}

const UNIT_HINTS: Record<string, string> = {
  seconds: 'in seconds (0.5 = 500 ms)',
  ratio: 'as a ratio (0.02 = 2 %)',
  count: 'a count',
  'per-minute': 'per minute',
  bytes: 'in bytes',
  boolean: '1 = up, 0 = down',
}

/**
 * Create/edit form of an alert rule (routes alerts.rules.new and alerts.rules.$id). The metric is typed with the
 * catalog as suggestions (a metric the processes already roll up is accepted too); field errors come from the
 * action (zod + the model's checks), status 400.
 */
export function RuleForm({
  values,
  errors = {},
  formError,
  version,
  submitLabel,
}: {
  values: RuleFormValues
  errors?: Partial<Record<AlertRuleField, string>>
  formError?: string
  version?: number
  submitLabel: string
}) {
  const navigation = useNavigation()
  const submitting = navigation.state === 'submitting'
  return (
    <section className="panel" aria-labelledby="rule-form-title">
      <h2 id="rule-form-title" className="visually-hidden">
        Rule
      </h2>
      {formError ? (
        <p className="alert alert-error" role="alert" data-testid="form-error">
          {formError}
        </p>
      ) : null}
      <Form method="post" className="form" noValidate data-testid="rule-form">
        {version !== undefined ? <input type="hidden" name="version" value={version} /> : null}
        <div className="rule-form-grid">
          <Field id="rule-name" label="Name" error={errors.name}>
            {(control) => <input {...control} name="name" type="text" defaultValue={values.name} maxLength={120} required />}
          </Field>
          <Field id="rule-metric" label="Metric" error={errors.metric} hint="Pick from the list; a quantile of a latency reads its merged histogram.">
            {(control) => (
              <>
                <input {...control} name="metric" type="text" list="alert-metrics" defaultValue={values.metric} autoComplete="off" required />
                <datalist id="alert-metrics">
                  {ALERT_METRICS.map((metric) => (
                    <option key={metric.name} value={metric.name}>
                      {metric.label} — {UNIT_HINTS[metric.unit]}
                    </option>
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field id="rule-condition" label="Condition" error={errors.condition}>
            {(control) => (
              <select {...control} name="condition" defaultValue={values.condition}>
                {ALERT_CONDITIONS.map((condition) => (
                  <option key={condition} value={condition}>
                    {CONDITION_SYMBOLS[condition]} ({condition})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="rule-threshold" label="Threshold" error={errors.threshold} hint="In the metric's unit: seconds for latency and lag, 0–1 for rates.">
            {(control) => <input {...control} name="threshold" type="text" inputMode="decimal" defaultValue={values.threshold} required />}
          </Field>
          <Field id="rule-duration" label="For (seconds)" error={errors.durationSeconds} hint="How long the condition must hold; 0 = the last minute alone.">
            {(control) => <input {...control} name="durationSeconds" type="text" inputMode="numeric" defaultValue={values.durationSeconds} required />}
          </Field>
          <Field id="rule-severity" label="Severity" error={errors.severity}>
            {(control) => (
              <select {...control} name="severity" defaultValue={values.severity}>
                {ALERT_SEVERITIES.map((severity) => (
                  <option key={severity} value={severity}>
                    {severity[0]!.toUpperCase() + severity.slice(1)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="rule-scope" label="Scope (optional)" error={errors.scope} hint="label=value pairs, e.g. integration=payments. Empty: each label set alerts on its own.">
            {(control) => <input {...control} name="scope" type="text" defaultValue={values.scope} autoComplete="off" />}
          </Field>
        </div>
        <label className="checkbox">
          <input type="checkbox" name="enabled" defaultChecked={values.enabled} /> Enabled (evaluated by the worker)
        </label>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={submitting}>
            {submitting ? 'Saving…' : submitLabel}
          </button>{' '}
          <Link to="/alerts?view=rules" className="button button-secondary">
            Cancel
          </Link>
        </div>
      </Form>
    </section>
  )
}
