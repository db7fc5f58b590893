import { prisma } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

/**
 * Worker liveness, one row per worker PROCESS (id = `hostname:pid:random`). Each worker process refreshes its own row
 * every HEARTBEAT_SECONDS — only while its BullMQ workers run and the queue backend answers — and the scheduled
 * `system` heartbeat job prunes rows of processes long gone. See docs/decisions/0005-queues-and-embedded-default.md.
 */

/** A process counts as alive while its last beat is younger than this many heartbeat intervals. */
export const ALIVE_INTERVALS = 3
/** Rows older than this are deleted by the scheduled heartbeat (kept a while for "last seen" diagnostics). */
export const PRUNE_AFTER_MS = 24 * 3600 * 1000

export type HeartbeatInput = {
  id: string
  hostname: string
  pid: number
  queues: string[]
  startedAt: Date
}

export async function recordHeartbeat({ id, hostname, pid, queues, startedAt }: HeartbeatInput, now = new Date()) {
  await prisma.workerHeartbeat.upsert({
    where: { id },
    create: { id, hostname, pid, queues, startedAt, lastBeatAt: now, beats: 1 },
    update: { queues, lastBeatAt: now, beats: { increment: 1 } },
    select: { id: true },
  })
}

export function aliveSince(now = new Date()) {
  return new Date(now.getTime() - ALIVE_INTERVALS * getEnv().HEARTBEAT_SECONDS * 1000)
}

/** Distinct worker processes whose last beat is within ALIVE_INTERVALS × HEARTBEAT_SECONDS of `now`. */
export async function countAliveWorkers(now = new Date()) {
  return prisma.workerHeartbeat.count({ where: { lastBeatAt: { gte: aliveSince(now) } } })
}

/** Called by a worker process on graceful shutdown, so it stops counting at once. */
export async function removeHeartbeat(id: string) {
  await prisma.workerHeartbeat.deleteMany({ where: { id } })
}

/** Deletes rows of processes not seen for PRUNE_AFTER_MS. Returns how many. */
export async function pruneHeartbeats(now = new Date()) {
  const { count } = await prisma.workerHeartbeat.deleteMany({
    where: { lastBeatAt: { lt: new Date(now.getTime() - PRUNE_AFTER_MS) } },
  })
  return count
}
