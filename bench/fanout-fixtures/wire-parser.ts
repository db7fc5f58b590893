/**
 * A Socket.IO packet parser for the bench clients (socket.io-client's `parser` option, same protocol v5 text
 * packets as socket.io-parser) that does NOT decode the body of `metrics.tick` events: it reads only `sentAt`.
 *
 * Why (bench/fanout.ts, FANOUT_CLIENT_DECODE=wire): 1,000 clients in one process decode 1,000 copies of every tick
 * one after the other, so the last copy's latency is mostly the other 999 copies' JSON.parse — work that 1,000
 * browsers do in parallel, once each. With this parser the clients still run the real engine.io/WebSocket stack
 * (frames read, UTF-8 checked, packets dispatched) and still queue behind each other, but a copy costs what it takes
 * to receive it, not to decode it; the cost of decoding ONE copy (what one browser adds) is timed on every 100th
 * copy and reported apart (`decodeMicros`). Everything else (connect, acks of subscribe/unsubscribe) is parsed in
 * full. No binary packets (the console sends none).
 */

type Packet = { type: number; nsp: string; id?: number; data?: unknown }
type Listener = (packet: Packet) => void

const EVENT = 2
const TICK_PREFIX = '2["metrics.tick",'
const SENT_AT = '"sentAt":'

export const decodeMicros: number[] = []
let copies = 0

export class Encoder {
  encode(packet: Packet): string[] {
    let text = String(packet.type)
    if (packet.nsp && packet.nsp !== '/') text += `${packet.nsp},`
    if (packet.id !== undefined) text += packet.id
    if (packet.data !== undefined) text += JSON.stringify(packet.data)
    return [text]
  }
}

export class Decoder {
  private listeners: Listener[] = []

  on(event: string, listener: Listener) {
    if (event === 'decoded') this.listeners.push(listener)
    return this
  }

  off() {
    this.listeners = []
    return this
  }

  destroy() {
    this.listeners = []
  }

  add(text: unknown) {
    if (typeof text !== 'string') throw new Error('binary packets are not supported by the bench parser')
    const packet = text.startsWith(TICK_PREFIX) ? tick(text) : parse(text)
    for (const listener of this.listeners) listener(packet)
  }
}

/** `2["metrics.tick",{"t":…,"sentAt":123.4,…}]` → the event with `{ sentAt }` only (the tick's second key: found at once). */
function tick(text: string): Packet {
  if (++copies % 100 === 0) {
    const started = performance.now()
    JSON.parse(text.slice(1))
    decodeMicros.push((performance.now() - started) * 1000)
  }
  const at = text.indexOf(SENT_AT)
  const sentAt = at < 0 ? NaN : parseFloat(text.slice(at + SENT_AT.length))
  return { type: EVENT, nsp: '/', data: ['metrics.tick', { sentAt }] }
}

/** The full decoding of a text packet: `<type>[<nsp>,][<id>][<json>]`. */
function parse(text: string): Packet {
  let index = 0
  const type = Number(text.charAt(index++))
  let nsp = '/'
  if (text.charAt(index) === '/') {
    const comma = text.indexOf(',', index)
    nsp = text.slice(index, comma < 0 ? undefined : comma)
    index = comma < 0 ? text.length : comma + 1
  }
  let digits = ''
  while (index < text.length && text.charAt(index) >= '0' && text.charAt(index) <= '9') digits += text.charAt(index++)
  const packet: Packet = { type, nsp }
  if (digits) packet.id = Number(digits)
  if (index < text.length) packet.data = JSON.parse(text.slice(index))
  return packet
}
