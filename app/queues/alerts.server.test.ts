import { afterAll, expect, test } from 'vitest'
import { parseEnv } from '#app/utils/env.server.ts'

// The configured interval, read by the schedule when it is registered (set before app code parses the environment).
process.env.ALERTS_EVALUATION_SECONDS = '7'
const { closeQueues } = await import('#app/queues/connection.server.ts')
const { ALERTS_EVALUATION_SCHEDULER_ID, getAlertsQueue, scheduleAlertJobs } = await import('./alerts.server.ts')

afterAll(async () => {
  await getAlertsQueue().obliterate({ force: true })
  await closeQueues()
})

const REQUIRED = { DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db', SESSION_SECRET: 'x'.repeat(32) }

test('ALERTS_EVALUATION_SECONDS defaults to 10 and accepts whole seconds from 1 to 300', () => {
  expect(parseEnv(REQUIRED).ALERTS_EVALUATION_SECONDS).toBe(10)
  expect(parseEnv({ ...REQUIRED, ALERTS_EVALUATION_SECONDS: '1' }).ALERTS_EVALUATION_SECONDS).toBe(1)
  expect(parseEnv({ ...REQUIRED, ALERTS_EVALUATION_SECONDS: '300' }).ALERTS_EVALUATION_SECONDS).toBe(300)
})

test.each(['0', '-5', '2.5', '301', 'ten', '10s'])('ALERTS_EVALUATION_SECONDS=%s is refused, naming the variable and what it takes', (value) => {
  expect(() => parseEnv({ ...REQUIRED, ALERTS_EVALUATION_SECONDS: value })).toThrow(
    `ALERTS_EVALUATION_SECONDS: must be a whole number of seconds between 1 and 300 (got "${value}")`,
  )
})

test('the evaluation schedule runs every ALERTS_EVALUATION_SECONDS; registering another interval replaces it', async () => {
  await scheduleAlertJobs()
  await scheduleAlertJobs()
  const schedulers = await getAlertsQueue().getJobSchedulers()
  expect(schedulers).toHaveLength(1)
  expect(schedulers[0]).toMatchObject({ key: ALERTS_EVALUATION_SCHEDULER_ID, name: 'evaluate', every: 7_000 })

  // A restart with a new value: still one scheduler, at the new pace.
  await scheduleAlertJobs(30_000)
  expect(await getAlertsQueue().getJobScheduler(ALERTS_EVALUATION_SCHEDULER_ID)).toMatchObject({ every: 30_000 })
  expect(await getAlertsQueue().getJobSchedulersCount()).toBe(1)
})
