import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { ThroughputChart } from '#app/components/charts/throughput-chart.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { BreakerBadge, ErrorRate, HealthBadge, Lag, QueueDepth, RelativeTime } from '#app/components/integrations/health.tsx'
import { useIntegrationsHealth } from '#app/components/integrations/use-integrations-health.ts'
import { DataTable } from '#app/components/table/data-table.tsx'
import { DEAD_LETTER_STATUSES, discardDeadLetter, listDeadLetters, replayDeadLetter, replayOpenDeadLetters } from '#app/models/dead-letter.server.ts'
import { getIntegrationsHealth } from '#app/models/integration-health.server.ts'
import {
  getIntegration,
  getThroughputSeries,
  JOB_FILTERS,
  listJobRuns,
  listSyncRuns,
  searchJobs,
  setIntegrationPaused,
  syncNow,
} from '#app/models/integration.server.ts'
import { DELIVERY_FILTERS, listWebhookDeliveries } from '#app/models/webhook.server.ts'
import { INTEGRATION_KEYS } from '#app/queues/integrations.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import { deliveryColumns, runColumns } from './columns.tsx'
import { DeadLetterList, JobRunList } from './job-lists.tsx'

/**
 * One integration's drill-down: live health, an hour of throughput, and one list at a time (tabs in `?view=`):
 * sync runs, job attempts (failures by default, with request/response/error), dead letters, webhook deliveries and
 * job search. Every list is keyset-paginated with `?cursor=` and filtered in the URL, so a copied link reproduces the
 * view. Actions (sync now, pause/resume, retry failed, replay/discard) need `update:integration`; the buttons are
 * hidden without it and the action refuses with 403 anyway.
 */

const KeySchema = z.enum(INTEGRATION_KEYS)
export const VIEWS = ['runs', 'jobs', 'dead-letters', 'webhooks', 'search'] as const
const PAGE_SIZE = 25

const QuerySchema = z.object({
  view: z.enum(VIEWS).catch('jobs'),
  cursor: z.string().max(100).optional().catch(undefined),
  jobs: z.enum(JOB_FILTERS).catch('problems'),
  letters: z.enum(DEAD_LETTER_STATUSES).catch('open'),
  deliveries: z.enum(DELIVERY_FILTERS).catch('all'),
  q: z.string().trim().max(100).catch(''),
})

const ActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('sync-now') }),
  z.object({ intent: z.literal('pause') }),
  z.object({ intent: z.literal('resume') }),
  z.object({ intent: z.literal('retry-failed') }),
  z.object({ intent: z.literal('replay'), deadLetterId: z.string({ required_error: 'Choose a dead letter' }).min(1).max(64) }),
  z.object({ intent: z.literal('discard'), deadLetterId: z.string({ required_error: 'Choose a dead letter' }).min(1).max(64) }),
])

export type ActionData = { formError: string; fieldErrors?: Record<string, string> }

function parseKey(params: LoaderFunctionArgs['params']) {
  const parsed = KeySchema.safeParse(params.key)
  invariantResponse(parsed.success, `There is no integration called "${params.key}".`, { status: 404 })
  return parsed.data
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:integration')
  const key = parseKey(params)
  const integration = await getIntegration(key)
  invariantResponse(integration, `The ${key} integration is not configured.`, { status: 404 })
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const take = PAGE_SIZE

  const [health, series, list] = await Promise.all([
    getIntegrationsHealth(new Date(), [key]),
    getThroughputSeries(key),
    (async () => {
      switch (query.view) {
        case 'runs':
          return { view: 'runs' as const, ...(await listSyncRuns({ key, before: query.cursor, take })) }
        case 'jobs':
          return { view: 'jobs' as const, ...(await listJobRuns({ key, filter: query.jobs, before: query.cursor, take })) }
        case 'dead-letters':
          return { view: 'dead-letters' as const, ...(await listDeadLetters({ integration: key, status: query.letters, before: query.cursor, take })) }
        case 'webhooks':
          return { view: 'webhooks' as const, ...(await listWebhookDeliveries({ provider: key, filter: query.deliveries, before: query.cursor, take })) }
        case 'search':
          return { view: 'search' as const, ...(query.q ? await searchJobs({ key, q: query.q }) : { matchedBy: [], rows: [] }), nextCursor: null }
      }
    })(),
  ])

  return json({
    integration: {
      key: integration.key,
      name: integration.name,
      enabled: integration.enabled,
      pausedAt: integration.pausedAt?.toISOString() ?? null,
      pausedBy: integration.pausedBy?.name ?? null,
      lastError: integration.lastError,
      lastErrorAt: integration.lastErrorAt?.toISOString() ?? null,
    },
    health,
    series,
    query,
    list,
    canAct: hasPermission(user.role, 'update:integration'),
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:integration')
  const key = parseKey(params)
  const meta = getRequestMeta(request, context)
  const actor = { id: user.id, ip: meta.ip, requestId: meta.requestId }
  const form = Object.fromEntries(await request.formData())
  const parsed = ActionSchema.safeParse(form)
  if (!parsed.success) {
    const fieldErrors = Object.fromEntries(Object.entries(parsed.error.flatten().fieldErrors).map(([field, errors]) => [field, errors?.[0] ?? 'Invalid']))
    return json<ActionData>({ formError: 'That request was not understood. Reload the page and try again.', fieldErrors }, { status: 400 })
  }
  // Back to the same view (tab, filters, page) the person acted from.
  const url = new URL(request.url)
  const back = `${url.pathname}${url.search}`
  const failed = (result: { status: number; message: string }) => json<ActionData>({ formError: result.message }, { status: result.status })

  const input = parsed.data
  switch (input.intent) {
    case 'sync-now': {
      const result = await syncNow(key, actor)
      if (!result.ok) return failed(result)
      return redirectWithToast(back, { title: 'Sync queued', description: `${result.name}: an incremental pull starts as soon as a worker is free.` })
    }
    case 'pause':
    case 'resume': {
      const result = await setIntegrationPaused({ key, paused: input.intent === 'pause' }, actor)
      if (!result.ok) return failed(result)
      const description =
        input.intent === 'pause'
          ? 'No new jobs start until someone resumes it; the circuit breaker will not resume it by itself.'
          : result.breakerOpen
            ? 'Its circuit breaker is open, so jobs wait until the next successful probe.'
            : 'Jobs start again.'
      return redirectWithToast(back, {
        type: result.queueError ? 'info' : 'success',
        title: `${result.name} ${input.intent === 'pause' ? 'paused' : 'resumed'}`,
        description: result.queueError ? `${description} The queue could not be reached yet: ${result.queueError}` : description,
      })
    }
    case 'retry-failed': {
      const result = await replayOpenDeadLetters(key, actor)
      if (!result.ok) return failed(result)
      return redirectWithToast(back, {
        title: result.replayed === 0 ? 'Nothing to retry' : `${result.replayed} failed job${result.replayed === 1 ? '' : 's'} replayed`,
        description: result.remaining > 0 ? `${result.remaining} still open (replayed in batches); retry again to continue.` : undefined,
      })
    }
    case 'replay': {
      const result = await replayDeadLetter({ id: input.deadLetterId, integration: key }, actor)
      if (!result.ok) return failed(result)
      return redirectWithToast(back, { title: 'Job replayed', description: `Enqueued again as ${result.jobId}.` })
    }
    case 'discard': {
      const result = await discardDeadLetter({ id: input.deadLetterId, integration: key }, actor)
      if (!result.ok) return failed(result)
      return redirectWithToast(back, { title: 'Dead letter discarded' })
    }
  }
}

const VIEW_LABELS: Record<(typeof VIEWS)[number], string> = {
  jobs: 'Job attempts',
  runs: 'Sync runs',
  'dead-letters': 'Dead letters',
  webhooks: 'Webhook deliveries',
  search: 'Find a job',
}

export default function IntegrationPage() {
  const data = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const { health: live, live: isLive } = useIntegrationsHealth(data.health)
  const health = live.integrations.find((row) => row.key === data.integration.key) ?? data.health.integrations[0]
  const { integration, canAct, query, list } = data

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/integrations">Integrations</Link> <span aria-hidden="true">/</span> <span>{integration.name}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1 className="title-with-badge">
            {integration.name} {health ? <HealthBadge status={health.status} /> : null}
          </h1>
          <p className="muted" data-testid="status-reason">
            {health?.statusReason ?? 'Everything is flowing.'}
            {integration.pausedAt ? (
              <>
                {' '}
                Paused {integration.pausedBy ? `by ${integration.pausedBy} ` : ''}
                <RelativeTime value={integration.pausedAt} now={live.at} />.
              </>
            ) : null}
          </p>
        </div>
        {canAct ? <IntegrationActions enabled={integration.enabled} deadLetters={health?.deadLetters ?? 0} /> : null}
      </header>

      {actionData?.formError ? (
        <p className="alert alert-error" role="alert" data-testid="action-error">
          {actionData.formError}
        </p>
      ) : null}

      {health ? (
        <ul className="figures figures-compact" aria-label="Health figures" data-live={isLive ? 'true' : 'false'}>
          <Figure label="Last success" value={<RelativeTime value={health.lastSuccessAt} now={live.at} />} />
          <Figure label="Lag" value={<Lag seconds={health.lagSeconds} />} />
          <Figure label="Jobs/min (5 min)" value={<span className="num">{health.jobsPerMinute.toLocaleString('en-GB', { maximumFractionDigits: 1 })}</span>} />
          <Figure label="Error rate (5 min)" value={<ErrorRate rate={health.errorRate} />} />
          <Figure label="Circuit breaker" value={<BreakerBadge state={health.breakerState} />} />
          <Figure label="Queue" value={<QueueDepth queue={health.queue} />} wide />
          <Figure
            label="Dead letters"
            value={
              <Link to="?view=dead-letters" className={health.deadLetters > 0 ? 'num num-danger' : 'num'}>
                {health.deadLetters} open
              </Link>
            }
          />
        </ul>
      ) : null}

      {integration.lastError ? (
        <p className="alert alert-info">
          Last error{' '}
          {integration.lastErrorAt ? <RelativeTime value={integration.lastErrorAt} now={live.at} /> : null}: <code>{integration.lastError}</code>
        </p>
      ) : null}

      <section className="panel" aria-labelledby="throughput-title">
        <h2 id="throughput-title">Job attempts per minute, last hour</h2>
        <ThroughputChart data={data.series} />
      </section>

      <section className="panel panel-flush" aria-labelledby="list-title">
        <div className="tabs" role="navigation" aria-label="Integration lists">
          {VIEWS.map((view) => (
            <Link key={view} to={`?view=${view}`} className={`tab${query.view === view ? ' tab-active' : ''}`} aria-current={query.view === view ? 'page' : undefined}>
              {VIEW_LABELS[view]}
            </Link>
          ))}
        </div>
        <h2 id="list-title" className="visually-hidden">
          {VIEW_LABELS[query.view]}
        </h2>
        <ListFilters view={query.view} query={query} />
        {list.view === 'runs' ? (
          <DataTable columns={runColumns} data={list.rows} getRowId={(row) => row.id} caption="Sync runs" emptyMessage="No sync runs yet. Runs appear when a worker pulls or reconciles; try Sync now." testId="runs-table" />
        ) : null}
        {list.view === 'jobs' ? (
          <JobRunList rows={list.rows} empty={query.jobs === 'problems' ? 'No failed or retrying attempts. Nice.' : 'No attempts match this filter.'} />
        ) : null}
        {list.view === 'dead-letters' ? <DeadLetterList rows={list.rows} canAct={canAct} /> : null}
        {list.view === 'webhooks' ? (
          <DataTable
            columns={deliveryColumns}
            data={list.rows}
            getRowId={(row) => row.id}
            caption="Webhook deliveries"
            emptyMessage="No webhook deliveries recorded for this filter. The provider posts to /webhooks/<provider>."
            testId="deliveries-table"
          />
        ) : null}
        {list.view === 'search' ? (
          query.q ? (
            <>
              <p className="list-note muted" data-testid="search-matched">
                {list.rows.length === 0
                  ? `Nothing found for “${query.q}”. Try a job id, an order number (#500001), a SKU, a ticket number or words from an error.`
                  : `${list.rows.length} attempt${list.rows.length === 1 ? '' : 's'} matched by ${list.matchedBy.join(', ') || 'job id'}.`}
              </p>
              <JobRunList rows={list.rows} empty="" />
            </>
          ) : (
            <p className="list-note muted">Search by job id, by record (order number like #500001, SKU, ticket number, or an id) or by error text.</p>
          )
        ) : null}
        <Pager nextCursor={list.nextCursor} />
      </section>
    </div>
  )
}

function Figure({ label, value, wide }: { label: string; value: React.ReactNode; wide?: boolean }) {
  return (
    <li className={`figure${wide ? ' figure-wide' : ''}`}>
      <span className="figure-label">{label}</span>
      <span className="figure-value figure-value-small">{value}</span>
    </li>
  )
}

function IntegrationActions({ enabled, deadLetters }: { enabled: boolean; deadLetters: number }) {
  const navigation = useNavigation()
  const busy = (intent: string) => navigation.state !== 'idle' && navigation.formData?.get('intent') === intent
  return (
    <div className="header-actions">
      <Form method="post" preventScrollReset>
        <input type="hidden" name="intent" value="sync-now" />
        <button type="submit" className="button button-primary" disabled={!enabled || busy('sync-now')} title={enabled ? undefined : 'Resume the integration first'}>
          {busy('sync-now') ? 'Queuing…' : 'Sync now'}
        </button>
      </Form>
      <Form method="post" preventScrollReset>
        <input type="hidden" name="intent" value={enabled ? 'pause' : 'resume'} />
        <button type="submit" className={`button ${enabled ? 'button-danger' : 'button-secondary'}`} disabled={busy('pause') || busy('resume')}>
          {enabled ? 'Pause' : 'Resume'}
        </button>
      </Form>
      <Form method="post" preventScrollReset>
        <input type="hidden" name="intent" value="retry-failed" />
        <button type="submit" className="button button-secondary" disabled={deadLetters === 0 || busy('retry-failed')} title={deadLetters === 0 ? 'No open dead letters' : undefined}>
          Retry failed{deadLetters > 0 ? ` (${deadLetters})` : ''}
        </button>
      </Form>
    </div>
  )
}

function ListFilters({ view, query }: { view: (typeof VIEWS)[number]; query: { jobs: string; letters: string; deliveries: string; q: string } }) {
  if (view === 'runs') return null
  if (view === 'search') {
    return (
      <Form method="get" className="list-filters" role="search">
        <input type="hidden" name="view" value="search" />
        <label htmlFor="job-search" className="visually-hidden">
          Job id, record or error text
        </label>
        <input id="job-search" type="search" name="q" defaultValue={query.q} placeholder="Job id, #500001, OD-1000-S, ticket number, error text…" />
        <button type="submit" className="button button-secondary">
          Search
        </button>
      </Form>
    )
  }
  const [name, options, current] =
    view === 'jobs'
      ? (['jobs', JOB_FILTER_LABELS, query.jobs] as const)
      : view === 'dead-letters'
        ? (['letters', LETTER_LABELS, query.letters] as const)
        : (['deliveries', DELIVERY_LABELS, query.deliveries] as const)
  return (
    <div className="list-filters" role="group" aria-label="Filter">
      {Object.entries(options).map(([value, label]) => (
        <Link key={value} to={`?view=${view}&${name}=${value}`} className={`chip${current === value ? ' chip-active' : ''}`} aria-current={current === value ? 'true' : undefined}>
          {label}
        </Link>
      ))}
    </div>
  )
}

const JOB_FILTER_LABELS = { problems: 'Failed + retrying', failed: 'Failed', retrying: 'Retrying', rate_limited: 'Rate limited', all: 'All' }
const LETTER_LABELS = { open: 'Open', replayed: 'Replayed', discarded: 'Discarded' }
const DELIVERY_LABELS = { all: 'All', verified: 'Accepted', duplicate: 'Duplicates', rejected: 'Rejected' }

function Pager({ nextCursor }: { nextCursor: string | null }) {
  const [params] = useSearchParams()
  const hasCursor = params.has('cursor')
  if (!nextCursor && !hasCursor) return null
  const withCursor = (cursor: string | null) => {
    const next = new URLSearchParams(params)
    if (cursor) next.set('cursor', cursor)
    else next.delete('cursor')
    return `?${next.toString()}`
  }
  return (
    <nav className="pager" aria-label="Pages">
      {hasCursor ? <Link to={withCursor(null)}>← Newest</Link> : <span />}
      {nextCursor ? <Link to={withCursor(nextCursor)}>Older →</Link> : <span className="muted">End of the list</span>}
    </nav>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.integration.name ?? 'Integration'} · Integrations · OpsDeck` }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
