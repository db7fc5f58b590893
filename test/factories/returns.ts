import type { Prisma, PrismaClient, ReturnStatus } from '#app/generated/prisma/client.ts'
import { clampedAfter, DAY, fakeId, HOUR, testFaker, uniqueSuffix, type Faker } from './faker.ts'
import { createOrder, type OrderGraph } from './orders.ts'

export const RETURN_STATUSES: ReturnStatus[] = ['requested', 'approved', 'rejected', 'label_created', 'in_transit', 'received', 'resolved', 'cancelled']

/** Statuses in which the goods are back: the order lines' `quantityReturned` already counts them. */
export const RETURN_RECEIVED_STATUSES: ReturnStatus[] = ['received', 'resolved']

export type ReturnGraph = {
  ret: Prisma.ReturnCreateManyInput & { id: string }
  lines: Prisma.ReturnLineCreateManyInput[]
}

/**
 * A return for an order that has shipped units. For received/resolved returns the order's lines must already count
 * the units in `quantityReturned` (use an order in a partially_returned/returned scenario); for earlier statuses the
 * return asks for one shipped, not-yet-returned unit of the first line.
 */
export function buildReturn(
  faker: Faker,
  graph: OrderGraph,
  input: { status: ReturnStatus; number?: string; now: Date; /** Leave received lines without a disposition (still to decide). */ undecided?: boolean },
): ReturnGraph {
  const { status, now } = input
  const received = RETURN_RECEIVED_STATUSES.includes(status)
  const delivered = graph.fulfillments.map((f) => f.deliveredAt as Date | null).find(Boolean) ?? graph.order.placedAt
  const requestedAt = clampedAfter(delivered, faker.number.int({ min: 1, max: 5 }) * DAY, now)
  const receivedAt = received ? clampedAfter(requestedAt, faker.number.int({ min: 2, max: 6 }) * DAY, now) : null
  const resolvedAt = status === 'resolved' ? clampedAfter(receivedAt!, faker.number.int({ min: 2, max: 48 }) * HOUR, now) : null
  const id = fakeId(faker)
  const picked = received
    ? graph.lines.filter((l) => l.quantityReturned > 0).map((l) => ({ line: l, quantity: l.quantityReturned }))
    : [{ line: graph.lines.find((l) => l.quantityShipped - l.quantityReturned > 0)!, quantity: 1 }]
  if (picked.length === 0 || !picked[0]!.line) throw new Error(`buildReturn: order ${graph.order.number} has nothing returnable for ${status}`)
  const reasonCode = faker.helpers.arrayElement(['damaged', 'defective', 'wrong_item', 'not_as_described', 'size_fit', 'no_longer_needed'] as const)
  const lines = picked.map(({ line, quantity }) => {
    const damaged = received && reasonCode === 'damaged' ? 1 : 0
    return {
      id: fakeId(faker),
      returnId: id,
      orderLineId: line.id,
      quantityRequested: quantity,
      quantityReceived: received ? quantity : 0,
      quantityDamaged: damaged,
      reasonCode,
      disposition: received && !input.undecided ? (damaged ? faker.helpers.arrayElement(['quarantine', 'scrap'] as const) : 'restock') : null,
      createdAt: requestedAt,
      updatedAt: receivedAt ?? requestedAt,
    } satisfies Prisma.ReturnLineCreateManyInput
  })
  const hasLabel = ['label_created', 'in_transit', 'received', 'resolved'].includes(status)
  return {
    ret: {
      id,
      number: input.number ?? `RMA-T${uniqueSuffix()}`,
      orderId: graph.order.id,
      customerId: graph.order.customerId ?? null,
      status,
      reason: faker.helpers.arrayElement(['Arrived damaged', 'Wrong size', 'Not as pictured', 'Changed my mind', 'Stopped working']),
      resolution: status === 'resolved' ? (graph.refunds.length > 0 ? 'refund' : faker.helpers.arrayElement(['exchange', 'store_credit'] as const)) : null,
      carrier: hasLabel ? 'Royal Mail' : null,
      trackingNumber: hasLabel ? `RM${faker.string.numeric(10)}GB` : null,
      requestedAt,
      // The workflow's step times and reasons (app/models/return.server.ts writes the same fields).
      approvedAt: ['approved', 'label_created', 'in_transit', 'received', 'resolved'].includes(status) ? clampedAfter(requestedAt, 6 * HOUR, now) : null,
      inTransitAt: ['in_transit', 'received', 'resolved'].includes(status) ? clampedAfter(requestedAt, DAY, now) : null,
      rejectedAt: status === 'rejected' ? clampedAfter(requestedAt, 6 * HOUR, now) : null,
      rejectReason: status === 'rejected' ? 'Outside the 30-day return window' : null,
      cancelledAt: status === 'cancelled' ? clampedAfter(requestedAt, 12 * HOUR, now) : null,
      cancelReason: status === 'cancelled' ? 'Customer decided to keep it' : null,
      receivedAt,
      resolvedAt,
      createdAt: requestedAt,
      updatedAt: resolvedAt ?? receivedAt ?? requestedAt,
    },
    lines,
  }
}

/** A test return in the given status, on a new order whose counters match it. */
export async function createReturn(prisma: PrismaClient, overrides: { status?: ReturnStatus; now?: Date; createdAt?: Date; undecided?: boolean } = {}) {
  const status = overrides.status ?? 'requested'
  const now = overrides.now ?? new Date()
  const received = RETURN_RECEIVED_STATUSES.includes(status)
  const graph = await createOrder(prisma, {
    now,
    placedAt: new Date(now.getTime() - 10 * DAY),
    status: 'completed',
    paymentStatus: 'paid',
    fulfillmentStatus: received ? 'returned' : 'delivered',
  })
  const built = buildReturn(testFaker, graph, { status, now, undecided: overrides.undecided })
  if (overrides.createdAt) built.ret.createdAt = overrides.createdAt
  await prisma.return.create({ data: built.ret })
  await prisma.returnLine.createMany({ data: built.lines })
  return { ...built, order: graph }
}
