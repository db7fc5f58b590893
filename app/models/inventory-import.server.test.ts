import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createStockedVariant, uniqueSuffix } from '#test/factories/index.ts'
import { importOrder, importOrders, type ImportedOrder } from './order-import.server.ts'

/** Acceptance in the order import: an order the channel sends confirmed reserves its stock; a channel cancel releases it. */

const t0 = new Date('2026-11-25T10:00:00.000Z')

function channelOrder(sku: string, quantity: number, overrides: Partial<ImportedOrder> = {}): ImportedOrder {
  const suffix = uniqueSuffix()
  return {
    source: 'storefront',
    externalId: `so_inv_${suffix}`,
    number: `#I${suffix}`.slice(0, 32),
    status: 'confirmed',
    currency: 'GBP',
    subtotalAmount: 1000 * quantity,
    discountAmount: 0,
    shippingAmount: 0,
    taxAmount: 0,
    totalAmount: 1000 * quantity,
    customer: { externalId: `cus_${suffix}`, email: `buyer.${suffix}@example.test`, name: 'Ada Buyer', phone: null },
    shippingAddress: { name: 'Ada Buyer', company: null, line1: '1 Road', line2: null, city: 'Leeds', region: null, postalCode: 'LS1 1AA', country: 'GB', phone: null },
    tags: [],
    note: null,
    placedAt: t0,
    cancelledAt: null,
    cancelReason: null,
    closedAt: null,
    externalUpdatedAt: t0,
    lines: [{ sku, title: 'Mug', variantTitle: null, quantity, unitPriceAmount: 1000, discountAmount: 0, taxAmount: 0, totalAmount: 1000 * quantity }],
    ...overrides,
  }
}

const level = (id: string) => prisma.inventoryLevel.findUniqueOrThrow({ where: { id }, select: { onHand: true, reserved: true } })

test('a confirmed order from the channel reserves; a pending one does not; the channel cancelling releases', async () => {
  const mug = await createStockedVariant(prisma, { stock: [{ onHand: 5 }] })
  const paid = channelOrder(mug.variant.sku, 2)
  const [created] = await importOrders([paid, channelOrder(mug.variant.sku, 1, { status: 'pending' })])
  expect(await level(mug.levels[0]!.id)).toEqual({ onHand: 5, reserved: 2 })
  // Re-importing the same version or a newer one does not reserve twice.
  await importOrder({ ...paid, externalUpdatedAt: new Date(t0.getTime() + 1000), tags: ['again'] })
  expect(await level(mug.levels[0]!.id)).toEqual({ onHand: 5, reserved: 2 })
  // The channel cancels it: released.
  await importOrder({ ...paid, status: 'cancelled', cancelledAt: new Date(t0.getTime() + 2000), cancelReason: 'customer', externalUpdatedAt: new Date(t0.getTime() + 2000) })
  expect(await level(mug.levels[0]!.id)).toEqual({ onHand: 5, reserved: 0 })
  const ledger = await prisma.inventoryLedgerEntry.findMany({ where: { orderId: created!.orderId }, orderBy: { id: 'asc' }, select: { kind: true, reservedDelta: true } })
  expect(ledger).toEqual([
    { kind: 'reserve', reservedDelta: 2 },
    { kind: 'release', reservedDelta: -2 },
  ])
})

test('a confirmed order the stock cannot cover is kept unreserved, with the shortage on its timeline', async () => {
  const lamp = await createStockedVariant(prisma, { stock: [{ onHand: 1 }] })
  const [result] = await importOrders([channelOrder(lamp.variant.sku, 3)])
  expect(await level(lamp.levels[0]!.id)).toEqual({ onHand: 1, reserved: 0 })
  const audit = await prisma.auditLog.findFirstOrThrow({ where: { entityType: 'order', entityId: result!.orderId, action: 'reserve:order' } })
  expect(audit.after).toMatchObject({ reserved: false, reason: `Not enough stock: ${lamp.variant.sku} wanted 3, 1 available` })
})
