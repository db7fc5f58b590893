import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'

/**
 * How a bulk operation reads on its own page (orders.bulk.$id, tickets.bulk.$id) and in the history (orders.bulk._index,
 * tickets.bulk._index). What differs by area (the kinds' names, the words for a row, where a row links) is in
 * BULK_AREA_VIEW; the rest is shared.
 */

export const BULK_STATUS_LABEL: Record<string, string> = { queued: 'Queued', running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Stopped' }

/** Isomorphic copy of the outcomes' order (BULK_OUTCOMES is server-only: stripped from the browser bundle). */
export const BULK_OUTCOME_ORDER = ['succeeded', 'skipped', 'failed'] as const
export const BULK_OUTCOME_LABEL: Record<string, string> = { succeeded: 'Succeeded', skipped: 'Skipped', failed: 'Failed' }
export const BULK_OUTCOME_TONE: Record<string, BadgeTone> = { succeeded: 'success', skipped: 'warning', failed: 'danger' }

type ParamsInWords = { add?: string[]; remove?: string[]; assigneeId?: string | null; teamId?: string | null; agentIds?: string[]; reason?: string }

function describeTags(value: ParamsInWords) {
  return [value.add?.length ? `add ${value.add.join(', ')}` : null, value.remove?.length ? `remove ${value.remove.join(', ')}` : null].filter(Boolean).join('; ')
}

/** An orders action's input in words: "add vip; remove gift", "to Ana Ops", "reason: duplicate". */
function describeOrderParams(kind: string, params: unknown, assigneeName?: string | null) {
  const value = (params ?? {}) as ParamsInWords
  if (kind === 'tag') return describeTags(value)
  if (kind === 'assign') return value.assigneeId ? (assigneeName ? `to ${assigneeName}` : 'to the chosen person') : 'unassign'
  if (kind === 'cancel') return `reason: ${value.reason}`
  return ''
}

/** A tickets action's input in words: "add vip", "to Ana Agent, out of its team", "among 3 agents online when it started". */
function describeTicketParams(kind: string, params: unknown, assigneeName?: string | null) {
  const value = (params ?? {}) as ParamsInWords
  if (kind === 'tag') return describeTags(value)
  if (kind === 'round_robin') return `among ${value.agentIds?.length ?? 0} agent${value.agentIds?.length === 1 ? '' : 's'} online when it started`
  if (kind === 'assign') {
    const team = value.teamId !== undefined ? (value.teamId ? 'to the chosen team' : 'out of its team') : null
    const agent = value.assigneeId !== undefined ? (value.assigneeId ? (assigneeName ? `to ${assigneeName}` : 'to the chosen agent') : 'unassign') : null
    return [team, agent].filter(Boolean).join(', ')
  }
  return ''
}

export type BulkAreaView = {
  /** The list's path (`/orders`) — its bulk pages are under `${path}/bulk`. */
  path: string
  /** "Orders" (breadcrumb, titles). */
  title: string
  /** What one operation is called here: "bulk operation" (orders, with exports) or "bulk action". */
  operation: string
  /** A row in words: "order" / "ticket". */
  entity: string
  entities: string
  /** How a "all matching" selection is named: "a filter" / "a view". */
  selector: string
  kindLabel: Record<string, string>
  describeParams: (kind: string, params: unknown, assigneeName?: string | null) => string
  /** A result row's link text from the entity's number (`#1042` for tickets). */
  formatNumber: (number: string | number) => string
  /** The history page's empty state. */
  emptyHistory: string
}

export const BULK_AREA_VIEW = {
  orders: {
    path: '/orders',
    title: 'Orders',
    operation: 'bulk operation',
    entity: 'order',
    entities: 'orders',
    selector: 'filter',
    kindLabel: { tag: 'Tag', assign: 'Assign', fulfil: 'Mark fulfilled', ship: 'Ship', cancel: 'Cancel', export: 'Export to CSV' },
    describeParams: describeOrderParams,
    formatNumber: (number) => String(number),
    emptyHistory: 'No bulk operations yet. Select orders on the orders list to tag, assign, fulfil, ship, cancel or export them.',
  },
  tickets: {
    path: '/tickets',
    title: 'Tickets',
    operation: 'bulk action',
    entity: 'ticket',
    entities: 'tickets',
    selector: 'view',
    kindLabel: { tag: 'Tag', assign: 'Assign', close: 'Close', round_robin: 'Assign round-robin' },
    describeParams: describeTicketParams,
    formatNumber: (number) => `#${number}`,
    emptyHistory: 'No bulk actions yet. Select tickets on the tickets list to tag, assign, close or share them out round-robin.',
  },
} as const satisfies Record<'orders' | 'tickets', BulkAreaView>

export type BulkAreaName = keyof typeof BULK_AREA_VIEW

/** The orders' kinds (kept under this name for the orders pages). */
export const BULK_KIND_LABEL: Record<string, string> = BULK_AREA_VIEW.orders.kindLabel
export const describeBulkParams = describeOrderParams

/** `testId`: the operation's own page says `bulk-status`; a history row names itself apart so the two never mix. */
export function BulkStatusBadge({ status, testId = 'bulk-status' }: { status: string; testId?: string }) {
  const tone: BadgeTone = status === 'completed' ? 'success' : status === 'failed' ? 'danger' : status === 'cancelled' ? 'neutral' : 'info'
  return (
    <span data-testid={testId} data-status={status}>
      <StatusBadge tone={tone}>{BULK_STATUS_LABEL[status] ?? status}</StatusBadge>
    </span>
  )
}

export function formatBytes(bytes: number) {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
