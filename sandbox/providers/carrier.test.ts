import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

let sandbox: TestSandbox
let api: ReturnType<typeof sandboxApi>
beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
})
afterAll(() => sandbox.close())

const shipTo = { name: 'Ada Lovelace', line1: '1 Dock Road', line2: null, city: 'London', postal_code: 'E16 2QD', country: 'GB' }

async function ship(reference: string) {
  const response = await api.post('/carrier/shipments', { reference, service: 'express', ship_to: shipTo, parcels: [{ weight_grams: 900 }] }, `ship-${reference}`)
  expect(response.status).toBe(201)
  return response.json()
}

test('a shipment gets a label and tracking number and advances to delivered, one event per step', async () => {
  const shipment = await ship('ful_1')
  expect(shipment).toMatchObject({ reference: 'ful_1', service: 'express', status: 'label_created' })
  expect(shipment.id).toMatch(/^shp_/)
  expect(shipment.tracking_number).toMatch(/^OD\d{10}GB$/)
  expect(shipment.label_url).toContain(shipment.id)
  expect(shipment.events).toHaveLength(1)

  const statuses = [shipment.status]
  for (let step = 0; step < 6 && statuses.at(-1) !== 'delivered'; step++) {
    const { shipments } = await sandbox.control.advanceCarrier(shipment.id)
    statuses.push(shipments[0].status)
  }
  // label_created → in_transit → out_for_delivery → (exception → out_for_delivery →) delivered
  expect(statuses.slice(0, 3)).toEqual(['label_created', 'in_transit', 'out_for_delivery'])
  expect(statuses.at(-1)).toBe('delivered')
  const final = await (await api.get(`/carrier/shipments/${shipment.id}`)).json()
  expect(final.events.map((event: { status: string }) => event.status)).toEqual(statuses)
  expect(final.events.every((event: { id: string }) => event.id.startsWith('te_'))).toBe(true)
  expect((await sandbox.control.advanceCarrier(shipment.id)).shipments).toEqual([])
})

test('about one in ten shipments has an exception on the way, then is delivered', async () => {
  const created = await Promise.all(Array.from({ length: 60 }, (_, i) => ship(`bulk_${i}`)))
  for (let step = 0; step < 6; step++) await sandbox.control.advanceCarrier()
  const final = await Promise.all(created.map(async (shipment) => (await api.get(`/carrier/shipments/${shipment.id}`)).json()))
  expect(final.every((shipment) => shipment.status === 'delivered')).toBe(true)
  const withException = final.filter((shipment) => shipment.events.some((event: { status: string }) => event.status === 'exception'))
  expect(withException.length).toBeGreaterThan(0)
  expect(withException.length).toBeLessThan(20)
})

test('tracking advances by itself every stepSeconds', async () => {
  const shipment = await ship('timer_1')
  await sandbox.control.setCarrierStep(1)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  await sandbox.control.setCarrierStep(0)
  expect((await (await api.get(`/carrier/shipments/${shipment.id}`)).json()).status).not.toBe('label_created')
})

test('return labels are created (an effect) and shipments are validated', async () => {
  const response = await api.post('/carrier/return-labels', { reference: 'ret_1', ship_from: shipTo }, 'rl-ret_1')
  expect(response.status).toBe(201)
  expect(await response.json()).toMatchObject({ id: expect.stringMatching(/^rl_/), reference: 'ret_1', tracking_number: expect.any(String) })
  const { effects } = await sandbox.control.effects({ provider: 'carrier', kind: 'return_label' })
  expect(effects.map((effect) => effect.reference)).toEqual(['ret_1'])

  const bad = await api.post('/carrier/shipments', { reference: 'x', service: 'teleport', ship_to: { ...shipTo, country: 'United Kingdom' }, parcels: [] }, 'bad-ship')
  expect(bad.status).toBe(400)
  const message = (await bad.json()).error.message
  expect(message).toContain('service')
  expect(message).toContain('ship_to.country')
  expect(message).toContain('parcels')
})

test('shipment lists page by updated_at', async () => {
  const page = await (await api.get('/carrier/shipments', { limit: 5 })).json()
  expect(page.data).toHaveLength(5)
  expect(page.next_cursor).toEqual(expect.any(String))
})
