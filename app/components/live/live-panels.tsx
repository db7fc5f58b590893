import type { MetricsTick } from '#app/metrics/tick.ts'
import { formatMoney } from '#app/utils/money.ts'
import { fmt, formatCount, percent } from './format.ts'

/** The /live dashboard's big-number tiles, from the latest tick (and the tick a minute earlier, for trends). */


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
  const change = before !== 0 ? ` (${delta > 0 ? '+' : ''}${formatCount((delta / Math.abs(before)) * 100)} %)` : ''
  return (
    <span className={`figure-hint live-trend ${bad ? 'live-trend--bad' : 'live-trend--good'}`}>
      {delta > 0 ? '↑' : '↓'} {formatCount(Math.abs(delta))}
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

