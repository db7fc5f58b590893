import { Redis } from 'ioredis'
import pg from 'pg'
import {
  type RateLimiterAbstract,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible'
import { getEnv } from './env.server.ts'
import { singleton } from './singleton.server.ts'

/**
 * Sign-in throttling, shared by every web node: on Redis when REDIS_URL is set (DESIGN.md: rate-limit counters live
 * in Redis), else in the Postgres table `rate_limits`, created by a migration (model `RateLimit`; the library's own lazy
 * CREATE TABLE races with itself when the two limiters start together). Both stores count atomically, so parallel guesses cannot overshoot a limit.
 */

export type SignInLimiters = { account: RateLimiterAbstract; ip: RateLimiterAbstract }

const TABLE = 'rate_limits'

function createLimiters(): Promise<SignInLimiters> {
  const env = getEnv()
  const duration = env.SIGNIN_WINDOW_MINUTES * 60
  const common = (name: string, points: number) => ({ keyPrefix: `${env.QUEUE_PREFIX}:signin:${name}`, points, duration })

  if (env.REDIS_URL) {
    const client = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1 })
    // Errors surface on the commands themselves; an unhandled 'error' event would crash the process.
    client.on('error', () => {})
    return Promise.resolve({
      account: new RateLimiterRedis({ storeClient: client, ...common('account', env.SIGNIN_MAX_ATTEMPTS_PER_ACCOUNT) }),
      ip: new RateLimiterRedis({ storeClient: client, ...common('ip', env.SIGNIN_MAX_ATTEMPTS_PER_IP) }),
    })
  }

  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 })
  pool.on('error', () => {}) // idle-client errors are reported on the next query instead
  const postgres = (name: string, points: number) =>
    new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: TABLE,
      tableCreated: true,
      clearExpiredByTimeout: true,
      ...common(name, points),
    })
  return Promise.resolve({
    account: postgres('account', env.SIGNIN_MAX_ATTEMPTS_PER_ACCOUNT),
    ip: postgres('ip', env.SIGNIN_MAX_ATTEMPTS_PER_IP),
  })
}

/** Closes the limiters' own connection (the Redis client or the pg pool), if they were started. For shutdown. */
export async function closeSignInLimiters() {
  const holder = singleton('signin-limiters', () => ({ current: undefined as Promise<SignInLimiters> | undefined }))
  const started = await holder.current?.catch(() => undefined)
  holder.current = undefined
  if (!started) return
  const store = (started.account as unknown as { client: { quit?: () => Promise<unknown>; end?: () => Promise<void> } }).client
  await (store.quit ? store.quit() : store.end?.())
}

export function getSignInLimiters(): Promise<SignInLimiters> {
  const holder = singleton('signin-limiters', () => ({ current: undefined as Promise<SignInLimiters> | undefined }))
  // A failed start is not cached: the next sign-in tries again.
  holder.current ??= createLimiters().catch((error: unknown) => {
    holder.current = undefined
    throw error
  })
  return holder.current
}

/** A rejection from `consume` is either a RateLimiterRes (limit reached) or a store error (rethrown). */
export function isRateLimited(error: unknown): error is RateLimiterRes {
  return error instanceof RateLimiterRes
}
