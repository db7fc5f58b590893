import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createLocation, createProduct } from '#test/factories/index.ts'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'
import { startConnectorEngine } from '#test/helpers/connector-harness.ts'
import { warehouseConnector } from './index.ts'
import { StockLevelSchema, type StockLevel } from './schemas.ts'

let sandbox: TestSandbox
let engine: Awaited<ReturnType<typeof startConnectorEngine>>
let api: ReturnType<typeof sandboxApi>
const locations: Record<string, string> = {}
const variants: Record<string, string> = {}

/** Every level the warehouse holds (its list, all pages). */
async function remoteLevels(): Promise<StockLevel[]> {
  const levels: StockLevel[] = []
  let cursor: string | null = null
  do {
    const page = (await (await api.get('/warehouse/stock', { limit: 200, ...(cursor ? { cursor } : {}) })).json()) as { data: unknown[]; next_cursor: string | null }
    levels.push(...page.data.map((item) => StockLevelSchema.parse(item)))
    cursor = page.next_cursor
  } while (cursor)
  return levels
}

const levelOf = (sku: string, code: string) =>
  prisma.inventoryLevel.findUniqueOrThrow({ where: { variantId_locationId: { variantId: variants[sku]!, locationId: locations[code]! } } })
const ledgerOf = (sku: string, code: string) =>
  prisma.inventoryLedgerEntry.findMany({ where: { variantId: variants[sku]!, locationId: locations[code]! }, orderBy: { id: 'asc' } })

beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
  engine = await startConnectorEngine(warehouseConnector, sandbox)
  // OpsDeck knows one product of the warehouse's catalogue (three sizes) at its three locations.
  for (const code of ['LON', 'MAN', 'DUB']) locations[code] = (await createLocation(prisma, { code })).id
  const { variants: created } = await createProduct(prisma, { variants: [{ sku: 'OD-1000-S' }, { sku: 'OD-1000-M' }, { sku: 'OD-1000-L' }] })
  for (const variant of created) variants[variant.sku] = variant.id
})

afterAll(async () => {
  await closeQueues()
  await sandbox?.close()
})

describe('warehouse connector', () => {
  let pulled: StockLevel[]

  test('probe is an authenticated list call', async () => {
    await expect(warehouseConnector.probe(engine.client)).resolves.toBeUndefined()
  })

  test('a pull sets onHand to the warehouse figures with one sync ledger entry each; unknown SKUs are skipped', async () => {
    // A level OpsDeck already has, with stock reserved for orders.
    await prisma.inventoryLevel.create({ data: { variantId: variants['OD-1000-M']!, locationId: locations.MAN!, onHand: 4, reserved: 2 } })
    const all = await remoteLevels()
    pulled = all.filter((level) => level.sku.startsWith('OD-1000-'))
    const job = await engine.pull('stock')
    expect(job).toMatchObject({ status: 'completed', attempt: 1 })
    expect(job.summary).toContain(`${all.length} seen, 8 created, 1 updated`)

    for (const level of pulled) {
      const stored = await levelOf(level.sku, level.location)
      expect(stored).toMatchObject({ onHand: level.on_hand, externalUpdatedAt: new Date(level.updated_at) })
      const was = level.sku === 'OD-1000-M' && level.location === 'MAN' ? 4 : 0
      const ledger = await ledgerOf(level.sku, level.location)
      expect(ledger.map((entry) => [entry.kind, entry.onHandDelta])).toEqual(level.on_hand === was ? [] : [['sync', level.on_hand - was]])
    }
    expect((await levelOf('OD-1000-M', 'MAN')).reserved).toBe(2)
    expect(await prisma.inventoryLevel.count()).toBe(9)
    expect(await engine.links(job.jobId)).toEqual(expect.arrayContaining([{ entityType: 'sku', entityId: 'OD-1000-S' }]))
  })

  test('stock.updated applies a newer figure; an older one is ignored', async () => {
    const before = await levelOf('OD-1000-S', 'LON')
    const changed = await sandbox.control.setStock('OD-1000-S', 'LON', before.onHand + 7)
    const job = await engine.webhook('stock.updated', changed)
    expect(job.event.status).toBe('processed')
    expect(await levelOf('OD-1000-S', 'LON')).toMatchObject({ onHand: before.onHand + 7, externalUpdatedAt: new Date(changed.updated_at) })
    expect((await ledgerOf('OD-1000-S', 'LON')).at(-1)).toMatchObject({ kind: 'sync', onHandDelta: 7 })

    const older = pulled.find((level) => level.id === 'OD-1000-S@LON')!
    const stale = await engine.webhook('stock.updated', older)
    expect(stale).toMatchObject({ status: 'completed', event: { status: 'ignored' } })
    expect((await levelOf('OD-1000-S', 'LON')).onHand).toBe(before.onHand + 7)
  })

  test('a figure below what is reserved is not applied: available stock never goes below zero', async () => {
    const level = await levelOf('OD-1000-L', 'DUB')
    await prisma.inventoryLevel.update({ where: { id: level.id }, data: { onHand: 10, reserved: 10 } })
    const changed = await sandbox.control.setStock('OD-1000-L', 'DUB', 3)
    const job = await engine.webhook('stock.updated', changed)
    expect(job).toMatchObject({ status: 'completed', event: { status: 'ignored' } })
    expect(await levelOf('OD-1000-L', 'DUB')).toMatchObject({ onHand: 10, reserved: 10 })
  })

  test('adjust pushes an OpsDeck stock change once (delta, reference = ledger id), even when the effect runs again', async () => {
    const entry = await prisma.inventoryLedgerEntry.create({
      data: { variantId: variants['OD-1000-M']!, locationId: locations.LON!, kind: 'restock', onHandDelta: 5, reason: 'Returned to stock' },
    })
    const before = (await remoteLevels()).find((level) => level.id === 'OD-1000-M@LON')!
    const key = `adjust-${entry.id}`
    const job = await engine.effect('warehouse.adjust', { ledgerEntryId: String(entry.id) }, key)
    expect(job).toMatchObject({ status: 'completed', outbox: { status: 'sent' } })
    expect(job.summary).toMatch(/OD-1000-M@LON \+5 \(restock, ledger \d+\)/)
    await engine.rerunEffect('warehouse.adjust', { ledgerEntryId: String(entry.id) }, key)

    const after = (await remoteLevels()).find((level) => level.id === 'OD-1000-M@LON')!
    expect(after.on_hand).toBe(before.on_hand + 5)
    const { effects, duplicates } = await sandbox.control.effects({ provider: 'warehouse', kind: 'adjustment' })
    expect(effects.filter((effect) => effect.reference === String(entry.id))).toEqual([expect.objectContaining({ idempotencyKey: key })])
    expect(duplicates).toEqual([])
  })

  test("a change the warehouse refuses (422) fails for good with the warehouse's message", async () => {
    const entry = await prisma.inventoryLedgerEntry.create({
      data: { variantId: variants['OD-1000-S']!, locationId: locations.MAN!, kind: 'adjust', onHandDelta: -100_000, reason: 'Write-off' },
    })
    const job = await engine.effect('warehouse.adjust', { ledgerEntryId: String(entry.id) }, `adjust-${entry.id}`)
    expect(job).toMatchObject({ status: 'failed', attempt: 1, outbox: { status: 'failed' } })
    expect(job.error).toMatch(/422 insufficient_stock: OD-1000-S@MAN has \d+ on hand; cannot apply -100000/)
  })

  test('a sync entry is never pushed back to the warehouse', async () => {
    const [entry] = await ledgerOf('OD-1000-S', 'LON')
    const before = (await sandbox.control.requests('warehouse')).length
    const job = await engine.effect('warehouse.adjust', { ledgerEntryId: String(entry!.id) }, `adjust-${entry!.id}`)
    expect(job).toMatchObject({ status: 'failed', attempt: 1 })
    expect(job.error).toMatch(/is a warehouse sync; it is never pushed back/)
    expect((await sandbox.control.requests('warehouse')).length).toBe(before)
  })
})
