import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { io as connect, type Socket } from 'socket.io-client'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import type { ClientToServerEvents, ServerToClientEvents, WorkersStatus } from '#app/realtime/events.ts'
import { disconnectSessionSockets, disconnectUserSockets, getIo, reconnectUserSockets } from '#app/realtime/io.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { commitSessionCookie, createSession, readSessionId, revokeUserSessions } from '#app/utils/session.server.ts'
import { createUser } from '#test/factories/users.ts'
import { createRealtime, type Realtime } from './realtime.ts'

type Client = Socket<ServerToClientEvents, ClientToServerEvents>
const ORIGIN = 'http://localhost:3999'

const opened: Array<{ close: () => Promise<void> }> = []
const clients: Client[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect()
  for (const item of opened.splice(0).reverse()) await item.close()
})
afterAll(async () => {
  await prisma.$disconnect()
})

async function startNode(options: { redisUrl?: string; keyPrefix?: string; alive?: number } = {}) {
  const httpServer = http.createServer((_req, res) => res.end('not socket.io'))
  const realtime: Realtime = await createRealtime({
    httpServer,
    logger: pino({ level: 'silent' }),
    allowedOrigins: [ORIGIN],
    redisUrl: options.redisUrl,
    keyPrefix: options.keyPrefix ?? 'rt',
    countWorkers: async () => options.alive ?? 2,
    statusIntervalMs: 100,
  })
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`
  opened.push({ close: () => realtime.close() })
  return { url, realtime }
}

async function sessionCookieFor(role: 'admin' | 'manager' | 'operations' | 'support') {
  const { user } = await createUser(prisma, { role })
  const session = await createSession(user.id)
  const setCookie = await commitSessionCookie(session.token, session.expiresAt)
  return { user, cookie: setCookie.split(';')[0]! }
}

function client(url: string, headers: Record<string, string> = {}, transports: Array<'websocket' | 'polling'> = ['websocket']) {
  const socket: Client = connect(url, { transports, extraHeaders: headers, reconnection: false, forceNew: true })
  clients.push(socket)
  return socket
}

function outcome(socket: Client) {
  return new Promise<{ connected: true } | { connected: false; error: string }>((resolve) => {
    socket.once('connect', () => resolve({ connected: true }))
    socket.once('connect_error', (error) => resolve({ connected: false, error: error.message }))
  })
}

describe('socket authentication', () => {
  test('a connection without a session cookie is refused', async () => {
    const { url } = await startNode()
    expect(await outcome(client(url))).toEqual({ connected: false, error: 'unauthorized' })
  })

  test('a forged or revoked session is refused', async () => {
    const { url } = await startNode()
    expect(await outcome(client(url, { cookie: 'opsdeck_session=forged' }))).toEqual({ connected: false, error: 'unauthorized' })
    const { user, cookie } = await sessionCookieFor('support')
    await revokeUserSessions(user.id)
    expect(await outcome(client(url, { cookie }))).toEqual({ connected: false, error: 'unauthorized' })
  })

  test('a foreign Origin is refused even with a valid session (websocket and polling)', async () => {
    const { url } = await startNode()
    const { cookie } = await sessionCookieFor('admin')
    const ws = await outcome(client(url, { cookie, origin: 'https://evil.example' }))
    expect(ws.connected).toBe(false)
    const polling = await outcome(client(url, { cookie, origin: 'https://evil.example' }, ['polling']))
    expect(polling.connected).toBe(false)
    // The engine refuses before any handshake: a plain 403-class transport error, not an accepted socket.
    const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example', cookie } })
    expect(response.status).toBe(403)
    expect(getIo()!.engine.clientsCount).toBe(0)
  })

  test('a valid session from an allowed origin connects, joins its rooms and gets workers.status', async () => {
    const { url, realtime } = await startNode({ alive: 3 })
    const { user, cookie } = await sessionCookieFor('operations')
    const socket = client(url, { cookie, origin: ORIGIN })
    const status = new Promise<WorkersStatus>((resolve) => socket.once('workers.status', resolve))
    expect(await outcome(socket)).toEqual({ connected: true })
    expect(await status).toMatchObject({ alive: 3 })
    const inUserRoom = await realtime.io.in(`user:${user.id}`).fetchSockets()
    const inRoleRoom = await realtime.io.in('role:operations').fetchSockets()
    expect(inUserRoom.map((remote) => remote.id)).toEqual([socket.id])
    expect(inRoleRoom.map((remote) => remote.id)).toEqual([socket.id])
    expect(inUserRoom[0]!.data.user).toMatchObject({ id: user.id, role: 'operations' })
    // …and again on the 5 s tick (100 ms here).
    const ticks: WorkersStatus[] = []
    socket.on('workers.status', (payload) => ticks.push(payload))
    await new Promise((resolve) => setTimeout(resolve, 350))
    expect(ticks.length).toBeGreaterThanOrEqual(2)
  })
})

describe('client events', () => {
  test('payloads are validated and every event checks its permission', async () => {
    const { url, realtime } = await startNode()
    const { user, cookie } = await sessionCookieFor('operations')
    const socket = client(url, { cookie })
    await outcome(socket)

    expect(await socket.emitWithAck('presence.ping', {})).toMatchObject({ ok: true, at: expect.any(String) })
    expect(await socket.emitWithAck('record.subscribe', { entity: 'order', id: 'ord_1' })).toEqual({ ok: true })
    expect((await realtime.io.in('order:ord_1').fetchSockets()).map((remote) => remote.data.user.id)).toEqual([user.id])
    // Operations may not read tickets.
    expect(await socket.emitWithAck('record.subscribe', { entity: 'ticket', id: 'tkt_1' })).toEqual({
      ok: false,
      error: 'forbidden: needs read:ticket',
    })
    expect(await realtime.io.in('ticket:tkt_1').fetchSockets()).toHaveLength(0)
    const invalid = await socket.emitWithAck('record.subscribe', { entity: 'user', id: 'x' } as never)
    expect(invalid).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid payload: entity/) })
    expect(await socket.emitWithAck('record.unsubscribe', { entity: 'order', id: 'ord_1' })).toEqual({ ok: true })
    expect(await realtime.io.in('order:ord_1').fetchSockets()).toHaveLength(0)
  })
})

describe('disconnectUserSockets', () => {
  test('tells every tab of the user why, then disconnects them; other users stay', async () => {
    const { url } = await startNode()
    const target = await sessionCookieFor('support')
    const bystander = await sessionCookieFor('support')
    const tabs = [client(url, { cookie: target.cookie }), client(url, { cookie: target.cookie })]
    const other = client(url, { cookie: bystander.cookie })
    await Promise.all([...tabs, other].map(outcome))

    const received = tabs.map(
      (tab) =>
        new Promise<{ revoked: string; disconnect: string }>((resolve) => {
          let revoked = ''
          tab.once('session.revoked', ({ reason }) => (revoked = reason))
          tab.once('disconnect', (reason) => resolve({ revoked, disconnect: reason }))
        }),
    )
    await disconnectUserSockets(target.user.id, 'disabled by an administrator')
    expect(await Promise.all(received)).toEqual([
      { revoked: 'disabled by an administrator', disconnect: 'io server disconnect' },
      { revoked: 'disabled by an administrator', disconnect: 'io server disconnect' },
    ])
    expect(other.connected).toBe(true)
  })

  test('reconnectUserSockets re-runs the handshake: after a role change the socket is in the new role room', async () => {
    const { url, realtime } = await startNode()
    const { user, cookie } = await sessionCookieFor('support')
    const socket = connect(url, { transports: ['websocket'], extraHeaders: { cookie }, forceNew: true, reconnection: false })
    clients.push(socket)
    await outcome(socket)
    expect((await realtime.io.in('role:support').fetchSockets()).map((remote) => remote.data.user.id)).toEqual([user.id])

    let revoked = false
    socket.on('session.revoked', () => (revoked = true))
    const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve))
    await prisma.user.update({ where: { id: user.id }, data: { role: 'operations' } })
    reconnectUserSockets(user.id)
    expect(await dropped).toBe('io server disconnect')
    // What the provider does on a server disconnect that came without session.revoked.
    socket.connect()
    await outcome(socket)
    expect(revoked).toBe(false)
    expect(await realtime.io.in('role:support').fetchSockets()).toHaveLength(0)
    expect((await realtime.io.in('role:operations').fetchSockets()).map((remote) => remote.data.user.id)).toEqual([user.id])
  })

  test('the session sweep ends sockets whose session expired since the handshake, and only those', async () => {
    const { url, realtime } = await startNode()
    const expiring = await sessionCookieFor('manager')
    const fresh = await sessionCookieFor('manager')
    const ending = client(url, { cookie: expiring.cookie })
    const staying = client(url, { cookie: fresh.cookie })
    await Promise.all([outcome(ending), outcome(staying)])
    expect(await realtime.sweepSessions()).toBe(0)

    const told = new Promise<string>((resolve) => ending.once('session.revoked', ({ reason }) => resolve(reason)))
    const gone = new Promise<string>((resolve) => ending.once('disconnect', resolve))
    await prisma.session.update({ where: { id: (await readSessionId(expiring.cookie))! }, data: { expiresAt: new Date(Date.now() - 1000) } })
    expect(await realtime.sweepSessions()).toBe(1)
    expect(await told).toBe('session ended')
    expect(await gone).toBe('io server disconnect')
    expect(staying.connected).toBe(true)
  })

  test('disconnectSessionSockets ends one session (one browser) and leaves the user\'s other sessions', async () => {
    const { url } = await startNode()
    const { user, cookie } = await sessionCookieFor('admin')
    const second = await createSession(user.id)
    const otherCookie = (await commitSessionCookie(second.token, second.expiresAt)).split(';')[0]!
    const signingOut = client(url, { cookie })
    const elsewhere = client(url, { cookie: otherCookie })
    await Promise.all([outcome(signingOut), outcome(elsewhere)])
    const revoked = new Promise<string>((resolve) => signingOut.once('session.revoked', ({ reason }) => resolve(reason)))
    const gone = new Promise<string>((resolve) => signingOut.once('disconnect', resolve))
    await disconnectSessionSockets((await readSessionId(cookie))!, 'signed out')
    expect(await revoked).toBe('signed out')
    expect(await gone).toBe('io server disconnect')
    expect(elsewhere.connected).toBe(true)
  })

  test('reaches sockets on another web node through the Redis adapter', async () => {
    const keyPrefix = `rt_${Math.random().toString(36).slice(2, 10)}`
    const redisUrl = process.env.TEST_REDIS_URL!
    const nodeA = await startNode({ redisUrl, keyPrefix })
    const nodeB = await startNode({ redisUrl, keyPrefix })
    const { user, cookie } = await sessionCookieFor('manager')
    const onA = client(nodeA.url, { cookie })
    const onB = client(nodeB.url, { cookie })
    await Promise.all([outcome(onA), outcome(onB)])
    // Both nodes see both sockets.
    expect(await nodeA.realtime.io.in(`user:${user.id}`).fetchSockets()).toHaveLength(2)

    const revokedOnB = new Promise<string>((resolve) => onB.once('session.revoked', ({ reason }) => resolve(reason)))
    const disconnectedOnB = new Promise<string>((resolve) => onB.once('disconnect', resolve))
    // getIo() is node B (registered last): the socket on node A must go too.
    const disconnectedOnA = new Promise<string>((resolve) => onA.once('disconnect', resolve))
    await disconnectUserSockets(user.id, 'signed out')
    expect(await revokedOnB).toBe('signed out')
    expect(await disconnectedOnB).toBe('io server disconnect')
    expect(await disconnectedOnA).toBe('io server disconnect')
  })
})
