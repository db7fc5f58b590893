import type { ReturnStatus } from '#app/generated/prisma/enums.ts'
import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'
import { STATUS_LABELS } from '#app/models/return-rules.ts'

const TONE: Record<ReturnStatus, BadgeTone> = {
  requested: 'warning',
  approved: 'info',
  rejected: 'danger',
  label_created: 'info',
  in_transit: 'info',
  received: 'warning',
  resolved: 'success',
  cancelled: 'neutral',
}

/** A return's status as a badge; the text always names the status. */
export function ReturnStatusBadge({ status }: { status: ReturnStatus }) {
  return (
    <span data-testid="return-status" data-status={status}>
      <StatusBadge tone={TONE[status]}>{STATUS_LABELS[status]}</StatusBadge>
    </span>
  )
}

/** The refund clock: "received but not refunded for 48 h". Overdue is said in words, not only in colour. */
export function SlaBadge({ sla }: { sla: { dueAt: string; overdue: boolean } | null }) {
  if (!sla) return null
  return (
    <span data-testid="return-sla" data-overdue={String(sla.overdue)} title={`Refund due by ${new Date(sla.dueAt).toUTCString()}`}>
      <StatusBadge tone={sla.overdue ? 'danger' : 'neutral'}>{sla.overdue ? 'Refund overdue (48 h)' : 'Refund due within 48 h'}</StatusBadge>
    </span>
  )
}
