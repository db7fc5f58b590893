import { z } from 'zod'

/**
 * Silences by label matchers (isomorphic: the /alerts silence form and the model share it), after Alertmanager's
 * (https://prometheus.io/docs/alerting/latest/alertmanager/#silences): a silence mutes every alert whose labels match
 * ALL of its matchers while it is active (startsAt ≤ now < endsAt).
 *
 * An alert's labels are its series' labels (the fingerprint, e.g. `integration=carrier`) plus three the rule gives:
 * `rule` (its name), `severity` and `metric`; these three win over a series label of the same name.
 *
 * Matchers, one per line as typed: `label=value`, `label!=value`, `label=~regex`, `label!~regex`. Like Alertmanager,
 * a regex is anchored (it must match the whole value) and a label the alert does not have reads as '' (so
 * `queue=""`… matches alerts without a queue). A silence whose matchers would match an alert with no labels at
 * all is refused: it would silence everything.
 */

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const
export type MatcherOp = (typeof MATCHER_OPS)[number]
export type SilenceMatcher = { label: string; op: MatcherOp; value: string }

export type AlertLabels = Record<string, string>

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const MAX_MATCHERS = 20
const MAX_VALUE_LENGTH = 200
/** Longest silence a form may ask for. */
export const MAX_SILENCE_DAYS = 90

/** The labels silences match on (see the file comment). `series` is the parsed fingerprint. */
export function alertLabels(rule: { name: string; severity: string; metric: string }, series: AlertLabels): AlertLabels {
  return { ...series, rule: rule.name, severity: rule.severity, metric: rule.metric }
}

const compiled = new Map<string, RegExp>()
function anchored(pattern: string) {
  let regex = compiled.get(pattern)
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`)
    if (compiled.size > 1000) compiled.clear()
    compiled.set(pattern, regex)
  }
  return regex
}

export function matcherMatches(matcher: SilenceMatcher, labels: AlertLabels) {
  const value = labels[matcher.label] ?? ''
  switch (matcher.op) {
    case '=':
      return value === matcher.value
    case '!=':
      return value !== matcher.value
    case '=~':
      return anchored(matcher.value).test(value)
    case '!~':
      return !anchored(matcher.value).test(value)
  }
}

export function matchesAll(matchers: readonly SilenceMatcher[], labels: AlertLabels) {
  return matchers.length > 0 && matchers.every((matcher) => matcherMatches(matcher, labels))
}

/** Reads matchers stored as JSON (anything malformed reads as no matchers: such a silence matches nothing). */
export function asMatchers(json: unknown): SilenceMatcher[] {
  if (!Array.isArray(json)) return []
  const matchers: SilenceMatcher[] = []
  for (const item of json) {
    const parsed = MatcherSchema.safeParse(item)
    if (!parsed.success) return []
    matchers.push(parsed.data)
  }
  return matchers
}

const MatcherSchema = z.object({ label: z.string().regex(LABEL_NAME), op: z.enum(MATCHER_OPS), value: z.string().max(MAX_VALUE_LENGTH) })

/** `label=value`… as the form shows them, one per line. */
export function matchersText(matchers: readonly SilenceMatcher[]) {
  return matchers.map((matcher) => `${matcher.label}${matcher.op}${matcher.value}`).join('\n')
}

/** One line of the form: `label op value`, the value optionally in double quotes. */
const MATCHER_LINE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/

export function parseMatchersText(text: string): { ok: true; matchers: SilenceMatcher[] } | { ok: false; message: string } {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
  if (lines.length === 0) return { ok: false, message: 'Add at least one matcher, e.g. rule=Checkout slow' }
  if (lines.length > MAX_MATCHERS) return { ok: false, message: `At most ${MAX_MATCHERS} matchers` }
  const matchers: SilenceMatcher[] = []
  for (const line of lines) {
    const match = MATCHER_LINE.exec(line)
    if (!match) return { ok: false, message: `“${line}” is not label=value, label!=value, label=~regex or label!~regex` }
    const [, label, op, raw] = match as unknown as [string, string, MatcherOp, string]
    const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
    if (value.length > MAX_VALUE_LENGTH) return { ok: false, message: `The value of “${label}” is longer than ${MAX_VALUE_LENGTH} characters` }
    if (op === '=~' || op === '!~') {
      try {
        anchored(value)
      } catch {
        return { ok: false, message: `“${value}” is not a valid regular expression` }
      }
    }
    matchers.push({ label, op, value })
  }
  // Alertmanager refuses these too: a silence must name something, or it mutes every alert there is.
  if (matchesAll(matchers, {})) return { ok: false, message: 'These matchers match every alert; add one that names what to silence (e.g. rule=… or integration=…)' }
  return { ok: true, matchers }
}

const MINUTE_MS = 60_000

/** The silence form: matchers, when it starts (blank = now), how long, and why. Times typed are UTC. */
export const SilenceInputSchema = z.object({
  matchers: z
    .string({ required_error: 'Add at least one matcher, e.g. rule=Checkout slow' })
    .max(4000, 'Keep the matchers under 4000 characters')
    .transform((text, ctx) => {
      const parsed = parseMatchersText(text)
      if (!parsed.ok) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.message })
        return z.NEVER
      }
      return parsed.matchers
    }),
  startsAt: z
    .string()
    .trim()
    .max(40)
    .default('')
    .transform((value, ctx) => {
      if (value === '') return null
      const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`)
      if (Number.isNaN(date.getTime())) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'Enter a date and time, or leave it empty to start now' })
        return z.NEVER
      }
      return date
    }),
  durationMinutes: z.coerce
    .number({ invalid_type_error: 'Enter how long, in minutes' })
    .int('Use whole minutes')
    .min(1, 'Silence for at least a minute')
    .max(MAX_SILENCE_DAYS * 24 * 60, `Silence for at most ${MAX_SILENCE_DAYS} days`),
  comment: z.string({ required_error: 'Say why (the others will read it)' }).trim().min(1, 'Say why (the others will read it)').max(500, 'Keep the comment under 500 characters'),
})
export type SilenceInput = z.infer<typeof SilenceInputSchema>
export type SilenceField = keyof SilenceInput

export type SilenceFormValues = { matchers: string; startsAt: string; durationMinutes: string; comment: string }

export function parseSilenceForm(
  form: Record<string, unknown>,
): { ok: true; input: SilenceInput } | { ok: false; fieldErrors: Partial<Record<SilenceField, string>>; values: SilenceFormValues } {
  const parsed = SilenceInputSchema.safeParse(form)
  if (parsed.success) return { ok: true, input: parsed.data }
  const flat = parsed.error.flatten().fieldErrors as Partial<Record<SilenceField, string[]>>
  const text = (key: string) => (typeof form[key] === 'string' ? (form[key] as string) : '')
  return {
    ok: false,
    fieldErrors: Object.fromEntries(Object.entries(flat).map(([field, messages]) => [field, messages?.[0]])),
    values: { matchers: text('matchers'), startsAt: text('startsAt'), durationMinutes: text('durationMinutes'), comment: text('comment') },
  }
}

/** The period a valid form asks for, relative to `now`. */
export function silencePeriod(input: SilenceInput, now: Date) {
  const startsAt = input.startsAt && input.startsAt.getTime() > now.getTime() ? input.startsAt : now
  return { startsAt, endsAt: new Date(startsAt.getTime() + input.durationMinutes * MINUTE_MS) }
}

export type SilenceState = 'pending' | 'active' | 'expired'

export function silenceState(silence: { startsAt: Date; endsAt: Date }, now: Date): SilenceState {
  if (silence.endsAt.getTime() <= now.getTime()) return 'expired'
  return silence.startsAt.getTime() > now.getTime() ? 'pending' : 'active'
}
