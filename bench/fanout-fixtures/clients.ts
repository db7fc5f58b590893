/**
 * The browser side of bench/fanout.ts and bench/fanout-under-load.ts (a child process of its own, started with an IPC channel): N Socket.IO clients
 * (websocket transport) on the bench server, each recording, for every `metrics.tick`, receipt time − the server's
 * `sentAt` (same machine, same clock: performance.timeOrigin + now on both sides).
 *
 * IPC: { type: 'subscribe' | 'unsubscribe' } on every socket (answers when all acked); { type: 'collect' } answers
 * the latencies (ms) recorded since the last collect.
 */
import { io, type Socket } from 'socket.io-client'

const url = process.env.FANOUT_URL!
const count = Number(process.env.CLIENTS ?? 1000)
const sockets: Socket[] = []
let latencies: number[] = []

for (let i = 0; i < count; i++) {
  const socket = io(url, { transports: ['websocket'], extraHeaders: { origin: process.env.FANOUT_ORIGIN ?? 'http://localhost', cookie: process.env.FANOUT_COOKIE ?? 'bench=1' }, reconnection: false, forceNew: true })
  socket.on('metrics.tick', (tick: { sentAt: number }) => latencies.push(performance.timeOrigin + performance.now() - tick.sentAt))
  sockets.push(socket)
}
await Promise.all(
  sockets.map(
    (socket) =>
      new Promise<void>((resolve, reject) => {
        if (socket.connected) return resolve()
        socket.once('connect', () => resolve())
        socket.once('connect_error', reject)
      }),
  ),
)

process.on('message', async (message: { type: string }) => {
  if (message.type === 'subscribe' || message.type === 'unsubscribe') {
    const event = message.type === 'subscribe' ? 'metrics.subscribe' : 'metrics.unsubscribe'
    const answers = await Promise.all(sockets.map((socket) => socket.timeout(30_000).emitWithAck(event, {}) as Promise<{ ok: boolean }>))
    process.send!({ type: message.type, ok: answers.every((answer) => answer.ok) })
  } else if (message.type === 'collect') {
    process.send!({ type: 'collect', latencies })
    latencies = []
  }
})
process.on('disconnect', () => process.exit(0))
process.send!({ type: 'ready', connected: sockets.filter((socket) => socket.connected).length })
