import { expect, test } from 'vitest'
import type { IntegrationsHealth } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createUser } from '#test/factories/users.ts'
import { realtimeHarness } from '#test/helpers/realtime.ts'

/** `integrations.subscribe` / `integrations.health`: permission at the join, figures at once, ticks only to members. */

const realtime = realtimeHarness()

const startNode = (integrationsHealth?: () => Promise<IntegrationsHealth>) =>
  realtime.startNode({ integrationsHealth, integrationsIntervalMs: 100 })

async function connectAs(url: string, role: 'admin' | 'manager' | 'operations' | 'support') {
  const { user } = await createUser(prisma, { role })
  return realtime.connectAs(url, user)
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
