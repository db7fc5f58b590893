import { useFetcher } from '@remix-run/react'
import { ALERTS_OPEN_PATH, SILENCE_MINUTES, silenceLabel } from './alert-format.ts'

type ActionAnswer = { ok: true; message: string } | { ok: false; error: string }

/**
 * Acknowledge and silence for one open alert, through the alerts resource route with a fetcher: the person stays
 * where they are (the notification center works on every page); the loaders re-read after the action and the
 * `alerts.changed` signal updates other people's screens. Needs update:alert (the caller hides it otherwise).
 */
export function AlertActions({ alert, compact = false }: { alert: { id: string; version: number; status: string }; compact?: boolean }) {
  const ack = useFetcher<ActionAnswer>()
  const silence = useFetcher<ActionAnswer>()
  const busy = ack.state !== 'idle' || silence.state !== 'idle'
  const answer = silence.data ?? ack.data
  return (
    <div className={`alert-actions${compact ? ' alert-actions--compact' : ''}`}>
      {alert.status === 'firing' ? (
        <ack.Form method="post" action={ALERTS_OPEN_PATH}>
          <input type="hidden" name="intent" value="acknowledge" />
          <input type="hidden" name="alertId" value={alert.id} />
          <input type="hidden" name="version" value={alert.version} />
          <button type="submit" className="button button-small button-primary" disabled={busy} data-testid={`ack-${alert.id}`}>
            {ack.state !== 'idle' ? 'Acknowledging…' : 'Acknowledge'}
          </button>
        </ack.Form>
      ) : null}
      <silence.Form method="post" action={ALERTS_OPEN_PATH} className="inline-form">
        <input type="hidden" name="intent" value="silence" />
        <input type="hidden" name="alertId" value={alert.id} />
        <label className="visually-hidden" htmlFor={`silence-${alert.id}`}>
          Silence for
        </label>
        <select id={`silence-${alert.id}`} name="minutes" defaultValue="60">
          {SILENCE_MINUTES.map((minutes) => (
            <option key={minutes} value={minutes}>
              {silenceLabel(minutes)}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-small button-secondary" disabled={busy} data-testid={`silence-${alert.id}`}>
          Silence
        </button>
      </silence.Form>
      {answer && !answer.ok ? (
        <p className="field-error" role="alert">
          {answer.error}
        </p>
      ) : null}
    </div>
  )
}
