import { expect, test } from 'vitest'
import { reserveOrderStock } from '#app/models/inventory-stock.server.ts'
import type { InventoryStockSignal } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createStockedVariant } from '#test/factories/catalogue.ts'
import { createOrder } from '#test/factories/orders.ts'
import { createUser } from '#test/factories/users.ts'
import { realtimeHarness } from '#test/helpers/realtime.ts'

/** Low/out-of-stock signals through the real web node: a reservation empties a level → `inventory.stock` to subscribers. */

const realtime = realtimeHarness()

test('subscribers with read:inventory hear a level going out of stock; support may not subscribe', { timeout: 30_000 }, async () => {
  const url = await realtime.startNode()
  const { user: ops } = await createUser(prisma, { role: 'operations' })
  const { user: agent } = await createUser(prisma, { role: 'support' })
  const watcher = await realtime.connectAs(url, ops)
  const outsider = await realtime.connectAs(url, agent)
  expect(await watcher.emitWithAck('inventory.subscribe', {})).toEqual({ ok: true })
  expect(await outsider.emitWithAck('inventory.subscribe', {})).toEqual({ ok: false, error: 'forbidden: needs read:inventory' })
  const signals: InventoryStockSignal[] = []
  watcher.on('inventory.stock', (payload) => signals.push(payload))

  const lamp = await createStockedVariant(prisma, { stock: [{ onHand: 2, lowStockThreshold: 0 }] })
  const order = await createOrder(prisma, { status: 'pending', paymentStatus: 'authorized', items: [{ variantId: lamp.variant.id, sku: lamp.variant.sku, title: 'Lamp', unitPriceAmount: 100 }], quantities: [2] })
  await reserveOrderStock(prisma, { orderId: order.order.id, actorId: null })

  await expect.poll(() => signals.flatMap((s) => s.levels).find((l) => l.variantId === lamp.variant.id), { timeout: 15_000, interval: 200 }).toMatchObject({
    sku: lamp.variant.sku,
    available: 0,
    threshold: 0,
    state: 'out',
  })
  // Signalled once, not again at every look.
  await new Promise((resolve) => setTimeout(resolve, 6_000))
  expect(signals.flatMap((s) => s.levels).filter((l) => l.variantId === lamp.variant.id)).toHaveLength(1)
})
