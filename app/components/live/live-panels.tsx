import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'
import type { IntegrationStat, MetricsTick, QueueStat, RouteStat } from '#app/metrics/tick.ts'
import { formatMoney } from '#app/utils/money.ts'

/** The /live dashboard's tiles and tables, from the latest tick (and the tick a minute earlier, for trends). */

const count = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 })
const fmt = (value: number | null | undefined, suffix = '') => (value === null || value === undefined ? '–' : `${count.format(value)}${suffix}`)
const percent = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '–' : `${count.format(ratio * 100)} %`)

type Tile = {
  id: string
  label: string
  value: string[]
  now: number | null
  before: number | null
  /** Up is bad (latency, errors, backlog). */
  upIsBad?: boolean
  warn?: boolean
  title?: string
}

function Trend({ now, before, upIsBad }: { now: number | null; before: number | null; upIsBad?: boolean }) {
  if (now === null || before === null) return <span className="figure-hint">no trend yet</span>
  const delta = now - before
  if (Math.abs(delta) < 1e-9) return <span className="figure-hint live-trend">→ same as 1 min ago</span>
  const bad = upIsBad ? delta > 0 : delta < 0
  const change = before !== 0 ? ` (${delta > 0 ? '+' : ''}${count.format((delta / Math.abs(before)) * 100)} %)` : ''
  return (
    <span className={`figure-hint live-trend ${bad ? 'live-trend--bad' : 'live-trend--good'}`}>
      {delta > 0 ? '↑' : '↓'} {count.format(Math.abs(delta))}
      {change} vs 1 min ago
    </span>
  )
}

export function LiveTiles({ latest, minuteAgo }: { latest: MetricsTick | null; minuteAgo: MetricsTick | null }) {
  const d = latest?.domain
  const revenue = d?.revenuePerMinute ?? []
  const tiles: Tile[] = [
    { id: 'orders-per-minute', label: 'Orders / min', value: [fmt(d?.ordersPerMinute)], now: d?.ordersPerMinute ?? null, before: minuteAgo?.domain.ordersPerMinute ?? null },
    {
      id: 'revenue-per-minute',
      label: 'Revenue / min',
      value: revenue.length > 0 ? revenue.map((r) => formatMoney(r.amount, r.currency)) : ['–'],
      now: revenue.reduce((sum, r) => sum + r.amount, 0) / 100,
      before: minuteAgo ? minuteAgo.domain.revenuePerMinute.reduce((sum, r) => sum + r.amount, 0) / 100 : null,
    },
    { id: 'requests', label: 'Requests / s (1 min)', value: [fmt(latest?.httpMinute.rate)], now: latest?.httpMinute.rate ?? null, before: minuteAgo?.httpMinute.rate ?? null },
    {
      id: 'error-rate',
      label: 'HTTP 5xx (1 min)',
      value: [percent(latest?.httpMinute.errorRatio)],
      now: latest?.httpMinute.errorRatio === null || !latest ? null : latest.httpMinute.errorRatio * 100,
      before: minuteAgo?.httpMinute.errorRatio === null || !minuteAgo ? null : minuteAgo.httpMinute.errorRatio * 100,
      upIsBad: true,
      warn: (latest?.httpMinute.errorRatio ?? 0) > 0.02,
    },
    { id: 'latency-p95', label: 'Response p95 (1 min)', value: [fmt(latest?.httpMinute.p95Ms, ' ms')], now: latest?.httpMinute.p95Ms ?? null, before: minuteAgo?.httpMinute.p95Ms ?? null, upIsBad: true },
    { id: 'users', label: 'Users online (sockets)', value: [fmt(latest?.system.sockets)], now: latest?.system.sockets ?? null, before: minuteAgo?.system.sockets ?? null },
    { id: 'checkout-accepted', label: 'Checkout → accepted p95', title: 'Storefront checkout to the order accepted in OpsDeck, p95 over the last minute', value: [fmt(d?.checkoutToAcceptedP95Ms === null || !d ? null : d.checkoutToAcceptedP95Ms / 1000, ' s')], now: d?.checkoutToAcceptedP95Ms ?? null, before: minuteAgo?.domain.checkoutToAcceptedP95Ms ?? null, upIsBad: true },
    { id: 'db-p95', label: 'Database query p95', value: [fmt(latest?.system.dbP95Ms, ' ms')], now: latest?.system.dbP95Ms ?? null, before: minuteAgo?.system.dbP95Ms ?? null, upIsBad: true },
    { id: 'open-tickets', label: 'Open tickets', value: [fmt(d?.openTickets)], now: d?.openTickets ?? null, before: minuteAgo?.domain.openTickets ?? null, upIsBad: true },
    { id: 'sla-breaches', label: 'SLA breaches', value: [fmt(d?.slaBreaches)], now: d?.slaBreaches ?? null, before: minuteAgo?.domain.slaBreaches ?? null, upIsBad: true, warn: (d?.slaBreaches ?? 0) > 0 },
    { id: 'returns-waiting', label: 'Returns waiting', value: [fmt(d?.returnsWaiting)], now: d?.returnsWaiting ?? null, before: minuteAgo?.domain.returnsWaiting ?? null, upIsBad: true },
    { id: 'stockouts', label: 'Stock-outs', value: [fmt(d?.stockouts)], now: d?.stockouts ?? null, before: minuteAgo?.domain.stockouts ?? null, upIsBad: true, warn: (d?.stockouts ?? 0) > 0 },
  ]
  return (
    <ul className="figures live-tiles" aria-label="Live figures">
      {tiles.map((tile) => (
        <li key={tile.id} className={`figure${tile.warn ? ' figure-warning' : ''}`} data-figure={tile.id}>
          <span className="figure-label" title={tile.title ?? tile.label}>
            {tile.label}
          </span>
          <span className={`figure-value${tile.value.length > 1 ? ' figure-value-multi' : ''}`} data-testid={`tile-${tile.id}`}>
            {tile.value.map((line) => (
              <span key={line}>{line}</span>
            ))}
          </span>
          <Trend now={tile.now} before={tile.before} upIsBad={tile.upIsBad} />
        </li>
      ))}
    </ul>
  )
}

export function RouteTable({ routes }: { routes: RouteStat[] }) {
  return (
    <section className="panel panel-flush" aria-labelledby="live-routes-title">
      <h2 id="live-routes-title" className="panel-title live-panel-title">
        Latency by route <span className="muted">(last 60 s, all processes, from merged histograms)</span>
      </h2>
      <div className="table-wrap">
        <table className="data-table" data-testid="route-table">
          <thead>
            <tr>
              <th scope="col">Route</th>
              <th scope="col" className="num">Requests / s</th>
              <th scope="col" className="num">5xx</th>
              <th scope="col" className="num">p50</th>
              <th scope="col" className="num">p95</th>
              <th scope="col" className="num">p99</th>
            </tr>
          </thead>
          <tbody>
            {routes.length === 0 ? (
              <tr>
                <td colSpan={6} className="muted">
                  No requests in the last minute.
                </td>
              </tr>
            ) : (
              routes.map((route) => (
                <tr key={route.route}>
                  <td>
                    <code>{route.route}</code>
                  </td>
                  <td className="num">{fmt(route.rate)}</td>
                  <td className="num">{percent(route.errorRatio)}</td>
                  <td className="num">{fmt(route.p50Ms, ' ms')}</td>
                  <td className="num">{fmt(route.p95Ms, ' ms')}</td>
                  <td className="num">{fmt(route.p99Ms, ' ms')}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export function QueuePanel({ queues }: { queues: QueueStat[] }) {
  return (
    <section className="panel panel-flush" aria-labelledby="live-queues-title">
      <h2 id="live-queues-title" className="panel-title live-panel-title">
        Queues
      </h2>
      <div className="table-wrap">
        <table className="data-table" data-testid="queue-table">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col" className="num">Waiting</th>
              <th scope="col" className="num">Lag</th>
              <th scope="col" className="num">Done / s</th>
              <th scope="col" className="num">Failed / s</th>
              <th scope="col" className="num">p95 (60 s)</th>
            </tr>
          </thead>
          <tbody>
            {queues.length === 0 ? (
              <tr>
                <td colSpan={6} className="muted">
                  No queue figures yet (the worker reports them every few seconds).
                </td>
              </tr>
            ) : (
              queues.map((queue) => (
                <tr key={queue.queue}>
                  <td>
                    <code>{queue.queue}</code>
                  </td>
                  <td className="num">{fmt(queue.depth)}</td>
                  <td className="num">{fmt(queue.lagSeconds, ' s')}</td>
                  <td className="num">{fmt(queue.completedPerSecond)}</td>
                  <td className={`num${queue.failedPerSecond > 0 ? ' live-bad' : ''}`}>{fmt(queue.failedPerSecond)}</td>
                  <td className="num">{fmt(queue.p95Ms, ' ms')}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  )
}

const STATUS_TONE: Record<IntegrationStat['status'], BadgeTone> = { healthy: 'success', degraded: 'warning', down: 'danger', paused: 'neutral', unknown: 'neutral' }

export function IntegrationPanel({ integrations }: { integrations: IntegrationStat[] }) {
  return (
    <section className="panel panel-flush" aria-labelledby="live-integrations-title">
      <h2 id="live-integrations-title" className="panel-title live-panel-title">
        Integrations
      </h2>
      <div className="table-wrap">
        <table className="data-table" data-testid="integration-table">
          <thead>
            <tr>
              <th scope="col">Integration</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">Error rate (5 min)</th>
            </tr>
          </thead>
          <tbody>
            {integrations.length === 0 ? (
              <tr>
                <td colSpan={3} className="muted">
                  No integration figures yet.
                </td>
              </tr>
            ) : (
              integrations.map((integration) => (
                <tr key={integration.integration}>
                  <td>{integration.integration}</td>
                  <td>
                    <StatusBadge tone={STATUS_TONE[integration.status]}>{integration.status}</StatusBadge>
                  </td>
                  <td className="num">{percent(integration.errorRate)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  )
}
