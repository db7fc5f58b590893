import { createHmac, randomUUID } from 'node:crypto'
import { hit, type Faults } from './faults.ts'
import { iso } from './http.ts'

/**
 * Webhooks from the sandbox to OpsDeck (CONTRACTS-3.md A, "Webhooks"): `POST <url>/<provider>` with the envelope
 * `{ id, type, created_at, data }`, signed with HMAC-SHA256 over the exact bytes sent
 * (`x-webhook-signature: sha256=<hex>`). A non-2xx answer or a connection error is retried 3 times (1 s, 2 s, 4 s).
 *
 * First attempts go out one at a time per provider, in event order, so "in order" is a real guarantee and the
 * out-of-order fault is the only way an event overtakes another. Retries run beside that queue (a receiver that is
 * down must not stall the events behind).
 */

export type Envelope = { id: string; type: string; created_at: string; data: unknown }
/** An event ready to send: serialised when it happened (the data objects change later), signed over these bytes. */
type Outgoing = { id: string; type: string; body: Uint8Array<ArrayBuffer> }
export type DeliveryRecord = {
  at: string
  provider: string
  eventId: string
  type: string
  attempt: number
  /** HTTP status of the answer; null when the connection failed (see `error`). */
  status: number | null
  error?: string
  /** 'duplicate' for the injected second copy, 'out_of_order' for an event released after a later one. */
  note?: 'duplicate' | 'out_of_order'
}
export type WebhookStats = { webhooksSent: number; webhooksDropped: number; webhooksFailed: number }

export function signBody(secret: string, body: Uint8Array | string) {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

type Options = {
  secret: string
  url: string | null
  random: () => number
  now: () => Date
  faultsOf: (provider: string) => Faults
  statsOf: (provider: string) => WebhookStats
  retryDelaysMs?: number[]
  /** One attempt gives up after this long. */
  attemptTimeoutMs?: number
}

/** Past this many first attempts waiting per provider, new events are dropped (and counted) rather than queued. */
const MAX_QUEUED = 50_000
const MAX_LOG = 10_000

export class WebhookDispatcher {
  url: string | null
  private readonly retryDelaysMs: number[]
  private readonly attemptTimeoutMs: number
  private readonly chains = new Map<string, Promise<void>>()
  private readonly queued = new Map<string, number>()
  private readonly held = new Map<string, Outgoing[]>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly inFlight = new Set<AbortController>()
  private readonly log: DeliveryRecord[] = []
  private closed = false

  constructor(private readonly options: Options) {
    this.url = options.url
    this.retryDelaysMs = options.retryDelaysMs ?? [1000, 2000, 4000]
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000
  }

  /** Sends `type` for `provider`, subject to that provider's webhook faults. */
  emit(provider: string, type: string, data: unknown) {
    if (this.closed || !this.url) return
    const envelope: Envelope = { id: `evt_${randomUUID().replaceAll('-', '')}`, type, created_at: iso(this.options.now()), data }
    const event: Outgoing = { id: envelope.id, type, body: new Uint8Array(Buffer.from(JSON.stringify(envelope))) }
    const faults = this.options.faultsOf(provider)
    const stats = this.options.statsOf(provider)
    if (faults.outage || hit(faults.webhookDropRate, this.options.random)) {
      stats.webhooksDropped += 1
      return
    }
    if (hit(faults.webhookOutOfOrderRate, this.options.random)) {
      this.held.set(provider, [...(this.held.get(provider) ?? []), event])
      return
    }
    const duplicate = hit(faults.webhookDuplicateRate, this.options.random)
    this.enqueue(provider, event)
    if (duplicate) this.enqueue(provider, event, 'duplicate')
    this.release(provider)
  }

  /** Delivers every held (out-of-order) event now; returns how many. */
  flush() {
    let count = 0
    for (const provider of this.held.keys()) count += this.release(provider)
    return count
  }

  heldCount() {
    let count = 0
    for (const list of this.held.values()) count += list.length
    return count
  }

  deliveries(filter: { provider?: string } = {}) {
    return this.log.filter((entry) => !filter.provider || entry.provider === filter.provider)
  }

  /** Resolves once every first attempt queued so far has been made (retries may still be pending). */
  async idle() {
    await Promise.all([...this.chains.values()])
  }

  close() {
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const controller of this.inFlight) controller.abort()
  }

  private release(provider: string) {
    const held = this.held.get(provider) ?? []
    this.held.delete(provider)
    for (const event of held) this.enqueue(provider, event, 'out_of_order')
    return held.length
  }

  private enqueue(provider: string, event: Outgoing, note?: DeliveryRecord['note']) {
    const queued = this.queued.get(provider) ?? 0
    if (queued >= MAX_QUEUED) {
      this.options.statsOf(provider).webhooksDropped += 1
      return
    }
    this.queued.set(provider, queued + 1)
    const previous = this.chains.get(provider) ?? Promise.resolve()
    const next = previous.then(async () => {
      this.queued.set(provider, (this.queued.get(provider) ?? 1) - 1)
      await this.attempt(provider, event, 1, note)
    })
    this.chains.set(provider, next)
    // Drop the reference once this is the tail, so a quiet provider keeps no settled promise chain around.
    void next.then(() => {
      if (this.chains.get(provider) === next) this.chains.delete(provider)
    })
  }

  private async attempt(provider: string, event: Outgoing, attempt: number, note?: DeliveryRecord['note']) {
    if (this.closed || !this.url) return
    const controller = new AbortController()
    this.inFlight.add(controller)
    const timer = setTimeout(() => controller.abort(), this.attemptTimeoutMs)
    const record: DeliveryRecord = { at: iso(this.options.now()), provider, eventId: event.id, type: event.type, attempt, status: null, note }
    try {
      const response = await fetch(`${this.url.replace(/\/$/, '')}/${provider}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webhook-signature': signBody(this.options.secret, event.body) },
        body: event.body,
        signal: controller.signal,
      })
      record.status = response.status
      await response.arrayBuffer().catch(() => undefined)
    } catch (error) {
      record.error = (error as Error).message
    } finally {
      clearTimeout(timer)
      this.inFlight.delete(controller)
    }
    this.remember(record)
    if (this.closed) return
    const stats = this.options.statsOf(provider)
    if (record.status !== null && record.status >= 200 && record.status < 300) {
      stats.webhooksSent += 1
      return
    }
    const delay = this.retryDelaysMs[attempt - 1]
    if (delay === undefined) {
      stats.webhooksFailed += 1
      return
    }
    const retry = setTimeout(() => {
      this.timers.delete(retry)
      void this.attempt(provider, event, attempt + 1, note)
    }, delay)
    retry.unref()
    this.timers.add(retry)
  }

  private remember(record: DeliveryRecord) {
    this.log.push(record)
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG)
  }
}
