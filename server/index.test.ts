import { readdirSync, statSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import pg from 'pg'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ClientToServerEvents, ServerToClientEvents, WorkersStatus } from '#app/realtime/events.ts'
import { hashToken, sessionCookie } from '#app/utils/session.server.ts'
import { printLogsOnFailure, startApp, type AppProcess } from '#test/helpers/app-process.ts'

/**
 * The real web process (`node --import tsx server/index.ts`, production mode, the built Remix app) as a child
 * process: what the unit tests of app.ts / realtime.ts / shutdown.ts check in-process, checked end to end.
 */

type Client = Socket<ServerToClientEvents, ClientToServerEvents>

let app: AppProcess | undefined
await printLogsOnFailure(() => app)

beforeAll(async () => {
  // Same secret as this test process, so a session cookie signed here is valid there.
  app = await startApp({ label: 'web', env: { SESSION_SECRET: process.env.SESSION_SECRET } })
}, 90_000)
afterAll(async () => {
  await app?.stop()
})

/** A user and a live session written straight into the app's database; returns the Cookie header value. */
async function signedInCookie(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const suffix = Math.random().toString(36).slice(2, 10)
    const {
      rows: [user],
    } = await client.query<{ id: string }>(
      `insert into "User" (id, email, name, "passwordHash", role, "createdAt", "updatedAt")
       values ($1, $2, 'Socket Tester', 'x', 'support', now(), now()) returning id`,
      [`usr_${suffix}`, `socket-${suffix}@opsdeck.test`],
    )
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
    await client.query(
      `insert into "Session" (id, "userId", "createdAt", "lastSeenAt", "expiresAt") values ($1, $2, now(), now(), now() + interval '1 hour')`,
      [hashToken(token), user!.id],
    )
    return (await sessionCookie().serialize(token)).split(';')[0]!
  } finally {
    await client.end()
  }
}

function socketOutcome(socket: Client) {
  return new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'))
    socket.once('connect_error', (error) => resolve(`refused: ${error.message}`))
  })
}

describe('the web process', () => {
  test('is ready with database and queue checks, and /healthz carries the security headers', async () => {
    const ready = await fetch(`${app!.url}/readyz`)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', queue: 'ok' } })
    const live = await fetch(`${app!.url}/healthz`)
    expect(live.status).toBe(200)
    expect(await live.json()).toEqual({ status: 'ok' })
    expect(live.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'")
    expect(live.headers.get('x-content-type-options')).toBe('nosniff')
    expect(live.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin')
    expect(live.headers.get('strict-transport-security')).toBeNull()
  })

  test('pages: every inline and module script carries the response CSP nonce; compressed; request id echoed', async () => {
    const response = await fetch(`${app!.url}/login`, { headers: { 'accept-encoding': 'gzip', 'x-request-id': 'e2e-web-000001' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-request-id')).toBe('e2e-web-000001')
    expect(response.headers.get('content-encoding')).toBe('gzip')
    const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy')!)![1]
    const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? []
    expect(scripts.length).toBeGreaterThan(0)
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`)
    const again = await fetch(`${app!.url}/login`)
    expect(again.headers.get('content-security-policy')).not.toContain(nonce)
  })

  test('fingerprinted assets are immutable and compressed', async () => {
    // The biggest script (small ones stay under compression's 1 kB threshold).
    const dir = path.resolve('public/build')
    const entry = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.js'))
      .sort((a, b) => statSync(path.join(dir, b)).size - statSync(path.join(dir, a)).size)[0]!
    const asset = await fetch(`${app!.url}/build/${entry}`, { headers: { 'accept-encoding': 'gzip' } })
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('content-encoding')).toBe('gzip')
  })

  test('a sign-in POST from a foreign origin is refused before it reaches the route', async () => {
    const response = await fetch(`${app!.url}/login`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=admin%40opsdeck.test&password=whatever-password',
    })
    expect(response.status).toBe(403)
    expect(await response.text()).toMatch(/origin https:\/\/evil\.example is not allowed/)
  })

  test('sockets: no session or a foreign origin is refused; a session connects and hears workers.status', async () => {
    const anonymous: Client = connect(app!.url, { transports: ['websocket'], reconnection: false, forceNew: true })
    expect(await socketOutcome(anonymous)).toBe('refused: unauthorized')
    anonymous.close()

    const cookie = await signedInCookie(app!.databaseUrl)
    const foreign: Client = connect(app!.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie, origin: 'https://evil.example' },
    })
    expect(await socketOutcome(foreign)).toMatch(/^refused: /)
    foreign.close()

    const socket: Client = connect(app!.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      extraHeaders: { cookie, origin: app!.url },
    })
    const status = new Promise<WorkersStatus>((resolve) => socket.once('workers.status', resolve))
    expect(await socketOutcome(socket)).toBe('connected')
    expect(await status).toMatchObject({ alive: 0 }) // no worker process in this test
    socket.close()
  })
})

describe('readiness with an unreachable database', () => {
  test('/readyz answers 503 naming the database; /healthz still 200', async () => {
    const broken = await startApp({
      label: 'nodb',
      env: { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/opsdeck_nowhere' },
      waitFor: 'live',
    })
    try {
      const response = await fetch(`${broken.url}/readyz`)
      expect(response.status).toBe(503)
      const body = await response.json()
      expect(body.status).toBe('not ready')
      expect(body.checks.database).toBe("database unreachable: Can't reach database server at 127.0.0.1:1")
      expect(body.reason).toContain('database unreachable')
      expect((await fetch(`${broken.url}/healthz`)).status).toBe(200)
    } finally {
      await broken.stop()
    }
  }, 90_000)
})

describe('graceful shutdown', () => {
  test('SIGTERM while a request is in flight: it completes, sockets are closed, the process exits 0', async () => {
    const target = await startApp({ label: 'drain', env: { SESSION_SECRET: process.env.SESSION_SECRET, LOG_LEVEL: 'info' } })
    try {
      const cookie = await signedInCookie(target.databaseUrl)
      const socket: Client = connect(target.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } })
      expect(await socketOutcome(socket)).toBe('connected')
      const socketClosed = new Promise<string>((resolve) => socket.once('disconnect', resolve))

      // A sign-in POST whose body arrives only after SIGTERM: the request is in flight (headers read, action waiting
      // for the form) when the shutdown starts.
      const body = 'email=nobody%40opsdeck.test&password=not-the-password-at-all'
      const raw = net.connect(target.port, '127.0.0.1')
      await new Promise((resolve) => raw.once('connect', resolve))
      let response = ''
      raw.on('data', (chunk) => (response += String(chunk)))
      const rawClosed = new Promise((resolve) => raw.once('close', resolve))
      raw.write(
        `POST /login HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\nOrigin: http://127.0.0.1:${target.port}\r\n` +
          `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
      )
      await new Promise((resolve) => setTimeout(resolve, 300))

      target.web.kill('SIGTERM')
      await new Promise((resolve) => setTimeout(resolve, 700))
      expect(target.web.exitCode).toBeNull() // still draining
      expect(response).toBe('')
      raw.write(body)
      await rawClosed
      expect(response).toMatch(/^HTTP\/1\.1 \d{3} /)
      expect(response.toLowerCase()).toContain('connection: close')

      expect(await socketClosed).toBe('transport close')
      const codes = await target.stop()
      expect(codes.web).toBe(0)
      const log = target.logs()
      for (const step of ['in-flight requests finished', 'socket.io closed', 'queues closed', 'database closed', 'shutdown: complete']) {
        expect(log).toContain(step)
      }
    } catch (error) {
      await target.stop()
      throw error
    }
  }, 90_000)
})
