import { describe, expect, test } from 'vitest'
import { deriveFulfillmentStatus, derivePaymentStatus } from './order-status.ts'

const line = (ordered: number, counters: Partial<Record<'quantityFulfilled' | 'quantityShipped' | 'quantityReturned' | 'quantityCancelled', number>> = {}) => ({
  quantityOrdered: ordered,
  ...counters,
})

describe('derivePaymentStatus', () => {
  test('follows captures and refunds against the order total', () => {
    expect(derivePaymentStatus(5000, [])).toBe('unpaid')
    expect(derivePaymentStatus(5000, [{ status: 'failed', amount: 5000 }])).toBe('unpaid')
    expect(derivePaymentStatus(5000, [{ status: 'authorized', amount: 5000 }])).toBe('authorized')
    expect(derivePaymentStatus(5000, [{ status: 'voided', amount: 5000 }])).toBe('voided')
    expect(derivePaymentStatus(5000, [{ status: 'captured', amount: 5000, capturedAmount: 2000 }])).toBe('partially_paid')
    expect(derivePaymentStatus(5000, [{ status: 'captured', amount: 5000, capturedAmount: 5000 }])).toBe('paid')
    expect(derivePaymentStatus(5000, [{ status: 'captured', amount: 5000, capturedAmount: 5000, refundedAmount: 1 }])).toBe(
      'partially_refunded',
    )
    expect(
      derivePaymentStatus(5000, [{ status: 'refunded', amount: 5000, capturedAmount: 5000, refundedAmount: 5000 }]),
    ).toBe('refunded')
  })
})

describe('deriveFulfillmentStatus', () => {
  test('follows the line counters and the shipments', () => {
    expect(deriveFulfillmentStatus([line(2), line(1)], [])).toBe('unfulfilled')
    expect(deriveFulfillmentStatus([line(2, { quantityFulfilled: 1 })], [])).toBe('partially_fulfilled')
    expect(deriveFulfillmentStatus([line(2, { quantityFulfilled: 2 })], [])).toBe('fulfilled')
    const shipped = { shippedAt: new Date('2026-11-01T00:00:00Z'), status: 'in_transit' as const }
    expect(deriveFulfillmentStatus([line(2, { quantityFulfilled: 2, quantityShipped: 1 })], [shipped])).toBe('partially_shipped')
    expect(deriveFulfillmentStatus([line(2, { quantityFulfilled: 2, quantityShipped: 2 })], [shipped])).toBe('shipped')
    expect(
      deriveFulfillmentStatus([line(2, { quantityFulfilled: 2, quantityShipped: 2 })], [{ ...shipped, status: 'delivered' }]),
    ).toBe('delivered')
    expect(deriveFulfillmentStatus([line(2, { quantityShipped: 2, quantityReturned: 1 })], [shipped])).toBe('partially_returned')
    expect(deriveFulfillmentStatus([line(2, { quantityShipped: 2, quantityReturned: 2 })], [shipped])).toBe('returned')
  })

  test('cancelled quantities do not count as owed', () => {
    expect(deriveFulfillmentStatus([line(3, { quantityCancelled: 1, quantityFulfilled: 2 })], [])).toBe('fulfilled')
    expect(deriveFulfillmentStatus([line(1, { quantityCancelled: 1 })], [])).toBe('unfulfilled')
  })
})
