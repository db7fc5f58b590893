import { formatDuration, SlaCountdown } from './ticket-badges.tsx'

const METRIC_LABELS: Record<string, string> = { first_response: 'First response', next_response: 'Next response', resolution: 'Resolution' }

export type SlaClockView = {
  metric: string
  dueAt: string
  pausedAt: string | null
  breachedAt: string | null
  satisfiedAt: string | null
  /** Business minutes left (frozen while paused); null once met. */
  remainingMinutes: number | null
}

/**
 * The ticket's SLA targets from the SLA engine, one line each: a live countdown while running, "paused" with the
 * business time left while pending/on hold, met or breached when done (the engine keeps the history).
 */
export function TicketSlaClocks({ clocks, now }: { clocks: SlaClockView[]; now: string }) {
  if (clocks.length === 0) return <p className="muted">No SLA policy applies to this ticket.</p>
  return (
    <ul className="ticket-sidebar__list ticket-sla-clocks" data-testid="ticket-sla-clocks">
      {clocks.map((clock) => (
        <li key={clock.metric} data-metric={clock.metric}>
          <span className="ticket-property__label">{METRIC_LABELS[clock.metric] ?? clock.metric}</span>{' '}
          {clock.satisfiedAt ? (
            clock.breachedAt ? (
              <span className="badge badge-danger">Met late</span>
            ) : (
              <span className="badge badge-success">Met</span>
            )
          ) : clock.pausedAt ? (
            <span className="badge badge-neutral">
              Paused{clock.remainingMinutes !== null && clock.remainingMinutes > 0 ? ` · ${formatDuration(clock.remainingMinutes * 60_000)} business time left` : ''}
            </span>
          ) : (
            <SlaCountdown dueAt={clock.dueAt} paused={false} now={now} />
          )}
        </li>
      ))}
    </ul>
  )
}
