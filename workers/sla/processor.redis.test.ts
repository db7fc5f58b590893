/** SLA timers on BullMQ with Redis (the machine's Redis under this file's own QUEUE_PREFIX). Set before app code loads. */
process.env.REDIS_URL = process.env.TEST_REDIS_URL

const { defineSlaTimerTests } = await import('./timer-cases.ts')
await defineSlaTimerTests()

export {}
