import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'
import {
  ALIVE_INTERVALS,
  countAliveWorkers,
  pruneHeartbeats,
  PRUNE_AFTER_MS,
  recordHeartbeat,
  removeHeartbeat,
} from './worker-heartbeat.server.ts'

const instance = (id: string, pid: number) => ({ id, hostname: 'host-a', pid, queues: ['system'], startedAt: new Date('2026-11-25T10:00:00Z') })

test('counts distinct live worker processes; stale and removed ones are not counted', async () => {
  const now = new Date('2026-11-25T12:00:00Z')
  const window = ALIVE_INTERVALS * getEnv().HEARTBEAT_SECONDS * 1000
  const before = (ms: number) => new Date(now.getTime() - ms)

  await recordHeartbeat(instance('host-a:101:aaa', 101), before(1_000))
  await recordHeartbeat(instance('host-a:101:aaa', 101), now) // same process beating again: still one
  await recordHeartbeat(instance('host-a:102:bbb', 102), before(window - 1_000))
  await recordHeartbeat(instance('host-b:103:ccc', 103), before(window + 1_000)) // stale
  expect(await countAliveWorkers(now)).toBe(2)

  const row = await prisma.workerHeartbeat.findUniqueOrThrow({ where: { id: 'host-a:101:aaa' } })
  expect(row).toMatchObject({ beats: 2, pid: 101, queues: ['system'], lastBeatAt: now })

  await removeHeartbeat('host-a:102:bbb')
  await removeHeartbeat('host-a:102:bbb') // idempotent
  expect(await countAliveWorkers(now)).toBe(1)
  // Later, without new beats, nobody is alive.
  expect(await countAliveWorkers(new Date(now.getTime() + window + 1))).toBe(0)
})

test('pruneHeartbeats deletes only long-dead processes', async () => {
  const now = new Date('2026-11-26T12:00:00Z')
  await recordHeartbeat(instance('old:1:x', 1), new Date(now.getTime() - PRUNE_AFTER_MS - 1))
  await recordHeartbeat(instance('recent:2:y', 2), new Date(now.getTime() - 60_000))
  await pruneHeartbeats(now)
  const ids = (await prisma.workerHeartbeat.findMany({ select: { id: true } })).map((row) => row.id)
  expect(ids).not.toContain('old:1:x')
  expect(ids).toContain('recent:2:y')
})
