import type { ReturnDisposition, ReturnReasonCode, ReturnResolution, ReturnStatus } from '#app/generated/prisma/enums.ts'
import type { Role } from '#app/utils/permissions.ts'

/**
 * The return (RMA) state machine and who may do what, as data (issue 5). Isomorphic: the return page offers only
 * the actions `returnActionStates` allows, and every action in `return.server.ts` calls `returnRefusal` with the
 * locked row before it writes, so the page never offers what the server would refuse.
 *
 *   requested ──approve──▶ approved ──(carrier label stored)──▶ label_created ──ship──▶ in_transit ──receive──▶ received
 *      │                      │  └──────────ship / receive──────────┘   └─────receive─────────┘                │
 *      └──reject──▶ rejected   │                                                                          dispose (per line,
 *   requested / approved / label_created / in_transit ──cancel──▶ cancelled                                 stays received)
 *                                                                                received ──resolve──▶ resolved
 *
 * Decisions:
 * - Cancel is possible at any point before receipt (a Medusa gap); once goods are back they are dealt with, not
 *   cancelled. A label bought for a cancelled return is simply not used.
 * - A parcel can arrive without the carrier having reported it, so approved / label_created / in_transit all receive.
 * - Resolution (refund, exchange, store credit, no action) needs every received line to have a disposition, so stock
 *   is settled before money: nothing is refunded for units nobody has looked at.
 * - Roles: `update:return` (operations, admin) works returns; `create:return` (also support) only requests them.
 */

export const RETURN_STATUSES = ['requested', 'approved', 'rejected', 'label_created', 'in_transit', 'received', 'resolved', 'cancelled'] as const satisfies readonly ReturnStatus[]

/** Legal next statuses. rejected, resolved and cancelled are final. */
export const RETURN_TRANSITIONS: Record<ReturnStatus, readonly ReturnStatus[]> = {
  requested: ['approved', 'rejected', 'cancelled'],
  approved: ['label_created', 'in_transit', 'received', 'cancelled'],
  label_created: ['in_transit', 'received', 'cancelled'],
  in_transit: ['received', 'cancelled'],
  received: ['resolved'],
  resolved: [],
  rejected: [],
  cancelled: [],
}

export function canTransitionReturn(from: ReturnStatus, to: ReturnStatus): boolean {
  return RETURN_TRANSITIONS[from].includes(to)
}

export const RETURN_ACTIONS = ['approve', 'reject', 'label', 'ship', 'receive', 'dispose', 'resolve', 'cancel'] as const
export type ReturnAction = (typeof RETURN_ACTIONS)[number]

/**
 * Each action: the statuses it starts from and where it leads (`dispose` keeps the status). `label` is the carrier
 * integration storing the label it bought (the system, not a person).
 */
export const RETURN_ACTION_RULES: Record<ReturnAction, { from: readonly ReturnStatus[]; to: ReturnStatus }> = {
  approve: { from: ['requested'], to: 'approved' },
  reject: { from: ['requested'], to: 'rejected' },
  label: { from: ['approved'], to: 'label_created' },
  ship: { from: ['approved', 'label_created'], to: 'in_transit' },
  receive: { from: ['approved', 'label_created', 'in_transit'], to: 'received' },
  dispose: { from: ['received'], to: 'received' },
  resolve: { from: ['received'], to: 'resolved' },
  cancel: { from: ['requested', 'approved', 'label_created', 'in_transit'], to: 'cancelled' },
}

/** Statuses in which the return is still open (the goods are not back yet): its units count against returnable. */
export const OPEN_RETURN_STATUSES: readonly ReturnStatus[] = ['requested', 'approved', 'label_created', 'in_transit']

export const RETURN_REASON_CODES = ['damaged', 'defective', 'wrong_item', 'not_as_described', 'size_fit', 'no_longer_needed', 'other'] as const satisfies readonly ReturnReasonCode[]
export const RETURN_RESOLUTIONS = ['refund', 'exchange', 'store_credit', 'no_action'] as const satisfies readonly ReturnResolution[]
export const RETURN_DISPOSITIONS = ['restock', 'quarantine', 'scrap'] as const satisfies readonly ReturnDisposition[]

export const REASON_LABELS: Record<ReturnReasonCode, string> = {
  damaged: 'Arrived damaged',
  defective: 'Defective',
  wrong_item: 'Wrong item sent',
  not_as_described: 'Not as described',
  size_fit: 'Size or fit',
  no_longer_needed: 'No longer needed',
  other: 'Other',
}

export const RESOLUTION_LABELS: Record<ReturnResolution, string> = {
  refund: 'Refund',
  exchange: 'Exchange',
  store_credit: 'Store credit',
  no_action: 'No action',
}

export const DISPOSITION_LABELS: Record<ReturnDisposition, string> = {
  restock: 'Restocked',
  quarantine: 'Quarantined',
  scrap: 'Scrapped',
}

export const STATUS_LABELS: Record<ReturnStatus, string> = {
  requested: 'requested',
  approved: 'approved',
  rejected: 'rejected',
  label_created: 'label created',
  in_transit: 'in transit',
  received: 'received',
  resolved: 'resolved',
  cancelled: 'cancelled',
}

export const RETURN_NOTE_MAX_LENGTH = 2_000
export const RETURN_REASON_MAX_LENGTH = 500

/** The queue's age filter: requested at least this many days ago. */
export const RETURN_AGE_OPTIONS = ['1', '3', '7', '14'] as const

/** The insights page's window. */
export const INSIGHT_WEEKS = 12

/** "received but not refunded for 48 h" (issue 5): the one SLA clock of the returns desk. */
export const RETURN_REFUND_SLA_MINUTES = 48 * 60

const WORKERS: readonly Role[] = ['operations', 'admin']

function roleRefusal(action: ReturnAction, role: Role): string | null {
  if (action === 'label') return 'Return labels are stored by the carrier integration, not by hand'
  if (WORKERS.includes(role)) return null
  if (role === 'support') return 'Support can request returns, but operations works them'
  if (role === 'manager') return 'Managers can read returns but not change them'
  return `Your role (${role}) cannot ${action} returns`
}

const FINAL_SENTENCE: Partial<Record<ReturnStatus, string>> = {
  rejected: 'This return was rejected',
  cancelled: 'This return was cancelled',
  resolved: 'This return is already resolved',
}

/** Why `action` is not allowed on a return in `status` for `role` (a sentence for the person), or null. */
export function returnRefusal(action: ReturnAction, status: ReturnStatus, role: Role | 'system'): string | null {
  if (role !== 'system') {
    const byRole = roleRefusal(action, role)
    if (byRole) return byRole
  }
  const rule = RETURN_ACTION_RULES[action]
  if (rule.from.includes(status)) return null
  const final = FINAL_SENTENCE[status]
  switch (action) {
    case 'approve':
    case 'reject':
      return final ?? `Only a requested return can be ${action === 'approve' ? 'approved' : 'rejected'} (this one is ${STATUS_LABELS[status]})`
    case 'label':
      return final ?? `A label is stored only for an approved return (this one is ${STATUS_LABELS[status]})`
    case 'ship':
      if (status === 'requested') return 'Approve the return before marking it in transit'
      return final ?? `A return that is ${STATUS_LABELS[status]} cannot be marked in transit`
    case 'receive':
      if (status === 'requested') return 'Approve the return before receiving it'
      if (status === 'received') return 'This return has already been received'
      return final ?? `A return that is ${STATUS_LABELS[status]} cannot be received`
    case 'dispose':
      return final ?? 'Receive the goods before deciding what happens to them'
    case 'resolve':
      return final ?? 'Receive the goods before resolving the return'
    case 'cancel':
      if (status === 'received') return 'The goods are back, so the return cannot be cancelled — resolve it instead'
      return final ?? `A return that is ${STATUS_LABELS[status]} cannot be cancelled`
  }
}

export type ReturnActionState = { allowed: true } | { allowed: false; reason: string }

/** Every action a person can take, with its refusal (for disabled buttons with a reason). `label` is left out. */
export function returnActionStates(status: ReturnStatus, role: Role): Record<Exclude<ReturnAction, 'label'>, ReturnActionState> {
  const out = {} as Record<Exclude<ReturnAction, 'label'>, ReturnActionState>
  for (const action of RETURN_ACTIONS) {
    if (action === 'label') continue
    const reason = returnRefusal(action, status, role)
    out[action] = reason === null ? { allowed: true } : { allowed: false, reason }
  }
  return out
}

/**
 * How many units of an order line can still be asked back: shipped, minus already returned (received), minus those
 * on open returns.
 */
export function returnableQuantity(line: { quantityShipped: number; quantityReturned: number; quantityOnOpenReturns: number }) {
  return Math.max(0, line.quantityShipped - line.quantityReturned - line.quantityOnOpenReturns)
}
