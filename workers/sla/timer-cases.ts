import type { Job } from 'bullmq'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

/**
 * SLA timers through real BullMQ (the system worker's real processor, in this process) on the backend the caller's
 * environment selects: processor.test.ts (PostgreSQL backend) and processor.redis.test.ts (Redis). Real time here:
 * the clocks are started a little in the past so their instants come due within seconds.
 */
export async function defineSlaTimerTests() {
  const { closeQueues, createWorker } = await import('#app/queues/connection.server.ts')
  const { scheduleSlaSweep, SLA_SWEEP_SCHEDULER_ID, slaJobId } = await import('#app/queues/sla.server.ts')
  const { getSystemQueue, SYSTEM_QUEUE } = await import('#app/queues/system.server.ts')
  const { getClockHistory, getClocks, pauseClock, resumeClock, startClock } = await import('#app/models/sla/clock.server.ts')
  const { prisma } = await import('#app/utils/db.server.ts')
  const { createSystemProcessor } = await import('#workers/system/heartbeat.ts')

  const log = pino({ level: 'silent' })
  beforeAll(async () => {
    const instance = { id: `sla-timers-${process.pid}`, hostname: 'test', pid: process.pid, queues: [SYSTEM_QUEUE], startedAt: new Date() }
    const worker = createWorker(SYSTEM_QUEUE, createSystemProcessor(instance, log))
    await worker.waitUntilReady()
  })
  afterAll(async () => {
    await getSystemQueue().obliterate({ force: true })
    await closeQueues()
  })

  let n = 0
  const key = () => ({ subjectType: 'return', subjectId: `timer-case-${process.pid}-${++n}`, metric: 'resolution' as const })

  async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let value = await read()
    while (!ok(value)) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
      value = await read()
    }
    return value
  }
  const clockOf = async (k: ReturnType<typeof key>) => (await getClocks(prisma, k.subjectType, [k.subjectId], new Date())).get(k.subjectId)?.[0]
  /** The job's result once it has completed (waits for it: the row can commit before the job is marked done). */
  const finished = (id: string) =>
    until(
      async () => {
        const job = (await getSystemQueue().getJob(id)) as Job | undefined
        return job && (await job.isCompleted()) ? ((job.returnvalue ?? undefined) as { outcome: string | null } | undefined) : undefined
      },
      (value) => value !== undefined,
    )

  describe('SLA timers', () => {
    test('the warning and deadline jobs record the warning and the breach at their instants', async () => {
      const k = key()
      // 1-minute target started 57 s ago: warning (75 % → 0 whole minutes) is due at once, the deadline in ~3 s.
      const started = await startClock(prisma, { ...k, targetMinutes: 1, at: new Date(Date.now() - 57_000) })
      const clock = await until(() => clockOf(k), (c) => Boolean(c?.breachedAt))
      expect(clock!.breachedAt!.getTime()).toBe(started.dueAt.getTime())
      expect(clock!.warnedAt!.getTime()).toBe(started.warningAt!.getTime())
      // It was the timers, not a sweep (none is scheduled in this test): both jobs completed with their outcome.
      expect((await getSystemQueue().getJob(slaJobId(started.id, 'deadline', started.dueAt)))?.data).toEqual({ clockId: started.id, kind: 'deadline' })
      expect(await finished(slaJobId(started.id, 'deadline', started.dueAt))).toMatchObject({ outcome: 'breached' })
      expect(await finished(slaJobId(started.id, 'warning', started.warningAt!))).toMatchObject({ outcome: 'warning' })
      const history = await getClockHistory(prisma, k.subjectType, k.subjectId)
      expect(history.map((e) => e.kind)).toEqual(['started', 'warning', 'breached'])
      // How late the breach was recorded after its deadline (real time): the timer's precision.
      const recorded = await prisma.slaEvent.findFirstOrThrow({ where: { subjectId: k.subjectId, kind: 'breached' }, select: { createdAt: true } })
      const lateMs = recorded.createdAt.getTime() - started.dueAt.getTime()
      console.info(`[sla timers] breach recorded ${lateMs} ms after its deadline`)
      expect(lateMs).toBeGreaterThanOrEqual(0)
    })

    test('a deadline that moves (pause, resume) is re-scheduled; the job for the old instant does nothing', async () => {
      const k = key()
      // No warning timer here (warning at the deadline itself): only the deadline's jobs are in play.
      const started = await startClock(prisma, { ...k, targetMinutes: 1, warning: { beforeMinutes: 0 }, at: new Date(Date.now() - 55_000) })
      await pauseClock(prisma, k, new Date())
      await new Promise((resolve) => setTimeout(resolve, 2_000))
      const resumed = (await resumeClock(prisma, k, new Date()))!
      expect(resumed.dueAt.getTime()).toBeGreaterThan(started.dueAt.getTime() + 1_500)

      const old = await finished(slaJobId(started.id, 'deadline', started.dueAt))
      expect(old).toMatchObject({ outcome: null })
      const clock = await until(() => clockOf(k), (c) => Boolean(c?.breachedAt))
      expect(clock!.breachedAt!.getTime()).toBe(resumed.dueAt.getTime())
      expect(await finished(slaJobId(started.id, 'deadline', resumed.dueAt))).toMatchObject({ outcome: 'breached' })
    })

    test('the sweep repairs lost timers: an overdue clock is breached, a clock due soon gets its jobs back', async () => {
      const overdue = key()
      const soon = key()
      const a = await startClock(prisma, { ...overdue, targetMinutes: 1, at: new Date(Date.now() - 120_000) })
      const b = await startClock(prisma, { ...soon, targetMinutes: 60, at: new Date(Date.now() - 55 * 60_000) })
      // Lose every timer job of both clocks (as a Redis without persistence would after a restart).
      const queue = getSystemQueue()
      for (const [id, clock] of [
        [a.id, a],
        [b.id, b],
      ] as const) {
        for (const job of [slaJobId(id, 'deadline', clock.dueAt), slaJobId(id, 'warning', clock.warningAt!)]) await queue.remove(job)
      }
      expect(await queue.getJob(slaJobId(b.id, 'deadline', b.dueAt))).toBeFalsy()

      await scheduleSlaSweep(500)
      try {
        const clock = await until(() => clockOf(overdue), (c) => Boolean(c?.breachedAt))
        expect(clock!.breachedAt!.getTime()).toBe(a.dueAt.getTime())
        // b is due in ~5 min, inside the sweep's horizon: its deadline job exists again (and is not run early).
        const job = await until(() => queue.getJob(slaJobId(b.id, 'deadline', b.dueAt)), Boolean)
        expect(await job!.isDelayed()).toBe(true)
        expect((await clockOf(soon))!.breachedAt).toBeNull()
      } finally {
        await queue.removeJobScheduler(SLA_SWEEP_SCHEDULER_ID)
      }
    })
  })
}
