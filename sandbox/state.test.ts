import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

let dir: string
let stateFile: string
let warnings: string[]
const open: TestSandbox[] = []

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sandbox-state-'))
  stateFile = path.join(dir, 'nested', 'sandbox-state.json')
  warnings = []
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()))
  rmSync(dir, { recursive: true, force: true })
})

async function start(options: { stateSaveIntervalMs?: number; file?: string } = {}) {
  const sandbox = await startSandbox({ stateFile: options.file ?? stateFile, stateSaveIntervalMs: options.stateSaveIntervalMs, warn: (message) => warnings.push(message) })
  open.push(sandbox)
  return { sandbox, api: sandboxApi(sandbox) }
}
async function stop(sandbox: TestSandbox) {
  open.splice(open.indexOf(sandbox), 1)
  await sandbox.close()
}

/** Every row of a list, following cursors. */
async function listAll(api: ReturnType<typeof sandboxApi>, route: string) {
  const rows: { id: string }[] = []
  let cursor: string | null = null
  do {
    const page: { data: { id: string }[]; next_cursor: string | null } = await (await api.get(route, { limit: 200, ...(cursor ? { cursor } : {}) })).json()
    rows.push(...page.data)
    cursor = page.next_cursor
  } while (cursor)
  return rows
}
const LISTS = ['/storefront/orders', '/storefront/customers', '/payments/payments', '/carrier/shipments', '/warehouse/stock', '/helpdesk/messages']
const everything = async (api: ReturnType<typeof sandboxApi>) => Object.fromEntries(await Promise.all(LISTS.map(async (route) => [route, await listAll(api, route)])))

const shipTo = { name: 'Ada Lovelace', line1: '1 Dock Road', line2: null, city: 'London', postal_code: 'E16 2QD', country: 'GB' }

test('a restart on the same state file continues: same records, next order number, stored idempotent answers, effects', async () => {
  const first = await start()
  const ids = await first.sandbox.control.createOrders(3)
  expect(ids).toEqual(['so_500001', 'so_500002', 'so_500003'])
  await first.sandbox.control.updateOrder('so_500002', { tags: ['vip'], note: 'kept' })
  await first.sandbox.control.cancelOrder('so_500003', 'customer')

  // Payments: an authorized order payment captured and partly refunded (the stored capture answer predates the refund).
  const order = await (await first.api.get('/storefront/orders/so_500001')).json()
  let payment = await (await first.api.get(`/payments/payments/${order.payment_id}`)).json()
  if (payment.status !== 'authorized') {
    payment = await (await first.api.post('/payments/authorizations', { order_reference: 'so_500001', amount: 5000, currency: 'GBP', method: 'card' }, 'auth-1')).json()
  }
  const capture = await first.api.post(`/payments/payments/${payment.id}/capture`, { reference: 'cap-1' }, 'key-capture-1')
  expect(capture.status).toBe(200)
  const captureBody = await capture.json()
  expect((await first.api.post(`/payments/payments/${payment.id}/refunds`, { amount: 100, reference: 'ref-1' }, 'key-refund-1')).status).toBe(201)

  // Carrier, warehouse, helpdesk.
  const shipment = await (await first.api.post('/carrier/shipments', { reference: 'ful-1', service: 'standard', ship_to: shipTo, parcels: [{ weight_grams: 500 }] }, 'key-ship-1')).json()
  await first.sandbox.control.advanceCarrier(shipment.id)
  expect((await first.api.post('/carrier/return-labels', { reference: 'ret-1', ship_from: shipTo }, 'key-rl-1')).status).toBe(201)
  expect((await first.api.post('/warehouse/adjustments', { sku: 'OD-1000-S', location: 'LON', delta: 7, reference: 'adj-1' }, 'key-adj-1')).status).toBe(201)
  await first.sandbox.control.setStock('OD-1001-M', 'MAN', 42)
  const [message] = await first.sandbox.control.createMessages({ order_number: '#500001' })
  const reply = { thread_id: message.thread_id, to: message.from.email, subject: 'Re', body: 'On its way.', reference: 'tm-1' }
  expect((await first.api.post('/helpdesk/replies', reply, 'key-reply-1')).status).toBe(201)

  const before = await everything(first.api)
  const effectsBefore = await first.sandbox.control.effects()
  expect(effectsBefore.effects.map((effect) => effect.kind)).toEqual(expect.arrayContaining(['capture', 'refund', 'shipment', 'return_label', 'adjustment', 'reply']))
  await stop(first.sandbox)

  const second = await start()
  expect(warnings).toEqual([])
  // Lists and GETs give the same records.
  expect(await everything(second.api)).toEqual(before)
  expect(await (await second.api.get('/storefront/orders/so_500002')).json()).toMatchObject({ tags: ['vip'], note: 'kept' })
  expect(await (await second.api.get('/storefront/orders/so_500003')).json()).toMatchObject({ status: 'cancelled', cancel_reason: 'customer' })
  expect(await (await second.api.get(`/payments/payments/${payment.id}`)).json()).toMatchObject({ status: 'partially_refunded', refunded_amount: 100 })
  expect(await (await second.api.get(`/carrier/shipments/${shipment.id}`)).json()).toMatchObject({ status: 'in_transit', events: [{}, {}] })

  // The next order number continues; nothing is numbered twice.
  expect(await second.sandbox.control.createOrders(1)).toEqual(['so_500004'])

  // An old key replays its stored answer (as it was: before the refund), with no new effect.
  const replay = await second.api.post(`/payments/payments/${payment.id}/capture`, { reference: 'cap-1' }, 'key-capture-1')
  expect(replay.headers.get('idempotent-replayed')).toBe('true')
  expect(await replay.json()).toEqual(captureBody)
  expect((await second.api.post(`/payments/payments/${payment.id}/capture`, { reference: 'other' }, 'key-capture-1')).status).toBe(409)

  // Threads and tracking carry on; the effects log continues its sequence.
  expect((await second.api.post('/helpdesk/replies', { ...reply, reference: 'tm-2' }, 'key-reply-2')).status).toBe(201)
  expect((await second.sandbox.control.advanceCarrier(shipment.id)).shipments[0].status).toMatch(/out_for_delivery/)
  const effectsAfter = await second.sandbox.control.effects()
  expect(effectsAfter.effects.slice(0, effectsBefore.effects.length)).toEqual(effectsBefore.effects)
  expect(effectsAfter.effects.at(-1)).toMatchObject({ seq: effectsBefore.effects.at(-1)!.seq + 1, kind: 'reply', reference: 'tm-2' })
  expect(effectsAfter.duplicates).toEqual([])
  await stop(second.sandbox)

  // A third run still has the second run's changes.
  const third = await start()
  expect((await third.api.get('/storefront/orders/so_500004')).status).toBe(200)
  expect(await third.sandbox.control.createOrders(1)).toEqual(['so_500005'])
  expect(readdirSync(path.dirname(stateFile))).toEqual(['sandbox-state.json'])
})

test('a continued run draws new order contents rather than repeating the first run from the seed', async () => {
  const first = await start()
  await first.sandbox.control.createOrders(2)
  const [one, two] = await Promise.all(['so_500001', 'so_500002'].map(async (id) => (await first.api.get(`/storefront/orders/${id}`)).json()))
  await stop(first.sandbox)
  const second = await start()
  await second.sandbox.control.createOrders(2)
  const [three, four] = await Promise.all(['so_500003', 'so_500004'].map(async (id) => (await second.api.get(`/storefront/orders/${id}`)).json()))
  const content = (order: { customer: { id: string }; line_items: { sku: string; quantity: number }[] }) => [order.customer.id, order.line_items.map((line) => [line.sku, line.quantity])]
  expect([content(three), content(four)]).not.toEqual([content(one), content(two)])
})

test('state is saved every interval while running, atomically (no temp file left)', async () => {
  const { sandbox } = await start({ stateSaveIntervalMs: 50 })
  await sandbox.control.createOrders(2)
  await expect.poll(() => readFileSync(stateFile, 'utf8').includes('so_500002'), { timeout: 2000, interval: 25 }).toBe(true)
  const saved = JSON.parse(readFileSync(stateFile, 'utf8'))
  expect(saved).toMatchObject({ version: 1, restarts: 0, parts: { storefront: { nextNumber: 500_003 } } })
  expect(Object.keys(saved.parts).sort()).toEqual(['carrier', 'effects', 'helpdesk', 'idempotency', 'payments', 'storefront', 'warehouse'])
  expect(readdirSync(path.dirname(stateFile))).toEqual(['sandbox-state.json'])
})

test('a corrupt state file: a clear warning and a fresh start, then overwritten with good state', async () => {
  const first = await start()
  await first.sandbox.control.createOrders(2)
  await stop(first.sandbox)
  writeFileSync(stateFile, '{"version":1,"parts":{"storefro')

  const { sandbox, api } = await start()
  expect(warnings).toEqual([expect.stringMatching(/state file .*sandbox-state\.json is not valid JSON .*starting from a fresh seed/)])
  expect((await (await api.get('/storefront/orders')).json()).data).toEqual([])
  expect(await sandbox.control.createOrders(1)).toEqual(['so_500001'])
  await stop(sandbox)
  expect(JSON.parse(readFileSync(stateFile, 'utf8')).parts.storefront.nextNumber).toBe(500_002)
})

test('a state file that does not fit (wrong version, a malformed part) is a fresh start with a warning', async () => {
  writeFileSync(path.join(dir, 'v2.json'), JSON.stringify({ version: 2, savedAt: 'x', restarts: 0, parts: {} }))
  const old = await start({ file: path.join(dir, 'v2.json') })
  expect(warnings).toEqual([expect.stringContaining('version 2, expected 1')])
  expect(await old.sandbox.control.createOrders(1)).toEqual(['so_500001'])

  warnings = []
  const first = await start()
  await first.sandbox.control.createOrders(1)
  await stop(first.sandbox)
  const saved = JSON.parse(readFileSync(stateFile, 'utf8'))
  saved.parts.storefront.orders = 'not a list'
  writeFileSync(stateFile, JSON.stringify(saved))
  const { sandbox, api } = await start()
  expect(warnings).toEqual([expect.stringMatching(/does not fit \(state|orders.*starting from a fresh seed/)])
  expect(warnings[0]).toContain('orders')
  expect((await (await api.get('/payments/payments')).json()).data).toEqual([])
  expect(await sandbox.control.createOrders(1)).toEqual(['so_500001'])
})

test('a missing file is a fresh start without a warning; a save that fails warns once and does not crash', async () => {
  const { sandbox } = await start()
  expect(warnings).toEqual([])
  expect(await sandbox.control.createOrders(1)).toEqual(['so_500001'])
  await stop(sandbox)
  expect(JSON.parse(readFileSync(stateFile, 'utf8')).parts.storefront.orders).toHaveLength(1)

  // The state file's "directory" is a file: every save fails.
  writeFileSync(path.join(dir, 'blocker'), 'x')
  const broken = await start({ file: path.join(dir, 'blocker', 'state.json'), stateSaveIntervalMs: 20 })
  await broken.sandbox.control.createOrders(1)
  await new Promise((resolve) => setTimeout(resolve, 120))
  expect(await broken.sandbox.control.createOrders(1)).toEqual(['so_500002'])
  await stop(broken.sandbox)
  // One warning that it cannot be read (ENOTDIR), one for the saves (not one per attempt).
  expect(warnings).toEqual([expect.stringMatching(/cannot read state file .*blocker.*fresh seed/), expect.stringMatching(/cannot save state to .*blocker.*will retry/)])
})
