import net from 'node:net'
import { afterAll, expect, test, vi } from 'vitest'
import { freePort } from '#test/helpers/app-process.ts'

// A port nothing listens on: bound, then closed.
const deadRedisPort = await freePort()
process.env.REDIS_URL = `redis://127.0.0.1:${deadRedisPort}`
let queues = await import('./connection.server.ts')

afterAll(() => queues.closeQueues())

test('pingQueueBackend names the unreachable Redis, quickly', async () => {
  const started = Date.now()
  await expect(queues.pingQueueBackend()).rejects.toThrow(new RegExp(`^Redis at 127\\.0\\.0\\.1:${deadRedisPort} unreachable: .*ECONNREFUSED`))
  expect(Date.now() - started).toBeLessThan(1_000)
})

test('producers fail fast instead of hanging while Redis is down', async () => {
  const started = Date.now()
  const error = await queues.enqueue(queues.createQueue('dead'), 'x', {}).catch((caught: unknown) => caught)
  expect(error).toBeInstanceOf(queues.QueueUnavailableError)
  expect((error as Error).message).toMatch(/^Redis at .* unreachable/)
  expect(Date.now() - started).toBeLessThan(1_000)
})

test('Postgres queue backend: readable error while down, enqueue works again once it is back', async () => {
  await queues.closeQueues()
  // A fresh module graph and configuration: no REDIS_URL, DATABASE_URL = this file's database on a dead port.
  const registry = globalThis as unknown as { __opsdeckSingletons: Map<string, unknown> }
  registry.__opsdeckSingletons.delete('queues')
  vi.resetModules()
  delete process.env.REDIS_URL
  const realDatabaseUrl = process.env.DATABASE_URL!
  const real = new URL(realDatabaseUrl)
  const deadPort = await freePort()
  const viaDeadPort = new URL(realDatabaseUrl)
  viaDeadPort.port = String(deadPort)
  process.env.DATABASE_URL = viaDeadPort.toString()
  let proxy: net.Server | undefined
  try {
    queues = await import('./connection.server.ts')
    expect(queues.getQueueBackend().kind).toBe('postgres')
    await expect(queues.pingQueueBackend()).rejects.toThrow(/^queue backend \(Postgres\) unreachable: .*ECONNREFUSED/)
    await expect(queues.enqueue(queues.createQueue('pg-recover'), 'x', {})).rejects.toThrow(/^queue backend \(Postgres\) unreachable/)

    // The database comes back (a TCP proxy to the real server on the dead port).
    proxy = net.createServer((socket) => {
      const upstream = net.connect(Number(real.port || 5432), real.hostname)
      socket.pipe(upstream).pipe(socket)
      socket.on('error', () => upstream.destroy())
      upstream.on('error', () => socket.destroy())
    })
    await new Promise<void>((resolve) => proxy!.listen(deadPort, '127.0.0.1', resolve))
    await expect(queues.pingQueueBackend()).resolves.toBeUndefined()
    const job = await queues.enqueue(queues.createQueue('pg-recover'), 'x', { n: 1 })
    expect(job.id).toBeTruthy()
  } finally {
    await queues.closeQueues()
    proxy?.close()
    process.env.DATABASE_URL = realDatabaseUrl
  }
})
