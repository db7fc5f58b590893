import type { ReturnDisposition, ReturnReasonCode, ReturnResolution, ReturnStatus } from '#app/generated/prisma/enums.ts'
import { prisma, type Prisma } from '#app/utils/db.server.ts'
import { recordAudit } from './audit.server.ts'
import { InventoryInputError, OutOfStockError, reserveOrderStock, restockReturnedUnits } from './inventory.server.ts'
import { rederiveOrderFulfillmentStatus } from './fulfillment.server.ts'
import { IllegalTransitionError, refundOrderIn, type Actor, type Ctx } from './order-actions.server.ts'
import { addOutboxMessage, dispatchOutbox } from './outbox.server.ts'
import { startClock, stopClock } from './sla/clock.server.ts'
import {
  OPEN_RETURN_STATUSES,
  REASON_LABELS,
  RETURN_ACTION_RULES,
  RETURN_NOTE_MAX_LENGTH,
  RETURN_REASON_MAX_LENGTH,
  RETURN_REFUND_SLA_MINUTES,
  returnableQuantity,
  returnRefusal,
  type ReturnAction,
} from './return-rules.ts'

/**
 * Every step of a return (RMA), for people and for the carrier integration. The rules are return-rules.ts; this module
 * applies them to the locked rows. Each step is one transaction:
 *   lock the order row, then the return row (SELECT … FOR UPDATE; the order first, as every order action does, so a
 *   return step and an order action never deadlock) → refuse a stale version (StaleReturnError) → refuse what the
 *   rules forbid (IllegalReturnActionError, a sentence for the person) → write → bump Return.version → one AuditLog
 *   row (`<action>:return`, before/after) → dispatch outbox rows after the commit.
 * Money goes through the order's refund path (refundOrderIn: payments outbox, idempotency key); stock through the
 * inventory model (restockReturnedUnits / reserveOrderStock) — this module never writes stock levels or ledger rows.
 */

export type { Actor, Ctx }
type Tx = Prisma.TransactionClient

export type ReturnActionResult = { id: string; number: string; status: ReturnStatus; version: number; changed: boolean }

export class ReturnNotFoundError extends Error {
  override name = 'ReturnNotFoundError'
  constructor(readonly returnId: string) {
    super('Return not found')
  }
}

export class StaleReturnError extends Error {
  override name = 'StaleReturnError'
  constructor(
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super('Someone changed this return since you opened it — reload to see their change')
  }
}

/** The step is not allowed now (state, role, amounts, stock); the message says what and why. */
export class IllegalReturnActionError extends Error {
  override name = 'IllegalReturnActionError'
  constructor(
    message: string,
    readonly action?: ReturnAction | 'request',
  ) {
    super(message)
  }
}

export class ReturnForbiddenError extends IllegalReturnActionError {
  override name = 'ReturnForbiddenError'
}

/** Unusable input, with a message per field (`line.<id>`, `ticketId`, …) for the form. */
export class ReturnInputError extends IllegalReturnActionError {
  override name = 'ReturnInputError'
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string> = {},
    action?: ReturnAction | 'request',
  ) {
    super(message, action)
  }
}

type LockedReturn = {
  id: string
  number: string
  orderId: string
  status: ReturnStatus
  version: number
  ticketId: string | null
}

async function lockOrderRow(tx: Tx, orderId: string) {
  const [row] = await tx.$queryRaw<{ id: string; number: string; currency: string; status: string }[]>`
    select id, number, currency, status::text as status from "Order" where id = ${orderId} for update`
  return row ?? null
}

async function lockReturn(tx: Tx, returnId: string): Promise<LockedReturn> {
  const head = await tx.return.findUnique({ where: { id: returnId }, select: { orderId: true } })
  if (!head) throw new ReturnNotFoundError(returnId)
  await lockOrderRow(tx, head.orderId)
  const [row] = await tx.$queryRaw<LockedReturn[]>`
    select id, number, "orderId", status::text as status, version, "ticketId" from "Return" where id = ${returnId} for update`
  if (!row) throw new ReturnNotFoundError(returnId)
  return row
}

function requireText(value: string | null | undefined, message: string, max = RETURN_REASON_MAX_LENGTH, field = 'reason'): string {
  const text = (value ?? '').trim()
  if (!text) throw new ReturnInputError(message, { [field]: message })
  if (text.length > max) throw new ReturnInputError(`Keep it under ${max} characters`, { [field]: `Keep it under ${max} characters` })
  return text
}

type Applied = {
  data?: Prisma.ReturnUpdateInput
  after?: Record<string, Prisma.InputJsonValue | null>
  outboxIds?: bigint[]
}

/**
 * The frame every person's step runs in (see the module comment). `apply` runs with the rows locked, the version
 * checked and the state rule passed; the status moves to the action's `to`.
 */
async function runReturnAction(
  action: ReturnAction,
  returnId: string,
  ctx: Ctx,
  apply: (tx: Tx, ret: LockedReturn) => Promise<Applied>,
): Promise<ReturnActionResult> {
  // From a state the action starts from, the only possible refusal is the role's (the state is checked when locked).
  const byRole = returnRefusal(action, RETURN_ACTION_RULES[action].from[0]!, ctx.actor.role)
  if (byRole) throw new ReturnForbiddenError(byRole, action)
  const { result, outboxIds } = await prisma.$transaction(
    async (tx) => {
      const ret = await lockReturn(tx, returnId)
      if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== ret.version) throw new StaleReturnError(ctx.expectedVersion, ret.version)
      const refusal = returnRefusal(action, ret.status, ctx.actor.role)
      if (refusal) throw new IllegalReturnActionError(refusal, action)
      const applied = await apply(tx, ret)
      const to = RETURN_ACTION_RULES[action].to
      const updated = await tx.return.update({
        where: { id: returnId },
        data: { ...applied.data, status: to, version: { increment: 1 } },
        select: { id: true, number: true, status: true, version: true },
      })
      await recordAudit(tx, {
        actorId: ctx.actor.id,
        action: `${action}:return`,
        entityType: 'return',
        entityId: returnId,
        before: { status: ret.status, version: ret.version },
        after: { status: updated.status, version: updated.version, ...applied.after },
        requestId: ctx.requestId ?? null,
      })
      return { result: { ...updated, changed: true }, outboxIds: applied.outboxIds ?? [] }
    },
    { maxWait: 5_000, timeout: 15_000 },
  )
  if (outboxIds.length) await dispatchOutbox(outboxIds)
  return result
}

/** The return's one SLA clock: from receipt until it is resolved (refunded, exchanged, credited or closed). */
export const refundClock = (returnId: string) => ({ subjectType: 'return', subjectId: returnId, metric: 'resolution' as const })

// ─── Request ────────────────────────────────────────────────────────────────────────────────────────────────────

export type ReturnableLine = {
  id: string
  sku: string
  title: string
  variantTitle: string | null
  unitPriceAmount: number
  quantityOrdered: number
  quantityShipped: number
  quantityReturned: number
  quantityOnOpenReturns: number
  returnable: number
}

/** The order's lines with how many units of each can still be asked back (the request form's rows). */
export async function getReturnableLines(db: Tx | typeof prisma, orderId: string): Promise<ReturnableLine[]> {
  const rows = await db.$queryRaw<Omit<ReturnableLine, 'returnable'>[]>`
    select ol.id, ol.sku, ol.title, ol."variantTitle", ol."unitPriceAmount", ol."quantityOrdered", ol."quantityShipped", ol."quantityReturned",
           coalesce((select sum(rl."quantityRequested") from "ReturnLine" rl join "Return" r on r.id = rl."returnId"
                     where rl."orderLineId" = ol.id and r.status::text = any(${[...OPEN_RETURN_STATUSES]}::text[])), 0)::int as "quantityOnOpenReturns"
    from "OrderLine" ol where ol."orderId" = ${orderId} order by ol.position, ol.id`
  return rows.map((row) => ({ ...row, returnable: returnableQuantity(row) }))
}

/** What the request form shows about the order (null when there is no such order). */
export async function getOrderForReturnRequest(orderId: string) {
  const order = await prisma.order.findUnique({
    where: { id: orderId },
    select: { id: true, number: true, customerName: true, customerEmail: true, currency: true, status: true, fulfillmentStatus: true },
  })
  if (!order) return null
  return { order, lines: await getReturnableLines(prisma, orderId) }
}

/** The ticket a return is requested from, for the form (null when unknown). */
export async function getTicketForReturnRequest(ticketId: string) {
  return prisma.ticket.findUnique({ where: { id: ticketId }, select: { id: true, number: true, subject: true, orderId: true } })
}

export type RequestReturnInput = {
  orderId: string
  ticketId?: string | null
  lines: Array<{ orderLineId: string; quantity: number; reasonCode: ReturnReasonCode }>
  /** What the customer said (shown on the return). */
  customerNote?: string | null
}

/**
 * A new return (status requested) for shipped, not yet returned units of one order: at most what is returnable per
 * line (shipped − returned − on open returns, counted with the order row locked so two requests cannot both take the
 * last unit). From a ticket: the ticket must be about this order (or about none), and gets an internal note linking
 * the return. Allowed to every role with create:return (support included).
 */
export async function requestReturn(input: RequestReturnInput, ctx: Ctx): Promise<ReturnActionResult & { orderNumber: string }> {
  if (!['support', 'operations', 'admin'].includes(ctx.actor.role)) {
    throw new ReturnForbiddenError('Your role cannot request returns', 'request')
  }
  const note = (input.customerNote ?? '').trim() || null
  if (note && note.length > RETURN_NOTE_MAX_LENGTH) {
    throw new ReturnInputError(`Keep the note under ${RETURN_NOTE_MAX_LENGTH} characters`, { note: `Keep the note under ${RETURN_NOTE_MAX_LENGTH} characters` }, 'request')
  }
  const wanted = input.lines.filter((line) => line.quantity !== 0)
  if (wanted.length === 0) throw new ReturnInputError('Choose at least one item to return', { lines: 'Choose at least one item to return' }, 'request')
  return prisma.$transaction(
    async (tx) => {
      const order = await lockOrderRow(tx, input.orderId)
      if (!order) throw new ReturnInputError('That order does not exist', { orderId: 'That order does not exist' }, 'request')
      const lines = await getReturnableLines(tx, input.orderId)
      const fieldErrors: Record<string, string> = {}
      const seen = new Set<string>()
      for (const want of wanted) {
        const line = lines.find((candidate) => candidate.id === want.orderLineId)
        const field = `line.${want.orderLineId}`
        if (!line || seen.has(want.orderLineId)) {
          fieldErrors[field] = 'That item is not on this order'
          continue
        }
        seen.add(line.id)
        if (!Number.isInteger(want.quantity) || want.quantity < 0) fieldErrors[field] = 'Whole numbers only'
        else if (line.returnable === 0) fieldErrors[field] = line.quantityShipped === 0 ? 'Nothing of this item has shipped yet' : 'Every shipped unit of this item is already returned or on a return'
        else if (want.quantity > line.returnable) fieldErrors[field] = `At most ${line.returnable} can be returned`
      }
      if (Object.keys(fieldErrors).length) throw new ReturnInputError('Some quantities cannot be returned', fieldErrors, 'request')

      let ticket: { id: string; number: number; orderId: string | null } | null = null
      if (input.ticketId) {
        ticket = await tx.ticket.findUnique({ where: { id: input.ticketId }, select: { id: true, number: true, orderId: true } })
        if (!ticket) throw new ReturnInputError('That ticket does not exist', { ticketId: 'That ticket does not exist' }, 'request')
        if (ticket.orderId && ticket.orderId !== input.orderId) {
          throw new ReturnInputError(`Ticket #${ticket.number} is about another order`, { ticketId: `Ticket #${ticket.number} is about another order` }, 'request')
        }
      }

      const [{ number }] = (await tx.$queryRaw<{ number: string }[]>`select 'RMA-' || nextval('return_number_seq') as number`) as [{ number: string }]
      const codes = [...new Set(wanted.map((line) => line.reasonCode))]
      const head = await tx.order.findUniqueOrThrow({ where: { id: input.orderId }, select: { customerId: true } })
      const created = await tx.return.create({
        data: {
          number,
          orderId: input.orderId,
          customerId: head.customerId,
          status: 'requested',
          reason: codes.map((code) => REASON_LABELS[code]).join(', '),
          note,
          ticketId: ticket?.id ?? null,
          requestedAt: new Date(),
          lines: { create: wanted.map((line) => ({ orderLineId: line.orderLineId, quantityRequested: line.quantity, reasonCode: line.reasonCode })) },
        },
        select: { id: true, number: true, status: true, version: true },
      })
      const units = wanted.reduce((sum, line) => sum + line.quantity, 0)
      if (ticket) {
        // The link back from the ticket: an internal note (agents only), so the ticket's thread says what was done.
        await tx.ticketMessage.create({
          data: {
            ticketId: ticket.id,
            kind: 'internal_note',
            authorId: ctx.actor.id,
            body: `Return ${number} requested for order ${order.number}: ${units} unit${units === 1 ? '' : 's'} (${codes.map((code) => REASON_LABELS[code]).join(', ')}). /returns/${created.id}`,
          },
          select: { id: true },
        })
      }
      await recordAudit(tx, {
        actorId: ctx.actor.id,
        action: 'request:return',
        entityType: 'return',
        entityId: created.id,
        after: { status: 'requested', orderId: input.orderId, ticketId: ticket?.id ?? null, units, lines: wanted, note },
        requestId: ctx.requestId ?? null,
      })
      return { ...created, changed: true, orderNumber: order.number }
    },
    { maxWait: 5_000, timeout: 15_000 },
  )
}

// ─── Approve / reject / label / ship ────────────────────────────────────────────────────────────────────────────

/** The carrier effect's key: one label per return, whoever asks and however often. */
export const returnLabelKey = (returnId: string) => `carrier.return-label:${returnId}`

/**
 * requested → approved. With `buyLabel` (the default) the carrier integration is asked for a return label through
 * the outbox (deterministic key: one label per return); without, the customer sends it back their own way.
 */
export async function approveReturn(returnId: string, input: { buyLabel?: boolean; note?: string | null }, ctx: Ctx) {
  const note = (input.note ?? '').trim() || null
  if (note && note.length > RETURN_REASON_MAX_LENGTH) throw new ReturnInputError(`Keep it under ${RETURN_REASON_MAX_LENGTH} characters`, { note: `Keep it under ${RETURN_REASON_MAX_LENGTH} characters` }, 'approve')
  const buyLabel = input.buyLabel ?? true
  return runReturnAction('approve', returnId, ctx, async (tx) => {
    const outboxIds = buyLabel ? [await addOutboxMessage(tx, { topic: 'carrier.return-label', payload: { returnId }, idempotencyKey: returnLabelKey(returnId) })] : []
    return { data: { approvedAt: new Date() }, after: { buyLabel, note }, outboxIds }
  })
}

/** requested → rejected, with the reason (shown on the return and in the audit entry). */
export async function rejectReturn(returnId: string, input: { reason: string }, ctx: Ctx) {
  const reason = requireText(input.reason, 'Say why the return is rejected')
  return runReturnAction('reject', returnId, ctx, async () => ({ data: { rejectedAt: new Date(), rejectReason: reason }, after: { reason } }))
}

/**
 * The carrier integration stored the return label it bought (carrier effect `carrier.return-label`): label fields on
 * the return; an approved return moves to label_created (return-rules.ts `label`), any other status is kept (a
 * retried job stores the same label again; a return cancelled while its label was being bought stays cancelled).
 * A new label is audited as the system's step. Call inside the effect's transaction.
 */
export async function applyReturnLabel(tx: Tx, input: { returnId: string; carrier: string; trackingNumber: string; labelUrl: string }) {
  const before = await tx.return.findUnique({ where: { id: input.returnId }, select: { status: true, version: true, trackingNumber: true } })
  if (!before) throw new ReturnNotFoundError(input.returnId)
  const from = RETURN_ACTION_RULES.label.from.map(String)
  // One statement, so a person's step at the same moment is not overwritten with a stale status.
  const [row] = await tx.$queryRaw<{ status: ReturnStatus; version: number }[]>`
    update "Return"
    set carrier = ${input.carrier}, "trackingNumber" = ${input.trackingNumber}, "labelUrl" = ${input.labelUrl},
        status = case when status::text = any(${from}::text[]) then ${RETURN_ACTION_RULES.label.to}::"ReturnStatus" else status end,
        version = version + 1, "updatedAt" = now()
    where id = ${input.returnId}
    returning status::text as status, version`
  if (before.trackingNumber !== input.trackingNumber) {
    await recordAudit(tx, {
      actorId: null,
      action: 'label:return',
      entityType: 'return',
      entityId: input.returnId,
      before: { status: before.status, version: before.version },
      after: { status: row!.status, version: row!.version, carrier: input.carrier, trackingNumber: input.trackingNumber, labelUrl: input.labelUrl },
    })
  }
  return { status: row!.status }
}

/**
 * The carrier's tracking of a return parcel (webhook `return_label.updated` or a pull of `/return-labels`), matched by
 * the label's reference (= Return.id) and tracking number: once the carrier has the parcel (in transit or delivered
 * back) an approved / label_created return moves to in_transit, audited as the system's `ship` step. Delivery at the
 * warehouse does not receive the return: a person counts what came back. Anything else (another label, an older
 * state, a return already further on, cancelled or rejected) changes nothing. Call inside a transaction.
 */
export async function applyReturnTracking(
  tx: Tx,
  input: { returnId: string; trackingNumber: string; status: 'label_created' | 'in_transit' | 'delivered'; at: Date },
): Promise<'updated' | 'unchanged' | 'skipped'> {
  if (input.status === 'label_created') return 'unchanged'
  const from = RETURN_ACTION_RULES.ship.from.map(String)
  const [row] = await tx.$queryRaw<{ id: string; status: ReturnStatus; version: number }[]>`
    update "Return" set status = 'in_transit', "inTransitAt" = ${input.at}, version = version + 1, "updatedAt" = now()
    where id = ${input.returnId} and "trackingNumber" = ${input.trackingNumber} and status::text = any(${from}::text[])
    returning id, status::text as status, version`
  if (!row) {
    const exists = await tx.return.findUnique({ where: { id: input.returnId }, select: { id: true } })
    return exists ? 'unchanged' : 'skipped'
  }
  await recordAudit(tx, {
    actorId: null,
    action: 'ship:return',
    entityType: 'return',
    entityId: row.id,
    before: { version: row.version - 1 },
    after: { status: row.status, version: row.version, trackingNumber: input.trackingNumber, via: 'carrier', carrierStatus: input.status },
  })
  return 'updated'
}

/** approved / label_created → in_transit: the customer sent it (tracking from the label, or typed in). */
export async function markReturnInTransit(returnId: string, input: { carrier?: string | null; trackingNumber?: string | null }, ctx: Ctx) {
  const carrier = (input.carrier ?? '').trim() || null
  const trackingNumber = (input.trackingNumber ?? '').trim() || null
  if ((carrier?.length ?? 0) > 60 || (trackingNumber?.length ?? 0) > 60) {
    throw new ReturnInputError('Carrier and tracking number are at most 60 characters', { trackingNumber: 'At most 60 characters' }, 'ship')
  }
  return runReturnAction('ship', returnId, ctx, async () => ({
    data: { inTransitAt: new Date(), ...(trackingNumber ? { trackingNumber, carrier } : {}) },
    after: { carrier, trackingNumber },
  }))
}

/** Before receipt → cancelled, with the reason. A label request still in the outbox is refused by the carrier effect. */
export async function cancelReturn(returnId: string, input: { reason: string }, ctx: Ctx) {
  const reason = requireText(input.reason, 'Say why the return is cancelled')
  return runReturnAction('cancel', returnId, ctx, async () => ({ data: { cancelledAt: new Date(), cancelReason: reason }, after: { reason } }))
}

// ─── Receive and disposition ────────────────────────────────────────────────────────────────────────────────────

export type ReceiveLineInput = { returnLineId: string; received: number; damaged: number }

/**
 * The parcel arrived: per line how many units came back (≤ requested; fewer is a partial receipt) and how many of
 * those are damaged (≤ received). The order lines' `quantityReturned` grow by what came back and the order's
 * fulfilment status is re-derived (partially_returned / returned), in the same transaction. At least one unit.
 */
export async function receiveReturn(returnId: string, input: { lines: ReceiveLineInput[] }, ctx: Ctx) {
  return runReturnAction('receive', returnId, ctx, async (tx, ret) => {
    const lines = await tx.returnLine.findMany({ where: { returnId }, select: { id: true, orderLineId: true, quantityRequested: true } })
    const fieldErrors: Record<string, string> = {}
    const plan: Array<{ id: string; orderLineId: string; received: number; damaged: number }> = []
    for (const line of lines) {
      const given = input.lines.find((candidate) => candidate.returnLineId === line.id)
      const received = given?.received ?? 0
      const damaged = given?.damaged ?? 0
      if (!Number.isInteger(received) || received < 0 || received > line.quantityRequested) {
        fieldErrors[`received.${line.id}`] = `Between 0 and ${line.quantityRequested}`
      } else if (!Number.isInteger(damaged) || damaged < 0 || damaged > received) {
        fieldErrors[`damaged.${line.id}`] = received === 0 ? 'Nothing received, so nothing damaged' : `Between 0 and ${received} (the units received)`
      } else plan.push({ id: line.id, orderLineId: line.orderLineId, received, damaged })
    }
    for (const given of input.lines) {
      if (!lines.some((line) => line.id === given.returnLineId)) fieldErrors[`received.${given.returnLineId}`] = 'That item is not on this return'
    }
    if (Object.keys(fieldErrors).length) throw new ReturnInputError('Some quantities are not possible', fieldErrors, 'receive')
    const units = plan.reduce((sum, line) => sum + line.received, 0)
    if (units === 0) throw new ReturnInputError('Nothing received — enter the units that came back', { lines: 'Enter the units that came back' }, 'receive')
    for (const line of plan) {
      await tx.returnLine.update({ where: { id: line.id }, data: { quantityReceived: line.received, quantityDamaged: line.damaged, version: { increment: 1 } }, select: { id: true } })
      if (line.received > 0) {
        await tx.$executeRaw`
          update "OrderLine" set "quantityReturned" = "quantityReturned" + ${line.received}, version = version + 1, "updatedAt" = now()
          where id = ${line.orderLineId}`
      }
    }
    await rederiveOrderFulfillmentStatus(tx, ret.orderId)
    const receivedAt = new Date()
    // The refund clock (app/models/sla/clock.server.ts, ALWAYS_OPEN): "received but not refunded for 48 h".
    await startClock(tx, { ...refundClock(returnId), targetMinutes: RETURN_REFUND_SLA_MINUTES, at: receivedAt })
    return {
      data: { receivedAt },
      after: { units, damaged: plan.reduce((sum, line) => sum + line.damaged, 0), lines: plan.map(({ id, received, damaged }) => ({ returnLineId: id, received, damaged })) },
    }
  })
}

export type DisposeLineInput = { returnLineId: string; disposition: ReturnDisposition; locationId?: string | null }

/**
 * What happens to the received units of each line, decided once per line: `restock` puts the undamaged units
 * (received − damaged) back into sellable stock at the chosen location through the inventory model (a `restock`
 * ledger row linked to the return and the order); `quarantine` and `scrap` keep them out of stock (no stock
 * movement: they never re-entered it). Damaged units are never restocked. The status stays received.
 */
export async function disposeReturnLines(returnId: string, input: { lines: DisposeLineInput[] }, ctx: Ctx) {
  if (input.lines.length === 0) throw new ReturnInputError('Choose what happens to at least one item', { lines: 'Choose what happens to at least one item' }, 'dispose')
  return runReturnAction('dispose', returnId, ctx, async (tx, ret) => {
    const lines = await tx.returnLine.findMany({
      where: { returnId },
      select: { id: true, quantityReceived: true, quantityDamaged: true, disposition: true, orderLine: { select: { variantId: true, sku: true } } },
    })
    const fieldErrors: Record<string, string> = {}
    const done: Array<{ returnLineId: string; disposition: ReturnDisposition; locationId: string | null; restocked: number; sku: string }> = []
    for (const given of input.lines) {
      const field = `disposition.${given.returnLineId}`
      const line = lines.find((candidate) => candidate.id === given.returnLineId)
      if (!line) {
        fieldErrors[field] = 'That item is not on this return'
        continue
      }
      if (line.disposition) {
        fieldErrors[field] = `Already decided: ${line.disposition}`
        continue
      }
      if (line.quantityReceived === 0) {
        fieldErrors[field] = 'Nothing of this item was received'
        continue
      }
      if (given.disposition !== 'restock') {
        done.push({ returnLineId: line.id, disposition: given.disposition, locationId: null, restocked: 0, sku: line.orderLine.sku })
        continue
      }
      const good = line.quantityReceived - line.quantityDamaged
      if (good === 0) {
        fieldErrors[field] = 'Every received unit is damaged — quarantine or scrap them'
        continue
      }
      if (!line.orderLine.variantId) {
        fieldErrors[field] = `${line.orderLine.sku} is no longer in the catalogue, so it cannot be restocked`
        continue
      }
      if (!given.locationId) {
        fieldErrors[`location.${line.id}`] = 'Choose where to restock it'
        continue
      }
      const location = await tx.location.findUnique({ where: { id: given.locationId }, select: { isActive: true } })
      if (!location?.isActive) {
        fieldErrors[`location.${line.id}`] = 'Choose an active location'
        continue
      }
      done.push({ returnLineId: line.id, disposition: 'restock', locationId: given.locationId, restocked: good, sku: line.orderLine.sku })
    }
    if (Object.keys(fieldErrors).length) throw new ReturnInputError('Some items cannot be handled that way', fieldErrors, 'dispose')
    for (const item of done) {
      if (item.disposition === 'restock') {
        const line = lines.find((candidate) => candidate.id === item.returnLineId)!
        try {
          await restockReturnedUnits(tx, {
            variantId: line.orderLine.variantId!,
            locationId: item.locationId!,
            quantity: item.restocked,
            returnId,
            orderId: ret.orderId,
            actorId: ctx.actor.id,
            reason: `Return ${ret.number}`,
          })
        } catch (error) {
          if (error instanceof InventoryInputError) {
            const field = error.field === 'locationId' ? `location.${line.id}` : `disposition.${line.id}`
            throw new ReturnInputError(error.message, { [field]: error.message }, 'dispose')
          }
          throw error
        }
      }
      await tx.returnLine.update({
        where: { id: item.returnLineId },
        data: { disposition: item.disposition, quantityRestocked: item.restocked, restockLocationId: item.locationId, version: { increment: 1 } },
        select: { id: true },
      })
    }
    return { after: { lines: done } }
  })
}

// ─── Resolution ─────────────────────────────────────────────────────────────────────────────────────────────────

export type ResolveInput =
  | { resolution: 'refund'; amount: number; reason?: string | null }
  | { resolution: 'store_credit'; amount: number }
  | { resolution: 'exchange'; replacements?: Array<{ returnLineId: string; variantId: string }> }
  | { resolution: 'no_action'; reason: string }

/** Every received line must have a disposition before the return is resolved (return-rules.ts). */
async function requireDisposed(tx: Tx, returnId: string) {
  const open = await tx.returnLine.count({ where: { returnId, quantityReceived: { gt: 0 }, disposition: null } })
  if (open > 0) throw new IllegalReturnActionError(`Decide what happens to the received items first (${open} item${open === 1 ? '' : 's'} left)`, 'resolve')
}

/** The value of the received units at the prices paid (line total ÷ ordered × received), the suggested refund. */
export async function receivedValue(db: Tx | typeof prisma, returnId: string) {
  const [row] = await db.$queryRaw<{ value: number }[]>`
    select coalesce(sum(floor(ol."totalAmount"::numeric * rl."quantityReceived" / ol."quantityOrdered")), 0)::int as value
    from "ReturnLine" rl join "OrderLine" ol on ol.id = rl."orderLineId" where rl."returnId" = ${returnId}`
  return row?.value ?? 0
}

/**
 * received → resolved. `refund` goes through the order's refund path (refundOrderIn: the same checks, Refund row and
 * payments outbox effect as the order page) inside the resolution's own transaction, with a deterministic request
 * key per return: the refund, its link to the return and the resolution commit together, once. `store_credit`
 * records the credit on the return; `exchange` creates a replacement order (source "exchange", one per return) whose
 * stock is reserved in the same transaction (all or nothing); `no_action` needs a reason.
 */
export async function resolveReturn(returnId: string, input: ResolveInput, ctx: Ctx) {
  switch (input.resolution) {
    case 'refund':
      return resolveWithRefund(returnId, input, ctx)
    case 'store_credit': {
      if (!Number.isInteger(input.amount) || input.amount < 1) throw new ReturnInputError('Enter an amount above zero', { amount: 'Enter an amount above zero' }, 'resolve')
      return runReturnAction('resolve', returnId, ctx, async (tx) => {
        await requireDisposed(tx, returnId)
        const currency = await orderCurrencyOf(tx, returnId)
        const resolvedAt = new Date()
        await stopClock(tx, refundClock(returnId), resolvedAt)
        return { data: { resolution: 'store_credit', resolvedAt, storeCreditAmount: input.amount }, after: { resolution: 'store_credit', amount: input.amount, currency } }
      })
    }
    case 'no_action': {
      const reason = requireText(input.reason, 'Say why nothing is owed')
      return runReturnAction('resolve', returnId, ctx, async (tx) => {
        await requireDisposed(tx, returnId)
        const resolvedAt = new Date()
        await stopClock(tx, refundClock(returnId), resolvedAt)
        return { data: { resolution: 'no_action', resolvedAt }, after: { resolution: 'no_action', reason } }
      })
    }
    case 'exchange': {
      return runReturnAction('resolve', returnId, ctx, async (tx, ret) => {
        await requireDisposed(tx, returnId)
        const orderId = await createExchangeOrder(tx, ret, input.replacements ?? [], ctx.actor)
        try {
          // All lines or none; a shortage rolls the replacement order back with the rest of the transaction.
          await reserveOrderStock(tx, { orderId, actorId: ctx.actor.id })
        } catch (error) {
          if (error instanceof OutOfStockError) throw new IllegalReturnActionError(`The replacement cannot be reserved. ${error.message}`, 'resolve')
          throw error
        }
        const resolvedAt = new Date()
        await stopClock(tx, refundClock(returnId), resolvedAt)
        return { data: { resolution: 'exchange', resolvedAt, exchangeOrderId: orderId }, after: { resolution: 'exchange', exchangeOrderId: orderId } }
      })
    }
  }
}

async function orderCurrencyOf(tx: Tx, returnId: string) {
  const row = await tx.return.findUniqueOrThrow({ where: { id: returnId }, select: { order: { select: { currency: true } } } })
  return row.order.currency
}

async function resolveWithRefund(returnId: string, input: { amount: number; reason?: string | null }, ctx: Ctx): Promise<ReturnActionResult & { refundId?: string }> {
  if (!Number.isInteger(input.amount) || input.amount < 1) throw new ReturnInputError('Enter an amount above zero', { amount: 'Enter an amount above zero' }, 'resolve')
  const reasonText = (input.reason ?? '').trim()
  if (reasonText.length > RETURN_REASON_MAX_LENGTH) throw new ReturnInputError(`Keep it under ${RETURN_REASON_MAX_LENGTH} characters`, { reason: `Keep it under ${RETURN_REASON_MAX_LENGTH} characters` }, 'resolve')
  const role = returnRefusal('resolve', 'received', ctx.actor.role)
  if (role) throw new ReturnForbiddenError(role, 'resolve')

  // ONE transaction: the Refund row, its `payments.refund` outbox row, the order's audit, the refund's link to the
  // return and the return's resolution commit together or not at all (a crash leaves neither a refund without its
  // return nor a resolved return without its refund). Locks: the order row, then the return row (lockReturn), then
  // the order's payments (refundOrderIn) — the order actions' order, so no deadlock with them.
  const { result, outboxIds } = await prisma.$transaction(
    async (tx) => {
      const ret = await lockReturn(tx, returnId)
      if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== ret.version) throw new StaleReturnError(ctx.expectedVersion, ret.version)
      const refusal = returnRefusal('resolve', ret.status, ctx.actor.role)
      if (refusal) throw new IllegalReturnActionError(refusal, 'resolve')
      await requireDisposed(tx, returnId)
      // The request key: one per attempt, where a new attempt starts only after the previous refund failed at the
      // provider. A refund of this attempt already there (made before resolutions were one transaction) is reused.
      const failed = await tx.refund.count({ where: { orderId: ret.orderId, idempotencyKey: { startsWith: `refund:${ret.orderId}:return-${returnId}-` }, status: 'failed' } })
      let refunded: Awaited<ReturnType<typeof refundOrderIn>>
      try {
        refunded = await refundOrderIn(
          tx,
          ret.orderId,
          { amount: input.amount, reason: `Return ${ret.number}${reasonText ? `: ${reasonText}` : ''}`, requestKey: `return-${returnId}-${failed + 1}` },
          { actor: ctx.actor, requestId: ctx.requestId },
        )
      } catch (error) {
        if (error instanceof IllegalTransitionError) throw new ReturnInputError(error.message, { amount: error.message }, 'resolve')
        throw error
      }
      const refundId = refunded.result.refundId!
      await tx.refund.update({ where: { id: refundId }, data: { returnId }, select: { id: true } })
      const resolvedAt = new Date()
      await stopClock(tx, refundClock(returnId), resolvedAt)
      const updated = await tx.return.update({
        where: { id: returnId },
        data: { status: 'resolved', resolution: 'refund', resolvedAt, version: { increment: 1 } },
        select: { id: true, number: true, status: true, version: true },
      })
      const currency = await orderCurrencyOf(tx, returnId)
      await recordAudit(tx, {
        actorId: ctx.actor.id,
        action: 'resolve:return',
        entityType: 'return',
        entityId: returnId,
        before: { status: ret.status, version: ret.version },
        after: { status: updated.status, version: updated.version, resolution: 'refund', refundId, amount: input.amount, currency, reason: reasonText || null },
        requestId: ctx.requestId ?? null,
      })
      return { result: { ...updated, changed: true, refundId }, outboxIds: refunded.outboxIds }
    },
    { maxWait: 5_000, timeout: 15_000 },
  )
  // After the commit: the gateway is asked only for a refund that exists (the relay re-enqueues it if this fails).
  if (outboxIds.length) await dispatchOutbox(outboxIds)
  return result
}

/**
 * The replacement order of an exchange: the received units again (or another variant of the same product per line),
 * at no charge (each line fully discounted; a zero "exchange" authorization makes it fundable for fulfilment), to the
 * original addresses, confirmed. Order.source "exchange" + externalId = the return id: one exchange order per return.
 */
async function createExchangeOrder(tx: Tx, ret: LockedReturn, replacements: Array<{ returnLineId: string; variantId: string }>, actor: Actor) {
  const original = await tx.order.findUniqueOrThrow({
    where: { id: ret.orderId },
    select: { number: true, currency: true, customerId: true, customerEmail: true, customerName: true, shippingAddress: true, billingAddress: true },
  })
  const lines = await tx.returnLine.findMany({
    where: { returnId: ret.id, quantityReceived: { gt: 0 } },
    select: { id: true, quantityReceived: true, orderLine: { select: { variantId: true, unitPriceAmount: true, sku: true, title: true, variantTitle: true } } },
  })
  if (lines.length === 0) throw new IllegalReturnActionError('Nothing was received, so there is nothing to exchange', 'resolve')
  const items = []
  for (const line of lines) {
    const swap = replacements.find((r) => r.returnLineId === line.id)
    const variantId = swap?.variantId ?? line.orderLine.variantId
    if (!variantId) throw new ReturnInputError(`${line.orderLine.sku} is no longer in the catalogue — choose a replacement`, { [`replacement.${line.id}`]: 'Choose a replacement' }, 'resolve')
    const variant = await tx.productVariant.findUnique({ where: { id: variantId }, select: { id: true, sku: true, title: true, priceAmount: true, productId: true, product: { select: { title: true } } } })
    if (!variant) throw new ReturnInputError('That replacement does not exist', { [`replacement.${line.id}`]: 'That replacement does not exist' }, 'resolve')
    if (swap && line.orderLine.variantId) {
      const same = await tx.productVariant.findUnique({ where: { id: line.orderLine.variantId }, select: { productId: true } })
      if (same && same.productId !== variant.productId) {
        throw new ReturnInputError('An exchange swaps for another variant of the same product', { [`replacement.${line.id}`]: 'Choose a variant of the same product' }, 'resolve')
      }
    }
    const unit = swap ? variant.priceAmount : line.orderLine.unitPriceAmount
    items.push({ variant, quantity: line.quantityReceived, unit })
  }
  const existing = await tx.order.findUnique({ where: { source_externalId: { source: 'exchange', externalId: ret.id } }, select: { id: true } })
  if (existing) return existing.id
  const [{ number }] = (await tx.$queryRaw<{ number: string }[]>`select '#' || nextval('order_number_seq') as number`) as [{ number: string }]
  const subtotal = items.reduce((sum, item) => sum + item.unit * item.quantity, 0)
  const order = await tx.order.create({
    data: {
      number,
      status: 'confirmed',
      channel: 'manual',
      currency: original.currency,
      subtotalAmount: subtotal,
      discountAmount: subtotal,
      totalAmount: 0,
      customerId: original.customerId,
      customerEmail: original.customerEmail,
      customerName: original.customerName,
      shippingAddress: original.shippingAddress ?? undefined,
      billingAddress: original.billingAddress ?? undefined,
      tags: ['exchange'],
      note: `Exchange for return ${ret.number} (order ${original.number})`,
      placedAt: new Date(),
      source: 'exchange',
      externalId: ret.id,
      lines: {
        create: items.map((item, position) => ({
          position,
          variantId: item.variant.id,
          sku: item.variant.sku,
          title: item.variant.product.title,
          variantTitle: item.variant.title,
          unitPriceAmount: item.unit,
          discountAmount: item.unit * item.quantity,
          totalAmount: 0,
          quantityOrdered: item.quantity,
        })),
      },
      payments: {
        create: { provider: 'exchange', externalId: ret.id, status: 'authorized', method: 'exchange', amount: 0, currency: original.currency, authorizedAt: new Date() },
      },
    },
    select: { id: true },
  })
  await tx.order.update({ where: { id: order.id }, data: { paymentStatus: 'authorized' }, select: { id: true } })
  await recordAudit(tx, {
    actorId: actor.id,
    action: 'create:order',
    entityType: 'order',
    entityId: order.id,
    after: { status: 'confirmed', source: 'exchange', returnId: ret.id, returnNumber: ret.number, units: items.reduce((sum, item) => sum + item.quantity, 0) },
  })
  return order.id
}
