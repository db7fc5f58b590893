import { useEffect, useState } from 'react'
import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'
import { PRIORITY_LABELS, STATUS_LABELS, type TicketPriorityValue, type TicketStatusValue } from '#app/models/ticket-rules.ts'

const STATUS_TONES: Record<TicketStatusValue, BadgeTone> = { new: 'info', open: 'danger', pending: 'warning', on_hold: 'neutral', solved: 'success', closed: 'neutral' }
const PRIORITY_TONES: Record<TicketPriorityValue, BadgeTone> = { urgent: 'danger', high: 'warning', normal: 'neutral', low: 'neutral' }

export function TicketStatusBadge({ status }: { status: TicketStatusValue }) {
  return <StatusBadge tone={STATUS_TONES[status]}>{STATUS_LABELS[status]}</StatusBadge>
}

export function TicketPriorityBadge({ priority }: { priority: TicketPriorityValue }) {
  return <StatusBadge tone={PRIORITY_TONES[priority]}>{PRIORITY_LABELS[priority]}</StatusBadge>
}

/**
 * Time left to the nearest SLA target, from the loader's snapshot `now` (server and browser render the same text),
 * then ticking in the browser every 30 s. "Paused" while pending/on hold, "Breached 2h 5m ago" after the deadline.
 */
export function SlaCountdown({ dueAt, paused, now }: { dueAt: string | null; paused: boolean; now: string }) {
  const tick = useNow(now)
  if (!dueAt) return paused ? <span className="badge badge-neutral" data-testid="sla">Paused</span> : <span className="muted">—</span>
  const left = new Date(dueAt).getTime() - tick
  const text = formatDuration(Math.abs(left))
  if (left <= 0) {
    return (
      <span className="badge badge-danger" data-testid="sla" title={`Due ${dueAt}`}>
        Breached {text} ago
      </span>
    )
  }
  return (
    <span className={`badge ${left <= 60 * 60_000 ? 'badge-warning' : 'badge-neutral'}`} data-testid="sla" title={`Due ${dueAt}`}>
      {text} left
    </span>
  )
}

export function formatDuration(ms: number) {
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 60) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours}h ${minutes % 60}m`
  return `${Math.floor(hours / 24)}d ${hours % 24}h`
}


function useNow(initial: string) {
  const [now, setNow] = useState(() => new Date(initial).getTime())
  useEffect(() => {
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), 30_000)
    return () => clearInterval(timer)
  }, [initial])
  return now
}
