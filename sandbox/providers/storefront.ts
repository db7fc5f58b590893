import { z } from 'zod'
import { HttpError, iso, listByIds, listPage } from '../http.ts'
import type { Address, SeedCustomer } from '../data.ts'
import { StoredRecord } from '../state.ts'
import type { Payment, PaymentsProvider } from './payments.ts'
import type { ProviderModule, SandboxContext } from './types.ts'

/**
 * The online store: customers (seeded) and orders (generated, numbered from #500001 — OpsDeck's demo seed uses
 * #100001–#101500). Every new order comes with a payment authorization in `payments`; payment changes flow back
 * into the order's `financial_status`, as on a real storefront.
 */

export type FinancialStatus = 'pending' | 'authorized' | 'paid' | 'partially_refunded' | 'refunded' | 'voided'
export type LineItem = {
  id: string
  sku: string
  title: string
  variant_title: string | null
  quantity: number
  unit_price: number
  discount: number
  tax: number
  total: number
}
export type Order = {
  id: string
  number: string
  status: 'open' | 'cancelled' | 'closed'
  financial_status: FinancialStatus
  currency: 'GBP' | 'EUR'
  customer: { id: string; email: string; name: string; phone: string | null }
  shipping_address: Address
  line_items: LineItem[]
  subtotal: number
  discount_total: number
  shipping_total: number
  tax_total: number
  total: number
  tags: string[]
  note: string | null
  payment_id: string | null
  created_at: string
  updated_at: string
  cancelled_at: string | null
  cancel_reason: string | null
}
export type Customer = { id: string; email: string; name: string; phone: string | null; created_at: string; updated_at: string }

export const FIRST_ORDER_NUMBER = 500_001
const TAGS = ['gift', 'vip', 'first-order', 'wholesale', 'priority', 'repeat-customer']
const NOTES = ['Please leave with a neighbour if out.', 'Gift wrap, no prices on the slip.', 'Deliver after 5pm.', 'Call on arrival.']
const CANCEL_REASONS = ['customer', 'inventory', 'fraud', 'declined'] as const
/** How many of the newest open orders the generator picks from when it updates or cancels one. */
const RECENT = 200

const SnapshotSchema = z.object({
  nextNumber: z.number().int().min(FIRST_ORDER_NUMBER),
  orders: z.array(StoredRecord.extend({ number: z.string() })),
  recent: z.array(z.string()),
  customers: z.array(StoredRecord),
})

export type StorefrontProvider = ProviderModule & {
  orders: Map<string, Order>
  createOrder(): Order
  updateOrder(id: string, patch?: { tags?: string[]; note?: string | null }): Order
  cancelOrder(id: string, reason?: string): Order
  /** One generator round: a new order, and now and then a change to a recent open one. */
  tick(): void
  paymentChanged(payment: Payment): void
  /** The numbers of orders created here (helpdesk messages mention them). */
  numbers(): string[]
}

export function createStorefront(ctx: SandboxContext, payments: PaymentsProvider): StorefrontProvider {
  const { faker, catalogue } = ctx.world
  const startedAt = iso(ctx.now())
  const customers = new Map<string, Customer>(
    ctx.world.customers.map((customer) => [
      customer.id,
      { id: customer.id, email: customer.email, name: customer.name, phone: customer.phone, created_at: startedAt, updated_at: startedAt },
    ]),
  )
  const orders = new Map<string, Order>()
  const recent: string[] = []
  let nextNumber = FIRST_ORDER_NUMBER

  function find(id: string) {
    const order = orders.get(id)
    if (!order) throw new HttpError(404, 'not_found', `no order ${id}`)
    return order
  }

  function touch(order: Order) {
    order.updated_at = iso(ctx.now())
    ctx.emit('storefront', 'order.updated', order)
  }

  function createOrder(): Order {
    const customer: SeedCustomer = faker.helpers.arrayElement(ctx.world.customers)
    const irish = customer.address.country === 'IE'
    const taxRate = irish ? 0.23 : 0.2
    const discountRate = faker.number.float() < 0.15 ? 0.1 : 0
    const picked = faker.helpers.arrayElements(catalogue, { min: 1, max: 4 })
    const number = nextNumber++
    const line_items = picked.map((item, index): LineItem => {
      const quantity = faker.number.int({ min: 1, max: 3 })
      const gross = item.unit_price * quantity
      const discount = Math.round(gross * discountRate)
      const tax = Math.round((gross - discount) * taxRate)
      return {
        id: `li_${number}_${index + 1}`,
        sku: item.sku,
        title: item.title,
        variant_title: item.variant_title,
        quantity,
        unit_price: item.unit_price,
        discount,
        tax,
        total: gross - discount + tax,
      }
    })
    const sum = (pick: (line: LineItem) => number) => line_items.reduce((total, line) => total + pick(line), 0)
    const subtotal = sum((line) => line.unit_price * line.quantity)
    const discount_total = sum((line) => line.discount)
    const tax_total = sum((line) => line.tax)
    // Free delivery over 50.00; shipping is not taxed here, so total = subtotal − discounts + shipping + tax holds.
    const shipping_total = subtotal - discount_total >= 5000 ? 0 : 495
    const at = iso(ctx.now())
    const order: Order = {
      id: `so_${number}`,
      number: `#${number}`,
      status: 'open',
      financial_status: 'authorized',
      currency: irish ? 'EUR' : 'GBP',
      customer: { id: customer.id, email: customer.email, name: customer.name, phone: customer.phone },
      shipping_address: { ...customer.address },
      line_items,
      subtotal,
      discount_total,
      shipping_total,
      tax_total,
      total: subtotal - discount_total + shipping_total + tax_total,
      tags: faker.number.float() < 0.2 ? [faker.helpers.arrayElement(TAGS)] : [],
      note: faker.number.float() < 0.1 ? faker.helpers.arrayElement(NOTES) : null,
      payment_id: null,
      created_at: at,
      updated_at: at,
      cancelled_at: null,
      cancel_reason: null,
    }
    // About 3 % of cards are declined: the order waits for payment (financial_status pending).
    const payment = payments.authorizeForOrder(order, faker.number.float() < 0.03)
    order.payment_id = payment.id
    if (payment.status === 'failed') order.financial_status = 'pending'
    orders.set(order.id, order)
    recent.push(order.id)
    if (recent.length > RECENT) recent.shift()
    ctx.emit('storefront', 'order.created', order)
    payments.publish(payment)
    return order
  }

  function updateOrder(id: string, patch: { tags?: string[]; note?: string | null } = {}) {
    const order = find(id)
    if (patch.tags === undefined && patch.note === undefined) {
      // A change like a merchant's: a tag added, or a note.
      if (faker.number.float() < 0.5) order.tags = [...new Set([...order.tags, faker.helpers.arrayElement(TAGS)])]
      else order.note = faker.helpers.arrayElement(NOTES)
    } else {
      if (patch.tags !== undefined) order.tags = patch.tags
      if (patch.note !== undefined) order.note = patch.note
    }
    touch(order)
    return order
  }

  function cancelOrder(id: string, reason?: string) {
    const order = find(id)
    if (order.status !== 'open') throw new HttpError(409, 'invalid_state', `order ${id} is ${order.status}`)
    const at = iso(ctx.now())
    order.status = 'cancelled'
    order.cancelled_at = at
    order.cancel_reason = reason ?? faker.helpers.arrayElement(CANCEL_REASONS)
    if (order.payment_id && payments.voidAuthorization(order.payment_id)) order.financial_status = 'voided'
    touch(order)
    return order
  }

  const FINANCIAL: Record<Payment['status'], FinancialStatus> = {
    authorized: 'authorized',
    captured: 'paid',
    partially_refunded: 'partially_refunded',
    refunded: 'refunded',
    voided: 'voided',
    failed: 'pending',
  }

  const provider: StorefrontProvider = {
    name: 'storefront',
    orders,
    createOrder,
    updateOrder,
    cancelOrder,
    numbers: () => [...orders.values()].map((order) => order.number),
    tick() {
      createOrder()
      const draw = faker.number.float()
      const openIds = recent.filter((id) => orders.get(id)?.status === 'open')
      if (openIds.length === 0) return
      const id = faker.helpers.arrayElement(openIds)
      const order = orders.get(id)!
      if (draw < 0.05 && order.financial_status !== 'paid') cancelOrder(id)
      else if (draw < 0.15) updateOrder(id)
      else if (draw < 0.2 && order.financial_status === 'paid') {
        order.status = 'closed'
        touch(order)
      }
    },
    paymentChanged(payment) {
      const order = orders.get(payment.order_reference)
      if (!order || order.payment_id !== payment.id) return
      const next = FINANCIAL[payment.status]
      if (order.financial_status === next) return
      order.financial_status = next
      // cancelOrder sends its own order.updated after voiding the payment.
      if (order.status !== 'cancelled') touch(order)
    },
    snapshot: () => ({ nextNumber, orders: [...orders.values()], recent, customers: [...customers.values()] }),
    restore(data) {
      const snapshot = SnapshotSchema.parse(data)
      orders.clear()
      for (const order of snapshot.orders as Order[]) orders.set(order.id, order)
      customers.clear()
      for (const customer of snapshot.customers as Customer[]) customers.set(customer.id, customer)
      recent.splice(0, recent.length, ...snapshot.recent.filter((id) => orders.has(id)))
      // Never hand out a number already used, even if the counter and the orders disagree.
      const highest = snapshot.orders.reduce((max, order) => Math.max(max, Number(order.number.slice(1)) || 0), 0)
      nextNumber = Math.max(snapshot.nextNumber, highest + 1)
    },
    routes: [
      {
        method: 'GET',
        path: '/orders',
        handle: ({ query }) => {
          const ids = query.get('ids')
          return { status: 200, body: ids === null ? listPage(orders.values(), query) : listByIds((id) => orders.get(id), ids) }
        },
      },
      { method: 'GET', path: '/orders/:id', handle: ({ params }) => ({ status: 200, body: find(params.id) }) },
      { method: 'GET', path: '/customers', handle: ({ query }) => ({ status: 200, body: listPage(customers.values(), query) }) },
    ],
  }
  return provider
}
