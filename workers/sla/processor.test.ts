import { defineSlaTimerTests } from './timer-cases.ts'

/** SLA timers on BullMQ's PostgreSQL backend (the embedded default: no REDIS_URL). */
await defineSlaTimerTests()
