import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useMemo } from 'react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { DataTable } from '#app/components/table/data-table.tsx'
import { MetricChart, timeLabel, type ChartSeries } from '#app/components/live/metric-chart.tsx'
import { LiveTiles } from '#app/components/live/live-panels.tsx'
import liveStylesHref from '#app/components/live/live.css'
import { useLiveMetrics } from '#app/components/live/use-live-metrics.ts'
import { tickToPoint, type ChartPoint } from '#app/metrics/series.ts'
import { getMetricHistory } from '#app/models/metric-rollup.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { integrationColumns, queueColumns, routeColumns } from './columns.tsx'

/**
 * Live operations (issue 7; managers and admins: read:metric). The last 5 minutes stream in over Socket.IO at 1 s
 * (`metrics.tick`, merged across every web and worker process); 1 h / 24 h / 7 d come from the minute rollups,
 * downsampled in the loader to a few hundred points. Tiles and tables always show the live second.
 */

const RANGES = ['5m', '1h', '24h', '7d'] as const
const RangeSchema = z.object({ range: z.enum(RANGES).catch('5m') })
const RANGE_LABELS: Record<(typeof RANGES)[number], string> = { '5m': 'Live · 5 min', '1h': '1 hour', '24h': '24 hours', '7d': '7 days' }

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: liveStylesHref }]

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:metric')
  const { range } = RangeSchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const history = range === '5m' ? null : await getMetricHistory(range)
  return json({ range, history })
}

const SERIES: Array<{ id: string; title: string; unit: string; series: ChartSeries[] }> = [
  {
    id: 'traffic',
    title: 'Requests',
    unit: 'per second',
    series: [{ key: 'requestsPerSecond', name: 'Requests / s', color: '#2454d6' }],
  },
  {
    id: 'latency',
    title: 'Response time',
    unit: 'ms',
    series: [
      { key: 'p50Ms', name: 'p50', color: '#1a7f4b' },
      { key: 'p95Ms', name: 'p95', color: '#9a5b00' },
      { key: 'p99Ms', name: 'p99', color: '#c0362c' },
    ],
  },
  {
    id: 'orders',
    title: 'Orders',
    unit: 'per minute',
    series: [{ key: 'ordersPerMinute', name: 'Orders / min', color: '#6b3fc4' }],
  },
  {
    id: 'errors',
    title: 'Errors',
    unit: '% of requests answered 5xx',
    series: [{ key: 'errorPercent', name: '5xx %', color: '#c0362c' }],
  },
  {
    id: 'system',
    title: 'Event loop and database',
    unit: 'ms',
    series: [
      { key: 'eventLoopLagMs', name: 'Event-loop lag (worst process)', color: '#9a5b00' },
      { key: 'dbP95Ms', name: 'DB query p95', color: '#2454d6' },
    ],
  },
  {
    id: 'queues',
    title: 'Queues and users',
    unit: 'count',
    series: [
      { key: 'queueDepth', name: 'Jobs waiting', color: '#6b3fc4' },
      { key: 'sockets', name: 'Concurrent users', color: '#1a7f4b' },
    ],
  },
]

export default function LivePage() {
  const { range, history } = useLoaderData<typeof loader>()
  const { ticks, latest, state } = useLiveMetrics()
  const minuteAgo = useMemo(() => {
    if (!latest) return null
    for (let index = ticks.length - 1; index >= 0; index--) if (ticks[index]!.t <= latest.t - 60_000) return ticks[index]!
    return null
  }, [ticks, latest])
  const points: ChartPoint[] = useMemo(() => (history ? history.points : ticks.map(tickToPoint)), [history, ticks])

  return (
    <div className="page live-page">
      <header className="page-header">
        <div>
          <h1>Live operations</h1>
          <p className="muted">
            Every web and worker process, merged each second.{' '}
            <span className={`live-state live-state--${state}`} data-testid="live-state" data-state={state}>
              {state === 'live' ? 'Live' : state === 'paused' ? 'Paused (tab hidden)' : state === 'offline' ? 'Offline, reconnecting' : 'Connecting…'}
            </span>
            {latest ? (
              <>
                {' '}
                · last second <time data-testid="last-tick" data-t={latest.t} dateTime={new Date(latest.t).toISOString()}>{timeLabel(latest.t, 0)} UTC</time> ·{' '}
                {latest.processes.web} web, {latest.processes.worker} worker process{latest.processes.worker === 1 ? '' : 'es'}
              </>
            ) : null}
          </p>
        </div>
      </header>

      <LiveTiles latest={latest} minuteAgo={minuteAgo} />

      <nav className="tabs live-ranges" aria-label="Chart period">
        {RANGES.map((option) => (
          <Link key={option} to={`?range=${option}`} className={`tab${option === range ? ' tab-active' : ''}`} aria-current={option === range ? 'page' : undefined} preventScrollReset>
            {RANGE_LABELS[option]}
          </Link>
        ))}
      </nav>
      <p className="muted live-range-note" data-testid="range-note">
        {history
          ? `${history.points.length} points of ${Math.round(history.stepMs / 60_000)} min each, from the minute rollups (percentiles from merged histograms).`
          : `${points.length} seconds so far, 1 point per second (up to 5 minutes).`}
      </p>
      <div className="live-charts">
        {SERIES.map((chart) => (
          <MetricChart key={chart.id} testId={`chart-${chart.id}`} title={chart.title} unit={chart.unit} points={points} series={chart.series} />
        ))}
      </div>

      <section className="panel panel-flush" aria-labelledby="live-routes-title">
        <h2 id="live-routes-title" className="panel-title live-panel-title">
          Latency by route <span className="muted">(last 60 s, all processes, from merged histograms)</span>
        </h2>
        <DataTable
          columns={routeColumns}
          data={latest?.routes ?? []}
          getRowId={(row) => row.route}
          caption="Requests and latency by Remix route over the last minute"
          emptyMessage="No requests in the last minute."
          testId="route-table"
        />
      </section>
      <div className="live-columns">
        <section className="panel panel-flush" aria-labelledby="live-queues-title">
          <h2 id="live-queues-title" className="panel-title live-panel-title">
            Queues
          </h2>
          <DataTable
            columns={queueColumns}
            data={latest?.queues ?? []}
            getRowId={(row) => row.queue}
            caption="Queue depth, lag, throughput and failures"
            emptyMessage="No queue figures yet (the worker reports them every few seconds)."
            testId="queue-table"
          />
        </section>
        <section className="panel panel-flush" aria-labelledby="live-integrations-title">
          <h2 id="live-integrations-title" className="panel-title live-panel-title">
            Integrations
          </h2>
          <DataTable
            columns={integrationColumns}
            data={latest?.integrations ?? []}
            getRowId={(row) => row.integration}
            caption="Integration status and error rate"
            emptyMessage="No integration figures yet."
            testId="integration-table"
          />
        </section>
      </div>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Live · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
