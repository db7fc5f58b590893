import type { OrderFulfillmentStatus, OrderPaymentStatus, OrderStatus } from '#app/generated/prisma/enums.ts'
import type { Role } from '#app/utils/permissions.ts'

/**
 * The order state machine and who may do what to an order, in one place (issue 4, "Rules in one place").
 * Isomorphic: the order page and the bulk bar call `legalActions` to decide which buttons to offer, and every
 * action in `order-actions.server.ts` calls `refusalReason` with the locked row's facts before it writes, so the
 * page never offers what the server would refuse for a reason the page could know.
 *
 * Lifecycle (`Order.status`; payment and fulfilment statuses are derived from payments and line counters, ADR 0003):
 *
 *   pending ──confirm──▶ confirmed ──fulfil──▶ processing ──(carrier reports delivery)──▶ completed
 *      │                    │  ▲                  │  ▲
 *      └──hold──▶ on_hold ◀─┘  └──release─────────┘  │      release → processing when any unit is fulfilled,
 *                   │  └────────release──────────────┘      otherwise → confirmed (no hidden "held from" state)
 *   any live state ──cancel──▶ cancelled  (only while nothing has shipped; packed parcels are unpacked, stock released)
 *
 * Decisions (the "why" behind the refusals):
 * - A pending order may be held (fraud or address check before accepting it); releasing it accepts it (confirmed).
 * - Fulfilment needs a confirmed (or processing) order that is not on hold and whose money is at least authorized
 *   (authorized / partially paid / paid / partially refunded): nothing leaves the building unpaid or fully refunded.
 * - Shipping ships what is packed (a fulfilment); an order with nothing packed is fulfilled first.
 * - Cancelling is for orders with nothing shipped; once anything has shipped it is a return. Cancelling does not
 *   refund: money captured stays until someone refunds it (refund is offered on cancelled orders).
 * - Refunds are offered in every lifecycle state while captured money is left to refund.
 * - Roles: operations and admin act. Support may add internal notes (they talk to the customer and leave context
 *   for operations) but changes nothing else. Managers read only (permissions.ts gives them `read:order` only).
 */

export const ORDER_STATUSES = ['pending', 'confirmed', 'on_hold', 'processing', 'completed', 'cancelled'] as const satisfies readonly OrderStatus[]

/** Legal next lifecycle states. completed and cancelled are final. */
export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'on_hold', 'cancelled'],
  confirmed: ['on_hold', 'processing', 'cancelled'],
  on_hold: ['confirmed', 'processing', 'cancelled'],
  processing: ['on_hold', 'completed', 'cancelled'],
  completed: [],
  cancelled: [],
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to)
}

export const ORDER_ACTIONS = ['confirm', 'hold', 'release', 'cancel', 'fulfil', 'ship', 'refund', 'note', 'tag', 'assign'] as const
export type OrderAction = (typeof ORDER_ACTIONS)[number]

/** Actions that change the order's lifecycle (the others are bookkeeping: notes, tags, assignee). */
export const LIFECYCLE_ACTIONS: readonly OrderAction[] = ['confirm', 'hold', 'release', 'cancel', 'fulfil', 'ship']

/** Who may take each action. */
export const ACTION_ROLES: Record<OrderAction, readonly Role[]> = {
  confirm: ['operations', 'admin'],
  hold: ['operations', 'admin'],
  release: ['operations', 'admin'],
  cancel: ['operations', 'admin'],
  fulfil: ['operations', 'admin'],
  ship: ['operations', 'admin'],
  refund: ['operations', 'admin'],
  note: ['operations', 'admin', 'support'],
  tag: ['operations', 'admin'],
  assign: ['operations', 'admin'],
}

/** Limits enforced by the actions (exported for the forms' zod schemas). */
export const ORDER_NOTE_MAX_LENGTH = 5_000
export const ORDER_TAGS_MAX = 20
export const ORDER_TAG_MAX_LENGTH = 40
export const HOLD_REASON_MAX_LENGTH = 500

/**
 * What the rules look at. The three statuses are always there (a list row has them); `units` (sums over the lines)
 * makes the answer exact where the statuses alone are ambiguous (e.g. a partially shipped order may or may not have
 * units left to fulfil). Without `units` an ambiguous action is offered and the server decides.
 */
export type OrderRuleFacts = {
  status: OrderStatus
  paymentStatus: OrderPaymentStatus
  fulfillmentStatus: OrderFulfillmentStatus
  units?: OrderUnits
}

/** Sums over the order's lines: active = ordered − cancelled. */
export type OrderUnits = { active: number; fulfilled: number; shipped: number }

const LIVE: readonly OrderStatus[] = ['pending', 'confirmed', 'on_hold', 'processing']
const FUNDED: readonly OrderPaymentStatus[] = ['authorized', 'partially_paid', 'paid', 'partially_refunded']
const REFUNDABLE: readonly OrderPaymentStatus[] = ['partially_paid', 'paid', 'partially_refunded']
const ANY_SHIPPED: readonly OrderFulfillmentStatus[] = ['partially_shipped', 'shipped', 'delivered', 'partially_returned', 'returned']
const ALL_SHIPPED: readonly OrderFulfillmentStatus[] = ['shipped', 'delivered', 'returned']
const ALL_FULFILLED: readonly OrderFulfillmentStatus[] = ['fulfilled', 'shipped', 'delivered', 'returned']
const NOTHING_PACKED: readonly OrderFulfillmentStatus[] = ['unfulfilled']

const STATUS_LABEL: Record<OrderStatus, string> = {
  pending: 'pending',
  confirmed: 'confirmed',
  on_hold: 'on hold',
  processing: 'processing',
  completed: 'completed',
  cancelled: 'cancelled',
}

export function orderStatusLabel(status: OrderStatus) {
  return STATUS_LABEL[status]
}

function roleRefusal(action: OrderAction, role: Role): string | null {
  if (ACTION_ROLES[action].includes(role)) return null
  if (role === 'manager') return 'Managers can read orders but not change them'
  if (role === 'support') return 'Support can read orders and add notes, but not change them'
  return `Your role (${role}) cannot ${action} orders`
}

/**
 * Why `action` is not allowed on this order for this role, as a sentence for the person; null when it is allowed
 * (as far as these facts can tell: the server's action also checks the lines, parcels and amounts it is given).
 */
export function refusalReason(action: OrderAction, order: OrderRuleFacts, role: Role): string | null {
  const byRole = roleRefusal(action, role)
  if (byRole) return byRole
  const { status, paymentStatus, fulfillmentStatus, units } = order
  const anyShipped = units ? units.shipped > 0 : ANY_SHIPPED.includes(fulfillmentStatus)
  const allShipped = units ? units.active > 0 && units.shipped >= units.active : ALL_SHIPPED.includes(fulfillmentStatus)
  switch (action) {
    case 'confirm':
      if (status === 'pending') return null
      if (status === 'on_hold') return 'An order on hold is released, not confirmed'
      if (status === 'cancelled') return 'A cancelled order cannot be confirmed'
      if (status === 'completed') return 'This order is already completed'
      return 'This order is already confirmed'
    case 'hold':
      if (status === 'on_hold') return 'This order is already on hold'
      if (status === 'cancelled') return 'A cancelled order cannot be put on hold'
      if (status === 'completed') return 'A completed order cannot be put on hold'
      if (allShipped) return 'Everything on this order has shipped — there is nothing left to hold'
      return null
    case 'release':
      if (status === 'on_hold') return null
      return `Only an order on hold can be released (this one is ${STATUS_LABEL[status]})`
    case 'cancel':
      if (status === 'cancelled') return 'This order is already cancelled'
      if (status === 'completed') return 'A completed order cannot be cancelled — create a return instead'
      if (allShipped) return 'A shipped order cannot be cancelled — create a return instead'
      if (anyShipped) return 'Part of this order has shipped, so it cannot be cancelled — create a return for the shipped items'
      return null
    case 'fulfil': {
      if (status === 'cancelled') return 'A cancelled order cannot be fulfilled'
      if (status === 'completed') return 'This order is already completed'
      if (status === 'on_hold') return 'An order on hold cannot be fulfilled — release it first'
      if (status === 'pending') return 'Confirm the order before fulfilling it'
      if (paymentStatus === 'refunded') return 'This order has been refunded in full, so it cannot be fulfilled'
      if (!FUNDED.includes(paymentStatus)) {
        return `This order is not paid (payment ${paymentStatus.replace('_', ' ')}) — it can be fulfilled once payment is authorized`
      }
      if (units && units.active <= 0) return 'Every item on this order was cancelled — there is nothing to fulfil'
      const nothingLeft = units ? units.fulfilled >= units.active : ALL_FULFILLED.includes(fulfillmentStatus)
      if (nothingLeft) return 'Everything on this order is already fulfilled'
      return null
    }
    case 'ship': {
      if (status === 'cancelled') return 'A cancelled order cannot be shipped'
      if (status === 'completed') return 'This order is already completed'
      if (status === 'on_hold') return 'An order on hold cannot be shipped — release it first'
      if (status === 'pending' || status === 'confirmed') return 'Nothing is packed yet — fulfil the order before shipping it'
      const packed = units ? units.fulfilled > units.shipped : !NOTHING_PACKED.includes(fulfillmentStatus) && !allShipped
      if (allShipped) return 'Everything on this order has already shipped'
      if (!packed) return 'Nothing is packed and waiting to ship — fulfil the remaining items first'
      return null
    }
    case 'refund':
      if (paymentStatus === 'refunded') return 'This order has been refunded in full'
      if (!REFUNDABLE.includes(paymentStatus)) return 'No payment has been captured on this order, so there is nothing to refund'
      return null
    case 'note':
    case 'tag':
    case 'assign':
      return null
  }
}

/** The actions to offer for this order and role. */
export function legalActions(order: OrderRuleFacts, role: Role): OrderAction[] {
  return ORDER_ACTIONS.filter((action) => refusalReason(action, order, role) === null)
}

/** Every action with its refusal (for disabled buttons with a reason). */
export function actionStates(order: OrderRuleFacts, role: Role): Record<OrderAction, { allowed: true } | { allowed: false; reason: string }> {
  return Object.fromEntries(
    ORDER_ACTIONS.map((action) => {
      const reason = refusalReason(action, order, role)
      return [action, reason === null ? { allowed: true } : { allowed: false, reason }]
    }),
  ) as Record<OrderAction, { allowed: true } | { allowed: false; reason: string }>
}

/** Where `release` takes an order on hold: back to processing once any unit is fulfilled, else confirmed. */
export function releasedStatus(units: Pick<OrderUnits, 'fulfilled'>): OrderStatus {
  return units.fulfilled > 0 ? 'processing' : 'confirmed'
}

/** Lower-cased, trimmed, inner whitespace collapsed to one dash; '' for a blank tag. */
export function normalizeTag(tag: string): string {
  return tag.trim().toLowerCase().replace(/\s+/g, '-')
}

/** Sums the lines' counters into the units the rules look at. */
export function orderUnits(
  lines: { quantityOrdered: number; quantityCancelled: number; quantityFulfilled: number; quantityShipped: number }[],
): OrderUnits {
  let active = 0
  let fulfilled = 0
  let shipped = 0
  for (const line of lines) {
    active += line.quantityOrdered - line.quantityCancelled
    fulfilled += line.quantityFulfilled
    shipped += line.quantityShipped
  }
  return { active, fulfilled, shipped }
}
