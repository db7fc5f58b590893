import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

let sandbox: TestSandbox
let api: ReturnType<typeof sandboxApi>
beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
})
afterAll(() => sandbox.close())

test('stock lists every demo SKU at LON, MAN and DUB', async () => {
  const levels: { id: string; sku: string; location: string; on_hand: number }[] = []
  let cursor: string | null = null
  do {
    const page: { data: typeof levels; next_cursor: string | null } = await (await api.get('/warehouse/stock', cursor ? { limit: 200, cursor } : { limit: 200 })).json()
    levels.push(...page.data)
    cursor = page.next_cursor
  } while (cursor)
  expect(levels).toHaveLength(40 * 3 * 3)
  expect(new Set(levels.map((level) => level.location))).toEqual(new Set(['LON', 'MAN', 'DUB']))
  expect(levels.find((level) => level.id === 'OD-1039-L@MAN')).toMatchObject({ sku: 'OD-1039-L', location: 'MAN' })
})

test('adjustments both ways; below zero is 422; unknown sku or location is 404', async () => {
  await sandbox.control.setStock('OD-1010-M', 'LON', 5)
  const down = await api.post('/warehouse/adjustments', { sku: 'OD-1010-M', location: 'LON', delta: -3, reference: 'led_1', reason: 'sale' }, 'led_1')
  expect(down.status).toBe(201)
  expect(await down.json()).toMatchObject({ id: expect.stringMatching(/^adj_/), sku: 'OD-1010-M', location: 'LON', delta: -3, on_hand: 2, reference: 'led_1' })
  const up = await api.post('/warehouse/adjustments', { sku: 'OD-1010-M', location: 'LON', delta: 10, reference: 'led_2' }, 'led_2')
  expect((await up.json()).on_hand).toBe(12)

  const under = await api.post('/warehouse/adjustments', { sku: 'OD-1010-M', location: 'LON', delta: -13, reference: 'led_3' }, 'led_3')
  expect(under.status).toBe(422)
  expect((await under.json()).error.code).toBe('insufficient_stock')
  expect((await api.post('/warehouse/adjustments', { sku: 'OD-9999-M', location: 'LON', delta: 1, reference: 'led_4' }, 'led_4')).status).toBe(404)
  expect((await api.post('/warehouse/adjustments', { sku: 'OD-1010-M', location: 'PAR', delta: 1, reference: 'led_5' }, 'led_5')).status).toBe(404)
  const zero = await api.post('/warehouse/adjustments', { sku: 'OD-1010-M', location: 'LON', delta: 0, reference: 'led_6' }, 'led_6')
  expect(zero.status).toBe(400)
  expect((await zero.json()).error.message).toContain('delta')

  const { effects } = await sandbox.control.effects({ provider: 'warehouse', kind: 'adjustment' })
  expect(effects.map((effect) => effect.reference)).toEqual(['led_1', 'led_2'])
})

test('the warehouse moves stock by itself and the level shows up in updated_since', async () => {
  const since = new Date().toISOString()
  const { levels } = await sandbox.control.moveStock(3)
  const page = await (await api.get('/warehouse/stock', { updated_since: since, limit: 200 })).json()
  for (const level of levels) expect(page.data.map((entry: { id: string }) => entry.id)).toContain(level.id)
})
