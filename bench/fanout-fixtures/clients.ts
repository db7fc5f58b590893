/**
 * The browser side of bench/fanout.ts and bench/fanout-under-load.ts (a child process of its own, started with an IPC channel): N Socket.IO clients
 * (websocket transport) on the bench server, each recording, for every `metrics.tick`, receipt time − the server's
 * `sentAt` (same machine, same clock: performance.timeOrigin + now on both sides).
 *
 * IPC: { type: 'subscribe' | 'unsubscribe' } on every socket (answers when all acked); { type: 'collect' } answers
 * the latencies (ms) recorded since the last collect, the latency of the FIRST socket to receive each tick (before
 * this process had any other copy of it to work through), and this process's CPU time since the last collect.
 * bench/fanout.ts may start several of these (CLIENT_PROCESSES), each with its share of the sockets.
 */
import { io, type Socket } from 'socket.io-client'
import * as wireParser from './wire-parser.ts'

const url = process.env.FANOUT_URL!
const count = Number(process.env.CLIENTS ?? 1000)
// `wire`: ticks are received but not decoded (see wire-parser.ts); default `full`, as socket.io-client does.
const wire = process.env.FANOUT_CLIENT_DECODE === 'wire'
const sockets: Socket[] = []
let latencies: number[] = []
/** sentAt of the tick whose copies are arriving → copies seen so far (ticks are 1 s apart: a tiny map). */
let arrivals = new Map<number, number>()
let firsts: number[] = []
let cpu = process.cpuUsage()

for (let i = 0; i < count; i++) {
  const socket = io(url, { transports: ['websocket'], extraHeaders: { origin: process.env.FANOUT_ORIGIN ?? 'http://localhost', cookie: process.env.FANOUT_COOKIE ?? 'bench=1' }, reconnection: false, forceNew: true, ...(wire ? { parser: wireParser } : {}) })
  socket.on('metrics.tick', (tick: { sentAt: number }) => {
    const latency = performance.timeOrigin + performance.now() - tick.sentAt
    latencies.push(latency)
    const seen = arrivals.get(tick.sentAt) ?? 0
    if (seen === 0) firsts.push(latency)
    arrivals.set(tick.sentAt, seen + 1)
  })
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
    const used = process.cpuUsage(cpu)
    process.send!({ type: 'collect', latencies, firsts, cpuMicros: used.user + used.system, decodeMicros: wireParser.decodeMicros.splice(0) })
    latencies = []
    firsts = []
    arrivals = new Map()
    cpu = process.cpuUsage()
  }
})
process.on('disconnect', () => process.exit(0))
process.send!({ type: 'ready', connected: sockets.filter((socket) => socket.connected).length })
