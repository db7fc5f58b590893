import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ReturnStatus, Role } from '#app/generated/prisma/enums.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createOrder, createReturn, createStockedOrder, createTicket, createUser } from '#test/factories/index.ts'
import { refundOrder, type Actor } from './order-actions.server.ts'
import { listReturns, parseReturnListQuery } from './return-list.server.ts'
import { RETURN_ACTION_RULES, RETURN_ACTIONS, RETURN_STATUSES, returnRefusal, type ReturnAction } from './return-rules.ts'
import {
  applyReturnLabel,
  approveReturn,
  cancelReturn,
  disposeReturnLines,
  IllegalReturnActionError,
  markReturnInTransit,
  receiveReturn,
  rejectReturn,
  requestReturn,
  resolveReturn,
  ReturnForbiddenError,
  ReturnInputError,
  StaleReturnError,
} from './return.server.ts'

/**
 * The return workflow against the real database: every (status, action) pair through the real model functions
 * (legal ones move the status, bump the version and write one audit entry; illegal ones are refused with the rules'
 * sentence and change nothing), plus the steps' own checks — returnable quantities, the ticket link, receipt counters,
 * the refund through the order's refund path (idempotent), stale versions and roles.
 */

const actors = {} as Record<Role, Actor>
beforeAll(async () => {
  for (const role of ['admin', 'manager', 'operations', 'support'] as const) {
    const { user } = await createUser(prisma, { role })
    actors[role] = { id: user.id, role }
  }
})
afterAll(() => closeQueues())

/** Fixed items (the factory's default item count is random). */
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `RT-${i}-${Math.random().toString(36).slice(2, 10)}`, title: `Item ${i}`, unitPriceAmount: 2_500 }))

const parsedQuery = (search: string) => {
  const parsed = parseReturnListQuery(new URLSearchParams(search))
  if ('errors' in parsed) throw new Error(JSON.stringify(parsed.errors))
  return parsed.query
}

const ops = (expectedVersion?: number) => ({ actor: actors.operations, requestId: 'req-test', expectedVersion })

const stored = (id: string) =>
  prisma.return.findUniqueOrThrow({ where: { id }, select: { status: true, version: true, lines: { select: { id: true, quantityRequested: true, quantityReceived: true, disposition: true } } } })
const auditOf = (id: string) => prisma.auditLog.findMany({ where: { entityType: 'return', entityId: id }, orderBy: { id: 'asc' } })

/** Runs `action` on the return with the input a person would give. */
async function run(action: ReturnAction, returnId: string) {
  const { lines } = await stored(returnId)
  switch (action) {
    case 'approve':
      return approveReturn(returnId, { buyLabel: false }, ops())
    case 'reject':
      return rejectReturn(returnId, { reason: 'Outside the return window' }, ops())
    case 'label':
      return prisma.$transaction((tx) => applyReturnLabel(tx, { returnId, carrier: 'Sandbox carrier', trackingNumber: `RT${returnId}`, labelUrl: 'https://labels.invalid/x.pdf' }))
    case 'ship':
      return markReturnInTransit(returnId, { carrier: 'Royal Mail', trackingNumber: 'RM123' }, ops())
    case 'receive':
      return receiveReturn(returnId, { lines: lines.map((l) => ({ returnLineId: l.id, received: l.quantityRequested, damaged: 0 })) }, ops())
    case 'dispose':
      return disposeReturnLines(returnId, { lines: lines.map((l) => ({ returnLineId: l.id, disposition: 'scrap' as const })) }, ops())
    case 'resolve':
      return resolveReturn(returnId, { resolution: 'no_action', reason: 'Scrapped, goodwill' }, ops())
    case 'cancel':
      return cancelReturn(returnId, { reason: 'Customer keeps it' }, ops())
  }
}

describe('every action in every status, through the real model', () => {
  for (const status of RETURN_STATUSES) {
    for (const action of RETURN_ACTIONS) {
      const legal = RETURN_ACTION_RULES[action].from.includes(status)
      test(`${action} on ${status}: ${legal ? 'applied' : 'refused'}`, async () => {
        // dispose needs received lines still to decide; resolve needs them decided.
        const { ret } = await createReturn(prisma, { status, undecided: action === 'dispose' })
        const before = await stored(ret.id)
        const audits = (await auditOf(ret.id)).length
        if (action === 'label') {
          // The carrier's step is never refused (a retried job stores the label again); it moves only an approved return.
          const result = await run(action, ret.id)
          const after = await stored(ret.id)
          expect(after.status).toBe(legal ? 'label_created' : status)
          expect((result as { status: ReturnStatus }).status).toBe(after.status)
          expect(await auditOf(ret.id)).toHaveLength(audits + 1)
          return
        }
        if (legal) {
          const result = await run(action, ret.id)
          const after = await stored(ret.id)
          expect(after.status).toBe(RETURN_ACTION_RULES[action].to)
          expect(after.version).toBe(before.version + 1)
          expect((result as { status: ReturnStatus }).status).toBe(after.status)
          const log = await auditOf(ret.id)
          expect(log).toHaveLength(audits + 1)
          expect(log.at(-1)!.action).toBe(`${action}:return`)
          expect(log.at(-1)!.actorId).toBe(actors.operations.id)
        } else {
          const error = await run(action, ret.id).then(
            () => null,
            (e: unknown) => e,
          )
          expect(error).toBeInstanceOf(IllegalReturnActionError)
          expect((error as Error).message).toBe(returnRefusal(action, status, 'operations'))
          const after = await stored(ret.id)
          expect(after).toEqual(before)
          expect(await auditOf(ret.id)).toHaveLength(audits)
        }
      })
    }
  }
})

describe('request', () => {
  test('support requests a return from a ticket: lines within returnable, reason codes, note; the ticket gets an internal note', async () => {
    const graph = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', items: items(2), quantities: [2, 1] })
    const ticket = await createTicket(prisma, { order: { id: graph.order.id, number: graph.order.number }, status: 'open', now: new Date() })
    const [a, b] = graph.lines
    const result = await requestReturn(
      {
        orderId: graph.order.id,
        ticketId: ticket.ticket.id,
        lines: [
          { orderLineId: a!.id, quantity: a!.quantityShipped, reasonCode: 'size_fit' },
          { orderLineId: b!.id, quantity: 1, reasonCode: 'damaged' },
        ],
        customerNote: 'Too small, and the other one is cracked',
      },
      { actor: actors.support },
    )
    expect(result.number).toMatch(/^RMA-\d+$/)
    const ret = await prisma.return.findUniqueOrThrow({ where: { id: result.id }, include: { lines: true } })
    expect(ret).toMatchObject({ status: 'requested', ticketId: ticket.ticket.id, note: 'Too small, and the other one is cracked', reason: 'Size or fit, Arrived damaged' })
    expect(ret.lines.map((l) => l.quantityRequested).sort()).toEqual([1, a!.quantityShipped].sort())
    const notes = await prisma.ticketMessage.findMany({ where: { ticketId: ticket.ticket.id, kind: 'internal_note', authorId: actors.support.id } })
    expect(notes.map((n) => n.body).join('\n')).toContain(`Return ${result.number} requested`)
    expect((await auditOf(result.id)).map((a) => a.action)).toEqual(['request:return'])

    // Those units are now on an open return: asking again is refused per line.
    const again = await requestReturn({ orderId: graph.order.id, lines: [{ orderLineId: b!.id, quantity: 1, reasonCode: 'other' }] }, { actor: actors.operations }).catch((e) => e)
    expect(again).toBeInstanceOf(ReturnInputError)
    expect((again as ReturnInputError).fieldErrors[`line.${b!.id}`]).toBe('Every shipped unit of this item is already returned or on a return')
  })

  test('refuses more than shipped, unshipped items, a ticket about another order, an empty request; managers cannot request', async () => {
    const shipped = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', items: items(1), quantities: [1] })
    const unshipped = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled', items: items(1), quantities: [1] })
    const line = shipped.lines[0]!
    const tooMany = await requestReturn({ orderId: shipped.order.id, lines: [{ orderLineId: line.id, quantity: line.quantityShipped + 1, reasonCode: 'other' }] }, { actor: actors.operations }).catch((e) => e)
    expect((tooMany as ReturnInputError).fieldErrors[`line.${line.id}`]).toBe(`At most ${line.quantityShipped} can be returned`)
    const notShipped = await requestReturn({ orderId: unshipped.order.id, lines: [{ orderLineId: unshipped.lines[0]!.id, quantity: 1, reasonCode: 'other' }] }, { actor: actors.operations }).catch((e) => e)
    expect((notShipped as ReturnInputError).fieldErrors[`line.${unshipped.lines[0]!.id}`]).toBe('Nothing of this item has shipped yet')
    const foreignLine = await requestReturn({ orderId: shipped.order.id, lines: [{ orderLineId: unshipped.lines[0]!.id, quantity: 1, reasonCode: 'other' }] }, { actor: actors.operations }).catch((e) => e)
    expect((foreignLine as ReturnInputError).fieldErrors[`line.${unshipped.lines[0]!.id}`]).toBe('That item is not on this order')
    const other = await createTicket(prisma, { order: { id: unshipped.order.id, number: unshipped.order.number }, status: 'open', now: new Date() })
    const wrongTicket = await requestReturn({ orderId: shipped.order.id, ticketId: other.ticket.id, lines: [{ orderLineId: line.id, quantity: 1, reasonCode: 'other' }] }, { actor: actors.operations }).catch((e) => e)
    expect((wrongTicket as ReturnInputError).fieldErrors.ticketId).toMatch(/is about another order/)
    const empty = await requestReturn({ orderId: shipped.order.id, lines: [] }, { actor: actors.operations }).catch((e) => e)
    expect((empty as ReturnInputError).fieldErrors.lines).toBe('Choose at least one item to return')
    await expect(requestReturn({ orderId: shipped.order.id, lines: [{ orderLineId: line.id, quantity: 1, reasonCode: 'other' }] }, { actor: actors.manager })).rejects.toBeInstanceOf(ReturnForbiddenError)
    expect(await prisma.return.count({ where: { orderId: shipped.order.id } })).toBe(0)
  })

  test('two requests racing for the last unit: one wins, the other is told why', async () => {
    const graph = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', items: items(1), quantities: [1] })
    const line = graph.lines[0]!
    const results = await Promise.allSettled(
      [0, 1].map(() => requestReturn({ orderId: graph.order.id, lines: [{ orderLineId: line.id, quantity: 1, reasonCode: 'other' }] }, { actor: actors.operations })),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof ReturnInputError)).toHaveLength(1)
  })
})

describe('steps', () => {
  test('approve asks the carrier for a label through the outbox, once per return', async () => {
    const { ret } = await createReturn(prisma, { status: 'requested' })
    await approveReturn(ret.id, {}, ops())
    const rows = await prisma.outboxMessage.findMany({ where: { idempotencyKey: `carrier.return-label:${ret.id}` } })
    expect(rows).toHaveLength(1)
    expect(rows[0]!.topic).toBe('carrier.return-label')
    expect(rows[0]!.payload).toEqual({ returnId: ret.id })
  })

  test('a stale version is refused and nothing changes; support and managers cannot work returns', async () => {
    const { ret } = await createReturn(prisma, { status: 'requested' })
    const { version } = await stored(ret.id)
    await rejectReturn(ret.id, { reason: 'Not ours' }, ops(version))
    await expect(cancelReturn(ret.id, { reason: 'x' }, ops(version))).rejects.toBeInstanceOf(StaleReturnError)
    const { ret: other } = await createReturn(prisma, { status: 'requested' })
    await expect(approveReturn(other.id, {}, { actor: actors.support })).rejects.toBeInstanceOf(ReturnForbiddenError)
    await expect(approveReturn(other.id, {}, { actor: actors.manager })).rejects.toBeInstanceOf(ReturnForbiddenError)
    expect((await stored(other.id)).status).toBe('requested')
    await expect(rejectReturn(other.id, { reason: '  ' }, ops())).rejects.toBeInstanceOf(ReturnInputError)
  })

  test('receive: partial and damaged quantities, the order lines count what came back', async () => {
    const graph = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', items: items(2), quantities: [3, 1] })
    const [a, b] = graph.lines
    const { id } = await requestReturn(
      { orderId: graph.order.id, lines: [{ orderLineId: a!.id, quantity: 3, reasonCode: 'defective' }, { orderLineId: b!.id, quantity: 1, reasonCode: 'other' }] },
      { actor: actors.operations },
    )
    await approveReturn(id, { buyLabel: false }, ops())
    const lines = await prisma.returnLine.findMany({ where: { returnId: id }, orderBy: { quantityRequested: 'desc' } })
    const bad = await receiveReturn(id, { lines: [{ returnLineId: lines[0]!.id, received: 2, damaged: 3 }] }, ops()).catch((e) => e)
    expect((bad as ReturnInputError).fieldErrors[`damaged.${lines[0]!.id}`]).toBe('Between 0 and 2 (the units received)')
    const none = await receiveReturn(id, { lines: [] }, ops()).catch((e) => e)
    expect((none as ReturnInputError).fieldErrors.lines).toBe('Enter the units that came back')
    await receiveReturn(id, { lines: [{ returnLineId: lines[0]!.id, received: 2, damaged: 1 }] }, ops())
    const order = await prisma.order.findUniqueOrThrow({ where: { id: graph.order.id }, select: { fulfillmentStatus: true, lines: { orderBy: { position: 'asc' }, select: { quantityReturned: true } } } })
    expect(order.lines.map((l) => l.quantityReturned)).toEqual([2, 0])
    expect(order.fulfillmentStatus).toBe('partially_returned')
    const after = await prisma.returnLine.findMany({ where: { returnId: id }, orderBy: { quantityRequested: 'desc' } })
    expect(after.map((l) => [l.quantityReceived, l.quantityDamaged])).toEqual([[2, 1], [0, 0]])
    // Resolution waits for the disposition; a line with nothing received needs none.
    await expect(resolveReturn(id, { resolution: 'store_credit', amount: 500 }, ops())).rejects.toThrow('Decide what happens to the received items first (1 item left)')
    const allDamaged = await disposeReturnLines(id, { lines: [{ returnLineId: after[1]!.id, disposition: 'scrap' }] }, ops()).catch((e) => e)
    expect((allDamaged as ReturnInputError).fieldErrors[`disposition.${after[1]!.id}`]).toBe('Nothing of this item was received')
    await disposeReturnLines(id, { lines: [{ returnLineId: after[0]!.id, disposition: 'quarantine' }] }, ops())
    // The refund clock (SLA engine) started on receipt: 48 h, not yet met; an overdue one shows in the queue.
    const clock = await prisma.appliedSla.findUniqueOrThrow({ where: { subjectType_subjectId_metric: { subjectType: 'return', subjectId: id, metric: 'resolution' } } })
    expect(clock).toMatchObject({ targetMinutes: 48 * 60, satisfiedAt: null })
    const received = await prisma.return.findUniqueOrThrow({ where: { id }, select: { receivedAt: true } })
    expect(clock.dueAt.getTime()).toBe(received.receivedAt!.getTime() + 48 * 3_600_000)
    const later = new Date(clock.dueAt.getTime() + 1)
    const overdue = await listReturns({ ...parsedQuery('sla=overdue') }, later)
    expect(overdue.rows.map((r) => r.id)).toContain(id)
    expect(overdue.rows.find((r) => r.id === id)!.sla).toEqual({ dueAt: clock.dueAt, overdue: true })
    await resolveReturn(id, { resolution: 'store_credit', amount: 500 }, ops())
    expect((await prisma.appliedSla.findUniqueOrThrow({ where: { id: clock.id } })).satisfiedAt).not.toBeNull()
    expect((await listReturns({ ...parsedQuery('sla=overdue') }, later)).rows.map((r) => r.id)).not.toContain(id)
    expect(await prisma.return.findUniqueOrThrow({ where: { id }, select: { status: true, resolution: true, storeCreditAmount: true } })).toEqual({
      status: 'resolved',
      resolution: 'store_credit',
      storeCreditAmount: 500,
    })
  })
})

describe('refund resolution', () => {
  async function receivedReturn() {
    const graph = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', totalAmount: 10_000 })
    const line = graph.lines[0]!
    const { id } = await requestReturn({ orderId: graph.order.id, lines: [{ orderLineId: line.id, quantity: 1, reasonCode: 'defective' }] }, { actor: actors.operations })
    await approveReturn(id, { buyLabel: false }, ops())
    const [rl] = await prisma.returnLine.findMany({ where: { returnId: id } })
    await receiveReturn(id, { lines: [{ returnLineId: rl!.id, received: 1, damaged: 1 }] }, ops())
    await disposeReturnLines(id, { lines: [{ returnLineId: rl!.id, disposition: 'scrap' }] }, ops())
    return { graph, id }
  }

  test('partial refund through the payments path, linked to the return; a double submit makes one refund', async () => {
    const { graph, id } = await receivedReturn()
    const { version } = await stored(id)
    const result = await resolveReturn(id, { resolution: 'refund', amount: 4_000, reason: 'Defective' }, ops(version))
    expect(result.status).toBe('resolved')
    const refunds = await prisma.refund.findMany({ where: { orderId: graph.order.id } })
    expect(refunds).toHaveLength(1)
    expect(refunds[0]).toMatchObject({ returnId: id, amount: 4_000, status: 'pending', createdById: actors.operations.id })
    expect(await prisma.outboxMessage.count({ where: { topic: 'payments.refund', idempotencyKey: { startsWith: `payments.refund:${graph.order.id}:return-${id}-` } } })).toBe(1)
    // The same form again (same version): stale; without a version: the return is resolved.
    await expect(resolveReturn(id, { resolution: 'refund', amount: 4_000 }, ops(version))).rejects.toBeInstanceOf(StaleReturnError)
    await expect(resolveReturn(id, { resolution: 'refund', amount: 4_000 }, ops())).rejects.toThrow('This return is already resolved')
    expect(await prisma.refund.count({ where: { orderId: graph.order.id } })).toBe(1)
    expect((await auditOf(id)).at(-1)).toMatchObject({ action: 'resolve:return' })
  })

  /** Makes the next write matching `when` on `table` fail inside its transaction, as a crash at that point would. */
  async function failingWrite<T>(table: 'Return' | 'OutboxMessage', when: string, work: () => Promise<T>) {
    await prisma.$executeRawUnsafe(`create or replace function test_fail_write() returns trigger language plpgsql as $$
      begin if ${when} then raise exception 'simulated crash'; end if; return new; end $$`)
    await prisma.$executeRawUnsafe(`create trigger test_fail_write before insert or update on "${table}" for each row execute function test_fail_write()`)
    try {
      return await work()
    } finally {
      await prisma.$executeRawUnsafe(`drop trigger test_fail_write on "${table}"`)
    }
  }

  async function refundState(orderId: string, returnId: string) {
    const [ret, order, refunds, outbox, orderAudit] = await Promise.all([
      prisma.return.findUniqueOrThrow({ where: { id: returnId }, select: { status: true, resolution: true, version: true } }),
      prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { version: true, paymentStatus: true } }),
      prisma.refund.findMany({ where: { orderId }, select: { id: true, returnId: true, amount: true } }),
      prisma.outboxMessage.findMany({ where: { topic: 'payments.refund', idempotencyKey: { startsWith: `payments.refund:${orderId}:` } }, select: { payload: true } }),
      prisma.auditLog.count({ where: { entityType: 'order', entityId: orderId, action: 'refund:order' } }),
    ])
    return { ret, order, refunds, outbox, orderAudit }
  }

  test('the refund, its outbox row, its link and the resolution are one transaction: a crash at either end leaves nothing', async () => {
    const { graph, id } = await receivedReturn()
    const before = await refundState(graph.order.id, id)
    expect(before).toMatchObject({ ret: { status: 'received', resolution: null }, refunds: [], outbox: [], orderAudit: 0 })
    // A crash after the refund and its outbox row are written, when the return is resolved.
    const late = await failingWrite('Return', `new.id = '${id}' and new.status = 'resolved'`, () => resolveReturn(id, { resolution: 'refund', amount: 2_500 }, ops()).catch((e: Error) => e))
    expect(String(late)).toMatch(/simulated crash/)
    expect(await refundState(graph.order.id, id)).toEqual(before)
    // A crash when the refund's outbox row is written (the return's side has not been written yet).
    const early = await failingWrite('OutboxMessage', `new.topic = 'payments.refund'`, () => resolveReturn(id, { resolution: 'refund', amount: 2_500 }, ops()).catch((e: Error) => e))
    expect(String(early)).toMatch(/simulated crash/)
    expect(await refundState(graph.order.id, id)).toEqual(before)
    // Trying again: one refund, linked, with its outbox row; the return resolved.
    await resolveReturn(id, { resolution: 'refund', amount: 2_500 }, ops(before.ret.version))
    const after = await refundState(graph.order.id, id)
    expect(after.refunds).toEqual([{ id: expect.any(String), returnId: id, amount: 2_500 }])
    expect(after.outbox).toEqual([{ payload: { refundId: after.refunds[0]!.id } }])
    expect(after).toMatchObject({ ret: { status: 'resolved', resolution: 'refund', version: before.ret.version + 1 }, order: { version: before.order.version + 1 }, orderAudit: 1 })
  })

  test('a refund left by an earlier attempt (before resolutions were one transaction) is reused: still one refund', async () => {
    const { graph, id } = await receivedReturn()
    // The refund of the first attempt went through, then the process died before the return was resolved.
    await refundOrder(graph.order.id, { amount: 3_000, reason: 'Return', requestKey: `return-${id}-1` }, { actor: actors.operations })
    await resolveReturn(id, { resolution: 'refund', amount: 3_000 }, ops())
    const refunds = await prisma.refund.findMany({ where: { orderId: graph.order.id } })
    expect(refunds).toHaveLength(1)
    expect(refunds[0]!.returnId).toBe(id)
  })

  test('more than is left to refund is a field error and resolves nothing', async () => {
    const { graph, id } = await receivedReturn()
    const error = await resolveReturn(id, { resolution: 'refund', amount: 10_001 }, ops()).catch((e) => e)
    expect(error).toBeInstanceOf(ReturnInputError)
    expect((error as ReturnInputError).fieldErrors.amount).toMatch(/You can refund at most/)
    expect((await stored(id)).status).toBe('received')
    expect(await prisma.refund.count({ where: { orderId: graph.order.id } })).toBe(0)
  })
})

describe('stock: restock and exchange through the inventory model', () => {
  async function receivedStocked(spare: number) {
    const graph = await createStockedOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', lineCount: 1, spare })
    const line = graph.lines[0]!
    const { id } = await requestReturn({ orderId: graph.order.id, lines: [{ orderLineId: line.id, quantity: 2, reasonCode: 'size_fit' }] }, { actor: actors.operations })
    await approveReturn(id, { buyLabel: false }, ops())
    const [rl] = await prisma.returnLine.findMany({ where: { returnId: id } })
    await receiveReturn(id, { lines: [{ returnLineId: rl!.id, received: 2, damaged: 1 }] }, ops())
    return { graph, id, rl: rl! }
  }
  const level = (variantId: string, locationId: string) =>
    prisma.inventoryLevel.findUniqueOrThrow({ where: { variantId_locationId: { variantId, locationId } }, select: { onHand: true, reserved: true } })

  test('restock puts the undamaged units back at the chosen location with a ledger row for the return', async () => {
    const { graph, id, rl } = await receivedStocked(5)
    const variant = graph.variants[0]!
    const before = await level(variant.id, graph.location.id)
    const noLocation = await disposeReturnLines(id, { lines: [{ returnLineId: rl.id, disposition: 'restock' }] }, ops()).catch((e) => e)
    expect((noLocation as ReturnInputError).fieldErrors[`location.${rl.id}`]).toBe('Choose where to restock it')
    await disposeReturnLines(id, { lines: [{ returnLineId: rl.id, disposition: 'restock', locationId: graph.location.id }] }, ops())
    expect(await level(variant.id, graph.location.id)).toEqual({ onHand: before.onHand + 1, reserved: before.reserved })
    const ledger = await prisma.inventoryLedgerEntry.findMany({ where: { returnId: id } })
    expect(ledger).toHaveLength(1)
    expect(ledger[0]).toMatchObject({ kind: 'restock', onHandDelta: 1, variantId: variant.id, locationId: graph.location.id, orderId: graph.order.id, actorId: actors.operations.id })
    expect(await prisma.returnLine.findUniqueOrThrow({ where: { id: rl.id }, select: { disposition: true, quantityRestocked: true, restockLocationId: true } })).toEqual({
      disposition: 'restock',
      quantityRestocked: 1,
      restockLocationId: graph.location.id,
    })
    // Decided once: a second disposition of the same line is refused (no second restock).
    const again = await disposeReturnLines(id, { lines: [{ returnLineId: rl.id, disposition: 'restock', locationId: graph.location.id }] }, ops()).catch((e) => e)
    expect((again as ReturnInputError).fieldErrors[`disposition.${rl.id}`]).toBe('Already decided: restock')
    expect(await prisma.inventoryLedgerEntry.count({ where: { returnId: id } })).toBe(1)
  })

  test('exchange creates one replacement order whose stock is reserved; no stock = refused, nothing created', async () => {
    const { graph, id, rl } = await receivedStocked(5)
    await disposeReturnLines(id, { lines: [{ returnLineId: rl.id, disposition: 'quarantine' }] }, ops())
    const variant = graph.variants[0]!
    const before = await level(variant.id, graph.location.id)
    const result = await resolveReturn(id, { resolution: 'exchange' }, ops())
    expect(result.status).toBe('resolved')
    const ret = await prisma.return.findUniqueOrThrow({ where: { id }, select: { resolution: true, exchangeOrderId: true } })
    expect(ret.resolution).toBe('exchange')
    const exchange = await prisma.order.findUniqueOrThrow({
      where: { id: ret.exchangeOrderId! },
      select: { source: true, externalId: true, status: true, paymentStatus: true, totalAmount: true, lines: { select: { variantId: true, quantityOrdered: true } } },
    })
    expect(exchange).toMatchObject({ source: 'exchange', externalId: id, status: 'confirmed', paymentStatus: 'authorized', totalAmount: 0, lines: [{ variantId: variant.id, quantityOrdered: 2 }] })
    expect(await level(variant.id, graph.location.id)).toEqual({ onHand: before.onHand, reserved: before.reserved + 2 })

    const short = await receivedStocked(0)
    await disposeReturnLines(short.id, { lines: [{ returnLineId: short.rl.id, disposition: 'scrap' }] }, ops())
    const error = await resolveReturn(short.id, { resolution: 'exchange' }, ops()).catch((e) => e)
    expect(error).toBeInstanceOf(IllegalReturnActionError)
    expect((error as Error).message).toMatch(/^The replacement cannot be reserved\. Not enough stock: /)
    expect(await prisma.order.count({ where: { source: 'exchange', externalId: short.id } })).toBe(0)
    expect((await stored(short.id)).status).toBe('received')
  })
})
