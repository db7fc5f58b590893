import { afterAll } from 'vitest'
import { createTestDatabase, TEST_REDIS_URL, uniquePrefix } from './test-db.ts'

/**
 * Runs before every unit test file: points the process at a database of its own and a queue prefix of its own,
 * before any app module reads its configuration.
 */
const database = await createTestDatabase()
process.env.NODE_ENV = 'test'
process.env.DATABASE_URL = database.url
process.env.QUEUE_PREFIX = uniquePrefix()
process.env.SESSION_SECRET ??= 'test-session-secret-0123456789abcdef'
process.env.LOG_LEVEL ??= 'silent'
process.env.TEST_REDIS_URL ??= TEST_REDIS_URL
// REDIS_URL stays unset unless a test sets it: the default path is the embedded one (BullMQ on Postgres).

afterAll(async () => {
  const registry = globalThis as unknown as { __opsdeckSingletons?: Map<string, unknown> }
  const prisma = registry.__opsdeckSingletons?.get('prisma') as { $disconnect(): Promise<void> } | undefined
  await prisma?.$disconnect()
  if (registry.__opsdeckSingletons?.has('signin-limiters')) {
    const { closeSignInLimiters } = await import('#app/utils/rate-limit.server.ts')
    await closeSignInLimiters()
  }
  await database.drop()
})
