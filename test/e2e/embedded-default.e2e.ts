import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, expect, test } from 'vitest'
import { freePort } from '#test/helpers/app-process.ts'

/**
 * `npm start` with no DATABASE_URL and no REDIS_URL, in a fresh data dir: embedded PostgreSQL is initialised,
 * migrated and seeded, web + worker + sandbox come up (queues on BullMQ's PostgreSQL backend), /readyz answers 200,
 * and SIGTERM stops everything, the database last, with exit code 0.
 */

function portAnswers(port: number) {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'opsdeck-embedded-'))
let stopStart: (() => void) | undefined

afterAll(() => {
  stopStart?.()
  rmSync(dataDir, { recursive: true, force: true })
})

test('boots with no DATABASE_URL/REDIS_URL, reaches /readyz, stops cleanly', { timeout: 200_000 }, async () => {
  const [port, sandboxPort] = [await freePort(), await freePort()]
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPSDECK_DATA_DIR: dataDir,
    OPSDECK_SKIP_INSTALL: '1', // never reinstall the shared tree from a test
    PORT: String(port),
    SANDBOX_PORT: String(sandboxPort),
    NO_COLOR: '1',
    LOG_LEVEL: 'info',
  }
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'SESSION_SECRET', 'QUEUE_PREFIX', 'NODE_ENV', 'PUBLIC_URL', 'SANDBOX_URL']) delete env[name]

  const started = Date.now()
  const child = spawn(process.execPath, ['scripts/start.mjs'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout.on('data', (chunk) => (log += chunk))
  child.stderr.on('data', (chunk) => (log += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  stopStart = () => child.exitCode === null && child.kill('SIGKILL')

  let ready = false
  const deadline = Date.now() + 150_000
  while (!ready && Date.now() < deadline && child.exitCode === null) {
    ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((response) => response.status === 200, () => false)
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  if (!ready) throw new Error(`never ready; log:\n${log.slice(-4000)}`)
  console.info(`embedded default ready in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  const pgPort = Number(readFileSync(path.join(dataDir, 'pg-port'), 'utf8'))
  expect(await portAnswers(pgPort)).toBe(true)
  expect(log).toContain('[db]')
  // The worker may finish starting (six queues, their schedules) just after the web process is ready.
  await expect.poll(() => log, { timeout: 60_000 }).toMatch(/\[worker\] .*worker started \(BullMQ on PostgreSQL/)
  expect(log).toMatch(/\[sandbox\] sandbox listening on http:\/\/127\.0\.0\.1:\d+/)
  // Demo credentials are printed at start.
  expect(log).toContain('admin@opsdeck.test')
  expect(log).toContain('opsdeck-demo-password')
  await expect.poll(() => log, { timeout: 10_000 }).toContain(`OpsDeck is running at http://localhost:${port}`)

  child.kill('SIGTERM')
  expect(await exited).toBe(0)
  expect(log).toContain('embedded PostgreSQL stopped')
  expect(await portAnswers(pgPort)).toBe(false)
  expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false)
  expect(existsSync(path.join(dataDir, 'session-secret'))).toBe(true)
})
