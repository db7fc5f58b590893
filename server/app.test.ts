import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { RequestHandler } from 'express'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createApp, type AppOptions } from './app.ts'
import { checkDatabase, checkReadiness } from './health.ts'

const ORIGIN = 'http://localhost:3999'
const LARGE = `<!doctype html><html><body>${'<p>operations console row</p>'.repeat(2_000)}</body></html>`

/** Stands in for Remix: echoes the nonce it was given, serves a large page, throws, or waits. */
const stubRemix: RequestHandler = async (req, res, next) => {
  if (req.path === '/boom') return next(new Error('secret database password in stack'))
  if (req.path === '/large') return void res.type('html').send(LARGE)
  if (req.path === '/slow') await new Promise((resolve) => setTimeout(resolve, 300))
  res.type('html').send(`<script nonce="${res.locals.cspNonce}">1</script>`)
}

const publicDir = mkdtempSync(path.join(os.tmpdir(), 'opsdeck-public-'))
mkdirSync(path.join(publicDir, 'build'))
writeFileSync(path.join(publicDir, 'build', 'entry.client-ABC123.js'), 'console.log(1)')
writeFileSync(path.join(publicDir, 'favicon.ico'), 'icon')

let failing: string | null = null
let shuttingDown = false

async function serve(overrides: Partial<AppOptions> = {}) {
  const app = createApp({
    logger: pino({ level: 'silent' }),
    allowedOrigins: [ORIGIN],
    httpsOnly: false,
    trustProxy: false,
    mode: 'test',
    publicDir,
    requestHandler: stubRemix,
    readiness: {
      checks: {
        database: async () => {
          if (failing === 'database') throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
        },
        queue: async () => {},
      },
      isShuttingDown: () => shuttingDown,
    },
    ...overrides,
  })
  const server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

let base: Awaited<ReturnType<typeof serve>>
beforeAll(async () => {
  base = await serve()
})
afterAll(async () => {
  await base.close()
  rmSync(publicDir, { recursive: true, force: true })
})

describe('security headers', () => {
  test('every response carries CSP with a fresh nonce, nosniff, frame-ancestors, referrer policy; no HSTS on http', async () => {
    const [first, second] = await Promise.all([fetch(`${base.url}/`), fetch(`${base.url}/`)])
    const nonceOf = (csp: string) => /'nonce-([^']+)'/.exec(csp)?.[1]
    const csp = first.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).toMatch(/connect-src 'self' ws:\/\/localhost:3999/)
    expect(csp).not.toContain('upgrade-insecure-requests')
    const nonce = nonceOf(csp)
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(nonce).not.toBe(nonceOf(second.headers.get('content-security-policy')!))
    // The nonce reaches the page renderer (res.locals → Remix load context).
    expect(await first.text()).toBe(`<script nonce="${nonce}">1</script>`)
    expect(first.headers.get('x-content-type-options')).toBe('nosniff')
    expect(first.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
    expect(first.headers.get('x-frame-options')).toBe('DENY')
    expect(first.headers.get('strict-transport-security')).toBeNull()
    expect(first.headers.get('x-powered-by')).toBeNull()
  })

  test('errors and refusals carry them too', async () => {
    const response = await fetch(`${base.url}/x`, { method: 'POST', headers: { origin: 'https://evil.example' } })
    expect(response.status).toBe(403)
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })

  test('HSTS when the public URL is https, or behind a trusted TLS proxy', async () => {
    const https = await serve({ httpsOnly: true })
    const proxied = await serve({ trustProxy: 1 })
    try {
      const direct = await fetch(`${https.url}/`)
      expect(direct.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains')
      expect(direct.headers.get('content-security-policy')).toContain('upgrade-insecure-requests')
      const viaTls = await fetch(`${proxied.url}/`, { headers: { 'x-forwarded-proto': 'https' } })
      expect(viaTls.headers.get('strict-transport-security')).toContain('max-age=31536000')
      const viaPlain = await fetch(`${proxied.url}/`)
      expect(viaPlain.headers.get('strict-transport-security')).toBeNull()
      // Without TRUST_PROXY the header is the client's word and is ignored.
      const spoofed = await fetch(`${base.url}/`, { headers: { 'x-forwarded-proto': 'https' } })
      expect(spoofed.headers.get('strict-transport-security')).toBeNull()
    } finally {
      await Promise.all([https.close(), proxied.close()])
    }
  })
})

describe('cross-origin writes', () => {
  test('a POST from a foreign Origin is refused with a reason', async () => {
    const response = await fetch(`${base.url}/orders`, { method: 'POST', headers: { origin: 'https://evil.example' }, body: 'a=1' })
    expect(response.status).toBe(403)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await response.text()).toBe(
      'Cross-origin request refused: origin https://evil.example is not allowed to send POST requests here.',
    )
  })

  test('a same-origin POST passes through', async () => {
    const response = await fetch(`${base.url}/orders`, { method: 'POST', headers: { origin: ORIGIN }, body: 'a=1' })
    expect(response.status).toBe(200)
  })

  test('without Origin, the Referer decides; with neither, refused', async () => {
    const ok = await fetch(`${base.url}/orders`, { method: 'DELETE', headers: { referer: `${ORIGIN}/orders/1` } })
    expect(ok.status).toBe(200)
    const foreign = await fetch(`${base.url}/orders`, { method: 'PUT', headers: { referer: 'https://evil.example/x' } })
    expect(foreign.status).toBe(403)
    const anonymous = await fetch(`${base.url}/orders`, { method: 'POST' })
    expect(anonymous.status).toBe(403)
    expect(await anonymous.text()).toMatch(/no Origin or Referer/)
    const opaque = await fetch(`${base.url}/orders`, { method: 'POST', headers: { origin: 'null' } })
    expect(opaque.status).toBe(403)
  })

  test('GET is never origin-checked, and exempt prefixes (webhooks) pass', async () => {
    expect((await fetch(`${base.url}/`, { headers: { origin: 'https://evil.example' } })).status).toBe(200)
    const withHook = await serve({ originExemptPrefixes: ['/webhooks/'] })
    try {
      const hook = await fetch(`${withHook.url}/webhooks/payments`, { method: 'POST', headers: { origin: 'https://psp.example' } })
      expect(hook.status).toBe(200)
      const other = await fetch(`${withHook.url}/webhooksx`, { method: 'POST', headers: { origin: 'https://psp.example' } })
      expect(other.status).toBe(403)
    } finally {
      await withHook.close()
    }
  })
})

describe('probes', () => {
  test('/healthz answers 200 without I/O', async () => {
    failing = 'database'
    try {
      const response = await fetch(`${base.url}/healthz`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ status: 'ok' })
    } finally {
      failing = null
    }
  })

  test('/readyz: 200 with every check, 503 naming the failing one, 503 while shutting down', async () => {
    const ready = await fetch(`${base.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } })
    expect(ready.headers.get('cache-control')).toBe('no-store')

    failing = 'database'
    try {
      const down = await fetch(`${base.url}/readyz`)
      expect(down.status).toBe(503)
      const body = await down.json()
      expect(body.reason).toBe('database unreachable: connect ECONNREFUSED 127.0.0.1:1')
      expect(body.checks).toEqual({ database: 'database unreachable: connect ECONNREFUSED 127.0.0.1:1', queue: 'ok' })
    } finally {
      failing = null
    }

    shuttingDown = true
    try {
      const draining = await fetch(`${base.url}/readyz`)
      expect(draining.status).toBe(503)
      expect(await draining.json()).toMatchObject({ status: 'not ready', reason: 'shutting down' })
      expect(draining.headers.get('connection')).toBe('close')
    } finally {
      shuttingDown = false
    }
  })

  test('a check that hangs is reported as a timeout', async () => {
    const result = await checkReadiness({
      checks: { queue: () => new Promise(() => {}) },
      isShuttingDown: () => false,
      timeoutMs: 50,
    })
    expect(result).toEqual({ status: 'not ready', reason: 'queue unreachable: no answer within 50 ms', checks: { queue: 'queue unreachable: no answer within 50 ms' } })
  })

  test('the real database check passes against this file’s database', async () => {
    await expect(checkDatabase()).resolves.toBeUndefined()
  })
})

describe('static files', () => {
  test('fingerprinted /build assets are cached for a year, immutably; other public files for an hour', async () => {
    const asset = await fetch(`${base.url}/build/entry.client-ABC123.js`)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff')
    const icon = await fetch(`${base.url}/favicon.ico`)
    expect(icon.headers.get('cache-control')).toBe('public, max-age=3600')
    const missing = await fetch(`${base.url}/build/entry.client-GONE.js`)
    expect(missing.status).toBe(404)
  })
})

describe('request ids, compression, errors', () => {
  test('X-Request-Id is echoed when plausible, generated otherwise', async () => {
    const given = await fetch(`${base.url}/`, { headers: { 'x-request-id': 'lb-7f3a9c21-0001' } })
    expect(given.headers.get('x-request-id')).toBe('lb-7f3a9c21-0001')
    const generated = await fetch(`${base.url}/`)
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const hostile = await fetch(`${base.url}/`, { headers: { 'x-request-id': '<script>alert(1)</script>' } })
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('large pages are gzip-compressed when the client accepts it', async () => {
    const response = await fetch(`${base.url}/large`, { headers: { 'accept-encoding': 'gzip' } })
    expect(response.headers.get('content-encoding')).toBe('gzip')
    expect(await response.text()).toBe(LARGE) // fetch decompresses
  })

  test('an unexpected error answers a generic 500 with the request id, never the error', async () => {
    const html = await fetch(`${base.url}/boom`, { headers: { 'x-request-id': 'req-boom-000001' } })
    expect(html.status).toBe(500)
    const page = await html.text()
    expect(page).toContain('req-boom-000001')
    expect(page).not.toMatch(/secret|stack|at /)
    const json = await fetch(`${base.url}/boom`, { headers: { accept: 'application/json', 'x-request-id': 'req-boom-000002' } })
    expect(json.status).toBe(500)
    expect(await json.json()).toEqual({ error: 'Internal Server Error', requestId: 'req-boom-000002' })
  })
})
