import type { Job } from 'bullmq'
import { pino } from 'pino'
import { afterAll, expect, test } from 'vitest'

// BullMQ on Redis (the machine's Redis, TEST_REDIS_URL) under this file's own QUEUE_PREFIX, like a deployment with
// several worker processes. Set before app code loads.
process.env.REDIS_URL = process.env.TEST_REDIS_URL
const { closeQueues, createWorker } = await import('#app/queues/connection.server.ts')
const { ALERTS_QUEUE, ALERTS_EVALUATION_SCHEDULER_ID, getAlertsQueue, scheduleAlertJobs } = await import('#app/queues/alerts.server.ts')
const { prisma } = await import('#app/utils/db.server.ts')
const { createAlertRule, recordMetricMinute } = await import('#test/factories/alerts.ts')
const { createAlertsProcessor } = await import('./processor.ts')

afterAll(async () => {
  // Leave nothing behind on the shared Redis.
  await getAlertsQueue().obliterate({ force: true })
  await closeQueues()
})

const log = pino({ level: 'silent' })

test('the schedule runs each tick once across two workers; the breach fires one alert', { timeout: 30_000 }, async () => {
  const metric = `scheduled_${Date.now()}`
  const rule = await createAlertRule(prisma, { metric, threshold: 60, durationSeconds: 60, name: 'Scheduled lag' })
  // The breach around now: the last complete minutes and the next ones (the minute may turn during the test).
  const minute = Math.floor(Date.now() / 60_000) * 60_000
  for (let n = -2; n <= 2; n++) await recordMetricMinute(prisma, { metric, bucket: new Date(minute + n * 60_000), value: 120 })

  const ran: Array<{ id: string; by: string }> = []
  for (const name of ['worker-a', 'worker-b']) {
    const processor = createAlertsProcessor(log, { instanceId: name })
    createWorker(ALERTS_QUEUE, async (job: Job) => {
      const result = await processor(job)
      ran.push({ id: String(job.id), by: name })
      return result
    }, { concurrency: 1 })
  }
  // Both processes register the schedule, as every worker process does at start.
  await Promise.all([scheduleAlertJobs(400), scheduleAlertJobs(400)])
  expect(await getAlertsQueue().getJobSchedulersCount()).toBe(1)

  await expect.poll(() => ran.length, { timeout: 15_000, interval: 100 }).toBeGreaterThanOrEqual(6)
  await getAlertsQueue().removeJobScheduler(ALERTS_EVALUATION_SCHEDULER_ID)
  await new Promise((resolve) => setTimeout(resolve, 500))

  // One job per tick: no job id twice, and every tick (the id's timestamp) once.
  const ids = ran.map((entry) => entry.id)
  expect(new Set(ids).size).toBe(ids.length)
  const ticks = ids.map((id) => id.split(':').at(-1))
  expect(new Set(ticks).size).toBe(ticks.length)

  // However many ticks and workers: one alert, fired by one job.
  const alerts = await prisma.alert.findMany({ where: { ruleId: rule.id }, select: { status: true, message: true } })
  expect(alerts).toEqual([{ status: 'firing', message: `Scheduled lag: ${metric} is 120, above the threshold 60 for 1 minute` }])
  const completed = await getAlertsQueue().getJobs(['completed'])
  const fired = completed.reduce((sum, job) => sum + Number((job.returnvalue as { fired?: number } | undefined)?.fired ?? 0), 0)
  expect(fired).toBe(1)
})

test('a job that is not an evaluation fails for good (unknown name)', async () => {
  const processor = createAlertsProcessor(log, { instanceId: 'x' })
  await expect(processor({ id: '1', name: 'evaluate-everything', data: {} } as Job)).rejects.toMatchObject({ name: 'UnrecoverableError' })
  await expect(processor({ id: '2', name: 'evaluate', data: { ruleId: 'r' } } as Job)).rejects.toMatchObject({ name: 'UnrecoverableError' })
})
