import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'
import type { IntegrationHealth } from '#app/realtime/events.ts'

/**
 * How integration health reads on screen: status as colour AND text, numbers with units, times relative to the
 * snapshot they came from (so the server render and the browser agree) with the absolute UTC time on hover.
 */

const STATUS: Record<IntegrationHealth['status'], { tone: BadgeTone; label: string }> = {
  healthy: { tone: 'success', label: 'Healthy' },
  degraded: { tone: 'warning', label: 'Degraded' },
  down: { tone: 'danger', label: 'Down' },
  paused: { tone: 'neutral', label: 'Paused' },
}

export function HealthBadge({ status }: { status: IntegrationHealth['status'] }) {
  return (
    <span data-status={status}>
      <StatusBadge tone={STATUS[status].tone}>{STATUS[status].label}</StatusBadge>
    </span>
  )
}

const BREAKER: Record<IntegrationHealth['breakerState'], { tone: BadgeTone; label: string }> = {
  closed: { tone: 'success', label: 'Closed' },
  half_open: { tone: 'warning', label: 'Half-open' },
  open: { tone: 'danger', label: 'Open' },
}

export function BreakerBadge({ state }: { state: IntegrationHealth['breakerState'] }) {
  return <StatusBadge tone={BREAKER[state].tone}>{BREAKER[state].label}</StatusBadge>
}

const ABSOLUTE = new Intl.DateTimeFormat('en-GB', {
  day: '2-digit',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZone: 'UTC',
})

export function formatAbsolute(iso: string) {
  return `${ABSOLUTE.format(new Date(iso))} UTC`
}

export function formatDuration(seconds: number) {
  if (seconds < 1) return '0 s'
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`
  return `${Math.round(seconds / 86_400)} d`
}

/** "12 s ago" relative to `now` (the snapshot's time), the exact UTC time in the tooltip. */
export function RelativeTime({ value, now, empty = 'Never' }: { value: string | null; now: string; empty?: string }) {
  if (!value) return <span className="muted">{empty}</span>
  const seconds = Math.max(0, (Date.parse(now) - Date.parse(value)) / 1000)
  return (
    <time dateTime={value} title={formatAbsolute(value)}>
      {seconds < 5 ? 'just now' : `${formatDuration(seconds)} ago`}
    </time>
  )
}

export function formatPercent(rate: number | null) {
  if (rate === null) return '—'
  if (rate > 0 && rate < 0.01) return '< 1 %'
  return `${Math.round(rate * 100)} %`
}

export function ErrorRate({ rate }: { rate: number | null }) {
  const tone = rate === null ? 'muted' : rate >= 0.5 ? 'num-danger' : rate >= 0.1 ? 'num-warning' : ''
  return (
    <span className={`num ${tone}`} title={rate === null ? 'Nothing ran in the last 5 minutes' : 'Failed attempts / all attempts, last 5 minutes'}>
      {formatPercent(rate)}
    </span>
  )
}

export function Lag({ seconds }: { seconds: number }) {
  const tone = seconds >= 600 ? 'num-danger' : seconds >= 120 ? 'num-warning' : ''
  return (
    <span className={`num ${tone}`} title="Age of the oldest job waiting in the queue or unprocessed webhook">
      {formatDuration(seconds)}
    </span>
  )
}

export function QueueDepth({ queue }: { queue: IntegrationHealth['queue'] }) {
  return (
    <span className="queue-depth" title={`${queue.waiting} waiting · ${queue.active} active · ${queue.delayed} delayed (retries) · ${queue.failed} failed kept`}>
      <span className="num">{queue.waiting}</span>
      <span className="muted"> waiting · </span>
      <span className="num">{queue.active}</span>
      <span className="muted"> active · </span>
      <span className="num">{queue.delayed}</span>
      <span className="muted"> delayed</span>
      {queue.paused ? (
        <>
          {' '}
          <StatusBadge tone="neutral">queue paused</StatusBadge>
        </>
      ) : null}
    </span>
  )
}
