import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, afterEach, expect, test } from 'vitest'
import { closeQueues } from '#app/queues/connection.server.ts'
import type { ClientToServerEvents, IntegrationsHealth, ServerToClientEvents } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createUser } from '#test/factories/users.ts'
import { createRealtime } from './realtime.ts'

/** `integrations.subscribe` / `integrations.health`: permission at the join, figures at once, ticks only to members. */

type Client = Socket<ServerToClientEvents, ClientToServerEvents>
const ORIGIN = 'http://localhost:3999'
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})
afterAll(async () => {
  await closeQueues()
  await prisma.$disconnect()
})

async function startNode(integrationsHealth?: () => Promise<IntegrationsHealth>) {
  const httpServer = http.createServer((_req, res) => res.end('not socket.io'))
  const realtime = await createRealtime({
    httpServer,
    logger: pino({ level: 'silent' }),
    allowedOrigins: [ORIGIN],
    keyPrefix: 'rt',
    countWorkers: async () => 1,
    integrationsHealth,
    integrationsIntervalMs: 100,
  })
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => realtime.close())
  return `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`
}

async function connectAs(url: string, role: 'admin' | 'manager' | 'operations' | 'support') {
  const { user } = await createUser(prisma, { role })
  const session = await createSession(user.id)
  const cookie = (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!
  const socket: Client = connect(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true })
  cleanups.push(() => socket.disconnect())
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  return socket
}

test('support may not subscribe; operations and managers get the figures at once, then ticks until they leave', async () => {
  let computed = 0
  const url = await startNode(async () => {
    computed++
    return { at: new Date().toISOString(), integrations: [] }
  })
  const support = await connectAs(url, 'support')
  expect(await support.emitWithAck('integrations.subscribe', {})).toEqual({ ok: false, error: 'forbidden: needs read:integration' })

  // Nobody in the room: nothing is computed.
  await new Promise((resolve) => setTimeout(resolve, 350))
  expect(computed).toBe(0)

  const operations = await connectAs(url, 'operations')
  const answer = await operations.emitWithAck('integrations.subscribe', {})
  expect(answer).toMatchObject({ ok: true, health: { integrations: [] } })
  const ticks: IntegrationsHealth[] = []
  operations.on('integrations.health', (health) => ticks.push(health))
  await expect.poll(() => ticks.length, { timeout: 2_000 }).toBeGreaterThanOrEqual(2)

  expect(await operations.emitWithAck('integrations.unsubscribe', {})).toEqual({ ok: true })
  await new Promise((resolve) => setTimeout(resolve, 150))
  const after = ticks.length
  const computedAfter = computed
  await new Promise((resolve) => setTimeout(resolve, 400))
  expect(ticks.length).toBe(after)
  expect(computed).toBe(computedAfter)
})

test('with the real model: every seeded integration, in a stable order', async () => {
  for (const [key, name] of [
    ['storefront', 'Storefront'],
    ['carrier', 'Shipping carrier'],
  ] as const) {
    await prisma.integration.upsert({ where: { key }, create: { key, name }, update: {} })
  }
  const url = await startNode()
  const manager = await connectAs(url, 'manager')
  const answer = (await manager.emitWithAck('integrations.subscribe', {})) as { ok: true; health: IntegrationsHealth }
  expect(answer.health.integrations.map((row) => [row.key, row.status])).toEqual([
    ['storefront', 'healthy'],
    ['carrier', 'healthy'],
  ])
})
