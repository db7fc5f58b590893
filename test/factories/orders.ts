import type {
  FulfillmentStatus,
  OrderFulfillmentStatus,
  OrderPaymentStatus,
  OrderStatus,
  Prisma,
  PrismaClient,
} from '#app/generated/prisma/client.ts'
import { deriveFulfillmentStatus, derivePaymentStatus } from '#app/models/order-status.ts'
import { createInventoryLevel, createLocation, createProduct } from './catalogue.ts'
import { clampedAfter, DAY, fakeId, HOUR, MINUTE, testFaker, uniqueSuffix, type Faker } from './faker.ts'

/**
 * Order graphs that are consistent by construction: the stored `paymentStatus` / `fulfillmentStatus` are what
 * `derivePaymentStatus` / `deriveFulfillmentStatus` compute from the payments, refunds, line counters and
 * fulfilments built here (buildOrderGraph checks it and throws otherwise). The derivation rules live in app/models/order-status.ts
 * (docs/decisions/0003-data-model.md).
 */

export type OrderScenario = {
  status: OrderStatus
  paymentStatus: OrderPaymentStatus
  fulfillmentStatus: OrderFulfillmentStatus
}

/** Every combination the demo store shows, with relative weights (most orders are completed and delivered). */
export const ORDER_SCENARIOS: (OrderScenario & { weight: number })[] = [
  { status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled', weight: 3 },
  { status: 'pending', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled', weight: 3 },
  { status: 'confirmed', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled', weight: 3 },
  { status: 'confirmed', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled', weight: 5 },
  { status: 'confirmed', paymentStatus: 'partially_paid', fulfillmentStatus: 'unfulfilled', weight: 1 },
  { status: 'on_hold', paymentStatus: 'paid', fulfillmentStatus: 'unfulfilled', weight: 1 },
  { status: 'on_hold', paymentStatus: 'authorized', fulfillmentStatus: 'partially_fulfilled', weight: 1 },
  { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'partially_fulfilled', weight: 2 },
  { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'fulfilled', weight: 3 },
  { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'partially_shipped', weight: 2 },
  { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'shipped', weight: 6 },
  { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', weight: 40 },
  { status: 'completed', paymentStatus: 'partially_refunded', fulfillmentStatus: 'delivered', weight: 3 },
  { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'partially_returned', weight: 1 },
  { status: 'completed', paymentStatus: 'partially_refunded', fulfillmentStatus: 'partially_returned', weight: 2 },
  { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'returned', weight: 1 },
  { status: 'completed', paymentStatus: 'refunded', fulfillmentStatus: 'returned', weight: 2 },
  { status: 'cancelled', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled', weight: 2 },
  { status: 'cancelled', paymentStatus: 'voided', fulfillmentStatus: 'unfulfilled', weight: 3 },
  { status: 'cancelled', paymentStatus: 'refunded', fulfillmentStatus: 'unfulfilled', weight: 2 },
]

export type OrderItem = { variantId?: string | null; sku: string; title: string; variantTitle?: string | null; unitPriceAmount: number }

export type OrderGraph = {
  order: Prisma.OrderCreateManyInput & { id: string; totalAmount: number; placedAt: Date }
  lines: (Prisma.OrderLineCreateManyInput & { id: string; quantityShipped: number; quantityReturned: number })[]
  payments: (Prisma.PaymentCreateManyInput & { id: string })[]
  refunds: (Prisma.RefundCreateManyInput & { id: string })[]
  fulfillments: (Prisma.FulfillmentCreateManyInput & { id: string })[]
  fulfillmentLines: Prisma.FulfillmentLineCreateManyInput[]
  trackingEvents: Prisma.TrackingEventCreateManyInput[]
  reservations: (Prisma.ReservationCreateManyInput & { id: string; quantity: number; orderLineId: string })[]
}

export type BuildOrderInput = {
  now: Date
  number?: string
  placedAt?: Date
  scenario?: Partial<OrderScenario>
  currency?: string
  customer?: { id: string; email: string; name: string } | null
  shippingAddress?: Prisma.InputJsonValue
  items?: OrderItem[]
  /** Quantities per item (default 1–3 each). */
  quantities?: number[]
  /** Where stock is reserved and shipped from; no reservations when absent. */
  locationId?: string | null
  channel?: Prisma.OrderCreateManyInput['channel']
  shippingAmount?: number
  discountAmount?: number
  taxRate?: number
  tags?: string[]
}

const CARRIERS = ['Royal Mail', 'DPD', 'DHL', 'Evri', 'UPS']

export function buildOrderGraph(faker: Faker, input: BuildOrderInput): OrderGraph {
  const now = input.now
  const scenario: OrderScenario = { status: 'pending', paymentStatus: 'unpaid', fulfillmentStatus: 'unfulfilled', ...input.scenario }
  const placedAt = input.placedAt ?? new Date(now.getTime() - faker.number.int({ min: 0, max: 30 * DAY }))
  const currency = input.currency ?? 'GBP'
  const orderId = fakeId(faker)
  const partial = ['partially_fulfilled', 'partially_shipped', 'partially_returned'].includes(scenario.fulfillmentStatus)

  const items: OrderItem[] =
    input.items ??
    Array.from({ length: faker.number.int({ min: 1, max: 3 }) }, () => ({
      sku: `SKU-${faker.string.alphanumeric({ length: 8, casing: 'upper' })}`,
      title: faker.commerce.productName(),
      unitPriceAmount: faker.number.int({ min: 5, max: 120 }) * 100 - 1,
    }))
  const quantities = items.map((_, i) => input.quantities?.[i] ?? faker.number.int({ min: 1, max: 3 }))
  // A partial state needs at least two units so that one can be in a different state from the rest.
  if (partial && quantities.reduce((a, b) => a + b, 0) < 2) quantities[0] = 2

  const lines: OrderGraph['lines'] = items.map((item, position) => {
    const quantityOrdered = quantities[position]!
    return {
      id: fakeId(faker),
      orderId,
      position,
      variantId: item.variantId ?? null,
      sku: item.sku,
      title: item.title,
      variantTitle: item.variantTitle ?? null,
      unitPriceAmount: item.unitPriceAmount,
      discountAmount: 0,
      taxAmount: 0,
      totalAmount: item.unitPriceAmount * quantityOrdered,
      quantityOrdered,
      quantityFulfilled: 0,
      quantityShipped: 0,
      quantityReturned: 0,
      quantityCancelled: scenario.status === 'cancelled' ? quantityOrdered : 0,
      createdAt: placedAt,
      updatedAt: placedAt,
    }
  })

  // ── amounts ──
  const subtotalAmount = lines.reduce((sum, line) => sum + line.totalAmount, 0)
  const discountAmount = input.discountAmount ?? (faker.datatype.boolean({ probability: 0.15 }) ? Math.round(subtotalAmount * 0.1) : 0)
  const shippingAmount = input.shippingAmount ?? (subtotalAmount - discountAmount >= 5000 ? 0 : faker.helpers.arrayElement([399, 499, 799]))
  const taxAmount = Math.round((subtotalAmount - discountAmount) * (input.taxRate ?? 0.2))
  const totalAmount = subtotalAmount - discountAmount + shippingAmount + taxAmount

  // ── fulfilments: set line counters, then shipments to match ──
  const fulfillments: OrderGraph['fulfillments'] = []
  const fulfillmentLines: OrderGraph['fulfillmentLines'] = []
  const trackingEvents: OrderGraph['trackingEvents'] = []
  const fs = scenario.fulfillmentStatus
  const shipment = (portion: { lineId: string; quantity: number }[], state: 'packed' | 'in_transit' | 'delivered') => {
    const id = fakeId(faker)
    const createdAt = clampedAfter(placedAt, faker.number.int({ min: 1, max: 20 }) * HOUR, now)
    const shippedAt = state === 'packed' ? null : clampedAfter(createdAt, faker.number.int({ min: 1, max: 12 }) * HOUR, now)
    const deliveredAt = state === 'delivered' ? clampedAfter(shippedAt!, faker.number.int({ min: 1, max: 4 }) * DAY, now) : null
    const status: FulfillmentStatus = state === 'packed' ? 'label_created' : state === 'delivered' ? 'delivered' : 'in_transit'
    const carrier = faker.helpers.arrayElement(CARRIERS)
    const trackingNumber = state === 'packed' && faker.datatype.boolean() ? null : `${carrier.slice(0, 2).toUpperCase()}${faker.string.numeric(12)}GB`
    fulfillments.push({
      id,
      orderId,
      locationId: input.locationId ?? null,
      status: trackingNumber ? status : 'pending',
      carrier: trackingNumber ? carrier : null,
      service: trackingNumber ? faker.helpers.arrayElement(['standard', 'express', 'next_day']) : null,
      trackingNumber,
      trackingUrl: trackingNumber ? `https://track.example.com/${trackingNumber}` : null,
      shippedAt,
      deliveredAt,
      createdAt,
      updatedAt: deliveredAt ?? shippedAt ?? createdAt,
    })
    for (const { lineId, quantity } of portion) fulfillmentLines.push({ id: fakeId(faker), fulfillmentId: id, orderLineId: lineId, quantity })
    if (trackingNumber) {
      const events: [FulfillmentStatus, string, Date][] = [['label_created', 'Label created, awaiting collection', createdAt]]
      if (shippedAt) events.push(['in_transit', 'Collected by carrier', shippedAt])
      if (shippedAt) events.push(['in_transit', 'At sorting hub', clampedAfter(shippedAt, 8 * HOUR, now)])
      if (deliveredAt) events.push(['out_for_delivery', 'Out for delivery', clampedAfter(deliveredAt, -4 * HOUR, now)])
      if (deliveredAt) events.push(['delivered', 'Delivered', deliveredAt])
      events.forEach(([eventStatus, description, occurredAt], index) =>
        trackingEvents.push({
          fulfillmentId: id,
          status: eventStatus,
          description,
          location: faker.location.city(),
          occurredAt: new Date(Math.max(occurredAt.getTime(), createdAt.getTime())),
          externalId: `${trackingNumber}-${index + 1}`,
          createdAt: occurredAt,
        }),
      )
    }
  }
  const all = lines.map((line) => ({ lineId: line.id, quantity: line.quantityOrdered }))
  const setAll = (field: 'quantityFulfilled' | 'quantityShipped' | 'quantityReturned') => {
    for (const line of lines) line[field] = line.quantityOrdered
  }
  /** Splits the lines' units into [first unit] and [the rest] (the rest may be empty). */
  const firstUnitAndRest = () => {
    const first = [{ lineId: lines[0]!.id, quantity: 1 }]
    const rest = all.map((p, i) => ({ ...p, quantity: i === 0 ? p.quantity - 1 : p.quantity })).filter((p) => p.quantity > 0)
    return { first, rest }
  }
  switch (fs) {
    case 'unfulfilled':
      break
    case 'partially_fulfilled':
      lines[0]!.quantityFulfilled = 1
      shipment([{ lineId: lines[0]!.id, quantity: 1 }], 'packed')
      break
    case 'fulfilled':
      setAll('quantityFulfilled')
      shipment(all, 'packed')
      break
    case 'partially_shipped': {
      setAll('quantityFulfilled')
      lines[0]!.quantityShipped = 1
      const { first, rest } = firstUnitAndRest()
      shipment(first, 'in_transit')
      shipment(rest, 'packed')
      break
    }
    case 'shipped':
      setAll('quantityFulfilled')
      setAll('quantityShipped')
      shipment(all, 'in_transit')
      break
    case 'delivered':
    case 'partially_returned':
    case 'returned':
      setAll('quantityFulfilled')
      setAll('quantityShipped')
      shipment(all, 'delivered')
      if (fs === 'returned') setAll('quantityReturned')
      if (fs === 'partially_returned') lines[0]!.quantityReturned = 1
      break
  }

  // ── payments and refunds ──
  const payments: OrderGraph['payments'] = []
  const refunds: OrderGraph['refunds'] = []
  const ps = scenario.paymentStatus
  if (ps !== 'unpaid') {
    const authorizedAt = clampedAfter(placedAt, faker.number.int({ min: 1, max: 60 }) * 1000, now)
    const capturedAt = ['authorized', 'voided'].includes(ps) ? null : clampedAfter(authorizedAt, faker.number.int({ min: 1, max: 120 }) * MINUTE, now)
    const captured = ps === 'authorized' || ps === 'voided' ? 0 : ps === 'partially_paid' ? Math.floor(totalAmount / 2) : totalAmount
    const refunded = ps === 'refunded' ? totalAmount : ps === 'partially_refunded' ? Math.max(1, Math.min(lines[0]!.unitPriceAmount, Math.floor(totalAmount / 2))) : 0
    const paymentId = fakeId(faker)
    payments.push({
      id: paymentId,
      orderId,
      provider: 'payments',
      externalId: `pay_${faker.string.alphanumeric(20)}`,
      status:
        ps === 'authorized' ? 'authorized' : ps === 'voided' ? 'voided' : ps === 'refunded' ? 'refunded' : ps === 'partially_refunded' ? 'partially_refunded' : 'captured',
      method: faker.helpers.weightedArrayElement([
        { weight: 7, value: 'card' },
        { weight: 2, value: 'paypal' },
        { weight: 1, value: 'apple_pay' },
      ]),
      amount: totalAmount,
      currency,
      capturedAmount: captured,
      refundedAmount: refunded,
      authorizedAt,
      capturedAt,
      createdAt: authorizedAt,
      updatedAt: capturedAt ?? authorizedAt,
    })
    if (refunded > 0) {
      const processedAt = clampedAfter(capturedAt!, faker.number.int({ min: 1, max: 10 }) * DAY, now)
      const refundId = fakeId(faker)
      refunds.push({
        id: refundId,
        orderId,
        paymentId,
        amount: refunded,
        currency,
        reason: scenario.status === 'cancelled' ? 'Order cancelled' : fs === 'delivered' ? 'Goodwill gesture' : 'Returned items',
        status: 'succeeded',
        idempotencyKey: `refund:${orderId}:${refundId}`,
        externalId: `re_${faker.string.alphanumeric(20)}`,
        processedAt,
        createdAt: processedAt,
        updatedAt: processedAt,
      })
    }
  }

  // ── reservations: open for unshipped units of live orders, committed for shipped, released on cancel ──
  const reservations: OrderGraph['reservations'] = []
  if (input.locationId) {
    for (const line of lines) {
      const base = { orderLineId: line.id, locationId: input.locationId, createdAt: placedAt, updatedAt: placedAt }
      if (scenario.status === 'cancelled') {
        if (scenario.paymentStatus !== 'unpaid') reservations.push({ id: fakeId(faker), ...base, quantity: line.quantityOrdered, status: 'released' })
        continue
      }
      if (line.quantityShipped > 0) reservations.push({ id: fakeId(faker), ...base, quantity: line.quantityShipped, status: 'committed' })
      const open = line.quantityOrdered - line.quantityCancelled! - line.quantityShipped
      if (open > 0 && scenario.status !== 'completed') reservations.push({ id: fakeId(faker), ...base, quantity: open, status: 'open' })
    }
  }

  const lastChange = [placedAt, ...fulfillments.map((f) => f.updatedAt as Date), ...refunds.map((r) => r.createdAt as Date)].reduce((a, b) => (b > a ? b : a))
  const customer = input.customer ?? null
  const order: OrderGraph['order'] = {
    id: orderId,
    number: input.number ?? `#${900000 + faker.number.int({ min: 0, max: 99999 })}-${uniqueSuffix()}`,
    status: scenario.status,
    paymentStatus: scenario.paymentStatus,
    fulfillmentStatus: scenario.fulfillmentStatus,
    channel: input.channel ?? 'online_store',
    currency,
    subtotalAmount,
    discountAmount,
    shippingAmount,
    taxAmount,
    totalAmount,
    customerId: customer?.id ?? null,
    customerEmail: (customer?.email ?? faker.internet.email({ provider: 'example.com' })).toLowerCase(),
    customerName: customer?.name ?? faker.person.fullName(),
    shippingAddress: input.shippingAddress,
    tags: input.tags ?? [],
    placedAt,
    cancelledAt: scenario.status === 'cancelled' ? clampedAfter(placedAt, 3 * HOUR, now) : null,
    cancelReason: scenario.status === 'cancelled' ? faker.helpers.arrayElement(['customer', 'fraud', 'inventory', 'declined']) : null,
    closedAt: scenario.status === 'completed' ? lastChange : null,
    source: 'storefront',
    externalId: `so_${orderId}`,
    externalUpdatedAt: lastChange,
    createdAt: placedAt,
    updatedAt: lastChange,
  }

  const derivedFulfillment = deriveFulfillmentStatus(lines, fulfillments as { shippedAt: Date | null; status: FulfillmentStatus }[])
  const derivedPayment = derivePaymentStatus(totalAmount, payments as Parameters<typeof derivePaymentStatus>[1])
  if (derivedFulfillment !== scenario.fulfillmentStatus || derivedPayment !== scenario.paymentStatus) {
    throw new Error(
      `buildOrderGraph: scenario ${JSON.stringify(scenario)} derived ${derivedPayment}/${derivedFulfillment} (factory bug)`,
    )
  }
  return { order, lines, payments, refunds, fulfillments, fulfillmentLines, trackingEvents, reservations }
}

/** Inserts many graphs with one createMany per table (parents first). */
export async function insertOrderGraphs(prisma: PrismaClient, graphs: OrderGraph[]) {
  const chunked = async <T>(rows: T[], insert: (data: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += 5000) await insert(rows.slice(i, i + 5000))
  }
  await chunked(graphs.map((g) => g.order), (data) => prisma.order.createMany({ data }))
  await chunked(graphs.flatMap((g) => g.lines), (data) => prisma.orderLine.createMany({ data }))
  await chunked(graphs.flatMap((g) => g.payments), (data) => prisma.payment.createMany({ data }))
  await chunked(graphs.flatMap((g) => g.refunds), (data) => prisma.refund.createMany({ data }))
  await chunked(graphs.flatMap((g) => g.fulfillments), (data) => prisma.fulfillment.createMany({ data }))
  await chunked(graphs.flatMap((g) => g.fulfillmentLines), (data) => prisma.fulfillmentLine.createMany({ data }))
  await chunked(graphs.flatMap((g) => g.trackingEvents), (data) => prisma.trackingEvent.createMany({ data }))
  await chunked(graphs.flatMap((g) => g.reservations), (data) => prisma.reservation.createMany({ data }))
}

export type CreateOrderOverrides = Omit<BuildOrderInput, 'now'> & {
  now?: Date
  status?: OrderStatus
  paymentStatus?: OrderPaymentStatus
  fulfillmentStatus?: OrderFulfillmentStatus
  /** Forces the order total (and a single line priced to match, tax/shipping/discount 0). */
  totalAmount?: number
}

/** Creates one consistent order (lines, payments, shipments) for a test and returns its graph. */
export async function createOrder(prisma: PrismaClient, overrides: CreateOrderOverrides = {}) {
  const { status, paymentStatus, fulfillmentStatus, totalAmount, now, ...input } = overrides
  const scenario = { ...input.scenario }
  if (status) scenario.status = status
  if (paymentStatus) scenario.paymentStatus = paymentStatus
  if (fulfillmentStatus) scenario.fulfillmentStatus = fulfillmentStatus
  const fixedTotal =
    totalAmount === undefined
      ? {}
      : {
          // Partial states need two units: split the total over two lines so it still adds up.
          items: (['partially_fulfilled', 'partially_shipped', 'partially_returned'].includes(scenario.fulfillmentStatus ?? '')
            ? [totalAmount - 1, 1]
            : [totalAmount]
          ).map((unitPriceAmount) => ({ sku: `SKU-${uniqueSuffix().toUpperCase()}`, title: 'Test item', unitPriceAmount })),
          quantities: [1, 1],
          shippingAmount: 0,
          discountAmount: 0,
          taxRate: 0,
        }
  const graph = buildOrderGraph(testFaker, { now: now ?? new Date(), ...input, ...fixedTotal, scenario, number: input.number ?? `#T${uniqueSuffix()}` })
  await insertOrderGraphs(prisma, [graph])
  return graph
}

/**
 * An order whose lines are real variants stocked at one location, with InventoryLevel.reserved equal to the open
 * reservations (as the demo seed keeps it), `spare` more units on hand, ledger entries that add up to each level, and
 * a shipping address. For tests of
 * actions that move stock (cancel releases, shipping commits).
 */
export async function createStockedOrder(
  prisma: PrismaClient,
  overrides: Omit<CreateOrderOverrides, 'items' | 'locationId'> & { lineCount?: number; spare?: number } = {},
) {
  const { lineCount = 2, spare = 10, ...rest } = overrides
  const location = await createLocation(prisma)
  const { variants } = await createProduct(prisma, { variants: Array.from({ length: lineCount }, () => ({})) })
  const graph = await createOrder(prisma, {
    quantities: variants.map((_, i) => (i === 0 ? 3 : 1)),
    shippingAddress: { line1: '1 High Street', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' },
    ...rest,
    locationId: location.id,
    items: variants.map((variant) => ({ variantId: variant.id, sku: variant.sku, title: `Item ${variant.sku}`, unitPriceAmount: variant.priceAmount })),
  })
  const levels = []
  for (const variant of variants) {
    const lineIds = graph.lines.filter((line) => line.variantId === variant.id).map((line) => line.id)
    const reserved = graph.reservations
      .filter((r) => r.status === 'open' && lineIds.includes(r.orderLineId))
      .reduce((sum, r) => sum + r.quantity, 0)
    levels.push(await createInventoryLevel(prisma, { variantId: variant.id, locationId: location.id, onHand: reserved + spare, reserved }))
    // The ledger explains the level (ADR 0003: per level, the deltas sum to onHand and reserved).
    await prisma.inventoryLedgerEntry.createMany({
      data: [
        { variantId: variant.id, locationId: location.id, kind: 'restock', onHandDelta: reserved + spare, reason: 'Test stock' },
        ...(reserved > 0 ? [{ variantId: variant.id, locationId: location.id, kind: 'reserve' as const, reservedDelta: reserved, orderId: graph.order.id, reason: `Order ${graph.order.number}` }] : []),
      ],
    })
  }
  return { ...graph, location, variants, levels }
}
