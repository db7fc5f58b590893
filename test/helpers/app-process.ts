import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, ensureTemplate, uniquePrefix } from '#test/setup/test-db.ts'

/**
 * Boots the real processes for a test or a benchmark (CONTRACTS.md "Test app boot"): a fresh database, optionally the
 * demo seed, then `node --import tsx server/index.ts` (and the worker / sandbox) as child processes on free ports,
 * with NODE_ENV=production and the already-built Remix app in build/. Resolves once `/readyz` answers 200.
 *
 * Children get a minimal, explicit environment (never the test runner's DATABASE_URL, REDIS_URL, …), their output
 * goes to one log file per app (path in `logFile`, text in `logs()`), and `stop()` ends only the processes started
 * here, by pid.
 */

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)))
const LOG_DIR = path.join(os.tmpdir(), 'opsdeck-test-logs')

export type StartAppOptions = {
  env?: Record<string, string | undefined>
  worker?: boolean
  sandbox?: boolean
  seed?: 'demo' | 'none'
  /** 'ready' (default): wait for /readyz 200. 'live': only for /healthz (e.g. a deliberately broken database). */
  waitFor?: 'ready' | 'live'
  timeoutMs?: number
  label?: string
}

export type ExtraWeb = { url: string; port: number; child: ChildProcess; stop: () => Promise<number | null> }

export type ExitCodes = Record<'web' | 'worker' | 'sandbox', number | null | undefined>

export type AppProcess = {
  url: string
  port: number
  databaseUrl: string
  queuePrefix: string
  web: ChildProcess
  worker?: ChildProcess
  sandbox?: ChildProcess
  /** The environment the children got (for extra processes a test starts itself). */
  env: Record<string, string>
  /** Starts one more worker process with the app's environment; `stop()` also stops it if it is still running. */
  startWorker: (label?: string) => ChildProcess
  /**
   * Starts one more web process (same database, Redis, queue prefix and session secret) on a port of its own and
   * resolves once its /readyz answers; `stop()` also stops it. Its own `stop()` ends just that node (SIGTERM, by pid).
   */
  startWeb: (label?: string) => Promise<ExtraWeb>
  logFile: string
  logs: () => string
  /** SIGTERM to each child (web, worker, sandbox), waits for them to exit, drops the database. */
  stop: () => Promise<ExitCodes>
}

const SESSION_SECRET = 'test-session-secret-0123456789abcdef-app-process'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** The variables a child needs from this process; everything app-specific is set explicitly. */
function baseEnv() {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'TEST_DATABASE_URL', 'TEST_REDIS_URL']
  return Object.fromEntries(keep.filter((key) => process.env[key] !== undefined).map((key) => [key, process.env[key]!]))
}

export async function startApp(options: StartAppOptions = {}): Promise<AppProcess> {
  const label = options.label ?? 'app'
  const queuePrefix = uniquePrefix(label.replace(/[^a-z0-9]/gi, '').slice(0, 12) || 'app')
  mkdirSync(LOG_DIR, { recursive: true })
  const logFile = path.join(LOG_DIR, `${queuePrefix}.log`)
  const logStream = createWriteStream(logFile)
  let buffer = ''
  const write = (name: string, chunk: Buffer | string) => {
    const text = String(chunk)
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => `[${name}] ${line}\n`)
      .join('')
    buffer += text
    if (buffer.length > 2_000_000) buffer = buffer.slice(-1_000_000)
    logStream.write(text)
  }

  // A database of its own, unless the caller points the app elsewhere (e.g. at a closed port).
  let database: { url: string; drop: () => Promise<unknown> } | undefined
  const databaseUrl = options.env?.DATABASE_URL ?? (await (async () => {
    await ensureTemplate()
    database = await createTestDatabase(label)
    return database.url
  })())

  const children: Array<{ name: keyof ExitCodes; child: ChildProcess; exited: Promise<number | null> }> = []
  const stopAll = async (): Promise<ExitCodes> => {
    const codes: ExitCodes = { web: undefined, worker: undefined, sandbox: undefined }
    // Web first (stops taking traffic), then the worker, the sandbox last (the worker may still be calling it).
    for (const name of ['web', 'worker', 'sandbox'] as const) {
      // Every child of that kind (a test may have started extra workers); the first one's code is reported.
      const entries = children.filter((candidate) => candidate.name === name)
      for (const [index, entry] of entries.entries()) {
        const code = await stopChild(entry.child, entry.exited)
        if (index === 0) codes[name] = code
      }
    }
    logStream.end()
    await database?.drop()
    return codes
  }

  try {
    if (options.seed === 'demo') {
      const seedFile = path.join(ROOT, 'prisma', 'seed.ts')
      if (!existsSync(seedFile)) throw new Error('startApp({ seed: "demo" }): prisma/seed.ts does not exist yet')
      // The seed parses the app's configuration like any process (it replays SLA clocks through the engine).
      const seed = spawnNode('seed', 'prisma/seed.ts', { ...baseEnv(), DATABASE_URL: databaseUrl, SESSION_SECRET, NODE_ENV: 'test' }, write)
      const code = await exitOf(seed)
      if (code !== 0) throw new Error(`demo seed exited with ${code}`)
    }

    const port = await freePort()
    const sandboxPort = options.sandbox ? await freePort() : undefined
    const env: Record<string, string> = {
      ...baseEnv(),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      // Production refuses the sandbox's well-known credentials.
      PROVIDER_API_KEY: 'test-provider-api-key',
      WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
      DATABASE_URL: databaseUrl,
      // Several apps and test files share the machine's PostgreSQL (max_connections 100): small pools per process.
      DATABASE_POOL_SIZE: '4',
      SESSION_SECRET,
      QUEUE_PREFIX: queuePrefix,
      HOST: '127.0.0.1',
      PORT: String(port),
      ...(sandboxPort ? { SANDBOX_PORT: String(sandboxPort), SANDBOX_URL: `http://127.0.0.1:${sandboxPort}` } : {}),
    }
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key]
      else env[key] = value
    }

    if (options.sandbox) {
      const child = spawnNode('sandbox', 'sandbox/index.ts', env, write)
      children.push({ name: 'sandbox', child, exited: exitOf(child) })
    }
    const web = spawnNode('web', 'server/index.ts', env, write)
    children.push({ name: 'web', child: web, exited: exitOf(web) })
    if (options.worker) {
      const child = spawnNode('worker', 'workers/index.ts', env, write)
      children.push({ name: 'worker', child, exited: exitOf(child) })
    }

    const url = `http://127.0.0.1:${port}`
    await waitFor(url, options.waitFor ?? 'ready', options.timeoutMs ?? 60_000, children)

    return {
      url,
      port,
      databaseUrl,
      queuePrefix,
      env,
      startWorker: (workerLabel = 'worker') => {
        const child = spawnNode(workerLabel, 'workers/index.ts', env, write)
        children.push({ name: 'worker', child, exited: exitOf(child) })
        return child
      },
      startWeb: async (webLabel = 'web-2') => {
        const webPort = await freePort()
        // Same origin rules as the first node (its PUBLIC_URL, unless the caller set one), plus this node's own.
        const webEnv = { ...env, PORT: String(webPort), ALLOWED_ORIGINS: [env.ALLOWED_ORIGINS, `http://127.0.0.1:${webPort}`, `http://localhost:${webPort}`].filter(Boolean).join(',') }
        const child = spawnNode(webLabel, 'server/index.ts', webEnv, write)
        const exited = exitOf(child)
        children.push({ name: 'web', child, exited })
        const webUrl = `http://127.0.0.1:${webPort}`
        await waitFor(webUrl, 'ready', options.timeoutMs ?? 60_000, [{ name: webLabel, child }])
        return { url: webUrl, port: webPort, child, stop: () => stopChild(child, exited) }
      },
      web,
      worker: children.find((entry) => entry.name === 'worker')?.child,
      sandbox: children.find((entry) => entry.name === 'sandbox')?.child,
      logFile,
      logs: () => buffer,
      stop: stopAll,
    }
  } catch (error) {
    await stopAll().catch(() => {})
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(`${message}\n--- app logs (${logFile}) ---\n${buffer.slice(-20_000)}`)
  }
}

function spawnNode(name: string, entry: string, env: Record<string, string>, write: (name: string, chunk: Buffer) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout!.on('data', (chunk: Buffer) => write(name, chunk))
  child.stderr!.on('data', (chunk: Buffer) => write(name, chunk))
  return child
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)))
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs = 20_000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
  child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([
    exited,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs)
    }),
  ])
  clearTimeout(timer)
  if (code !== 'timeout') return code
  child.kill('SIGKILL') // only this child, by its pid
  await exited
  return null
}

async function waitFor(
  url: string,
  what: 'ready' | 'live',
  timeoutMs: number,
  children: Array<{ name: string; child: ChildProcess }>,
) {
  const deadline = Date.now() + timeoutMs
  const probe = what === 'ready' ? '/readyz' : '/healthz'
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    const dead = children.find(({ child }) => child.exitCode !== null || child.signalCode !== null)
    if (dead) throw new Error(`${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode}) before ${probe} answered`)
    try {
      const response = await fetch(`${url}${probe}`, { signal: AbortSignal.timeout(5_000) })
      if (response.ok) return
      last = `${response.status} ${await response.text()}`
    } catch (error) {
      last = error instanceof Error ? error.message : String(error)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${url}${probe} did not answer 200 within ${timeoutMs} ms (last: ${last})`)
}

/**
 * Prints an app's logs after each failed test of the calling file: `printLogsOnFailure(() => app)`.
 * Imports vitest lazily so benchmarks can use this module too.
 */
export async function printLogsOnFailure(getApp: () => AppProcess | undefined) {
  const { afterEach } = await import('vitest')
  afterEach((context) => {
    const app = getApp()
    if (app && context.task.result?.state === 'fail') {
      console.error(`--- app logs (${app.logFile}) ---\n${app.logs().slice(-20_000)}`)
    }
  })
}
