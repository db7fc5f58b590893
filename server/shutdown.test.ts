import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { Server } from 'socket.io'
import { expect, test } from 'vitest'
import { installShutdown, trackInFlight } from './shutdown.ts'

test('shutdown stops accepting, finishes in-flight requests, then closes the rest in order and exits 0', async () => {
  const events: string[] = []
  let shuttingDown = false
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.end('finished', () => events.push('slow request finished')), 400)
      return
    }
    res.end(shuttingDown ? 'draining' : 'ok')
  })
  const inFlight = trackInFlight(server, (url) => url.startsWith('/socket.io/'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  let exitCode: number | undefined
  let slow: Promise<string> | undefined
  const exited = new Promise<void>((resolve) => {
    const { shutdown } = installShutdown({
      server,
      inFlight,
      logger: pino({ level: 'silent' }),
      markShuttingDown: () => {
        shuttingDown = true
        events.push('not ready')
      },
      steps: [
        { name: 'socket.io', run: async () => void events.push(`socket.io (in flight: ${inFlight.count})`) },
        { name: 'queues', run: async () => void events.push('queues') },
        { name: 'database', run: async () => void events.push('database') },
      ],
      signals: [],
      exit: (code) => {
        exitCode = code
        resolve()
      },
    })
    void fetch(`${url}/`).then(() => {
      slow = fetch(`${url}/slow`).then(async (response) => `${response.status} ${await response.text()}`)
      setTimeout(() => void shutdown('SIGTERM'), 100)
    })
  })
  await exited

  expect(exitCode).toBe(0)
  expect(events).toEqual([
    'not ready',
    'slow request finished',
    'socket.io (in flight: 0)',
    'queues',
    'database',
  ])
  expect(await slow).toBe('200 finished')
  // No longer accepting connections.
  await expect(fetch(`${url}/`)).rejects.toThrow()
})

test('a request that outlives the drain timeout is cut and every step still runs, in time', async () => {
  const server = http.createServer(() => {
    /* never answers */
  })
  const inFlight = trackInFlight(server, () => false)
  // Socket.IO's close waits for the HTTP server to close, i.e. for every connection: the straggler must be cut first.
  const io = new Server(server)
  const closed: string[] = []
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const hanging = fetch(`${url}/hang`).catch((error: Error) => error)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const code = await new Promise<number>((resolve) => {
    const { shutdown } = installShutdown({
      server,
      inFlight,
      logger: pino({ level: 'silent' }),
      markShuttingDown: () => {},
      drainTimeoutMs: 200,
      hardTimeoutMs: 3_000,
      steps: [
        { name: 'socket.io', run: () => io.close().then(() => void closed.push('socket.io')) },
        { name: 'database', run: async () => void closed.push('database') },
      ],
      signals: [],
      exit: resolve,
    })
    void shutdown('SIGTERM')
  })
  expect(code).toBe(0)
  expect(closed).toEqual(['socket.io', 'database'])
  expect(await hanging).toBeInstanceOf(Error)
})
