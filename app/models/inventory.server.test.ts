import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createInventoryLevel, createLocation, createProduct } from '#test/factories/index.ts'
import { applyWarehouseStock, type WarehouseStockInput } from './inventory.server.ts'

const t0 = new Date('2026-11-25T10:00:00.000Z')
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)

async function variantAndLocation() {
  const location = await createLocation(prisma)
  const { variants } = await createProduct(prisma)
  return { location, variant: variants[0]! }
}

const apply = (input: WarehouseStockInput) => prisma.$transaction((tx) => applyWarehouseStock(tx, input))
const ledger = (variantId: string) =>
  prisma.inventoryLedgerEntry.findMany({ where: { variantId }, orderBy: { id: 'asc' }, select: { kind: true, onHandDelta: true, reservedDelta: true } })

describe('applyWarehouseStock', () => {
  test('sets onHand to the warehouse figure with one sync ledger entry of the difference', async () => {
    const { location, variant } = await variantAndLocation()
    await createInventoryLevel(prisma, { variantId: variant.id, locationId: location.id, onHand: 10, reserved: 3 })
    const result = await apply({ sku: variant.sku, locationCode: location.code, onHand: 14, externalUpdatedAt: at(0) })
    expect(result).toMatchObject({ outcome: 'updated', delta: 4, variantId: variant.id })
    expect(await prisma.inventoryLevel.findFirstOrThrow({ where: { variantId: variant.id } })).toMatchObject({ onHand: 14, reserved: 3, externalUpdatedAt: at(0) })
    expect(await ledger(variant.id)).toEqual([{ kind: 'sync', onHandDelta: 4, reservedDelta: 0 }])
  })

  test('an equal figure writes no ledger entry; an older one is ignored', async () => {
    const { location, variant } = await variantAndLocation()
    await createInventoryLevel(prisma, { variantId: variant.id, locationId: location.id, onHand: 7 })
    expect((await apply({ sku: variant.sku, locationCode: location.code, onHand: 7, externalUpdatedAt: at(10) })).outcome).toBe('unchanged')
    expect((await apply({ sku: variant.sku, locationCode: location.code, onHand: 99, externalUpdatedAt: at(5) })).outcome).toBe('stale')
    expect(await ledger(variant.id)).toEqual([])
    expect((await prisma.inventoryLevel.findFirstOrThrow({ where: { variantId: variant.id } })).onHand).toBe(7)
  })

  test('a level OpsDeck does not have yet is created from the figure', async () => {
    const { location, variant } = await variantAndLocation()
    expect(await apply({ sku: variant.sku, locationCode: location.code, onHand: 5, externalUpdatedAt: at(0) })).toMatchObject({ outcome: 'created', delta: 5 })
    expect(await ledger(variant.id)).toEqual([{ kind: 'sync', onHandDelta: 5, reservedDelta: 0 }])
  })

  test('a figure below what is reserved is skipped and reported, never making available stock negative', async () => {
    const { location, variant } = await variantAndLocation()
    await createInventoryLevel(prisma, { variantId: variant.id, locationId: location.id, onHand: 10, reserved: 6 })
    const result = await apply({ sku: variant.sku, locationCode: location.code, onHand: 4, externalUpdatedAt: at(0) })
    expect(result.outcome).toBe('skipped')
    expect(result.reason).toMatch(/counts 4 on hand but 6 are reserved/)
    expect(await prisma.inventoryLevel.findFirstOrThrow({ where: { variantId: variant.id } })).toMatchObject({ onHand: 10, externalUpdatedAt: null })
    expect(await ledger(variant.id)).toEqual([])
  })

  test('an unknown SKU or location is skipped', async () => {
    const { location, variant } = await variantAndLocation()
    expect((await apply({ sku: 'NO-SUCH-SKU', locationCode: location.code, onHand: 1, externalUpdatedAt: at(0) })).reason).toMatch(/unknown SKU/)
    expect((await apply({ sku: variant.sku, locationCode: 'NOPE', onHand: 1, externalUpdatedAt: at(0) })).reason).toMatch(/unknown location/)
  })

  test('figures applied at once: the ledger still sums to the final onHand', async () => {
    const { location, variant } = await variantAndLocation()
    await createInventoryLevel(prisma, { variantId: variant.id, locationId: location.id, onHand: 0 })
    await Promise.all([3, 8, 5, 12, 1].map((onHand, i) => apply({ sku: variant.sku, locationCode: location.code, onHand, externalUpdatedAt: at(i) })))
    const level = await prisma.inventoryLevel.findFirstOrThrow({ where: { variantId: variant.id } })
    const sum = (await ledger(variant.id)).reduce((total, entry) => total + entry.onHandDelta, 0)
    expect(sum).toBe(level.onHand)
  })
})
