import { createColumnHelper } from '@tanstack/react-table'
import { formatAbsolute } from '#app/components/integrations/health.tsx'
import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'

/** Rows as the loader sends them (dates as ISO strings). */
export type RunRow = {
  id: string
  kind: string
  status: 'running' | 'succeeded' | 'partially_failed' | 'failed' | 'cancelled'
  jobId: string | null
  startedAt: string
  finishedAt: string | null
  durationMs: number | null
  itemsSeen: number
  itemsCreated: number
  itemsUpdated: number
  itemsSkipped: number
  itemsFailed: number
  error: string | null
}

export type DeliveryRow = {
  id: string
  receivedAt: string
  topic: string | null
  eventId: string | null
  verification: 'verified' | 'missing_signature' | 'bad_signature' | 'malformed' | 'too_large' | 'unknown_provider'
  statusCode: number
  duplicate: boolean
  bodyBytes: number
  reason: string | null
}

export function Time({ value }: { value: string | null }) {
  if (!value) return <span className="muted">—</span>
  const date = new Date(value)
  return (
    <time dateTime={value} title={formatAbsolute(value)} className="cell-mono">
      {date.toISOString().slice(11, 19)}
      <span className="muted"> {date.toISOString().slice(5, 10)}</span>
    </time>
  )
}

export function formatMs(ms: number | null) {
  if (ms === null) return '—'
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}

const RUN_TONE: Record<RunRow['status'], BadgeTone> = {
  running: 'info',
  succeeded: 'success',
  partially_failed: 'warning',
  failed: 'danger',
  cancelled: 'neutral',
}

const run = createColumnHelper<TableFeatureSet, RunRow>()
export const runColumns = run.columns([
  run.accessor('startedAt', { header: 'Started (UTC)', cell: (info) => <Time value={info.getValue()} /> }),
  run.accessor('kind', { header: 'Kind', cell: (info) => <span className="cell-mono">{info.getValue()}</span> }),
  run.accessor('status', { header: 'Status', cell: (info) => <StatusBadge tone={RUN_TONE[info.getValue()]}>{info.getValue().replace('_', ' ')}</StatusBadge> }),
  run.accessor('durationMs', { header: 'Took', cell: (info) => <span className="num">{formatMs(info.getValue())}</span> }),
  run.display({
    id: 'items',
    header: 'Items',
    cell: (info) => {
      const row = info.row.original
      return (
        <span className="num" title={`${row.itemsSeen} seen · ${row.itemsCreated} created · ${row.itemsUpdated} updated · ${row.itemsSkipped} skipped · ${row.itemsFailed} failed`}>
          {row.itemsSeen} seen · {row.itemsCreated} new · {row.itemsUpdated} upd
          {row.itemsFailed > 0 ? <span className="num-danger"> · {row.itemsFailed} failed</span> : null}
        </span>
      )
    },
  }),
  run.accessor('error', { header: 'Error', cell: (info) => (info.getValue() ? <span className="cell-error" title={info.getValue()!}>{info.getValue()}</span> : <span className="muted">—</span>) }),
])

const VERIFICATION: Record<DeliveryRow['verification'], { tone: BadgeTone; label: string }> = {
  verified: { tone: 'success', label: 'Verified' },
  missing_signature: { tone: 'danger', label: 'No signature' },
  bad_signature: { tone: 'danger', label: 'Bad signature' },
  malformed: { tone: 'warning', label: 'Malformed' },
  too_large: { tone: 'warning', label: 'Too large' },
  unknown_provider: { tone: 'neutral', label: 'Unknown provider' },
}

const delivery = createColumnHelper<TableFeatureSet, DeliveryRow>()
export const deliveryColumns = delivery.columns([
  delivery.accessor('receivedAt', { header: 'Received (UTC)', cell: (info) => <Time value={info.getValue()} /> }),
  delivery.accessor('topic', { header: 'Topic', cell: (info) => <span className="cell-mono">{info.getValue() ?? '—'}</span> }),
  delivery.accessor('eventId', { header: 'Event id', cell: (info) => <span className="cell-mono">{info.getValue() ?? '—'}</span> }),
  delivery.accessor('verification', {
    header: 'Verification',
    cell: (info) => <StatusBadge tone={VERIFICATION[info.getValue()].tone}>{VERIFICATION[info.getValue()].label}</StatusBadge>,
  }),
  delivery.accessor('statusCode', {
    header: 'Answer',
    cell: (info) => <span className={`num ${info.getValue() >= 400 ? 'num-danger' : ''}`}>{info.getValue()}</span>,
  }),
  delivery.accessor('duplicate', { header: 'Duplicate', cell: (info) => (info.getValue() ? <StatusBadge tone="info">Duplicate</StatusBadge> : <span className="muted">—</span>) }),
  delivery.accessor('bodyBytes', { header: 'Size', cell: (info) => <span className="num">{(info.getValue() / 1024).toFixed(1)} KB</span> }),
  delivery.accessor('reason', { header: 'Note', cell: (info) => <span className="muted cell-error">{info.getValue() ?? ''}</span> }),
])
