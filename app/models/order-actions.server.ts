import { randomUUID } from 'node:crypto'
import type { OrderFulfillmentStatus, OrderPaymentStatus, OrderStatus, Role } from '#app/generated/prisma/enums.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'
import { recordAudit } from './audit.server.ts'
import { rederiveOrderFulfillmentStatus } from './fulfillment.server.ts'
import { ACTION_ROLES, HOLD_REASON_MAX_LENGTH, normalizeTag, ORDER_NOTE_MAX_LENGTH, ORDER_TAG_MAX_LENGTH, ORDER_TAGS_MAX, refusalReason, releasedStatus, type OrderAction, type OrderUnits } from './order-rules.ts'
import { commitOrderStock, OutOfStockError, releaseOrderStock, reserveOrderStock } from './inventory.server.ts'
import { addOutboxMessage, dispatchOutbox } from './outbox.server.ts'
import { rederiveOrderPaymentStatus, requestAuthorizationVoids } from './payment.server.ts'
import { formatMoney } from '#app/utils/money.ts'

/**
 * Every action a person (or a bulk job on a person's behalf) takes on an order. The rules are order-rules.ts; this
 * module applies them to the locked row. Each action is one transaction:
 *   lock the order row (SELECT … FOR UPDATE) → refuse a stale version (StaleOrderError) → refuse what the rules or
 *   the lines forbid (IllegalTransitionError, with a sentence for the person) → write → re-derive paymentStatus /
 *   fulfillmentStatus → bump Order.version → one AuditLog row (`<action>:order`, before/after).
 * Outbound effects (refund, carrier label) are outbox rows in the same transaction, dispatched after the commit
 * (ADR 0006). Bulk actions call these per row without `expectedVersion`.
 */

export type Actor = { id: string; role: Role }
export type Ctx = { actor: Actor; expectedVersion?: number; requestId?: string | null }

export type OrderSummary = {
  id: string
  status: OrderStatus
  paymentStatus: OrderPaymentStatus
  fulfillmentStatus: OrderFulfillmentStatus
  version: number
}
/** The summary, and whether anything was written (false: nothing to do, e.g. a tag already there, a replayed refund). */
export type OrderActionResult = OrderSummary & { changed: boolean }

/** The order changed since the person loaded it (their expectedVersion is not the stored version). */
export class StaleOrderError extends Error {
  override name = 'StaleOrderError'
  constructor(
    readonly orderId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super('Someone changed this order since you opened it — reload to see their change')
  }
}

/** The action is not allowed now; the message says what and why ("A cancelled order cannot be shipped"). */
export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError'
  constructor(
    message: string,
    readonly action?: OrderAction,
  ) {
    super(message)
  }
}

/** The actor's role may not take this action (routes check permissions first; this is the model's own guard). */
export class OrderActionForbiddenError extends IllegalTransitionError {
  override name = 'OrderActionForbiddenError'
}

/** The action's input is unusable (blank reason, unknown line, too many tags…): a refusal like any other. */
export class InvalidOrderInputError extends IllegalTransitionError {
  override name = 'InvalidOrderInputError'
}

export class OrderNotFoundError extends Error {
  override name = 'OrderNotFoundError'
  constructor(readonly orderId: string) {
    super('Order not found')
  }
}

type Tx = Prisma.TransactionClient

type LockedOrder = OrderSummary & {
  currency: string
  tags: string[]
  assigneeId: string | null
  shippingAddress: Prisma.JsonValue | null
}

type Applied = {
  /** Order columns to write besides version (status, cancelledAt, tags…). */
  data?: Prisma.OrderUpdateInput
  /** What the audit entry records besides the statuses. */
  before?: Record<string, Prisma.InputJsonValue | null>
  after?: Record<string, Prisma.InputJsonValue | null>
  /** Outbox rows to dispatch after the commit. */
  outboxIds?: bigint[]
  /** Nothing to write: return the current summary, no version bump, no audit. */
  noop?: boolean
  /** Line counters, payments or fulfilments changed: re-derive the stored statuses. */
  rederive?: boolean
  extra?: Record<string, unknown>
}

const SUMMARY = { id: true, status: true, paymentStatus: true, fulfillmentStatus: true, version: true } as const

async function lockOrder(tx: Tx, orderId: string): Promise<LockedOrder> {
  const [row] = await tx.$queryRaw<LockedOrder[]>`
    select id, status::text as status, "paymentStatus"::text as "paymentStatus",
           "fulfillmentStatus"::text as "fulfillmentStatus", version, currency, tags, "assigneeId", "shippingAddress"
    from "Order" where id = ${orderId} for update`
  if (!row) throw new OrderNotFoundError(orderId)
  return row
}

async function loadUnits(tx: Tx, orderId: string): Promise<OrderUnits> {
  const [row] = await tx.$queryRaw<OrderUnits[]>`
    select coalesce(sum("quantityOrdered" - "quantityCancelled"), 0)::int as active,
           coalesce(sum("quantityFulfilled"), 0)::int as fulfilled,
           coalesce(sum("quantityShipped"), 0)::int as shipped
    from "OrderLine" where "orderId" = ${orderId}`
  return row ?? { active: 0, fulfilled: 0, shipped: 0 }
}

const statusOf = (o: OrderSummary) => ({ status: o.status, paymentStatus: o.paymentStatus, fulfillmentStatus: o.fulfillmentStatus, version: o.version })

function requireRole(action: OrderAction, actor: Actor) {
  if (ACTION_ROLES[action].includes(actor.role)) return
  const reason = refusalReason(action, { status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled' }, actor.role)
  throw new OrderActionForbiddenError(reason ?? `Your role cannot ${action} orders`, action)
}

type ActionOptions = {
  /** Runs after the lock, before the version check: a replayed request returns the stored result instead. */
  replay?: (tx: Tx, order: LockedOrder) => Promise<OrderActionResult | null>
}

/**
 * The frame every action runs in (see the module comment). `apply` runs with the row locked, the version checked
 * and the status-level rules passed; it does the action's own checks and writes.
 */
async function runOrderAction<Extra extends Record<string, unknown> = Record<string, never>>(
  action: OrderAction,
  orderId: string,
  ctx: Ctx,
  apply: (tx: Tx, order: LockedOrder, units: OrderUnits) => Promise<Applied>,
  options: ActionOptions = {},
): Promise<OrderActionResult & Partial<Extra>> {
  requireRole(action, ctx.actor)
  const { result, outboxIds } = await prisma.$transaction(
    (tx) => runOrderActionIn<Extra>(tx, action, orderId, ctx, apply, options),
    // Waiting for the row lock counts against the transaction: a busy order (a bulk job next to the page) may queue.
    { maxWait: 5_000, timeout: 15_000 },
  )
  if (outboxIds.length) await dispatchOutbox(outboxIds)
  return result
}

/** The action inside the caller's transaction; the caller dispatches `outboxIds` after its commit. */
async function runOrderActionIn<Extra extends Record<string, unknown> = Record<string, never>>(
  tx: Tx,
  action: OrderAction,
  orderId: string,
  ctx: Ctx,
  apply: (tx: Tx, order: LockedOrder, units: OrderUnits) => Promise<Applied>,
  options: ActionOptions = {},
): Promise<{ result: OrderActionResult & Partial<Extra>; outboxIds: bigint[] }> {
  requireRole(action, ctx.actor)
  const order = await lockOrder(tx, orderId)
  const replayed = options.replay ? await options.replay(tx, order) : null
  if (replayed) return { result: replayed as OrderActionResult & Partial<Extra>, outboxIds: [] }
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== order.version) {
    throw new StaleOrderError(orderId, ctx.expectedVersion, order.version)
  }
  const units = await loadUnits(tx, orderId)
  const refusal = refusalReason(action, { ...order, units }, ctx.actor.role)
  if (refusal) throw new IllegalTransitionError(refusal, action)

  const applied = await apply(tx, order, units)
  if (applied.noop) return { result: { ...statusOf(order), id: order.id, changed: false, ...applied.extra } as OrderActionResult & Partial<Extra>, outboxIds: [] }
  if (applied.rederive) {
    await rederiveOrderPaymentStatus(tx, orderId)
    await rederiveOrderFulfillmentStatus(tx, orderId)
  }
  const updated = await tx.order.update({
    where: { id: orderId },
    data: { ...applied.data, version: { increment: 1 } },
    select: SUMMARY,
  })
  await recordAudit(tx, {
    actorId: ctx.actor.id,
    action: `${action}:order`,
    entityType: 'order',
    entityId: orderId,
    before: { ...statusOf(order), ...applied.before },
    after: { ...statusOf(updated), ...applied.after },
    requestId: ctx.requestId ?? null,
  })
  return { result: { ...updated, changed: true, ...applied.extra } as OrderActionResult & Partial<Extra>, outboxIds: applied.outboxIds ?? [] }
}

function requireReason(reason: string | undefined | null, what: string, action: OrderAction): string {
  const text = (reason ?? '').trim()
  if (!text) throw new InvalidOrderInputError(`Give a reason for the ${what}`, action)
  if (text.length > HOLD_REASON_MAX_LENGTH) {
    throw new InvalidOrderInputError(`Keep the reason under ${HOLD_REASON_MAX_LENGTH} characters (this one has ${text.length})`, action)
  }
  return text
}

// ─── Lifecycle ──────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * pending → confirmed: the order is accepted, so its stock is reserved (app/models/inventory-stock.server.ts: every
 * line or none, by the documented location rule). Not enough stock refuses the confirmation and names each SKU short.
 */
export async function confirmOrder(orderId: string, ctx: Ctx) {
  return runOrderAction<{ reservedUnits: number }>('confirm', orderId, ctx, async (tx) => {
    let reserved
    try {
      ;({ reserved } = await reserveOrderStock(tx, { orderId, actorId: ctx.actor.id }))
    } catch (error) {
      if (error instanceof OutOfStockError) throw new IllegalTransitionError(`This order cannot be confirmed yet. ${error.message}`, 'confirm')
      throw error
    }
    const reservedUnits = reserved.reduce((sum, r) => sum + r.quantity, 0)
    return { data: { status: 'confirmed' }, ...(reservedUnits > 0 ? { after: { reservedUnits } } : {}) }
  })
}

/** pending / confirmed / processing → on_hold (not once everything has shipped). The reason is in the audit entry. */
export async function holdOrder(orderId: string, input: { reason: string }, ctx: Ctx) {
  const reason = requireReason(input.reason, 'hold', 'hold')
  return runOrderAction('hold', orderId, ctx, async () => ({ data: { status: 'on_hold' }, after: { reason } }))
}

/** on_hold → processing when any unit is fulfilled, else confirmed (order-rules.ts `releasedStatus`). */
export async function releaseOrder(orderId: string, ctx: Ctx) {
  return runOrderAction('release', orderId, ctx, async (_tx, _order, units) => ({ data: { status: releasedStatus(units) } }))
}

/**
 * Any live state → cancelled while nothing has shipped. Packed parcels without a carrier label are cancelled and their
 * units unpacked; every line's remaining units are cancelled (fulfilled 0, cancelled = ordered); open reservations
 * are released (InventoryLevel.reserved −= quantity, one `release` ledger entry each). A parcel with a carrier label
 * refuses the cancel (it may be on its way). Every payment-gateway authorization nothing was captured from is voided
 * (an outbox `payments.void` effect per payment, key `payments.void:<paymentId>`, in the same transaction: the hold
 * on the customer's card is released). Captured money is not touched: refunding is a separate action.
 */
export async function cancelOrder(orderId: string, input: { reason: string }, ctx: Ctx) {
  const reason = requireReason(input.reason, 'cancellation', 'cancel')
  return runOrderAction<{ releasedUnits: number; voidRequested: number }>('cancel', orderId, ctx, async (tx, order) => {
    const parcels = await tx.$queryRaw<Parcel[]>`
      select f.id, f."externalId", f."trackingNumber",
             (select o.status::text from "OutboxMessage" o where o."idempotencyKey" = ${'carrier.create-shipment:'} || f.id) as "labelRequest"
      from "Fulfillment" f
      where f."orderId" = ${orderId} and f."shippedAt" is null and f.status <> 'cancelled' order by f.id for update of f`
    const labelled = parcels.find((parcel) => parcel.externalId || parcel.trackingNumber)
    if (labelled) {
      throw new IllegalTransitionError(
        `A parcel of this order already has a carrier label${labelled.trackingNumber ? ` (tracking ${labelled.trackingNumber})` : ''} — it may be on its way, so the order cannot be cancelled; wait for the carrier's update and create a return if it ships`,
        'cancel',
      )
    }
    // A label request still waiting is harmless (the carrier effect refuses a cancelled parcel); one being bought
    // right now would come back for a cancelled parcel.
    if (parcels.some((parcel) => parcel.labelRequest === 'processing')) {
      throw new IllegalTransitionError('A carrier label is being bought for a parcel of this order right now — try again in a minute', 'cancel')
    }
    if (parcels.length) {
      await tx.fulfillment.updateMany({ where: { id: { in: parcels.map((p) => p.id) } }, data: { status: 'cancelled', version: { increment: 1 } } })
    }
    // Nothing has shipped (the rules checked), so every fulfilled unit sat in one of those parcels: unpack them all
    // and cancel every unit (the CHECK fulfilled + cancelled <= ordered holds with fulfilled = 0).
    await tx.$executeRaw`
      update "OrderLine" set "quantityFulfilled" = 0, "quantityCancelled" = "quantityOrdered", version = version + 1, "updatedAt" = now()
      where "orderId" = ${orderId}`
    const releasedUnits = await releaseOrderStock(tx, { orderId, actorId: ctx.actor.id, reason: `Order ${await orderNumber(tx, orderId)} cancelled` })
    const voids = await requestAuthorizationVoids(tx, orderId)
    return {
      data: { status: 'cancelled', cancelledAt: new Date(), cancelReason: reason },
      after: {
        reason,
        cancelledParcels: parcels.map((p) => p.id),
        releasedUnits,
        ...(voids.payments.length ? { voidRequested: voids.payments.map((payment) => ({ paymentId: payment.id, amount: payment.amount, currency: payment.currency })) } : {}),
      },
      outboxIds: voids.outboxIds,
      rederive: true,
      extra: { releasedUnits, voidRequested: voids.payments.length },
    }
  })
}

async function orderNumber(tx: Tx, orderId: string) {
  const row = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { number: true } })
  return row.number
}

export type FulfilLineInput = { orderLineId: string; quantity: number }

/**
 * confirmed / processing → processing: packs units into a new Fulfillment (status pending) with its lines and bumps
 * the lines' quantityFulfilled. No lines = every remaining unit. Asking for more than a line has left is refused.
 * The parcel's location is where the first of its lines has stock reserved (null when nothing is reserved).
 */
export async function fulfilOrder(orderId: string, input: { lines?: FulfilLineInput[] }, ctx: Ctx) {
  return runOrderAction<{ fulfillmentId: string }>('fulfil', orderId, ctx, async (tx) => {
    const lines = await tx.orderLine.findMany({
      where: { orderId },
      select: { id: true, sku: true, title: true, quantityOrdered: true, quantityCancelled: true, quantityFulfilled: true },
      orderBy: [{ position: 'asc' }, { id: 'asc' }],
    })
    const remaining = new Map(lines.map((line) => [line.id, line.quantityOrdered - line.quantityCancelled - line.quantityFulfilled]))
    let wanted: FulfilLineInput[]
    if (input.lines === undefined) {
      wanted = lines.map((line) => ({ orderLineId: line.id, quantity: remaining.get(line.id)! })).filter((line) => line.quantity > 0)
    } else {
      if (input.lines.length === 0) throw new InvalidOrderInputError('Choose at least one item to fulfil', 'fulfil')
      const summed = new Map<string, number>()
      for (const line of input.lines) {
        if (!Number.isInteger(line.quantity) || line.quantity < 0) {
          throw new InvalidOrderInputError('Quantities to fulfil are whole numbers of at least 1', 'fulfil')
        }
        if (!remaining.has(line.orderLineId)) throw new InvalidOrderInputError('That item is not on this order', 'fulfil')
        summed.set(line.orderLineId, (summed.get(line.orderLineId) ?? 0) + line.quantity)
      }
      wanted = [...summed].map(([orderLineId, quantity]) => ({ orderLineId, quantity })).filter((line) => line.quantity > 0)
      if (wanted.length === 0) throw new InvalidOrderInputError('Choose at least one item to fulfil', 'fulfil')
      for (const line of wanted) {
        const left = remaining.get(line.orderLineId)!
        if (line.quantity > left) {
          const info = lines.find((l) => l.id === line.orderLineId)!
          throw new IllegalTransitionError(
            left === 0
              ? `${info.title} (${info.sku}) is already fully fulfilled`
              : `Only ${left} of ${info.title} (${info.sku}) ${left === 1 ? 'is' : 'are'} left to fulfil — you asked for ${line.quantity}`,
            'fulfil',
          )
        }
      }
    }
    // The rules passed (units left > 0), so `wanted` is not empty here.
    const [reserved] = await tx.$queryRaw<{ locationId: string }[]>`
      select r."locationId" from "Reservation" r join "OrderLine" ol on ol.id = r."orderLineId"
      where r."orderLineId" = any(${wanted.map((w) => w.orderLineId)}::text[]) and r.status = 'open'
      order by ol.position, r."createdAt", r.id limit 1`
    const fulfillment = await tx.fulfillment.create({
      data: { orderId, locationId: reserved?.locationId ?? null, status: 'pending', lines: { createMany: { data: wanted } } },
      select: { id: true },
    })
    for (const line of wanted) {
      await tx.$executeRaw`
        update "OrderLine" set "quantityFulfilled" = "quantityFulfilled" + ${line.quantity}, version = version + 1, "updatedAt" = now()
        where id = ${line.orderLineId}`
    }
    return {
      data: { status: 'processing' },
      after: { fulfillmentId: fulfillment.id, lines: wanted },
      rederive: true,
      extra: { fulfillmentId: fulfillment.id },
    }
  })
}

export type ShipInput = { fulfillmentId?: string; carrier?: string | null; trackingNumber?: string | null }

type Parcel = {
  id: string
  externalId: string | null
  trackingNumber: string | null
  /** The latest carrier.create-shipment outbox row's status for this parcel, if a label was requested. */
  labelRequest: 'pending' | 'processing' | 'sent' | 'failed' | null
}

/**
 * Ships packed parcels (fulfilments not yet shipped or cancelled): the one given, or every one that can go.
 * - With a tracking number (shipped by hand): each parcel is marked shipped now (status in_transit, carrier,
 *   tracking), its units counted as shipped on the lines, and the lines' open reservations committed
 *   (onHand and reserved −= units, `commit` ledger entries). Refused for a parcel whose carrier label is requested
 *   or bought (the carrier integration will report it; marking it by hand would buy a second label).
 * - Without one (through the carrier integration): a `carrier.create-shipment` outbox row per parcel
 *   (idempotency key `carrier.create-shipment:<fulfillmentId>`), dispatched after the commit; the carrier effect
 *   buys the label and the carrier's updates mark it shipped. The order needs a shipping address.
 */
export async function shipOrder(orderId: string, input: ShipInput, ctx: Ctx) {
  const trackingNumber = input.trackingNumber?.trim() || null
  const carrier = input.carrier?.trim() || null
  return runOrderAction<{ fulfillmentIds: string[] }>('ship', orderId, ctx, async (tx, order): Promise<Applied> => {
    const parcels = await tx.$queryRaw<Parcel[]>`
      select f.id, f."externalId", f."trackingNumber",
             (select o.status::text from "OutboxMessage" o
               where o."idempotencyKey" = ${'carrier.create-shipment:'} || f.id) as "labelRequest"
      from "Fulfillment" f
      where f."orderId" = ${orderId} and f."shippedAt" is null and f.status <> 'cancelled'
      order by f."createdAt", f.id for update of f`
    const why = (parcel: Parcel): string | null => {
      // A tracking number on an unshipped parcel is the carrier's label (hand-shipped parcels are shipped at once).
      if (parcel.externalId || parcel.trackingNumber) {
        return `its carrier label is bought${parcel.trackingNumber ? ` (tracking ${parcel.trackingNumber})` : ''} — the carrier will report it shipped`
      }
      if (trackingNumber) {
        if (parcel.labelRequest && parcel.labelRequest !== 'failed') return 'a carrier label has been requested — wait for the carrier integration'
        return null
      }
      if (parcel.labelRequest === 'failed') return 'the carrier refused its label — replay it from the carrier integration or mark it shipped with a tracking number'
      if (parcel.labelRequest) return 'a carrier label has already been requested — the carrier integration will mark it shipped'
      return null
    }
    let targets: Parcel[]
    if (input.fulfillmentId) {
      const parcel = parcels.find((p) => p.id === input.fulfillmentId)
      if (!parcel) {
        const exists = await tx.fulfillment.findFirst({ where: { id: input.fulfillmentId, orderId }, select: { status: true, shippedAt: true } })
        throw new IllegalTransitionError(
          !exists ? 'That parcel is not part of this order' : exists.status === 'cancelled' ? 'That parcel was cancelled' : 'That parcel has already shipped',
          'ship',
        )
      }
      const reason = why(parcel)
      if (reason) throw new IllegalTransitionError(`This parcel cannot be shipped now: ${reason}`, 'ship')
      targets = [parcel]
    } else {
      if (parcels.length === 0) throw new IllegalTransitionError('Nothing is packed and waiting to ship — fulfil the remaining items first', 'ship')
      targets = parcels.filter((parcel) => why(parcel) === null)
      if (targets.length === 0) throw new IllegalTransitionError(`Nothing can be shipped now: ${why(parcels[0]!)}`, 'ship')
    }
    const ids = targets.map((t) => t.id)

    if (!trackingNumber) {
      if (!order.shippingAddress) {
        throw new IllegalTransitionError('This order has no shipping address — the carrier cannot make a label without one', 'ship')
      }
      const outboxIds: bigint[] = []
      for (const id of ids) {
        outboxIds.push(
          await addOutboxMessage(tx, { topic: 'carrier.create-shipment', payload: { fulfillmentId: id }, idempotencyKey: `carrier.create-shipment:${id}` }),
        )
      }
      return { after: { fulfillmentIds: ids, via: 'carrier' }, outboxIds, extra: { fulfillmentIds: ids } }
    }

    const now = new Date()
    await tx.fulfillment.updateMany({
      where: { id: { in: ids } },
      data: { status: 'in_transit', shippedAt: now, carrier, trackingNumber, version: { increment: 1 } },
    })
    const shippedLines = await tx.$queryRaw<{ orderLineId: string; variantId: string | null; quantity: number }[]>`
      select fl."orderLineId", ol."variantId", sum(fl.quantity)::int as quantity
      from "FulfillmentLine" fl join "OrderLine" ol on ol.id = fl."orderLineId"
      where fl."fulfillmentId" = any(${ids}::text[])
      group by fl."orderLineId", ol."variantId", ol.position order by ol.position, fl."orderLineId"`
    for (const line of shippedLines) {
      await tx.$executeRaw`
        update "OrderLine" set "quantityShipped" = "quantityShipped" + ${line.quantity}, version = version + 1, "updatedAt" = now()
        where id = ${line.orderLineId}`
    }
    const committedUnits = await commitShippedStock(tx, { orderId, fulfillmentIds: ids, actorId: ctx.actor.id })
    return {
      after: { fulfillmentIds: ids, via: 'manual', carrier, trackingNumber, committedUnits },
      rederive: true,
      extra: { fulfillmentIds: ids },
    }
  })
}

/**
 * The units of these parcels have left the warehouse (call once, when they first ship, with the order row locked):
 * each line's open reservations are committed oldest first (a reservation larger than what shipped is split: the
 * shipped part committed, the rest stays open), the level's onHand and reserved drop by the committed units (as far
 * as the level holds them), with a `commit` ledger entry each. Returns the units committed. shipOrder uses it for
 * parcels shipped by hand; the carrier sync should call it where applyShipment first marks a parcel shipped
 * (actorId null: the system).
 */
export async function commitShippedStock(tx: Tx, input: { orderId: string; fulfillmentIds: string[]; actorId: string | null }) {
  const lines = await tx.$queryRaw<{ orderLineId: string; variantId: string | null; quantity: number }[]>`
    select fl."orderLineId", ol."variantId", sum(fl.quantity)::int as quantity
    from "FulfillmentLine" fl join "OrderLine" ol on ol.id = fl."orderLineId"
    where fl."fulfillmentId" = any(${input.fulfillmentIds}::text[]) and ol."orderId" = ${input.orderId}
    group by fl."orderLineId", ol."variantId", ol.position order by ol.position, fl."orderLineId"`
  return commitOrderStock(tx, { orderId: input.orderId, actorId: input.actorId, reason: `Order ${await orderNumber(tx, input.orderId)} shipped`, lines })
}

/**
 * processing → completed once everything active has been delivered (the carrier's updates move fulfillmentStatus to
 * `delivered`; no person "completes" an order). Call in the transaction that re-derived the fulfilment status, with
 * the order row locked (applyShipment does both). A system change: audited with no actor. Returns whether it completed.
 */
export async function completeOrderIfDelivered(tx: Tx, orderId: string): Promise<boolean> {
  const [row] = await tx.$queryRaw<OrderSummary[]>`
    update "Order" set status = 'completed', "closedAt" = now(), version = version + 1, "updatedAt" = now()
    where id = ${orderId} and status = 'processing' and "fulfillmentStatus" = 'delivered'
    returning id, status::text as status, "paymentStatus"::text as "paymentStatus", "fulfillmentStatus"::text as "fulfillmentStatus", version`
  if (!row) return false
  await recordAudit(tx, {
    actorId: null,
    action: 'complete:order',
    entityType: 'order',
    entityId: orderId,
    before: { ...statusOf(row), status: 'processing', version: row.version - 1 },
    after: { ...statusOf(row), reason: 'every item delivered' },
  })
  return true
}

// ─── Money ──────────────────────────────────────────────────────────────────────────────────────────────────────

export type RefundInput = {
  /** Minor units, at least 1 and at most what is captured and not yet refunded (or being refunded). */
  amount: number
  reason: string
  /** Which items it is for (recorded in the audit entry; the amount is what is refunded). */
  lines?: FulfilLineInput[]
  /**
   * Chosen by the client once per refund form (e.g. a UUID in a hidden field): the same key for the same order is the
   * same refund, so a double submit or a retried request creates one Refund and one provider call.
   */
  requestKey?: string
}

const REQUEST_KEY = /^[A-Za-z0-9_.:-]{1,100}$/

/**
 * Refunds captured money through the payment integration: a pending Refund row on the payment with the most left to
 * refund + a `payments.refund` outbox row { refundId }, both keyed by (orderId, requestKey). The provider's answer
 * marks it succeeded and moves paymentStatus (payments effect); until then the amount counts as in progress, so two
 * refunds cannot together exceed what was captured. A replayed requestKey returns the order as it is (changed:false).
 */
export async function refundOrder(orderId: string, input: RefundInput, ctx: Ctx) {
  const { apply, options } = refundSteps(orderId, input, ctx)
  return runOrderAction<{ refundId: string }>('refund', orderId, ctx, apply, options)
}

/**
 * refundOrder inside the caller's transaction (a return's resolution: the Refund row, its `payments.refund` outbox row
 * and the return's link to it commit together or not at all). The caller dispatches `outboxIds` after its commit.
 */
export async function refundOrderIn(tx: Tx, orderId: string, input: RefundInput, ctx: Ctx) {
  const { apply, options } = refundSteps(orderId, input, ctx)
  return runOrderActionIn<{ refundId: string }>(tx, 'refund', orderId, ctx, apply, options)
}

/** The refund's checks and writes (run with the order row locked), and its replay: the same request key again. */
function refundSteps(orderId: string, input: RefundInput, ctx: Ctx): { apply: (tx: Tx, order: LockedOrder) => Promise<Applied>; options: ActionOptions } {
  const reason = requireReason(input.reason, 'refund', 'refund')
  if (!Number.isInteger(input.amount) || input.amount < 1) {
    throw new InvalidOrderInputError('The refund amount must be a positive amount', 'refund')
  }
  if (input.requestKey !== undefined && !REQUEST_KEY.test(input.requestKey)) {
    throw new InvalidOrderInputError('The refund request key is malformed — reload the page and try again', 'refund')
  }
  const key = input.requestKey ?? randomUUID()
  const refundKey = `refund:${orderId}:${key}`
  return {
    apply: async (tx, order) => {
      if (input.lines?.length) {
        const known = await tx.orderLine.findMany({ where: { orderId, id: { in: input.lines.map((l) => l.orderLineId) } }, select: { id: true, quantityOrdered: true } })
        for (const line of input.lines) {
          const found = known.find((k) => k.id === line.orderLineId)
          if (!found) throw new InvalidOrderInputError('That item is not on this order', 'refund')
          if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > found.quantityOrdered) {
            throw new InvalidOrderInputError(`Refund between 1 and ${found.quantityOrdered} of that item`, 'refund')
          }
        }
      }
      const payments = await tx.$queryRaw<{ id: string; captured: number; refunded: number; inFlight: number }[]>`
        select p.id, p."capturedAmount" as captured, p."refundedAmount" as refunded,
               coalesce((select sum(r.amount) from "Refund" r where r."paymentId" = p.id and r.status = 'pending'), 0)::int as "inFlight"
        from "Payment" p
        where p."orderId" = ${orderId} and p.status in ('captured', 'partially_refunded', 'refunded') and p."capturedAmount" > 0
        order by p."createdAt", p.id for update of p`
      const captured = payments.reduce((sum, p) => sum + p.captured, 0)
      const gone = payments.reduce((sum, p) => sum + p.refunded + p.inFlight, 0)
      const left = Math.max(0, captured - gone)
      const money = (amount: number) => formatMoney(amount, order.currency)
      if (left === 0) {
        throw new IllegalTransitionError(
          gone > 0 ? `Everything captured (${money(captured)}) has been refunded or is being refunded` : 'No payment has been captured on this order, so there is nothing to refund',
          'refund',
        )
      }
      if (input.amount > left) {
        throw new IllegalTransitionError(
          `You can refund at most ${money(left)} (captured ${money(captured)}, refunded or being refunded ${money(gone)})`,
          'refund',
        )
      }
      const best = payments
        .map((p) => ({ id: p.id, left: p.captured - p.refunded - p.inFlight }))
        .sort((a, b) => b.left - a.left)[0]!
      if (input.amount > best.left) {
        throw new IllegalTransitionError(`At most ${money(best.left)} can be refunded in one go (the largest payment's remainder) — split the refund`, 'refund')
      }
      const refund = await tx.refund.create({
        data: { orderId, paymentId: best.id, amount: input.amount, currency: order.currency, reason, status: 'pending', idempotencyKey: refundKey, createdById: ctx.actor.id },
        select: { id: true },
      })
      const outboxId = await addOutboxMessage(tx, { topic: 'payments.refund', payload: { refundId: refund.id }, idempotencyKey: `payments.refund:${orderId}:${key}` })
      return {
        after: { refundId: refund.id, amount: input.amount, currency: order.currency, reason, lines: input.lines ?? null },
        outboxIds: [outboxId],
        rederive: true,
        extra: { refundId: refund.id },
      }
    },
    options: {
      async replay(tx, order) {
        const existing = await tx.refund.findUnique({ where: { idempotencyKey: refundKey }, select: { id: true, amount: true } })
        if (!existing) return null
        if (existing.amount !== input.amount) {
          throw new InvalidOrderInputError(
            `This refund was already submitted for ${formatMoney(existing.amount, order.currency)} — reload the page to refund again`,
            'refund',
          )
        }
        return { ...statusOf(order), id: order.id, changed: false, refundId: existing.id } as OrderActionResult
      },
    },
  }
}

// ─── Bookkeeping: notes, tags, assignee ─────────────────────────────────────────────────────────────────────────

/** An internal note (staff only). Support may add notes too (order-rules.ts). */
export async function addOrderNote(orderId: string, input: { body: string }, ctx: Ctx) {
  const body = (input.body ?? '').trim()
  if (!body) throw new InvalidOrderInputError('Write something in the note', 'note')
  if (body.length > ORDER_NOTE_MAX_LENGTH) {
    throw new InvalidOrderInputError(`Keep notes under ${ORDER_NOTE_MAX_LENGTH.toLocaleString('en-GB')} characters (this one has ${body.length.toLocaleString('en-GB')})`, 'note')
  }
  return runOrderAction<{ noteId: string }>('note', orderId, ctx, async (tx) => {
    const note = await tx.orderNote.create({ data: { orderId, authorId: ctx.actor.id, body }, select: { id: true } })
    return { after: { noteId: note.id, excerpt: body.slice(0, 200) }, extra: { noteId: note.id } }
  })
}

/**
 * Adds and removes tags (lower-cased, trimmed, inner spaces → '-'; a tag in both lists ends up removed). At most
 * 20 tags of at most 40 characters. Nothing to change = no write (changed:false).
 */
export async function setOrderTags(orderId: string, input: { add?: string[]; remove?: string[] }, ctx: Ctx) {
  const clean = (tags: string[] | undefined) => {
    const out: string[] = []
    for (const raw of tags ?? []) {
      const tag = normalizeTag(raw)
      if (!tag) continue
      if (tag.length > ORDER_TAG_MAX_LENGTH) throw new InvalidOrderInputError(`Tags are at most ${ORDER_TAG_MAX_LENGTH} characters ("${tag.slice(0, 20)}…")`, 'tag')
      if (tag.includes(',')) throw new InvalidOrderInputError(`A tag cannot contain a comma ("${tag}")`, 'tag')
      if (!out.includes(tag)) out.push(tag)
    }
    return out
  }
  const add = clean(input.add)
  const remove = clean(input.remove)
  if (add.length === 0 && remove.length === 0) throw new InvalidOrderInputError('Give at least one tag to add or remove', 'tag')
  return runOrderAction('tag', orderId, ctx, async (_tx, order) => {
    const next = [...order.tags, ...add.filter((tag) => !order.tags.includes(tag))].filter((tag) => !remove.includes(tag))
    const same = next.length === order.tags.length && next.every((tag, i) => tag === order.tags[i])
    if (same) return { noop: true }
    if (next.length > ORDER_TAGS_MAX) {
      throw new IllegalTransitionError(`An order can have at most ${ORDER_TAGS_MAX} tags — this would make ${next.length}`, 'tag')
    }
    return { data: { tags: next }, before: { tags: order.tags }, after: { tags: next } }
  })
}

/** Assigns the order to an active operations or admin user, or unassigns it (null). Same assignee = no write. */
export async function assignOrder(orderId: string, input: { assigneeId: string | null }, ctx: Ctx) {
  return runOrderAction('assign', orderId, ctx, async (tx, order) => {
    if (input.assigneeId === order.assigneeId) return { noop: true }
    if (input.assigneeId !== null) {
      const user = await tx.user.findUnique({ where: { id: input.assigneeId }, select: { name: true, role: true, disabledAt: true } })
      if (!user) throw new InvalidOrderInputError('That person does not exist', 'assign')
      if (user.disabledAt) throw new InvalidOrderInputError(`${user.name}'s account is disabled, so orders cannot be assigned to them`, 'assign')
      if (user.role !== 'operations' && user.role !== 'admin') {
        throw new InvalidOrderInputError(`Orders are assigned to operations staff or admins; ${user.name} is ${user.role === 'support' ? 'in support' : 'a manager'}`, 'assign')
      }
    }
    return {
      data: { assignee: input.assigneeId === null ? { disconnect: true } : { connect: { id: input.assigneeId } } },
      before: { assigneeId: order.assigneeId },
      after: { assigneeId: input.assigneeId },
    }
  })
}
