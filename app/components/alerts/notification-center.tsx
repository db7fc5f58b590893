import { Link, useFetcher } from '@remix-run/react'
import { useCallback, useEffect } from 'react'
import { Icon } from '#app/components/icons.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import { useDismissableDetails } from '#app/components/use-dismissable-details.ts'
import type { loader as openAlertsLoader } from '#app/routes/alerts.open.tsx'
import { hasPermission, type Role } from '#app/utils/permissions.ts'
import { AlertActions } from './alert-actions.tsx'
import { AlertStateBadge, SeverityBadge } from './alert-badges.tsx'
import { ALERTS_OPEN_PATH } from './alert-format.ts'
import { useAlertsSubscription } from './use-alerts-subscription.ts'

/**
 * The shell's notification center (issue 7): a bell with the number of firing alerts nobody acknowledged or
 * silenced, and a dropdown of the newest open alerts with acknowledge/silence. Live: it follows ALERTS_ROOM and
 * re-reads `/alerts/open` on every `alerts.changed`. Rendered only for roles that may read alerts.
 * A disclosure (`<details>`) like the user menu: works with Enter/Space, closes on Escape, outside click, navigation.
 */
export function NotificationCenter({ role }: { role: Role }) {
  if (!hasPermission(role, 'read:alert')) return null
  return <Center />
}

function Center() {
  const fetcher = useFetcher<typeof openAlertsLoader>()
  const ref = useDismissableDetails()
  const load = fetcher.load
  const reload = useCallback(() => load(ALERTS_OPEN_PATH), [load])

  useAlertsSubscription(reload, true)
  useEffect(() => {
    reload()
  }, [reload])


  const data = fetcher.data
  const count = data?.needingAttention ?? 0
  const label = data ? (count === 0 ? 'Alerts: nothing needs attention' : `Alerts: ${count} firing, not acknowledged`) : 'Alerts'
  return (
    <details className="alert-center" ref={ref} data-testid="alert-center">
      <summary aria-label={label} title={label} data-testid="alert-center-button">
        <Icon name="alerts" />
        {count > 0 ? (
          <span className="alert-center__badge" data-testid="alert-center-count">
            {count > 99 ? '99+' : count}
          </span>
        ) : null}
      </summary>
      <div className="alert-center__panel">
        <div className="alert-center__head">
          <strong>Open alerts</strong>
          <Link to="/alerts">All alerts</Link>
        </div>
        {!data ? (
          <p className="muted">Loading…</p>
        ) : data.alerts.length === 0 ? (
          <p className="muted" data-testid="alert-center-empty">
            No open alerts.
          </p>
        ) : (
          <ul className="alert-center__list" data-testid="alert-center-list">
            {data.alerts.map((alert) => (
              <li key={alert.id} className="alert-center__item" data-alert-id={alert.id}>
                <div className="alert-center__title">
                  <SeverityBadge severity={alert.severity} />
                  <strong>{alert.ruleName}</strong>
                  <AlertStateBadge status={alert.status} silenced={alert.silenced} />
                </div>
                <p className="alert-center__message">{alert.message}</p>
                <p className="muted alert-center__meta">
                  Fired <DateTimeCell value={alert.firedAt} />
                  {alert.acknowledgedBy ? ` · acknowledged by ${alert.acknowledgedBy}` : ''}
                </p>
                {data.canAct ? <AlertActions alert={alert} compact /> : null}
              </li>
            ))}
          </ul>
        )}
      </div>
    </details>
  )
}
