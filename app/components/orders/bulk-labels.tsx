import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'

/** How a bulk operation reads on its own page (orders.bulk.$id) and in the history (orders.bulk._index). */

export const BULK_KIND_LABEL: Record<string, string> = {
  tag: 'Tag',
  assign: 'Assign',
  fulfil: 'Mark fulfilled',
  ship: 'Ship',
  cancel: 'Cancel',
  export: 'Export to CSV',
}

export const BULK_STATUS_LABEL: Record<string, string> = { queued: 'Queued', running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Stopped' }

/** The action's input in words: "add vip; remove gift", "to Ana Ops", "reason: duplicate". */
export function describeBulkParams(kind: string, params: unknown, assigneeName?: string | null) {
  const value = (params ?? {}) as { add?: string[]; remove?: string[]; assigneeId?: string | null; reason?: string }
  if (kind === 'tag') {
    return [value.add?.length ? `add ${value.add.join(', ')}` : null, value.remove?.length ? `remove ${value.remove.join(', ')}` : null].filter(Boolean).join('; ')
  }
  if (kind === 'assign') return value.assigneeId ? (assigneeName ? `to ${assigneeName}` : 'to the chosen person') : 'unassign'
  if (kind === 'cancel') return `reason: ${value.reason}`
  return ''
}

export function BulkStatusBadge({ status }: { status: string }) {
  const tone: BadgeTone = status === 'completed' ? 'success' : status === 'failed' ? 'danger' : status === 'cancelled' ? 'neutral' : 'info'
  return (
    <span data-testid="bulk-status" data-status={status}>
      <StatusBadge tone={tone}>{BULK_STATUS_LABEL[status] ?? status}</StatusBadge>
    </span>
  )
}

export function formatBytes(bytes: number) {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
