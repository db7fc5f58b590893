import { afterAll, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { addressSnapshot, buildAddress, createCustomer } from '#test/factories/customers.ts'
import { testFaker } from '#test/factories/faker.ts'
import { createOrder } from '#test/factories/orders.ts'
import { buildReturn } from '#test/factories/returns.ts'
import { createTicket } from '#test/factories/tickets.ts'
import { createUser } from '#test/factories/users.ts'
import { formatMoney } from '#app/utils/money.ts'
import { cancelOrder } from './order-actions.server.ts'
import { getOrderCaseFile, LINKED_RECORDS_LIMIT } from './order-detail.server.ts'
import { approveReturn, cancelReturn, disposeReturnLines, receiveReturn, requestReturn, resolveReturn } from './return.server.ts'

/** The order page's case file against the real database: every section, the linked sync records and the timeline. */

afterAll(async () => {
  await closeQueues()
})

const at = (iso: string) => new Date(iso)

test('an unknown order is null', async () => {
  expect(await getOrderCaseFile('c-no-such-order')).toBeNull()
})

test('a delivered, partly refunded order with a return, a ticket, notes, audit, jobs and webhooks: the whole case file', async () => {
  const now = at('2026-11-20T12:00:00Z')
  const customer = await createCustomer(prisma, { name: 'Ada Lovelace' })
  const address = buildAddress(testFaker, customer, { city: 'London', country: 'GB' })
  const { user: ana } = await createUser(prisma, { role: 'operations', name: 'Ana Ops' })
  const { user: sam } = await createUser(prisma, { role: 'support', name: 'Sam Support' })
  const graph = await createOrder(prisma, {
    now,
    placedAt: at('2026-11-01T09:00:00Z'),
    status: 'completed',
    paymentStatus: 'partially_refunded',
    fulfillmentStatus: 'delivered',
    customer,
    shippingAddress: addressSnapshot(address),
    quantities: [2, 1],
    items: [
      { sku: `CF-A-${Date.now()}`, title: 'Walnut desk', unitPriceAmount: 25_000 },
      { sku: `CF-B-${Date.now()}`, title: 'Desk lamp', unitPriceAmount: 4_500 },
    ],
    tags: ['vip'],
  })
  const orderId = graph.order.id
  await prisma.order.update({ where: { id: orderId }, data: { assigneeId: ana.id } })
  const ret = buildReturn(testFaker, graph, { status: 'requested', now })
  await prisma.return.create({ data: ret.ret })
  await prisma.returnLine.createMany({ data: ret.lines })
  const ticket = await createTicket(prisma, { order: { id: orderId, number: graph.order.number }, requester: customer, status: 'open', assigneeId: sam.id, createdAt: at('2026-11-10T10:00:00Z'), now })

  await prisma.orderNote.create({ data: { orderId, authorId: ana.id, body: 'Customer called: leave with neighbour', createdAt: at('2026-11-12T08:00:00Z') } })
  await prisma.auditLog.create({
    data: { actorId: ana.id, action: 'tag:order', entityType: 'order', entityId: orderId, before: { tags: [] }, after: { tags: ['vip'] }, createdAt: at('2026-11-02T10:00:00Z') },
  })
  // An audit entry for adding the note repeats the note: shown once, from the note.
  await prisma.auditLog.create({ data: { actorId: ana.id, action: 'note:order', entityType: 'order', entityId: orderId, after: { body: 'x' }, createdAt: at('2026-11-12T08:00:00Z') } })
  // Another order's audit entry never shows here.
  await prisma.auditLog.create({ data: { actorId: ana.id, action: 'confirm:order', entityType: 'order', entityId: 'someone-else', createdAt: at('2026-11-03T00:00:00Z') } })

  // A sync job with two attempts (retried, then completed) and a webhook, both linked to the order.
  const jobId = `import-order-${graph.order.externalId}`
  for (const [attempt, status, finishedAt] of [
    [1, 'retrying', '2026-11-01T09:00:05Z'],
    [2, 'completed', '2026-11-01T09:00:35Z'],
  ] as const) {
    await prisma.jobRun.create({
      data: {
        integration: 'storefront',
        queue: 'sync-storefront',
        jobId,
        name: 'import-order',
        attempt,
        status,
        durationMs: 40,
        summary: status === 'completed' ? 'order created' : null,
        error: status === 'retrying' ? 'HTTP 503 from storefront' : null,
        startedAt: at(finishedAt),
        finishedAt: at(finishedAt),
      },
    })
  }
  await prisma.recordLink.create({ data: { sourceType: 'job', sourceId: `sync-storefront/${jobId}`, entityType: 'order', entityId: orderId } })
  const webhook = await prisma.webhookEvent.create({
    data: { provider: 'carrier', eventId: `evt_${orderId}`, topic: 'shipment.delivered', payload: { secret: 'never shown' }, status: 'processed', receivedAt: at('2026-11-05T16:00:00Z') },
  })
  await prisma.recordLink.create({ data: { sourceType: 'webhook', sourceId: webhook.id, entityType: 'order', entityId: orderId } })

  const file = (await getOrderCaseFile(orderId))!
  expect(file.summary).toMatchObject({
    number: graph.order.number,
    status: 'completed',
    paymentStatus: 'partially_refunded',
    fulfillmentStatus: 'delivered',
    channel: 'online_store',
    tags: ['vip'],
    version: 1,
    assignee: { id: ana.id, name: 'Ana Ops', role: 'operations' },
    totalAmount: graph.order.totalAmount,
  })
  expect(file.customer).toMatchObject({ id: customer.id, name: 'Ada Lovelace', email: customer.email, orderCount: 1 })
  expect(file.shippingAddress).toMatchObject({ city: 'London', country: 'GB', line1: address.line1 })
  expect(file.billingAddress).toBeNull()

  expect(file.lines.map((line) => [line.title, line.quantityOrdered, line.quantityFulfilled, line.quantityShipped, line.quantityReturned, line.quantityCancelled, line.quantityRemaining])).toEqual([
    ['Walnut desk', 2, 2, 2, 0, 0, 0],
    ['Desk lamp', 1, 1, 1, 0, 0, 0],
  ])
  expect(file.payments).toHaveLength(1)
  expect(file.refunds).toHaveLength(1)
  expect(file.totals.captured).toBe(graph.order.totalAmount)
  expect(file.totals.refundable).toBe(graph.order.totalAmount - file.refunds[0]!.amount)

  expect(file.fulfillments).toHaveLength(1)
  const fulfillment = file.fulfillments[0]!
  expect(fulfillment.trackingNumber).toMatch(/GB$/)
  expect(fulfillment.lines.map((line) => [line.title, line.quantity])).toEqual([
    ['Walnut desk', 2],
    ['Desk lamp', 1],
  ])
  // Newest tracking event first.
  expect(fulfillment.trackingEvents[0]!.status).toBe('delivered')
  expect(fulfillment.trackingEvents.map((event) => event.description)).toContain('Collected by carrier')

  expect(file.returns).toEqual([expect.objectContaining({ number: ret.ret.number, status: 'requested', units: 1 })])
  expect(file.tickets).toEqual([expect.objectContaining({ number: ticket.ticket.number ?? expect.any(Number), status: 'open', assignee: expect.objectContaining({ name: 'Sam Support' }) })])
  expect(file.notes).toEqual([expect.objectContaining({ body: 'Customer called: leave with neighbour', author: expect.objectContaining({ name: 'Ana Ops' }) })])

  expect(file.sync.jobCount).toBe(1)
  expect(file.sync.jobs).toEqual([
    expect.objectContaining({
      integration: 'storefront',
      jobId,
      name: 'import-order',
      status: 'completed',
      attempts: 2,
      summary: 'order created',
      href: `/integrations/storefront?view=search&q=${encodeURIComponent(jobId)}`,
    }),
  ])
  expect(file.sync.webhookCount).toBe(1)
  expect(file.sync.webhooks).toEqual([
    expect.objectContaining({ provider: 'carrier', topic: 'shipment.delivered', status: 'processed', href: `/integrations/carrier?view=search&q=webhook-${webhook.id}` }),
  ])
  expect(JSON.stringify(file)).not.toContain('never shown')

  // The timeline: newest first, every source, who did it.
  const entries = file.timeline.entries
  const times = entries.map((entry) => new Date(entry.at).getTime())
  expect([...times].sort((a, b) => b - a)).toEqual(times)
  expect(new Set(entries.map((entry) => entry.kind))).toEqual(new Set(['placed', 'audit', 'note', 'payment', 'refund', 'fulfilment', 'tracking', 'return', 'ticket', 'webhook', 'job']))
  expect(entries.at(-1)).toMatchObject({ kind: 'placed', title: 'Order placed', actor: { kind: 'customer', name: 'Ada Lovelace' } })
  expect(entries.find((entry) => entry.kind === 'audit')).toMatchObject({ title: 'Changed the tags', detail: '+vip', actor: { kind: 'person', name: 'Ana Ops', role: 'operations' } })
  expect(entries.filter((entry) => entry.kind === 'note')).toEqual([expect.objectContaining({ detail: 'Customer called: leave with neighbour', actor: expect.objectContaining({ name: 'Ana Ops' }) })])
  expect(entries.filter((entry) => entry.kind === 'audit')).toHaveLength(1)
  expect(entries.find((entry) => entry.kind === 'webhook')).toMatchObject({ title: 'Webhook shipment.delivered received', actor: { kind: 'integration', name: 'Shipping carrier' } })
  expect(entries.find((entry) => entry.kind === 'job')).toMatchObject({ title: 'Sync job import-order completed', actor: { kind: 'integration', name: 'Storefront' } })
  expect(file.timeline.total).toBe(entries.length)
})

test('linked jobs are capped (newest first) with the full count; a linked job with no attempt yet still shows', async () => {
  const graph = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled' })
  const orderId = graph.order.id
  const total = LINKED_RECORDS_LIMIT + 5
  await prisma.recordLink.createMany({
    data: Array.from({ length: total }, (_, i) => ({
      sourceType: 'job' as const,
      sourceId: `sync-payments/pull-payments-${i}`,
      entityType: 'order',
      entityId: orderId,
      createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)),
    })),
  })
  const file = (await getOrderCaseFile(orderId))!
  expect(file.sync.jobCount).toBe(total)
  expect(file.sync.jobs).toHaveLength(LINKED_RECORDS_LIMIT)
  expect(file.sync.jobs[0]).toMatchObject({ jobId: `pull-payments-${total - 1}`, integration: 'payments', status: null, attempts: 0 })
  expect(file.sync.webhookCount).toBe(0)
})

test('a cancelled order without an audit entry (cancelled by a sync) still says so in the timeline; remaining units count cancellations', async () => {
  const graph = await createOrder(prisma, { status: 'cancelled', paymentStatus: 'voided', fulfillmentStatus: 'unfulfilled' })
  const file = (await getOrderCaseFile(graph.order.id))!
  expect(file.timeline.entries[0]).toMatchObject({ kind: 'cancelled', title: 'Order cancelled', actor: { kind: 'integration', name: 'Storefront' } })
  for (const line of file.lines) expect(line.quantityRemaining).toBe(0)
})

test("every step of the order's returns is in its timeline, with who did it, in the return page's words", async () => {
  const { user: sam } = await createUser(prisma, { role: 'support', name: 'Sam Support' })
  const { user: ana } = await createUser(prisma, { role: 'operations', name: 'Ana Ops' })
  const { user: bo } = await createUser(prisma, { role: 'operations', name: 'Bo Ops' })
  const graph = await createOrder(prisma, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', quantities: [2], currency: 'GBP' })
  const [first] = graph.lines
  const support = { actor: { id: sam.id, role: 'support' as const } }
  const ops = { actor: { id: ana.id, role: 'operations' as const } }

  const kept = await requestReturn({ orderId: graph.order.id, lines: [{ orderLineId: first!.id, quantity: 1, reasonCode: 'damaged' }], customerNote: 'Scratched top' }, support)
  await approveReturn(kept.id, { buyLabel: false }, ops)
  const [line] = await prisma.returnLine.findMany({ where: { returnId: kept.id }, select: { id: true } })
  await receiveReturn(kept.id, { lines: [{ returnLineId: line!.id, received: 1, damaged: 1 }] }, ops)
  await disposeReturnLines(kept.id, { lines: [{ returnLineId: line!.id, disposition: 'scrap' }] }, ops)
  await resolveReturn(kept.id, { resolution: 'store_credit', amount: 1_250 }, ops)
  const dropped = await requestReturn({ orderId: graph.order.id, lines: [{ orderLineId: first!.id, quantity: 1, reasonCode: 'no_longer_needed' }] }, support)
  await cancelReturn(dropped.id, { reason: 'Customer keeps it' }, { actor: { id: bo.id, role: 'operations' } })

  const file = (await getOrderCaseFile(graph.order.id))!
  const steps = file.timeline.entries.filter((entry) => entry.kind === 'return').map((entry) => [entry.title, entry.detail, entry.actor.name])
  expect(steps).toEqual([
    [`Return ${dropped.number}: Cancelled`, 'Reason: Customer keeps it', 'Bo Ops'],
    [`Return ${dropped.number} requested`, '1 unit', 'Sam Support'],
    [`Return ${kept.number}: Resolved`, 'Store credit · £12.50', 'Ana Ops'],
    [`Return ${kept.number}: Items dealt with`, expect.stringContaining(': scrap'), 'Ana Ops'],
    [`Return ${kept.number}: Received`, '1 unit back, 1 damaged', 'Ana Ops'],
    [`Return ${kept.number}: Approved`, 'No label (customer ships it their own way)', 'Ana Ops'],
    [`Return ${kept.number} requested`, '1 unit · “Scratched top”', 'Sam Support'],
  ])
  // Steps are people's: each with their role; none is shown twice (no extra "requested" from the return row).
  expect(file.timeline.entries.filter((entry) => entry.kind === 'return').every((entry) => entry.actor.kind === 'person' && entry.actor.role)).toBe(true)
})

test('a cancel that voids an authorization says so, and the voided payment shows when the gateway confirms it', async () => {
  const { user: ana } = await createUser(prisma, { role: 'operations', name: 'Ana Ops' })
  const graph = await createOrder(prisma, { status: 'confirmed', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled', currency: 'GBP' })
  const payment = graph.payments[0]!
  await cancelOrder(graph.order.id, { reason: 'Duplicate order' }, { actor: { id: ana.id, role: 'operations' } })
  let file = (await getOrderCaseFile(graph.order.id))!
  expect(file.timeline.entries.find((entry) => entry.title === 'Cancelled the order')).toMatchObject({
    detail: expect.stringContaining(`void of the ${formatMoney(payment.amount, 'GBP')} authorization requested`),
    actor: { kind: 'person', name: 'Ana Ops' },
  })
  expect(file.timeline.entries.some((entry) => entry.title === 'Authorization voided')).toBe(false)

  // The payments.void effect stores the gateway's answer (workers/integrations/payments/effects.ts).
  const voidedAt = new Date(Date.now() + 1_000)
  await prisma.payment.update({ where: { id: payment.id }, data: { status: 'voided', externalUpdatedAt: voidedAt } })
  file = (await getOrderCaseFile(graph.order.id))!
  expect(file.timeline.entries[0]).toMatchObject({ kind: 'payment', title: 'Authorization voided', at: voidedAt, actor: { kind: 'integration', name: 'Payment gateway' } })
})
