import net from 'node:net'
import { afterAll, expect, test, vi } from 'vitest'

/** A port nothing listens on: bound, then closed. */
async function closedPort() {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const deadRedisPort = await closedPort()
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

test('pingQueueBackend names the unreachable Postgres queue backend', async () => {
  await queues.closeQueues()
  // A fresh module graph and configuration: no REDIS_URL, DATABASE_URL on a closed port.
  const registry = globalThis as unknown as { __opsdeckSingletons: Map<string, unknown> }
  registry.__opsdeckSingletons.delete('queues')
  vi.resetModules()
  delete process.env.REDIS_URL
  const realDatabaseUrl = process.env.DATABASE_URL
  process.env.DATABASE_URL = `postgresql://postgres@127.0.0.1:${await closedPort()}/nothing`
  try {
    queues = await import('./connection.server.ts')
    expect(queues.getQueueBackend().kind).toBe('postgres')
    await expect(queues.pingQueueBackend()).rejects.toThrow(/^queue backend \(Postgres\) unreachable: .*ECONNREFUSED/)
  } finally {
    process.env.DATABASE_URL = realDatabaseUrl
  }
})
