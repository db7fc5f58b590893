import { useSocketStatus, useWorkersStatus, type SocketStatus } from '#app/realtime/socket-provider.tsx'

const LABELS: Record<SocketStatus, string> = {
  live: 'Live',
  connecting: 'Reconnecting…',
  offline: 'Offline',
}

/**
 * The shell's connection indicator: a dot and "Live" / "Reconnecting…" / "Offline", plus how many workers are
 * alive (from `workers.status`, while live). Classes only (CSP: no inline styles): `live-indicator`, `live-indicator--<status>`,
 * `live-indicator__dot`, `live-indicator__label`, `live-indicator__workers`.
 */
export function LiveIndicator() {
  const status = useSocketStatus()
  const workers = useWorkersStatus()
  return (
    <div
      className={`live-indicator live-indicator--${status}`}
      role="status"
      aria-live="polite"
      data-testid="live-indicator"
      data-status={status}
    >
      <span className="live-indicator__dot" aria-hidden="true" />
      <span className="live-indicator__label">{LABELS[status]}</span>
      {/* A count from before the connection dropped would be stale: shown only while live. */}
      {workers && status === 'live' ? (
        <span className="live-indicator__workers" data-workers={workers.alive} title={`as of ${workers.at}`}>
          workers: {workers.alive} alive
        </span>
      ) : null}
    </div>
  )
}
