import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, expect, test } from 'vitest'
import { countAliveWorkers } from '#app/models/worker-heartbeat.server.ts'
import { closeQueues } from '#app/queues/connection.server.ts'
import { getSystemQueue } from '#app/queues/system.server.ts'
import { prisma } from '#app/utils/db.server.ts'

/** workers/index.ts as a real child process on this file's database (BullMQ on its PostgreSQL backend). */
function startWorker() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/index.ts'], {
    env: { ...process.env, HEARTBEAT_SECONDS: '1', LOG_LEVEL: 'info', REDIS_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, output: () => output }
}

const started: ChildProcess[] = []
afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL')
  await closeQueues()
})

async function until<T>(check: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  let value = await check()
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    value = await check()
  }
  return value
}

test('two worker processes are counted as two; each removes its own row on SIGTERM and exits 0', { timeout: 90_000 }, async () => {
  const a = startWorker()
  const b = startWorker()
  started.push(a.child, b.child)

  const alive = await until(() => countAliveWorkers(), (n) => n === 2, 60_000)
  // On failure, say why (a worker that exited on start-up logs its reason).
  expect(alive, `worker A (exit ${a.child.exitCode}):\n${a.output().slice(-3000)}\nworker B (exit ${b.child.exitCode}):\n${b.output().slice(-3000)}`).toBe(2)
  const rows = await prisma.workerHeartbeat.findMany({ select: { pid: true, queues: true } })
  expect(rows.map((row) => row.pid).sort()).toEqual([a.child.pid, b.child.pid].sort())
  expect(rows[0].queues).toEqual(['system', 'bulk', 'alerts', 'sync-storefront', 'sync-payments', 'sync-carrier', 'sync-warehouse', 'sync-helpdesk'])

  // The scheduled heartbeat job goes through the queue and is processed by one of them.
  const heartbeats = async () => (await getSystemQueue().getJobs(['completed'])).filter((job) => job.name === 'heartbeat')
  const completed = await until(heartbeats, (jobs) => jobs.length > 0, 10_000)
  expect(rows.map((row) => row.pid)).toContain(Number(String(completed[0].returnvalue.by).split(':')[1]))

  a.child.kill('SIGTERM')
  expect(await a.exited).toBe(0)
  expect(await countAliveWorkers()).toBe(1)
  expect(await prisma.workerHeartbeat.count({ where: { pid: a.child.pid } })).toBe(0)
  expect(a.output()).toContain('worker stopped')

  b.child.kill('SIGTERM')
  expect(await b.exited).toBe(0)
  expect(await prisma.workerHeartbeat.count()).toBe(0)
})
