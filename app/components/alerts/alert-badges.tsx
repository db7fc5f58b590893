import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'

const SEVERITY_TONES: Record<string, BadgeTone> = { critical: 'danger', warning: 'warning', info: 'info' }
const SEVERITY_LABELS: Record<string, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' }

export function SeverityBadge({ severity }: { severity: string }) {
  return <StatusBadge tone={SEVERITY_TONES[severity] ?? 'neutral'}>{SEVERITY_LABELS[severity] ?? severity}</StatusBadge>
}

/** Firing / Acknowledged / Resolved, with "silenced" added while a silence runs. */
export function AlertStateBadge({ status, silenced }: { status: string; silenced: boolean }) {
  const tone: BadgeTone = status === 'firing' ? (silenced ? 'neutral' : 'danger') : status === 'acknowledged' ? 'info' : 'success'
  const label = status === 'firing' ? 'Firing' : status === 'acknowledged' ? 'Acknowledged' : 'Resolved'
  return (
    <span data-alert-status={status} data-silenced={silenced ? 'true' : 'false'}>
      <StatusBadge tone={tone}>
        {label}
        {silenced && status !== 'resolved' ? ' · silenced' : ''}
      </StatusBadge>
    </span>
  )
}
