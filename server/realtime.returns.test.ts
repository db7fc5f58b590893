import { expect, test } from 'vitest'
import { approveReturn } from '#app/models/return.server.ts'
import type { ReturnChanged } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import { createReturn } from '#test/factories/returns.ts'
import { createUser } from '#test/factories/users.ts'
import { realtimeHarness } from '#test/helpers/realtime.ts'

/**
 * Live return pages through the real trigger → NOTIFY → LISTEN → Socket.IO path: a socket following a return (needs
 * read:return) hears `returns.changed` when the return or one of its refunds is written by anyone; a follower of
 * another return, or one who stopped following, hears nothing; support (no read:return) may not follow.
 */

const realtime = realtimeHarness()

async function startNode() {
  const url = await realtime.startNode()
  // A NOTIFY before LISTEN is lost: wait for the node's LISTEN connection.
  await expect
    .poll(
      async () =>
        (
          await prisma.$queryRaw<Array<{ n: number }>>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and application_name = 'opsdeck-return-feed' and query like 'LISTEN%'`
        )[0]!.n,
      { timeout: 5_000, interval: 50 },
    )
    .toBeGreaterThanOrEqual(1)
  return url
}

test('followers of a return hear its changes, whoever makes them; other returns and support do not', { timeout: 30_000 }, async () => {
  // Created before the node listens: their creation is not a signal anyone hears.
  const { ret } = await createReturn(prisma, { status: 'requested' })
  const { ret: other } = await createReturn(prisma, { status: 'requested' })
  const url = await startNode()
  const { user: olga } = await createUser(prisma, { role: 'operations' })
  const { user: manny } = await createUser(prisma, { role: 'manager' })
  const { user: sam } = await createUser(prisma, { role: 'support' })

  const watcher = await realtime.connectAs(url, olga)
  const bystander = await realtime.connectAs(url, manny)
  const agent = await realtime.connectAs(url, sam)
  expect(await watcher.emitWithAck('record.subscribe', { entity: 'return', id: ret.id })).toEqual({ ok: true })
  expect(await bystander.emitWithAck('record.subscribe', { entity: 'return', id: other.id })).toEqual({ ok: true })
  expect(await agent.emitWithAck('record.subscribe', { entity: 'return', id: ret.id })).toEqual({ ok: false, error: 'forbidden: needs read:return' })
  const heard: ReturnChanged[] = []
  const overheard: ReturnChanged[] = []
  watcher.on('returns.changed', (signal) => heard.push(signal))
  bystander.on('returns.changed', (signal) => overheard.push(signal))
  agent.on('returns.changed', (signal) => overheard.push(signal))

  // A step through the model (as another person's session or a worker would make it).
  await approveReturn(ret.id, { buyLabel: false }, { actor: { id: olga.id, role: 'operations' } })
  await expect.poll(() => heard.map((signal) => signal.id), { timeout: 5_000 }).toContain(ret.id)

  // A refund of the return changing status (the gateway's answer) is a change of the return too.
  const count = heard.length
  const refund = await prisma.refund.create({
    data: { orderId: ret.orderId, returnId: ret.id, amount: 100, currency: 'GBP', status: 'pending', idempotencyKey: `rt-${ret.id}` },
    select: { id: true },
  })
  await expect.poll(() => heard.length, { timeout: 5_000 }).toBeGreaterThan(count)
  const again = heard.length
  await prisma.refund.update({ where: { id: refund.id }, data: { status: 'succeeded', processedAt: new Date() } })
  await expect.poll(() => heard.length, { timeout: 5_000 }).toBeGreaterThan(again)
  expect(heard.every((signal) => signal.id === ret.id)).toBe(true)
  expect(overheard).toEqual([])

  // Unfollowed: nothing more.
  expect(await watcher.emitWithAck('record.unsubscribe', { entity: 'return', id: ret.id })).toEqual({ ok: true })
  const after = heard.length
  await prisma.return.update({ where: { id: ret.id }, data: { note: 'changed after unsubscribe' } })
  // The bystander's return changes after it: once the bystander hears that, ours would have arrived too.
  await prisma.return.update({ where: { id: other.id }, data: { note: 'a later change' } })
  await expect.poll(() => overheard.map((signal) => signal.id), { timeout: 5_000 }).toContain(other.id)
  expect(heard.length).toBe(after)
})
