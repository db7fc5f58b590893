import { expect, test } from 'vitest'
import type { OrderPresence } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { createUser } from '#test/factories/users.ts'
import { realtimeHarness, type RealtimeClient } from '#test/helpers/realtime.ts'

/** Order page presence (`orders.view` / `orders.leave` / `orders.presence`): joins, leaves, disconnects, two web nodes. */

type Client = RealtimeClient
const realtime = realtimeHarness()
const startNode = (options: { redisUrl?: string; keyPrefix?: string } = {}) => realtime.startNode(options)
const connectAs = (url: string, user: { id: string }) => realtime.connectAs(url, user)

async function person(role: Role, name: string) {
  const { user } = await createUser(prisma, { role, name })
  return user
}

/** Every `orders.presence` a socket receives, as "name,name" strings. */
function presenceLog(socket: Client) {
  const seen: string[] = []
  socket.on('orders.presence', (presence) => seen.push(names(presence)))
  return seen
}
const names = (presence: OrderPresence) => presence.viewers.map((viewer) => viewer.name).join(',')

test('viewers see each other join and leave; two tabs of one person are one viewer; a disconnect counts as leaving', async () => {
  const url = await startNode()
  const ana = await person('operations', 'Ana')
  const sam = await person('support', 'Sam')
  const orderId = 'order-presence-1'

  const anaTab = await connectAs(url, ana)
  const anaLog = presenceLog(anaTab)
  expect(await anaTab.emitWithAck('orders.view', { orderId })).toEqual({ ok: true, orderId, viewers: [{ userId: ana.id, name: 'Ana', role: 'operations' }] })

  const samTab = await connectAs(url, sam)
  const samAnswer = (await samTab.emitWithAck('orders.view', { orderId })) as { ok: true } & OrderPresence
  expect(names(samAnswer)).toBe('Ana,Sam')
  await expect.poll(() => anaLog.at(-1)).toBe('Ana,Sam')

  // Ana's second tab: still one Ana.
  const anaSecondTab = await connectAs(url, ana)
  expect(names((await anaSecondTab.emitWithAck('orders.view', { orderId })) as OrderPresence)).toBe('Ana,Sam')

  // Another order's viewers are not this order's.
  const other = await connectAs(url, await person('manager', 'Max'))
  expect(names((await other.emitWithAck('orders.view', { orderId: 'order-presence-2' })) as OrderPresence)).toBe('Max')

  // Following the order's signals (record.subscribe) is not viewing it.
  const follower = await connectAs(url, await person('admin', 'Follower'))
  expect(await follower.emitWithAck('record.subscribe', { entity: 'order', id: orderId })).toEqual({ ok: true })

  expect(await samTab.emitWithAck('orders.leave', { orderId })).toEqual({ ok: true })
  await expect.poll(() => anaLog.at(-1)).toBe('Ana')

  // Sam comes back, then closes the tab: Ana sees Sam go without any leave event.
  await samTab.emitWithAck('orders.view', { orderId })
  await expect.poll(() => anaLog.at(-1)).toBe('Ana,Sam')
  samTab.disconnect()
  await expect.poll(() => anaLog.at(-1)).toBe('Ana')

  // One of Ana's two tabs closes: Ana is still viewing.
  const secondLog = presenceLog(anaSecondTab)
  anaTab.disconnect()
  await expect.poll(() => secondLog.at(-1)).toBe('Ana')
})

test('a malformed order id is refused before anything joins', async () => {
  const url = await startNode()
  const socket = await connectAs(url, await person('support', 'Sue'))
  const answer = (await socket.emitWithAck('orders.view', { orderId: '' })) as { ok: false; error: string }
  expect(answer.ok).toBe(false)
  expect(answer.error).toMatch(/^invalid payload/)
  expect(await socket.emitWithAck('orders.view', { orderId: 'x'.repeat(65) })).toMatchObject({ ok: false })
  // Leaving an order one never viewed is a harmless no-op.
  expect(await socket.emitWithAck('orders.leave', { orderId: 'never-viewed' })).toEqual({ ok: true })
})

test('with the Redis adapter, viewers on two web nodes see each other', async () => {
  const keyPrefix = `rto_${Math.random().toString(36).slice(2, 10)}`
  const redisUrl = process.env.TEST_REDIS_URL!
  const [urlA, urlB] = [await startNode({ redisUrl, keyPrefix }), await startNode({ redisUrl, keyPrefix })]
  const orderId = 'order-presence-two-nodes'
  const onA = await connectAs(urlA, await person('operations', 'Ana'))
  const logA = presenceLog(onA)
  await onA.emitWithAck('orders.view', { orderId })
  const onB = await connectAs(urlB, await person('support', 'Sam'))
  expect(names((await onB.emitWithAck('orders.view', { orderId })) as OrderPresence)).toBe('Ana,Sam')
  await expect.poll(() => logA.at(-1)).toBe('Ana,Sam')
  onB.disconnect()
  await expect.poll(() => logA.at(-1)).toBe('Ana')
})
