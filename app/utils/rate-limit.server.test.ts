import { afterAll, expect, test, vi } from 'vitest'

// This file runs the sign-in throttle on Redis (the scale-out path); auth.server.test.ts covers the Postgres one.
vi.hoisted(() => {
  process.env.REDIS_URL = process.env.TEST_REDIS_URL
  process.env.SIGNIN_MAX_ATTEMPTS_PER_ACCOUNT = '2'
})

const { RateLimiterRedis } = await import('rate-limiter-flexible')
const { getEnv } = await import('./env.server.ts')
const { signIn } = await import('./auth.server.ts')
const { closeSignInLimiters, getSignInLimiters } = await import('./rate-limit.server.ts')

afterAll(async () => {
  const { account, ip } = await getSignInLimiters()
  // Leave nothing behind in the shared Redis (the counters would otherwise live out their 15-minute window).
  await Promise.all([account.delete('nobody@example.test'), ip.delete('203.0.113.9')])
  await closeSignInLimiters()
})

test('with REDIS_URL the limits live in Redis under the deployment prefix, shared by every node', async () => {
  const { account, ip } = await getSignInLimiters()
  expect(account).toBeInstanceOf(RateLimiterRedis)
  expect(ip).toBeInstanceOf(RateLimiterRedis)
  expect(account.keyPrefix).toBe(`${getEnv().QUEUE_PREFIX}:signin:account`)

  const attempt = () => signIn({ email: 'nobody@example.test', password: 'guess', ip: '203.0.113.9' })
  expect(await attempt()).toMatchObject({ status: 400 })
  expect(await attempt()).toMatchObject({ status: 400 })
  expect(await attempt()).toEqual({ ok: false, status: 429, message: 'Too many sign-in attempts. Try again in 15 minutes.' })
  const stored = await account.get('nobody@example.test')
  expect(stored?.consumedPoints).toBe(3)
})
