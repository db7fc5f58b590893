import { z } from 'zod'
import { HTTP_ERROR_RATIO, METRICS } from '#app/metrics/catalog.ts'

/**
 * Alert rules as people write them (isomorphic: the /alerts form and the model share it).
 *
 * A rule reads one metric as the Metrics pipeline rolls it up per minute (MetricRollup; names in
 * app/metrics/catalog.ts): `ALERT_METRICS` lists what a rule may watch, with its unit
 * and the labels a scope may filter on. A `<histogram>_p50|_p90|_p95|_p99` name reads that quantile of the merged
 * minute histogram (alert.server.ts `readRollupMetric`). Thresholds are in the metric's own unit (seconds for
 * latencies and lags, a 0–1 ratio for rates).
 */

export const ALERT_CONDITIONS = ['gt', 'gte', 'lt', 'lte', 'eq'] as const
export type AlertConditionName = (typeof ALERT_CONDITIONS)[number]
export const CONDITION_SYMBOLS: Record<AlertConditionName, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤', eq: '=' }

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const
export type AlertSeverityName = (typeof ALERT_SEVERITIES)[number]

export type AlertMetricUnit = 'seconds' | 'ratio' | 'count' | 'per-minute' | 'bytes' | 'boolean'

export type AlertMetric = {
  name: string
  label: string
  unit: AlertMetricUnit
  /** Label keys the metric's rows carry (a rule's scope may filter on these only). */
  labels: readonly string[]
  description: string
}

/** Written by the alerts worker (app/models/alert-signals.server.ts): 1 while a top-selling SKU has nothing available. */
export const TOP_SKU_STOCKOUT = 'top_sku_stockout'

function unitOf(name: string): AlertMetricUnit {
  if (name.endsWith('_seconds')) return 'seconds'
  if (name.endsWith('_bytes')) return 'bytes'
  if (name.endsWith('_ratio') || name.endsWith('_rate')) return 'ratio'
  if (name === 'integration_up' || name === TOP_SKU_STOCKOUT) return 'boolean'
  if (name.endsWith('_per_minute') || name.startsWith('jobs_') || name === 'http_requests' || name === 'http_errors') return 'per-minute'
  return 'count'
}

/**
 * What a rule may watch: every metric of the catalog (app/metrics/catalog.ts, the Metrics pipeline's rollups) — a
 * histogram as its `_p50`/`_p95`/`_p99` and its mean — plus the derived HTTP error ratio and the top-SKU stock-out
 * signal the alerts worker writes itself.
 */
export const ALERT_METRICS: readonly AlertMetric[] = [
  ...Object.entries(METRICS).flatMap(([name, definition]): AlertMetric[] => {
    const base = { unit: unitOf(name), labels: definition.labels as readonly string[] }
    if (definition.type !== 'histogram') return [{ name, label: name, description: definition.help, ...base }]
    return [
      ...(['p50', 'p95', 'p99'] as const).map((q) => ({ name: `${name}_${q}`, label: `${name} ${q}`, description: `${q} of: ${definition.help} (merged histogram)`, ...base })),
      { name, label: `${name} mean`, description: `Mean of: ${definition.help}`, ...base },
    ]
  }),
  { name: HTTP_ERROR_RATIO, label: HTTP_ERROR_RATIO, unit: 'ratio', labels: [], description: 'HTTP 5xx / requests in the minute (0–1; 2 % = 0.02)' },
  { name: TOP_SKU_STOCKOUT, label: TOP_SKU_STOCKOUT, unit: 'boolean', labels: ['sku'], description: '1 while one of the 10 best-selling SKUs (30 days) has nothing available in any location' },
]

const METRICS_BY_NAME = new Map(ALERT_METRICS.map((metric) => [metric.name, metric]))

export function findAlertMetric(name: string): AlertMetric | undefined {
  return METRICS_BY_NAME.get(name)
}

/** "0.5 s", "2 %", "3", "1 (up)"… a value in the metric's unit, for messages and tables. */
export function formatMetricValue(value: number, unit: AlertMetricUnit | undefined) {
  const n = (x: number) => String(Number(x.toPrecision(4)))
  switch (unit) {
    case 'seconds':
      return value < 1 ? `${n(value * 1000)} ms` : `${n(value)} s`
    case 'ratio':
      return `${n(value * 100)} %`
    case 'bytes':
      return `${n(value / 1_048_576)} MiB`
    case 'per-minute':
      return `${n(value)}/min`
    default:
      return n(value)
  }
}

const LABEL_PART = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parses a scope as typed in the form: `integration=payments, queue=sync` → { integration: 'payments', queue: 'sync' }.
 * Values must not hold ',' or '=' (the rollup label key has no escaping, alert.server.ts parseLabels).
 */
export function parseScopeText(text: string): { ok: true; scope: Record<string, string> } | { ok: false; message: string } {
  const scope: Record<string, string> = {}
  const trimmed = text.trim()
  if (trimmed === '') return { ok: true, scope }
  for (const part of trimmed.split(',')) {
    const pair = part.trim()
    const at = pair.indexOf('=')
    if (at <= 0) return { ok: false, message: `“${pair}” is not label=value` }
    const key = pair.slice(0, at).trim()
    const value = pair.slice(at + 1).trim()
    if (!LABEL_PART.test(key)) return { ok: false, message: `“${key}” is not a label name (letters, digits, _)` }
    if (value === '' || value.includes('=') || value.length > 120) return { ok: false, message: `Give “${key}” a value without “=” (up to 120 characters)` }
    if (key in scope) return { ok: false, message: `“${key}” appears twice` }
    scope[key] = value
  }
  return { ok: true, scope }
}

export function scopeText(scope: Record<string, string>) {
  return Object.entries(scope)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')
}

/** Longest duration a rule may ask for (the evaluation window reads this many minutes of rollups). */
export const MAX_RULE_DURATION_SECONDS = 24 * 3600

const numberField = (what: string, subject: string) =>
  z
    .string({ required_error: `Enter ${what}` })
    .trim()
    .min(1, `Enter ${what}`)
    .refine((value) => Number.isFinite(Number(value)), `${subject} must be a number`)
    .transform(Number)

/** The rule form's fields (create and edit); the model adds the checks that need the database (known metric). */
export const AlertRuleInputSchema = z.object({
  name: z.string({ required_error: 'Enter a name' }).trim().min(1, 'Enter a name').max(120, 'Keep the name under 120 characters'),
  metric: z.string({ required_error: 'Choose a metric' }).trim().min(1, 'Choose a metric').max(120),
  condition: z.enum(ALERT_CONDITIONS, { errorMap: () => ({ message: 'Choose a condition' }) }),
  threshold: numberField('a threshold', 'The threshold'),
  durationSeconds: numberField('a duration', 'The duration').pipe(
    z
      .number()
      .int('Use whole seconds')
      .min(0, 'The duration cannot be negative')
      .max(MAX_RULE_DURATION_SECONDS, 'At most 24 hours (86400 seconds)'),
  ),
  severity: z.enum(ALERT_SEVERITIES, { errorMap: () => ({ message: 'Choose a severity' }) }),
  scope: z
    .string()
    .max(1000, 'Keep the scope under 1000 characters')
    .default('')
    .transform((text, ctx) => {
      const parsed = parseScopeText(text)
      if (!parsed.ok) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message })
        return z.NEVER
      }
      return parsed.scope
    }),
  // A checkbox: present ("on") = enabled.
  enabled: z.preprocess((value) => value === 'on' || value === 'true' || value === true, z.boolean()),
})
export type AlertRuleInput = z.infer<typeof AlertRuleInputSchema>
export type AlertRuleField = keyof AlertRuleInput

/** 90 → "1 minute 30 seconds", 3600 → "1 hour", 0 → "the last minute". */
export function durationInWords(seconds: number) {
  if (seconds <= 0) return 'the last minute'
  const parts: string[] = []
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ]
  let rest = Math.round(seconds)
  for (const [size, name] of units) {
    const n = Math.floor(rest / size)
    if (n === 0) continue
    parts.push(`${n} ${name}${n === 1 ? '' : 's'}`)
    rest -= n * size
  }
  return parts.join(' ')
}

/** The form as typed (echoed back with field errors so nothing typed is lost). */
export type AlertRuleFormValues = {
  name: string
  metric: string
  condition: string
  threshold: string
  durationSeconds: string
  severity: string
  scope: string
  enabled: boolean
}

/** Parses the rule form; on failure returns one message per field and the values as typed. */
export function parseAlertRuleForm(
  form: Record<string, unknown>,
): { ok: true; input: AlertRuleInput } | { ok: false; fieldErrors: Partial<Record<AlertRuleField, string>>; values: AlertRuleFormValues } {
  const parsed = AlertRuleInputSchema.safeParse(form)
  if (parsed.success) return { ok: true, input: parsed.data }
  const flat = parsed.error.flatten().fieldErrors as Partial<Record<AlertRuleField, string[]>>
  const fieldErrors = Object.fromEntries(Object.entries(flat).map(([field, messages]) => [field, messages?.[0]])) as Partial<Record<AlertRuleField, string>>
  return { ok: false, fieldErrors, values: ruleFormValues(form) }
}

export function ruleFormValues(form: Record<string, unknown>): AlertRuleFormValues {
  const text = (key: string) => (typeof form[key] === 'string' ? (form[key] as string) : '')
  return {
    name: text('name'),
    metric: text('metric'),
    condition: text('condition'),
    threshold: text('threshold'),
    durationSeconds: text('durationSeconds'),
    severity: text('severity'),
    scope: text('scope'),
    enabled: form.enabled === 'on' || form.enabled === 'true',
  }
}

/** What the create/edit actions answer when they refuse (status 400/404/409). */
export type AlertRuleActionData = { fieldErrors: Partial<Record<AlertRuleField, string>>; values: AlertRuleFormValues; formError?: string }

const CONDITION_WORDS: Record<AlertConditionName, string> = {
  gt: 'above',
  gte: 'at or above',
  lt: 'below',
  lte: 'at or below',
  eq: 'equal to',
}

function formatValue(value: number) {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)))
}

/** The alert's message: `<rule>: <metric>{<labels>} is <value>, above the threshold <t> for <duration>`. */
export function alertMessage(
  rule: { name: string; metric: string; condition: AlertConditionName; threshold: number; durationSeconds: number },
  value: number,
  fingerprint: string,
) {
  const subject = fingerprint ? `${rule.metric}{${fingerprint}}` : rule.metric
  const duration = rule.durationSeconds > 0 ? `for ${durationInWords(rule.durationSeconds)}` : 'in the last minute'
  return `${rule.name}: ${subject} is ${formatValue(value)}, ${CONDITION_WORDS[rule.condition]} the threshold ${formatValue(rule.threshold)} ${duration}`
}
