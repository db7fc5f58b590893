import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { useMemo } from 'react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { DataTable } from '#app/components/table/data-table.tsx'
import { countAlertsNeedingAttention, listAlertHistory, listOpenAlerts } from '#app/models/alert.server.ts'
import { listAlertRules, setAlertRuleEnabled } from '#app/models/alert-rule.server.ts'
import { ALERT_SEVERITIES } from '#app/models/alert-rules.ts'
import { countCurrentSilences, expireSilence, listSilences } from '#app/models/alert-silence.server.ts'
import { useSocketEvent } from '#app/realtime/socket-provider.tsx'
import { useIdleRevalidate } from '#app/realtime/use-idle-revalidate.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import { alertColumns, ruleColumns, silenceColumns, type AlertRow, type SilenceRow } from './columns.tsx'

/**
 * /alerts (read:alert): open alerts (acknowledge / silence with update:alert), the history of every alert with
 * filters (state, severity, rule, fired between) and keyset pages, the rules (create/edit with create/update:alert,
 * enable/disable here) and the silences by label matchers (active, pending, recently ended; create at
 * /alerts/silences/new and unsilence here with update:alert). Tabs, filters and page are in the URL. Live: re-reads on every `alerts.changed` (the shell's
 * notification center keeps this tab's socket in the alerts room).
 */

const VIEWS = ['open', 'history', 'rules', 'silences'] as const
const VIEW_LABELS: Record<(typeof VIEWS)[number], string> = { open: 'Open', history: 'History', rules: 'Rules', silences: 'Silences' }
const HISTORY_STATUSES = ['firing', 'acknowledged', 'resolved'] as const
const PAGE_SIZE = 50

const dateParam = z
  .string()
  .trim()
  .max(40)
  .transform((value, ctx) => {
    if (value === '') return undefined
    // datetime-local inputs send "2026-11-25T10:00" (read as UTC, like every time the console shows).
    const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`)
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a date' })
      return z.NEVER
    }
    return date
  })

const QuerySchema = z.object({
  view: z.enum(VIEWS).catch('open'),
  status: z.enum(HISTORY_STATUSES).optional().catch(undefined),
  severity: z.enum(ALERT_SEVERITIES).optional().catch(undefined),
  rule: z.string().trim().max(64).optional().catch(undefined),
  from: dateParam.optional().catch(undefined),
  to: dateParam.optional().catch(undefined),
  cursor: z.string().max(100).optional().catch(undefined),
})

const ActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.enum(['enable', 'disable']), ruleId: z.string().min(1).max(64), version: z.coerce.number().int().min(1) }),
  z.object({ intent: z.literal('unsilence'), silenceId: z.string().min(1).max(64), version: z.coerce.number().int().min(1) }),
])

/** Keyset cursor of the history: `<firedAt ISO>_<id>`. */
function parseCursor(cursor: string | undefined) {
  if (!cursor) return undefined
  const at = cursor.indexOf('_')
  const firedAt = new Date(cursor.slice(0, at))
  const id = cursor.slice(at + 1)
  return at > 0 && id && !Number.isNaN(firedAt.getTime()) ? { firedAt, id } : undefined
}

function serializeAlert(alert: Awaited<ReturnType<typeof listOpenAlerts>>[number]): AlertRow {
  return {
    id: alert.id,
    version: alert.version,
    status: alert.status,
    silenced: alert.silenced,
    // Whichever silence lasts longer: the alert's own or a matching silence.
    silencedUntil: latest(alert.silencedUntil, alert.silence?.endsAt ?? null)?.toISOString() ?? null,
    silenceComment: alert.silence?.comment ?? null,
    message: alert.message,
    value: alert.value,
    fingerprint: alert.fingerprint,
    firedAt: alert.firedAt.toISOString(),
    acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: alert.acknowledgedBy?.name ?? null,
    resolvedAt: alert.resolvedAt?.toISOString() ?? null,
    ruleId: alert.ruleId,
    ruleName: alert.rule.name,
    severity: alert.rule.severity,
  }
}

function latest(a: Date | null, b: Date | null) {
  return a && b ? (a > b ? a : b) : (a ?? b)
}

function serializeSilence(silence: Awaited<ReturnType<typeof listSilences>>[number]): SilenceRow {
  return {
    id: silence.id,
    version: silence.version,
    state: silence.state,
    matchers: silence.matchers,
    startsAt: silence.startsAt.toISOString(),
    endsAt: silence.endsAt.toISOString(),
    comment: silence.comment,
    createdBy: silence.createdBy?.name ?? null,
    expiredBy: silence.expiredBy?.name ?? null,
    mutedAlerts: silence.mutedAlerts,
  }
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:alert')
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const now = new Date()
  const [rules, needingAttention, currentSilences, silences, list] = await Promise.all([
    listAlertRules(),
    countAlertsNeedingAttention({ now }),
    countCurrentSilences(now),
    query.view === 'silences' ? listSilences({ now }) : [],
    (async () => {
      if (query.view === 'open') return { alerts: (await listOpenAlerts({ now })).map(serializeAlert), next: null }
      if (query.view === 'history') {
        const page = await listAlertHistory(
          { status: query.status, severity: query.severity, ruleId: query.rule, from: query.from, to: query.to, after: parseCursor(query.cursor), limit: PAGE_SIZE },
          { now },
        )
        return { alerts: page.alerts.map(serializeAlert), next: page.next ? `${page.next.firedAt.toISOString()}_${page.next.id}` : null }
      }
      return { alerts: [], next: null }
    })(),
  ])
  return json({
    view: query.view,
    filters: {
      status: query.status ?? '',
      severity: query.severity ?? '',
      rule: query.rule ?? '',
      from: query.from?.toISOString().slice(0, 16) ?? '',
      to: query.to?.toISOString().slice(0, 16) ?? '',
    },
    hasCursor: Boolean(query.cursor),
    needingAttention,
    evaluationSeconds: getEnv().ALERTS_EVALUATION_SECONDS,
    silences: silences.map(serializeSilence),
    currentSilences,
    openCount: rules.reduce((sum, rule) => sum + rule.openAlerts, 0),
    rules: rules.map(({ id, name, metric, condition, threshold, durationSeconds, severity, enabled, scope, version, openAlerts }) => ({
      id,
      name,
      metric,
      condition,
      threshold,
      durationSeconds,
      severity,
      enabled,
      scope,
      version,
      openAlerts,
    })),
    ...list,
    canAct: hasPermission(user.role, 'update:alert'),
    canCreate: hasPermission(user.role, 'create:alert'),
  })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:alert')
  const parsed = ActionSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return json({ formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  const meta = getRequestMeta(request, context)
  if (parsed.data.intent === 'unsilence') {
    const expired = await expireSilence(parsed.data.silenceId, parsed.data.version, { id: user.id, requestId: meta.requestId, ip: meta.ip })
    if (!expired.ok) return json({ formError: expired.message }, { status: expired.status })
    return redirectWithToast('/alerts?view=silences', { title: 'Silence ended', description: 'Matching alerts ask for attention again.' })
  }
  const { intent, ruleId, version } = parsed.data
  const result = await setAlertRuleEnabled(ruleId, version, intent === 'enable', { id: user.id, requestId: meta.requestId, ip: meta.ip })
  if (!result.ok) return json({ formError: result.message }, { status: result.status })
  return redirectWithToast('/alerts?view=rules', {
    title: intent === 'enable' ? 'Rule enabled' : 'Rule disabled',
    description: intent === 'enable' ? `${result.rule.name} is evaluated again.` : `${result.rule.name} is no longer evaluated; its open alerts were resolved.`,
  })
}

export default function AlertsPage() {
  const data = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const revalidate = useIdleRevalidate()
  useSocketEvent('alerts.changed', () => revalidate())

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Alerts</h1>
          <p className="muted" data-testid="alerts-summary">
            {data.openCount} open · {data.needingAttention} need attention · {data.rules.filter((rule) => rule.enabled).length} of {data.rules.length} rules enabled.
            {data.currentSilences > 0 ? ` ${data.currentSilences} silence${data.currentSilences === 1 ? '' : 's'} active or pending.` : ''} Rules are evaluated by
            the worker every {data.evaluationSeconds} s over per-minute metrics.
          </p>
        </div>
        {data.canCreate || data.canAct ? (
          <div className="header-actions">
            {data.canAct ? (
              <Link to="/alerts/silences/new" className="button button-secondary">
                New silence
              </Link>
            ) : null}
            {data.canCreate ? (
              <Link to="/alerts/rules/new" className="button button-primary">
                New rule
              </Link>
            ) : null}
          </div>
        ) : null}
      </header>
      {actionData && 'formError' in actionData ? (
        <p className="alert alert-error" role="alert" data-testid="row-error">
          {actionData.formError}
        </p>
      ) : null}
      <section className="panel panel-flush">
        <div className="tabs" role="navigation" aria-label="Alert lists">
          {VIEWS.map((view) => (
            <Link
              key={view}
              to={`?view=${view}`}
              className={`tab${data.view === view ? ' tab-active' : ''}`}
              aria-current={data.view === view ? 'page' : undefined}
            >
              {VIEW_LABELS[view]}
              {view === 'open' ? ` (${data.openCount})` : view === 'rules' ? ` (${data.rules.length})` : view === 'silences' ? ` (${data.currentSilences})` : ''}
            </Link>
          ))}
        </div>
        {data.view === 'rules' ? <RulesView /> : data.view === 'history' ? <HistoryView /> : data.view === 'silences' ? <SilencesView /> : <OpenView />}
      </section>
    </div>
  )
}

function OpenView() {
  const data = useLoaderData<typeof loader>()
  const columns = useMemo(() => alertColumns({ canAct: data.canAct, history: false }), [data.canAct])
  return (
    <DataTable
      columns={columns}
      data={data.alerts}
      getRowId={(alert) => alert.id}
      caption="Open alerts"
      emptyMessage="No open alerts. Everything the rules watch is within its thresholds."
      testId="open-alerts-table"
    />
  )
}

function HistoryView() {
  const data = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const columns = useMemo(() => alertColumns({ canAct: false, history: true }), [])
  const withCursor = (cursor: string | null) => {
    const next = new URLSearchParams(params)
    if (cursor) next.set('cursor', cursor)
    else next.delete('cursor')
    return `?${next.toString()}`
  }
  return (
    <>
      <Form method="get" className="list-filters" data-testid="history-filters">
        <input type="hidden" name="view" value="history" />
        <FilterSelect label="State" name="status" value={data.filters.status} options={HISTORY_STATUSES.map((status) => [status, capitalize(status)])} />
        <FilterSelect label="Severity" name="severity" value={data.filters.severity} options={ALERT_SEVERITIES.map((severity) => [severity, capitalize(severity)])} />
        <FilterSelect label="Rule" name="rule" value={data.filters.rule} options={data.rules.map((rule) => [rule.id, rule.name])} />
        <label>
          Fired from (UTC) <input type="datetime-local" name="from" defaultValue={data.filters.from} />
        </label>
        <label>
          to <input type="datetime-local" name="to" defaultValue={data.filters.to} />
        </label>
        <button type="submit" className="button button-small button-secondary">
          Filter
        </button>
      </Form>
      <DataTable
        columns={columns}
        data={data.alerts}
        getRowId={(alert) => alert.id}
        caption="Alert history"
        emptyMessage="No alert matches these filters."
        testId="history-table"
      />
      <nav className="pager" aria-label="Pages">
        {data.hasCursor ? <Link to={withCursor(null)}>← Newest</Link> : <span />}
        {data.next ? <Link to={withCursor(data.next)}>Older →</Link> : <span className="muted">End of the list</span>}
      </nav>
    </>
  )
}

const capitalize = (word: string) => word[0]!.toUpperCase() + word.slice(1)

/** A history filter: "Any" or one value; submitted with the filter form (GET), so the URL holds the view. */
function FilterSelect({ label, name, value, options }: { label: string; name: string; value: string; options: Array<readonly [string, string]> }) {
  return (
    <label>
      {label}{' '}
      <select name={name} defaultValue={value}>
        <option value="">Any</option>
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={optionValue}>
            {optionLabel}
          </option>
        ))}
      </select>
    </label>
  )
}

function RulesView() {
  const data = useLoaderData<typeof loader>()
  const columns = useMemo(() => ruleColumns({ canEdit: data.canAct }), [data.canAct])
  return (
    <DataTable
      columns={columns}
      data={data.rules}
      getRowId={(rule) => rule.id}
      caption="Alert rules"
      emptyMessage="No rules yet."
      testId="rules-table"
    />
  )
}

function SilencesView() {
  const data = useLoaderData<typeof loader>()
  const columns = useMemo(() => silenceColumns({ canAct: data.canAct }), [data.canAct])
  return (
    <DataTable
      columns={columns}
      data={data.silences}
      getRowId={(silence) => silence.id}
      caption="Silences: active and pending first, then the 50 that ended last"
      emptyMessage="No silences. Silence alerts by their labels (rule, severity, integration…) with “New silence”."
      testId="silences-table"
    />
  )
}

export const meta: MetaFunction = () => [{ title: 'Alerts · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
