import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { InvalidEnvError, parseEnv } from './env.server.ts'

const valid = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/opsdeck',
  SESSION_SECRET: 'x'.repeat(32),
}

describe('parseEnv', () => {
  test('applies local defaults', () => {
    const env = parseEnv(valid)
    expect(env.PORT).toBe(3000)
    expect(env.REDIS_URL).toBeUndefined()
    expect(env.PUBLIC_URL).toBe('http://localhost:3000')
    expect(env.ALLOWED_ORIGINS).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000'])
    expect(env.SECURE_COOKIES).toBe(false)
    expect(env.PROVIDER_URLS.payments).toBe('http://127.0.0.1:4010/payments')
  })

  test('names every invalid variable and redacts secrets', () => {
    let error: unknown
    try {
      parseEnv({ ...valid, PORT: 'eighty', REDIS_URL: 'http://nope', SESSION_SECRET: 'short' })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidEnvError)
    const message = (error as Error).message
    expect(message).toMatch(/PORT: must be a number \(got "eighty"\)/)
    expect(message).toMatch(/REDIS_URL: must start with redis:\/\//)
    expect(message).toMatch(/SESSION_SECRET: must be at least 32 characters.*\(got "\[redacted\]"\)/)
  })

  test('reports a missing DATABASE_URL as not set', () => {
    expect(() => parseEnv({ SESSION_SECRET: 'x'.repeat(32) })).toThrow(/DATABASE_URL: .*\(not set\)/)
  })

  test('https PUBLIC_URL turns on Secure cookies and limits origins to it', () => {
    const env = parseEnv({ ...valid, PUBLIC_URL: 'https://ops.example.com', ALLOWED_ORIGINS: 'https://b.example.com' })
    expect(env.SECURE_COOKIES).toBe(true)
    expect(env.ALLOWED_ORIGINS).toEqual(['https://ops.example.com', 'https://b.example.com'])
  })
})

describe('TRUST_PROXY', () => {
  test('is off, a hop count, or proxy addresses — never "trust everything"', () => {
    expect(parseEnv(valid).TRUST_PROXY).toBe(false)
    expect(parseEnv({ ...valid, TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1)
    expect(parseEnv({ ...valid, TRUST_PROXY: '10.0.0.0/8, 192.168.1.2' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '192.168.1.2'])
    expect(() => parseEnv({ ...valid, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: must be false, a number of proxy hops/)
    expect(() => parseEnv({ ...valid, TRUST_PROXY: 'loopback; drop' })).toThrow(/TRUST_PROXY/)
  })
})

describe('production', () => {
  test('refuses the sandbox credentials', () => {
    expect(() => parseEnv({ ...valid, NODE_ENV: 'production' })).toThrow(
      /PROVIDER_API_KEY: must be set to a real secret when NODE_ENV=production[\s\S]*WEBHOOK_SECRET: must be set to a real secret/,
    )
    const env = parseEnv({ ...valid, NODE_ENV: 'production', PROVIDER_API_KEY: 'live-key-123', WEBHOOK_SECRET: 'w'.repeat(32) })
    expect(env.PROVIDER_API_KEY).toBe('live-key-123')
  })
})

describe('process entries', () => {
  const run = (entry: string, env: Record<string, string>) => {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !['DATABASE_URL', 'SESSION_SECRET', 'PORT', 'REDIS_URL'].includes(name)),
    )
    return spawnSync(process.execPath, ['--import', 'tsx', entry], { env: { ...clean, ...env } as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 20_000 })
  }

  test.each(['server/index.ts', 'workers/index.ts'])('%s stops with a readable message, not a stack trace', (entry) => {
    const result = run(entry, { PORT: 'eighty', SESSION_SECRET: 'short' })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('Invalid configuration:')
    expect(result.stderr).toContain('DATABASE_URL: required (`npm start` runs an embedded PostgreSQL when it is unset) (not set)')
    expect(result.stderr).toContain('PORT: must be a number (got "eighty")')
    expect(result.stderr).not.toMatch(/^\s+at /m)
  })

  test('the sandbox needs none of the console’s database or session settings', () => {
    const result = run('sandbox/index.ts', { SANDBOX_PORT: 'none' })
    expect(result.status).toBe(1)
    expect(result.stderr.trim().split('\n').slice(1, -1)).toEqual(['  - SANDBOX_PORT: must be a number (got "none")'])
  })
})
