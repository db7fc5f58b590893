import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Role } from '#app/generated/prisma/enums.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder, createStockedOrder, createUser } from '#test/factories/index.ts'
import {
  addOrderNote,
  assignOrder,
  cancelOrder,
  completeOrderIfDelivered,
  confirmOrder,
  fulfilOrder,
  holdOrder,
  IllegalTransitionError,
  InvalidOrderInputError,
  OrderActionForbiddenError,
  OrderNotFoundError,
  refundOrder,
  releaseOrder,
  setOrderTags,
  shipOrder,
  StaleOrderError,
  type Actor,
} from './order-actions.server.ts'
import { rederiveOrderFulfillmentStatus } from './fulfillment.server.ts'
import { legalActions, refusalReason, type OrderRuleFacts } from './order-rules.ts'

const actors = {} as Record<Role, Actor>

beforeAll(async () => {
  for (const role of ['admin', 'manager', 'operations', 'support'] as const) {
    const { user } = await createUser(prisma, { role })
    actors[role] = { id: user.id, role }
  }
})
afterAll(() => closeQueues())

const ops = (extra: { expectedVersion?: number } = {}) => ({ actor: actors.operations, requestId: 'req-test', ...extra })

const stored = (id: string) =>
  prisma.order.findUniqueOrThrow({
    where: { id },
    select: {
      status: true,
      paymentStatus: true,
      fulfillmentStatus: true,
      version: true,
      tags: true,
      assigneeId: true,
      cancelledAt: true,
      cancelReason: true,
      lines: {
        orderBy: { position: 'asc' },
        select: { id: true, quantityOrdered: true, quantityFulfilled: true, quantityShipped: true, quantityCancelled: true },
      },
    },
  })

const auditOf = (id: string) => prisma.auditLog.findMany({ where: { entityType: 'order', entityId: id }, orderBy: { id: 'asc' } })

async function refused(promise: Promise<unknown>, type: new (...args: never[]) => Error = IllegalTransitionError) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(type)
  return (error as Error).message
}

describe('legalActions (order-rules.ts)', () => {
  const facts = (status: OrderRuleFacts['status'], paymentStatus: OrderRuleFacts['paymentStatus'], fulfillmentStatus: OrderRuleFacts['fulfillmentStatus']) =>
    ({ status, paymentStatus, fulfillmentStatus }) satisfies OrderRuleFacts

  test('offers each lifecycle state its actions for operations', () => {
    expect(legalActions(facts('pending', 'authorized', 'unfulfilled'), 'operations')).toEqual(['confirm', 'hold', 'cancel', 'note', 'tag', 'assign'])
    expect(legalActions(facts('confirmed', 'paid', 'unfulfilled'), 'operations')).toEqual(['hold', 'cancel', 'fulfil', 'refund', 'note', 'tag', 'assign'])
    expect(legalActions(facts('on_hold', 'paid', 'unfulfilled'), 'operations')).toEqual(['release', 'cancel', 'refund', 'note', 'tag', 'assign'])
    expect(legalActions(facts('processing', 'paid', 'fulfilled'), 'operations')).toEqual(['hold', 'cancel', 'ship', 'refund', 'note', 'tag', 'assign'])
    expect(legalActions(facts('processing', 'paid', 'shipped'), 'operations')).toEqual(['refund', 'note', 'tag', 'assign'])
    expect(legalActions(facts('completed', 'partially_refunded', 'delivered'), 'admin')).toEqual(['refund', 'note', 'tag', 'assign'])
    expect(legalActions(facts('cancelled', 'refunded', 'unfulfilled'), 'admin')).toEqual(['note', 'tag', 'assign'])
  })

  test('managers read only; support may only add notes', () => {
    const order = facts('confirmed', 'paid', 'unfulfilled')
    expect(legalActions(order, 'manager')).toEqual([])
    expect(legalActions(order, 'support')).toEqual(['note'])
    expect(refusalReason('cancel', order, 'manager')).toBe('Managers can read orders but not change them')
  })

  test('says why in words a person understands', () => {
    expect(refusalReason('cancel', facts('processing', 'paid', 'shipped'), 'operations')).toBe('A shipped order cannot be cancelled — create a return instead')
    expect(refusalReason('ship', facts('cancelled', 'voided', 'unfulfilled'), 'operations')).toBe('A cancelled order cannot be shipped')
    expect(refusalReason('fulfil', facts('on_hold', 'paid', 'unfulfilled'), 'operations')).toBe('An order on hold cannot be fulfilled — release it first')
    expect(refusalReason('fulfil', facts('confirmed', 'unpaid', 'unfulfilled'), 'operations')).toMatch(/not paid/)
  })

  test('with unit counts the answer is exact where statuses are ambiguous', () => {
    const partlyShipped = facts('processing', 'paid', 'partially_shipped')
    expect(legalActions(partlyShipped, 'operations')).toContain('fulfil')
    expect(legalActions({ ...partlyShipped, units: { active: 3, fulfilled: 3, shipped: 1 } }, 'operations')).not.toContain('fulfil')
    expect(legalActions({ ...partlyShipped, units: { active: 3, fulfilled: 2, shipped: 2 } }, 'operations')).toEqual(
      expect.arrayContaining(['fulfil', 'hold']),
    )
    expect(legalActions({ ...partlyShipped, units: { active: 3, fulfilled: 2, shipped: 2 } }, 'operations')).not.toContain('ship')
  })
})

describe('confirm, hold, release', () => {
  test('confirm moves pending → confirmed, bumps the version and audits who did it', async () => {
    const { order } = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized' })
    const result = await confirmOrder(order.id, ops({ expectedVersion: 1 }))
    expect(result).toEqual({ id: order.id, status: 'confirmed', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled', version: 2, changed: true })
    const [audit] = await auditOf(order.id)
    expect(audit).toMatchObject({
      action: 'confirm:order',
      actorId: actors.operations.id,
      requestId: 'req-test',
      before: { status: 'pending', version: 1 },
      after: { status: 'confirmed', version: 2 },
    })
  })

  test('a stale version is refused and nothing changes', async () => {
    const { order } = await createOrder(prisma, { status: 'pending' })
    await confirmOrder(order.id, ops())
    const message = await refused(holdOrder(order.id, { reason: 'check address' }, ops({ expectedVersion: 1 })), StaleOrderError)
    expect(message).toBe('Someone changed this order since you opened it — reload to see their change')
    expect(await stored(order.id)).toMatchObject({ status: 'confirmed', version: 2 })
    expect(await auditOf(order.id)).toHaveLength(1)
  })

  test('illegal confirms are refused with the reason', async () => {
    const confirmed = (await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })).order
    expect(await refused(confirmOrder(confirmed.id, ops()))).toBe('This order is already confirmed')
    const cancelled = (await createOrder(prisma, { status: 'cancelled', paymentStatus: 'voided' })).order
    expect(await refused(confirmOrder(cancelled.id, ops()))).toBe('A cancelled order cannot be confirmed')
    expect(await stored(confirmed.id)).toMatchObject({ status: 'confirmed', version: 1 })
  })

  test('hold needs a reason; release goes back to confirmed, or processing once something is packed', async () => {
    const { order } = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    await refused(holdOrder(order.id, { reason: '   ' }, ops()), InvalidOrderInputError)
    expect(await holdOrder(order.id, { reason: 'Fraud check' }, ops())).toMatchObject({ status: 'on_hold', version: 2 })
    expect((await auditOf(order.id)).at(-1)).toMatchObject({ action: 'hold:order', after: { status: 'on_hold', reason: 'Fraud check' } })
    expect(await refused(holdOrder(order.id, { reason: 'again' }, ops()))).toBe('This order is already on hold')
    expect(await releaseOrder(order.id, ops({ expectedVersion: 2 }))).toMatchObject({ status: 'confirmed', version: 3 })
    expect(await refused(releaseOrder(order.id, ops()))).toBe('Only an order on hold can be released (this one is confirmed)')

    const packed = (await createOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'partially_fulfilled' })).order
    await holdOrder(packed.id, { reason: 'Customer called' }, ops())
    expect(await releaseOrder(packed.id, ops())).toMatchObject({ status: 'processing', fulfillmentStatus: 'partially_fulfilled' })
  })

  test('a pending order may be held; releasing it accepts it', async () => {
    const { order } = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized' })
    await holdOrder(order.id, { reason: 'Address check' }, ops())
    expect(await releaseOrder(order.id, ops())).toMatchObject({ status: 'confirmed' })
  })

  test('managers and support cannot change the lifecycle; unknown orders are not found', async () => {
    const { order } = await createOrder(prisma, { status: 'pending' })
    expect(await refused(confirmOrder(order.id, { actor: actors.manager }), OrderActionForbiddenError)).toBe('Managers can read orders but not change them')
    await refused(cancelOrder(order.id, { reason: 'x' }, { actor: actors.support }), OrderActionForbiddenError)
    await refused(confirmOrder('no-such-order', ops()), OrderNotFoundError)
    expect(await stored(order.id)).toMatchObject({ status: 'pending', version: 1 })
  })
})

describe('cancel', () => {
  test('cancels every unit and releases the reserved stock with ledger entries', async () => {
    const graph = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const reservedBefore = graph.levels.map((l) => l.reserved)
    expect(reservedBefore).toEqual([3, 1])
    const result = await cancelOrder(graph.order.id, { reason: 'Customer changed their mind' }, ops({ expectedVersion: 1 }))
    expect(result).toMatchObject({ status: 'cancelled', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled', version: 2, releasedUnits: 4 })
    const order = await stored(graph.order.id)
    expect(order.cancelReason).toBe('Customer changed their mind')
    expect(order.cancelledAt).toBeInstanceOf(Date)
    expect(order.lines.map((l) => [l.quantityCancelled, l.quantityFulfilled])).toEqual([
      [3, 0],
      [1, 0],
    ])
    const reservations = await prisma.reservation.findMany({ where: { orderLineId: { in: graph.lines.map((l) => l.id) } } })
    expect(reservations.map((r) => r.status)).toEqual(['released', 'released'])
    const levels = await prisma.inventoryLevel.findMany({ where: { id: { in: graph.levels.map((l) => l.id) } }, orderBy: { onHand: 'desc' } })
    expect(levels.map((l) => [l.onHand, l.reserved])).toEqual([
      [13, 0],
      [11, 0],
    ])
    const ledger = await prisma.inventoryLedgerEntry.findMany({ where: { orderId: graph.order.id, kind: 'release' }, orderBy: { reservedDelta: 'asc' } })
    expect(ledger.map((e) => [e.kind, e.reservedDelta, e.onHandDelta, e.actorId])).toEqual([
      ['release', -3, 0, actors.operations.id],
      ['release', -1, 0, actors.operations.id],
    ])
    expect((await auditOf(graph.order.id)).at(-1)).toMatchObject({ action: 'cancel:order', after: { status: 'cancelled', releasedUnits: 4 } })
    expect(await refused(cancelOrder(graph.order.id, { reason: 'again' }, ops()))).toBe('This order is already cancelled')
  })

  test('packed parcels without a label are cancelled and unpacked', async () => {
    const graph = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const { fulfillmentId } = await fulfilOrder(graph.order.id, { lines: [{ orderLineId: graph.lines[0]!.id, quantity: 2 }] }, ops())
    await cancelOrder(graph.order.id, { reason: 'Out of stock' }, ops())
    expect(await prisma.fulfillment.findUniqueOrThrow({ where: { id: fulfillmentId! } })).toMatchObject({ status: 'cancelled' })
    expect(await stored(graph.order.id)).toMatchObject({ status: 'cancelled', fulfillmentStatus: 'unfulfilled' })
  })

  test('shipped, partly shipped, labelled and completed orders cannot be cancelled', async () => {
    const shipped = await createStockedOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'shipped' })
    expect(await refused(cancelOrder(shipped.order.id, { reason: 'x' }, ops()))).toBe('A shipped order cannot be cancelled — create a return instead')
    const partly = await createStockedOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'partially_shipped' })
    expect(await refused(cancelOrder(partly.order.id, { reason: 'x' }, ops()))).toMatch(/^Part of this order has shipped/)
    const completed = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered' })
    expect(await refused(cancelOrder(completed.order.id, { reason: 'x' }, ops()))).toBe('A completed order cannot be cancelled — create a return instead')

    const labelled = await createStockedOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'fulfilled' })
    await prisma.fulfillment.updateMany({ where: { orderId: labelled.order.id }, data: { trackingNumber: 'RM123456789GB', status: 'label_created' } })
    expect(await refused(cancelOrder(labelled.order.id, { reason: 'x' }, ops()))).toMatch(/already has a carrier label \(tracking RM123456789GB\)/)
    // Nothing moved: reservations are still open.
    const open = await prisma.reservation.count({ where: { orderLineId: { in: labelled.lines.map((l) => l.id) }, status: 'open' } })
    expect(open).toBe(2)
  })
})

describe('cancel voids uncaptured authorizations', () => {
  test('an authorized payment gets one payments.void outbox row with a deterministic key, in the cancel itself', async () => {
    const graph = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'authorized' })
    const payment = graph.payments[0]!
    const result = await cancelOrder(graph.order.id, { reason: 'Fraud check failed' }, ops())
    expect(result).toMatchObject({ status: 'cancelled', voidRequested: 1 })
    const rows = await prisma.outboxMessage.findMany({ where: { topic: 'payments.void', payload: { equals: { paymentId: payment.id } } } })
    expect(rows).toEqual([expect.objectContaining({ idempotencyKey: `payments.void:${payment.id}`, status: 'pending' })])
    expect((await auditOf(graph.order.id)).at(-1)).toMatchObject({
      action: 'cancel:order',
      after: { status: 'cancelled', voidRequested: [{ paymentId: payment.id, amount: payment.amount, currency: payment.currency }] },
    })
    // The provider's answer (stored by the effect) is what moves the payment: the cancel itself leaves it authorized.
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: payment.id }, select: { status: true } })).toEqual({ status: 'authorized' })
  })

  test('captured, already voided and other providers\' payments are not voided; the key is per payment, so asking again adds nothing', async () => {
    const paid = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    expect(await cancelOrder(paid.order.id, { reason: 'Customer changed their mind' }, ops())).toMatchObject({ voidRequested: 0 })
    expect(await prisma.outboxMessage.count({ where: { topic: 'payments.void', idempotencyKey: `payments.void:${paid.payments[0]!.id}` } })).toBe(0)
    expect((await auditOf(paid.order.id)).at(-1)!.after).not.toHaveProperty('voidRequested')

    const mixed = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'authorized' })
    const gateway = mixed.payments[0]!
    const other = await prisma.payment.create({
      data: { orderId: mixed.order.id, provider: 'manual', externalId: `manual-${gateway.id}`, status: 'authorized', amount: 100, currency: gateway.currency },
    })
    // The same effect already asked (e.g. an earlier attempt): the row is reused, not doubled.
    await prisma.outboxMessage.create({ data: { topic: 'payments.void', payload: { paymentId: gateway.id }, idempotencyKey: `payments.void:${gateway.id}`, status: 'sent' } })
    expect(await cancelOrder(mixed.order.id, { reason: 'Duplicate order' }, ops())).toMatchObject({ voidRequested: 1 })
    expect(await prisma.outboxMessage.count({ where: { idempotencyKey: `payments.void:${gateway.id}` } })).toBe(1)
    expect(await prisma.outboxMessage.count({ where: { idempotencyKey: `payments.void:${other.id}` } })).toBe(0)
  })
})

describe('cancel while a carrier label is requested', () => {
  test('a waiting request does not block the cancel; one being bought right now does', async () => {
    const waiting = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const first = await fulfilOrder(waiting.order.id, {}, ops())
    await shipOrder(waiting.order.id, {}, ops())
    expect(await cancelOrder(waiting.order.id, { reason: 'Customer changed their mind' }, ops())).toMatchObject({ status: 'cancelled' })
    expect(await prisma.fulfillment.findUniqueOrThrow({ where: { id: first.fulfillmentId! } })).toMatchObject({ status: 'cancelled' })

    const buying = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const parcel = await fulfilOrder(buying.order.id, {}, ops())
    await shipOrder(buying.order.id, {}, ops())
    await prisma.outboxMessage.update({ where: { idempotencyKey: `carrier.create-shipment:${parcel.fulfillmentId}` }, data: { status: 'processing' } })
    expect(await refused(cancelOrder(buying.order.id, { reason: 'x' }, ops()))).toMatch(/being bought .* right now/)
    expect(await stored(buying.order.id)).toMatchObject({ status: 'processing', fulfillmentStatus: 'fulfilled' })
  })
})

describe('fulfil', () => {
  test('partial then the rest: parcels, counters, processing, derived status', async () => {
    const graph = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const [first, second] = graph.lines
    const partial = await fulfilOrder(graph.order.id, { lines: [{ orderLineId: first!.id, quantity: 2 }] }, ops({ expectedVersion: 1 }))
    expect(partial).toMatchObject({ status: 'processing', fulfillmentStatus: 'partially_fulfilled', version: 2 })
    const parcel = await prisma.fulfillment.findUniqueOrThrow({ where: { id: partial.fulfillmentId! }, include: { lines: true } })
    expect(parcel).toMatchObject({ orderId: graph.order.id, status: 'pending', locationId: graph.location.id })
    expect(parcel.lines.map((l) => [l.orderLineId, l.quantity])).toEqual([[first!.id, 2]])

    const rest = await fulfilOrder(graph.order.id, {}, ops({ expectedVersion: 2 }))
    expect(rest).toMatchObject({ status: 'processing', fulfillmentStatus: 'fulfilled', version: 3 })
    const restLines = await prisma.fulfillmentLine.findMany({ where: { fulfillmentId: rest.fulfillmentId! }, orderBy: { quantity: 'asc' } })
    expect(restLines.map((l) => [l.orderLineId, l.quantity])).toEqual([
      [first!.id, 1],
      [second!.id, 1],
    ])
    expect((await stored(graph.order.id)).lines.map((l) => l.quantityFulfilled)).toEqual([3, 1])
    expect(await refused(fulfilOrder(graph.order.id, {}, ops()))).toBe('Everything on this order is already fulfilled')
    expect((await auditOf(graph.order.id)).map((a) => a.action)).toEqual(['fulfil:order', 'fulfil:order'])
  })

  test('over-fulfilling a line is refused with what is left, and nothing is written', async () => {
    const graph = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const line = graph.lines[0]!
    await fulfilOrder(graph.order.id, { lines: [{ orderLineId: line.id, quantity: 2 }] }, ops())
    const message = await refused(fulfilOrder(graph.order.id, { lines: [{ orderLineId: line.id, quantity: 2 }] }, ops()))
    expect(message).toBe(`Only 1 of Item ${line.sku} (${line.sku}) is left to fulfil — you asked for 2`)
    // Two entries for the same line add up.
    await refused(
      fulfilOrder(graph.order.id, { lines: [{ orderLineId: line.id, quantity: 1 }, { orderLineId: line.id, quantity: 1 }] }, ops()),
    )
    expect(await prisma.fulfillment.count({ where: { orderId: graph.order.id } })).toBe(1)
    expect(await stored(graph.order.id)).toMatchObject({ version: 2, fulfillmentStatus: 'partially_fulfilled' })
    await refused(fulfilOrder(graph.order.id, { lines: [{ orderLineId: 'elsewhere', quantity: 1 }] }, ops()), InvalidOrderInputError)
    await refused(fulfilOrder(graph.order.id, { lines: [] }, ops()), InvalidOrderInputError)
  })

  test('refused before confirmation, on hold, unpaid or cancelled', async () => {
    const pending = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized' })
    expect(await refused(fulfilOrder(pending.order.id, {}, ops()))).toBe('Confirm the order before fulfilling it')
    const held = await createOrder(prisma, { status: 'on_hold', paymentStatus: 'paid' })
    expect(await refused(fulfilOrder(held.order.id, {}, ops()))).toBe('An order on hold cannot be fulfilled — release it first')
    const unpaid = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'unpaid' })
    expect(await refused(fulfilOrder(unpaid.order.id, {}, ops()))).toMatch(/^This order is not paid/)
    const cancelled = await createOrder(prisma, { status: 'cancelled', paymentStatus: 'voided' })
    expect(await refused(fulfilOrder(cancelled.order.id, {}, ops()))).toBe('A cancelled order cannot be fulfilled')
  })
})

describe('ship', () => {
  test('with a tracking number: marks shipped, counts units, commits reservations with ledger entries', async () => {
    const graph = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const first = await fulfilOrder(graph.order.id, { lines: [{ orderLineId: graph.lines[0]!.id, quantity: 2 }] }, ops())
    const shipped = await shipOrder(graph.order.id, { fulfillmentId: first.fulfillmentId!, carrier: 'DPD', trackingNumber: 'DP123' }, ops({ expectedVersion: 2 }))
    expect(shipped).toMatchObject({ status: 'processing', fulfillmentStatus: 'partially_shipped', version: 3, fulfillmentIds: [first.fulfillmentId] })
    expect(await prisma.fulfillment.findUniqueOrThrow({ where: { id: first.fulfillmentId! } })).toMatchObject({
      status: 'in_transit',
      carrier: 'DPD',
      trackingNumber: 'DP123',
      shippedAt: expect.any(Date),
    })
    expect((await stored(graph.order.id)).lines.map((l) => l.quantityShipped)).toEqual([2, 0])
    // The 3-unit reservation is split: 2 committed, 1 still open.
    const reservations = await prisma.reservation.findMany({ where: { orderLineId: graph.lines[0]!.id }, orderBy: { quantity: 'asc' } })
    expect(reservations.map((r) => [r.status, r.quantity]).sort()).toEqual([
      ['committed', 2],
      ['open', 1],
    ])
    const level = await prisma.inventoryLevel.findUniqueOrThrow({ where: { id: graph.levels[0]!.id } })
    expect([level.onHand, level.reserved]).toEqual([11, 1])
    const ledger = await prisma.inventoryLedgerEntry.findMany({ where: { orderId: graph.order.id, kind: { not: 'reserve' } } })
    expect(ledger.map((e) => [e.kind, e.onHandDelta, e.reservedDelta])).toEqual([['commit', -2, -2]])

    // The rest, in one go, without naming the parcel.
    await fulfilOrder(graph.order.id, {}, ops())
    const all = await shipOrder(graph.order.id, { trackingNumber: 'DP124' }, ops())
    expect(all).toMatchObject({ status: 'processing', fulfillmentStatus: 'shipped' })
    expect(await refused(shipOrder(graph.order.id, { trackingNumber: 'DP125' }, ops()))).toBe('Everything on this order has already shipped')
    const levels = await prisma.inventoryLevel.findMany({ where: { id: { in: graph.levels.map((l) => l.id) } }, orderBy: { onHand: 'asc' } })
    expect(levels.map((l) => [l.onHand, l.reserved])).toEqual([
      [10, 0],
      [10, 0],
    ])
    expect(await prisma.reservation.count({ where: { orderLineId: { in: graph.lines.map((l) => l.id) }, status: 'open' } })).toBe(0)
  })

  test('without a tracking number: one carrier.create-shipment outbox row per parcel, asked once', async () => {
    const graph = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const { fulfillmentId } = await fulfilOrder(graph.order.id, {}, ops())
    const result = await shipOrder(graph.order.id, {}, ops())
    expect(result).toMatchObject({ status: 'processing', fulfillmentStatus: 'fulfilled', changed: true, fulfillmentIds: [fulfillmentId] })
    const outbox = await prisma.outboxMessage.findMany({ where: { topic: 'carrier.create-shipment', idempotencyKey: `carrier.create-shipment:${fulfillmentId}` } })
    expect(outbox).toHaveLength(1)
    expect(outbox[0]!.payload).toEqual({ fulfillmentId })
    expect(await refused(shipOrder(graph.order.id, {}, ops()))).toMatch(/a carrier label has already been requested/)
    expect(await refused(shipOrder(graph.order.id, { fulfillmentId: fulfillmentId!, trackingNumber: 'X1' }, ops()))).toMatch(
      /a carrier label has been requested — wait for the carrier integration/,
    )
    expect((await auditOf(graph.order.id)).at(-1)).toMatchObject({ action: 'ship:order', after: { via: 'carrier', fulfillmentIds: [fulfillmentId] } })
  })

  test('refused when nothing is packed, on hold, cancelled, or with no address for a label', async () => {
    const confirmed = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    expect(await refused(shipOrder(confirmed.order.id, {}, ops()))).toBe('Nothing is packed yet — fulfil the order before shipping it')
    const held = await createOrder(prisma, { status: 'on_hold', paymentStatus: 'authorized', fulfillmentStatus: 'partially_fulfilled' })
    expect(await refused(shipOrder(held.order.id, {}, ops()))).toBe('An order on hold cannot be shipped — release it first')
    const cancelled = await createOrder(prisma, { status: 'cancelled', paymentStatus: 'voided' })
    expect(await refused(shipOrder(cancelled.order.id, {}, ops()))).toBe('A cancelled order cannot be shipped')
    const noAddress = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    await fulfilOrder(noAddress.order.id, {}, ops())
    expect(await refused(shipOrder(noAddress.order.id, {}, ops()))).toMatch(/no shipping address/)
    expect(await refused(shipOrder(noAddress.order.id, { fulfillmentId: 'someone-elses' }, ops()))).toBe('That parcel is not part of this order')
  })
})

describe('completion', () => {
  test('a processing order completes when the carrier reports everything delivered, audited as the system', async () => {
    const { order } = await createOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'shipped' })
    const deliver = () =>
      prisma.$transaction(async (tx) => {
        await tx.$queryRaw`select id from "Order" where id = ${order.id} for update`
        await tx.fulfillment.updateMany({ where: { orderId: order.id }, data: { status: 'delivered', deliveredAt: new Date() } })
        await rederiveOrderFulfillmentStatus(tx, order.id)
        return completeOrderIfDelivered(tx, order.id)
      })
    expect(await deliver()).toBe(true)
    expect(await stored(order.id)).toMatchObject({ status: 'completed', fulfillmentStatus: 'delivered', version: 2 })
    expect((await auditOf(order.id)).at(-1)).toMatchObject({ action: 'complete:order', actorId: null, after: { status: 'completed' } })
    expect(await deliver()).toBe(false)

    const partly = await createOrder(prisma, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'partially_shipped' })
    expect(await prisma.$transaction((tx) => completeOrderIfDelivered(tx, partly.order.id))).toBe(false)
    expect(await stored(partly.order.id)).toMatchObject({ status: 'processing', version: 1 })
  })
})

describe('refund', () => {
  test('a partial refund: pending Refund on the payment + payments.refund outbox row', async () => {
    const { order, payments } = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered' })
    const result = await refundOrder(order.id, { amount: 500, reason: 'Late delivery', requestKey: 'form-1' }, ops({ expectedVersion: 1 }))
    expect(result).toMatchObject({ status: 'completed', paymentStatus: 'paid', version: 2, changed: true })
    const refund = await prisma.refund.findUniqueOrThrow({ where: { id: result.refundId! } })
    expect(refund).toMatchObject({
      orderId: order.id,
      paymentId: payments[0]!.id,
      amount: 500,
      currency: order.currency,
      status: 'pending',
      reason: 'Late delivery',
      createdById: actors.operations.id,
      idempotencyKey: `refund:${order.id}:form-1`,
    })
    const outbox = await prisma.outboxMessage.findUniqueOrThrow({ where: { idempotencyKey: `payments.refund:${order.id}:form-1` } })
    expect(outbox).toMatchObject({ topic: 'payments.refund', payload: { refundId: refund.id } })
    expect((await auditOf(order.id)).at(-1)).toMatchObject({ action: 'refund:order', after: { amount: 500, refundId: refund.id } })
  })

  test('a double submit (same requestKey) is one refund, even when both arrive at once', async () => {
    const { order } = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered' })
    const input = { amount: 700, reason: 'Damaged box', requestKey: 'form-double' }
    const [a, b] = await Promise.all([refundOrder(order.id, input, ops({ expectedVersion: 1 })), refundOrder(order.id, input, ops({ expectedVersion: 1 }))])
    expect(a.refundId).toBe(b.refundId)
    expect([a.changed, b.changed].sort()).toEqual([false, true])
    // A third, later retry of the same form (its version is stale by now) is still the same refund, not a 409.
    const c = await refundOrder(order.id, input, ops({ expectedVersion: 1 }))
    expect(c).toMatchObject({ changed: false, refundId: a.refundId, version: 2 })
    expect(await prisma.refund.count({ where: { orderId: order.id } })).toBe(1)
    expect(await prisma.outboxMessage.count({ where: { topic: 'payments.refund', idempotencyKey: { startsWith: `payments.refund:${order.id}:` } } })).toBe(1)
    expect((await auditOf(order.id)).filter((e) => e.action === 'refund:order')).toHaveLength(1)
    expect(await refused(refundOrder(order.id, { ...input, amount: 800 }, ops()), InvalidOrderInputError)).toMatch(/already submitted/)
  })

  test('more than captured minus refunded (and in progress) is refused', async () => {
    const { order } = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', totalAmount: 10_000 })
    await refundOrder(order.id, { amount: 6_000, reason: 'Part', requestKey: 'a' }, ops())
    const message = await refused(refundOrder(order.id, { amount: 4_001, reason: 'Rest', requestKey: 'b' }, ops()))
    expect(message).toBe('You can refund at most £40.00 (captured £100.00, refunded or being refunded £60.00)')
    await refundOrder(order.id, { amount: 4_000, reason: 'Rest', requestKey: 'c' }, ops())
    expect(await refused(refundOrder(order.id, { amount: 1, reason: 'More', requestKey: 'd' }, ops()))).toMatch(/has been refunded or is being refunded/)
    await refused(refundOrder(order.id, { amount: 0, reason: 'Zero' }, ops()), InvalidOrderInputError)
  })

  test('nothing captured, nothing to refund; refunds are allowed on a cancelled order that was paid', async () => {
    const authorized = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'authorized' })
    expect(await refused(refundOrder(authorized.order.id, { amount: 100, reason: 'x' }, ops()))).toBe(
      'No payment has been captured on this order, so there is nothing to refund',
    )
    const paid = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    await cancelOrder(paid.order.id, { reason: 'Out of stock' }, ops())
    expect(await refundOrder(paid.order.id, { amount: paid.order.totalAmount, reason: 'Cancelled', requestKey: 'k' }, ops())).toMatchObject({
      status: 'cancelled',
      changed: true,
    })
  })
})

describe('notes, tags, assignee', () => {
  test('notes: operations and support may add, blank and too long are refused, managers cannot', async () => {
    const { order } = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered' })
    const result = await addOrderNote(order.id, { body: '  Customer asked for a call back  ' }, ops())
    expect(result).toMatchObject({ version: 2, changed: true })
    await addOrderNote(order.id, { body: 'Called; all fine' }, { actor: actors.support })
    const notes = await prisma.orderNote.findMany({ where: { orderId: order.id }, orderBy: { createdAt: 'asc' } })
    expect(notes.map((n) => [n.body, n.authorId])).toEqual([
      ['Customer asked for a call back', actors.operations.id],
      ['Called; all fine', actors.support.id],
    ])
    await refused(addOrderNote(order.id, { body: ' \n ' }, ops()), InvalidOrderInputError)
    await refused(addOrderNote(order.id, { body: 'x'.repeat(5_001) }, ops()), InvalidOrderInputError)
    await addOrderNote(order.id, { body: 'x'.repeat(5_000) }, ops())
    await refused(addOrderNote(order.id, { body: 'hi' }, { actor: actors.manager }), OrderActionForbiddenError)
    expect((await auditOf(order.id)).map((a) => a.action)).toEqual(['note:order', 'note:order', 'note:order'])
  })

  test('tags are normalised, added and removed; no change writes nothing; at most 20', async () => {
    const { order } = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', tags: ['vip'] })
    const result = await setOrderTags(order.id, { add: ['  Gift Wrap ', 'VIP', 'rush'], remove: ['rush'] }, ops())
    expect(result).toMatchObject({ version: 2, changed: true })
    expect((await stored(order.id)).tags).toEqual(['vip', 'gift-wrap'])
    expect(await setOrderTags(order.id, { add: ['vip'] }, ops())).toMatchObject({ version: 2, changed: false })
    await setOrderTags(order.id, { remove: ['VIP'] }, ops())
    expect((await stored(order.id)).tags).toEqual(['gift-wrap'])
    const many = Array.from({ length: 20 }, (_, i) => `t${i}`)
    expect(await refused(setOrderTags(order.id, { add: many }, ops()))).toBe('An order can have at most 20 tags — this would make 21')
    await refused(setOrderTags(order.id, { add: ['x'.repeat(41)] }, ops()), InvalidOrderInputError)
    await refused(setOrderTags(order.id, { add: [' '] }, ops()), InvalidOrderInputError)
    expect((await auditOf(order.id)).at(-1)).toMatchObject({ action: 'tag:order', before: { tags: ['vip', 'gift-wrap'] }, after: { tags: ['gift-wrap'] } })
  })

  test('assign to active operations/admin users only; unassign with null', async () => {
    const { order } = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    expect(await assignOrder(order.id, { assigneeId: actors.admin.id }, ops())).toMatchObject({ version: 2, changed: true })
    expect((await stored(order.id)).assigneeId).toBe(actors.admin.id)
    expect(await assignOrder(order.id, { assigneeId: actors.admin.id }, ops())).toMatchObject({ changed: false, version: 2 })
    expect(await refused(assignOrder(order.id, { assigneeId: actors.support.id }, ops()), InvalidOrderInputError)).toMatch(/is in support/)
    const { user: gone } = await createUser(prisma, { role: 'operations', disabledAt: new Date() })
    expect(await refused(assignOrder(order.id, { assigneeId: gone.id }, ops()), InvalidOrderInputError)).toMatch(/disabled/)
    await refused(assignOrder(order.id, { assigneeId: 'nobody' }, ops()), InvalidOrderInputError)
    await assignOrder(order.id, { assigneeId: null }, ops())
    expect((await stored(order.id)).assigneeId).toBeNull()
    expect((await auditOf(order.id)).map((a) => [a.action, a.after])).toEqual([
      ['assign:order', expect.objectContaining({ assigneeId: actors.admin.id })],
      ['assign:order', expect.objectContaining({ assigneeId: null })],
    ])
  })
})

describe('concurrency', () => {
  test('two people acting on one order at once are serialised by the row lock: one wins, the other is refused', async () => {
    const graph = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid' })
    const twice = await Promise.allSettled([fulfilOrder(graph.order.id, {}, ops()), fulfilOrder(graph.order.id, {}, ops())])
    expect(twice.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const loser = twice.find((r) => r.status === 'rejected') as PromiseRejectedResult
    expect(loser.reason).toBeInstanceOf(IllegalTransitionError)
    expect((await stored(graph.order.id)).lines.map((l) => l.quantityFulfilled)).toEqual([3, 1])

    // Cancel and ship-by-hand race: exactly one of them happens, and the stock agrees with whichever it was.
    const [cancel, ship] = await Promise.allSettled([
      cancelOrder(graph.order.id, { reason: 'Changed mind' }, ops()),
      shipOrder(graph.order.id, { trackingNumber: 'RACE1' }, ops()),
    ])
    expect([cancel.status, ship.status].sort()).toEqual(['fulfilled', 'rejected'])
    const order = await stored(graph.order.id)
    const levels = await prisma.inventoryLevel.findMany({ where: { id: { in: graph.levels.map((l) => l.id) } } })
    if (cancel.status === 'fulfilled') {
      expect(order).toMatchObject({ status: 'cancelled', fulfillmentStatus: 'unfulfilled' })
      expect(levels.map((l) => l.reserved)).toEqual([0, 0])
    } else {
      expect(order).toMatchObject({ status: 'processing', fulfillmentStatus: 'shipped' })
      expect(levels.map((l) => l.reserved)).toEqual([0, 0])
      expect(levels.map((l) => l.onHand).sort()).toEqual([10, 10])
    }
  })

  test('cancelling many orders that share stock at once neither deadlocks nor loses a release', async () => {
    const first = await createStockedOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', quantities: [1, 1] })
    // More orders reserving the same two variants at the same location, lines in the opposite order.
    const items = [...first.variants].reverse().map((v) => ({ variantId: v.id, sku: v.sku, title: `Item ${v.sku}`, unitPriceAmount: v.priceAmount }))
    const others = []
    for (let i = 0; i < 5; i++) {
      others.push(await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', locationId: first.location.id, items, quantities: [1, 1] }))
    }
    for (const level of first.levels) await prisma.inventoryLevel.update({ where: { id: level.id }, data: { reserved: { increment: 5 }, onHand: { increment: 5 } } })
    const results = await Promise.allSettled([first, ...others].map((g) => cancelOrder(g.order.id, { reason: 'Bulk cancel' }, ops())))
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    const levels = await prisma.inventoryLevel.findMany({ where: { id: { in: first.levels.map((l) => l.id) } } })
    expect(levels.map((l) => [l.onHand, l.reserved])).toEqual([
      [16, 0],
      [16, 0],
    ])
    const ledger = await prisma.inventoryLedgerEntry.aggregate({ where: { locationId: first.location.id, kind: 'release' }, _sum: { reservedDelta: true }, _count: true })
    expect(ledger).toMatchObject({ _count: 12, _sum: { reservedDelta: -12 } })
  })
})
