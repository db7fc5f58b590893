import { z } from 'zod'

/** The storefront's JSON (CONTRACTS-3.md section A, "storefront"); anything else is a malformed answer. */

const iso = z.string().datetime({ offset: true })
const money = z.number().int().min(0)

export const StorefrontAddressSchema = z.object({
  name: z.string(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  postal_code: z.string(),
  country: z.string().length(2),
})

export const StorefrontLineItemSchema = z.object({
  id: z.string().min(1),
  sku: z.string().min(1),
  title: z.string(),
  variant_title: z.string().nullable(),
  quantity: z.number().int().positive(),
  unit_price: money,
  discount: money,
  tax: money,
  total: money,
})

export const StorefrontOrderSchema = z.object({
  id: z.string().min(1).max(64),
  number: z.string().min(1).max(32),
  status: z.enum(['open', 'cancelled', 'closed']),
  financial_status: z.enum(['pending', 'authorized', 'paid', 'partially_refunded', 'refunded', 'voided']),
  currency: z.string().regex(/^[A-Z]{3}$/),
  customer: z.object({ id: z.string().min(1), email: z.string().email(), name: z.string(), phone: z.string().nullable() }),
  shipping_address: StorefrontAddressSchema,
  line_items: z.array(StorefrontLineItemSchema).min(1),
  subtotal: money,
  discount_total: money,
  shipping_total: money,
  tax_total: money,
  total: money,
  tags: z.array(z.string()),
  note: z.string().nullable(),
  payment_id: z.string().nullable(),
  created_at: iso,
  updated_at: iso,
  cancelled_at: iso.nullable(),
  cancel_reason: z.string().nullable(),
})
export type StorefrontOrder = z.infer<typeof StorefrontOrderSchema>

export const StorefrontCustomerSchema = z.object({
  id: z.string().min(1),
  email: z.string().email(),
  name: z.string(),
  phone: z.string().nullable(),
  created_at: iso,
  updated_at: iso,
})

/** The cheapest authenticated call (the breaker's probe): one customer. */
export const StorefrontProbeSchema = z.object({ data: z.array(z.unknown()), next_cursor: z.string().nullable() })
