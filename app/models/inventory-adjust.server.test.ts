import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createLocation, createStockedVariant, createUser } from '#test/factories/index.ts'
import { adjustStock, confirmStockCount, InventoryForbiddenError, setLowStockThreshold, StaleLevelError, transferStock } from './inventory-adjust.server.ts'
import { InventoryInputError } from './inventory-stock.server.ts'

const level = (id: string) => prisma.inventoryLevel.findUniqueOrThrow({ where: { id }, select: { onHand: true, reserved: true, version: true, lowStockThreshold: true } })

test('adjust, count, transfer and threshold: audited, ledgered, version-checked, refused for support', async () => {
  const { user } = await createUser(prisma, { role: 'operations' })
  const { user: agent } = await createUser(prisma, { role: 'support' })
  const ctx = { actor: { id: user.id, role: 'operations' as const }, requestId: 'req-inv' }
  const south = await createLocation(prisma)
  const desk = await createStockedVariant(prisma, { stock: [{ onHand: 10 }] })
  const id = desk.levels[0]!.id

  await expect(adjustStock({ levelId: id, reason: 'found', quantity: 1, expectedVersion: 1 }, { actor: { id: agent.id, role: 'support' } })).rejects.toBeInstanceOf(InventoryForbiddenError)
  // Damage needs a note; a stale version is refused whatever the numbers.
  await expect(adjustStock({ levelId: id, reason: 'damage', quantity: 1, expectedVersion: 1 }, ctx)).rejects.toMatchObject({ field: 'note' })
  await expect(adjustStock({ levelId: id, reason: 'found', quantity: 1, expectedVersion: 7 }, ctx)).rejects.toBeInstanceOf(StaleLevelError)

  const found = await adjustStock({ levelId: id, reason: 'found', quantity: 2, expectedVersion: 1 }, ctx)
  expect(found).toMatchObject({ onHand: 12, delta: 2, version: 2 })
  const counted = await confirmStockCount({ levelId: id, counted: 9, note: 'Cycle count', expectedVersion: 2 }, ctx)
  expect(counted).toMatchObject({ onHand: 9, difference: -3, version: 3 })
  await expect(transferStock({ levelId: id, toLocationId: south.id, quantity: 10, expectedVersion: 3 }, ctx)).rejects.toBeInstanceOf(InventoryInputError)
  await expect(transferStock({ levelId: id, toLocationId: desk.levels[0]!.locationId, quantity: 1, expectedVersion: 3 }, ctx)).rejects.toMatchObject({ field: 'toLocationId' })
  const moved = await transferStock({ levelId: id, toLocationId: south.id, quantity: 4, note: 'Rebalance', expectedVersion: 3 }, ctx)
  expect(await level(id)).toMatchObject({ onHand: 5, version: 4 })
  expect(await level(moved.toLevelId)).toMatchObject({ onHand: 4 })
  await setLowStockThreshold({ levelId: id, threshold: 6, expectedVersion: 4 }, ctx)
  expect(await level(id)).toMatchObject({ lowStockThreshold: 6, version: 5 })

  const ledger = await prisma.inventoryLedgerEntry.findMany({ where: { variantId: desk.variant.id }, orderBy: { id: 'asc' }, select: { kind: true, onHandDelta: true, reason: true, actorId: true } })
  expect(ledger.map((e) => [e.kind, e.onHandDelta])).toEqual([
    ['adjust', 10],
    ['adjust', 2],
    ['adjust', -3],
    ['transfer_out', -4],
    ['transfer_in', 4],
  ])
  expect(ledger[2]!.reason).toBe('count: 9 counted, 12 recorded — Cycle count')
  expect(ledger.slice(1).every((e) => e.actorId === user.id)).toBe(true)
  const audits = await prisma.auditLog.findMany({ where: { entityType: 'inventory_level' }, orderBy: { createdAt: 'asc' }, select: { action: true, requestId: true } })
  expect(audits.map((a) => a.action)).toEqual(['adjust:inventory', 'count:inventory', 'transfer:inventory', 'update:inventory.threshold'])
  expect(audits.every((a) => a.requestId === 'req-inv')).toBe(true)
})
