import type { OrderStatus } from '#app/generated/prisma/enums.ts'
import type { ImportedOrder } from '#app/models/order-import.server.ts'
import type { StorefrontOrder } from './schemas.ts'

/** Storefront order → OpsDeck order (CONTRACTS-3.md section D). */

export function orderStatusOf(order: Pick<StorefrontOrder, 'status' | 'financial_status'>): OrderStatus {
  switch (order.status) {
    case 'cancelled':
      return 'cancelled'
    case 'closed':
      return 'completed'
    case 'open':
      // Not paid for yet (e.g. a declined card): the order waits, nothing should be picked for it.
      return order.financial_status === 'pending' ? 'pending' : 'confirmed'
  }
}

export function mapStorefrontOrder(order: StorefrontOrder): ImportedOrder {
  const address = order.shipping_address
  return {
    source: 'storefront',
    externalId: order.id,
    number: order.number,
    status: orderStatusOf(order),
    currency: order.currency,
    subtotalAmount: order.subtotal,
    discountAmount: order.discount_total,
    shippingAmount: order.shipping_total,
    taxAmount: order.tax_total,
    totalAmount: order.total,
    customer: { externalId: order.customer.id, email: order.customer.email, name: order.customer.name, phone: order.customer.phone },
    // The same snapshot shape OpsDeck's own orders keep (Address without ids).
    shippingAddress: {
      name: address.name,
      company: null,
      line1: address.line1,
      line2: address.line2,
      city: address.city,
      region: null,
      postalCode: address.postal_code,
      country: address.country,
      phone: order.customer.phone,
    },
    tags: order.tags,
    note: order.note,
    placedAt: new Date(order.created_at),
    cancelledAt: order.cancelled_at ? new Date(order.cancelled_at) : null,
    cancelReason: order.cancel_reason,
    closedAt: order.status === 'closed' ? new Date(order.updated_at) : null,
    externalUpdatedAt: new Date(order.updated_at),
    lines: order.line_items.map((line) => ({
      sku: line.sku,
      title: line.title,
      variantTitle: line.variant_title,
      quantity: line.quantity,
      unitPriceAmount: line.unit_price,
      discountAmount: line.discount,
      taxAmount: line.tax,
      totalAmount: line.total,
    })),
  }
}
