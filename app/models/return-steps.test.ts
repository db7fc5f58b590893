import { expect, test } from 'vitest'
import { describeReturnStep, restockLocationIds } from './return-steps.ts'

/** A return step in words (the return page's timeline and the order's case file both read them from here). */

const ana = { name: 'Ana Ops', role: 'operations' }
const ctx = { currency: 'GBP', locationName: (id: string) => ({ 'loc-1': 'LDN' })[id], orderNumber: (id: string) => ({ 'ord-9': '#100009' })[id] }
const step = (action: string, after: Record<string, unknown>, actor: typeof ana | null = ana) => describeReturnStep({ action, after: after as never, actor }, ctx)

test('every step has its title, details and who did it', () => {
  expect(step('request:return', { units: 2, note: 'Too small' })).toEqual({ title: 'Return requested', detail: '2 units · “Too small”', actor: { kind: 'person', name: 'Ana Ops', role: 'operations' }, tone: 'warning' })
  expect(step('approve:return', { buyLabel: false })).toMatchObject({ title: 'Approved', detail: 'No label (customer ships it their own way)' })
  expect(step('approve:return', {})).toMatchObject({ detail: 'Return label requested from the carrier' })
  expect(step('reject:return', { reason: 'Outside the window' })).toMatchObject({ title: 'Rejected', detail: 'Reason: Outside the window', tone: 'danger' })
  expect(step('label:return', { carrier: 'Royal Mail', trackingNumber: 'RT1GB' }, null)).toEqual({
    title: 'Return label created by the carrier',
    detail: 'Royal Mail RT1GB',
    actor: { kind: 'carrier', name: 'Carrier integration' },
    tone: 'info',
  })
  expect(step('ship:return', { via: 'carrier', trackingNumber: 'RT1GB' }, null)).toMatchObject({ title: 'In transit (carrier tracking)', actor: { kind: 'carrier' } })
  expect(step('receive:return', { units: 3, damaged: 1 })).toMatchObject({ title: 'Received', detail: '3 units back, 1 damaged' })
  expect(step('dispose:return', { lines: [{ sku: 'MUG-1', disposition: 'restock', restocked: 2, locationId: 'loc-1' }, { sku: 'MUG-2', disposition: 'scrap' }] })).toMatchObject({
    title: 'Items dealt with',
    detail: 'MUG-1: restock 2 to LDN · MUG-2: scrap',
  })
  expect(step('resolve:return', { resolution: 'refund', amount: 1_250, currency: 'GBP' })).toMatchObject({ title: 'Resolved', detail: 'Refund · £12.50', tone: 'success' })
  expect(step('resolve:return', { resolution: 'exchange', exchangeOrderId: 'ord-9' })).toMatchObject({ detail: 'Exchange · replacement order #100009' })
  expect(step('cancel:return', { reason: 'Customer keeps it' })).toMatchObject({ title: 'Cancelled', detail: 'Reason: Customer keeps it', tone: 'danger' })
  // A step the describer does not know still shows, under its action.
  expect(step('relabel:return', {}, null)).toMatchObject({ title: 'relabel:return', detail: null, actor: { kind: 'system', name: 'OpsDeck' } })
})

test('restock locations named by dispose steps, once each', () => {
  const rows = [
    { action: 'dispose:return', after: { lines: [{ locationId: 'loc-1' }, { locationId: 'loc-2' }, { locationId: 'loc-1' }] }, actor: null },
    { action: 'receive:return', after: { lines: [{ locationId: 'loc-3' }] }, actor: null },
  ]
  expect(restockLocationIds(rows as never).sort()).toEqual(['loc-1', 'loc-2'])
})
