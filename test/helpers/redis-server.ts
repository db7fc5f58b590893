import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './app-process.ts'

/**
 * A private Redis server on a random port, for tests that stop or restart Redis (platform-facts.md: never touch the
 * machine's shared Redis). With `persist: true` it keeps an append-only file in a temporary directory, so a
 * restart keeps the queues — as a production Redis would; without it a restart loses everything.
 */
export type PrivateRedis = {
  url: string
  port: number
  /** Stops the server (SIGTERM to its pid, or SIGKILL with `{ crash: true }`) and waits for it to exit. */
  stop: (options?: { crash?: boolean }) => Promise<void>
  /** Starts it again on the same port (and data directory). */
  start: () => Promise<void>
  /** Stops it and removes its data directory. */
  close: () => Promise<void>
}

export async function startPrivateRedis({ persist = false }: { persist?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'opsdeck-redis-'))
  let child: ChildProcess | undefined

  async function start() {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', persist ? 'yes' : 'no']
    child = spawn('redis-server', args, { stdio: 'ignore' })
    const deadline = Date.now() + 10_000
    for (;;) {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      client.on('error', () => {})
      try {
        await client.connect()
        if ((await client.ping()) === 'PONG') return
      } catch {
        // not up yet
      } finally {
        client.disconnect()
      }
      if (Date.now() > deadline) throw new Error(`private redis-server on port ${port} did not start`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async function stop({ crash = false } = {}) {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill(crash ? 'SIGKILL' : 'SIGTERM') // only this pid
    await exited
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    close: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
