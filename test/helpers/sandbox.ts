import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FaultsPatch, Faults } from '#sandbox/faults.ts'
import type { Provider, SandboxOptions } from '#sandbox/server.ts'
import { createSandboxServer, PROVIDERS } from '#sandbox/server.ts'

/**
 * The sandbox in-process on 127.0.0.1 and a random port, for tests (sandbox/README.md documents the API).
 * Defaults suit deterministic tests: no order generator, tracking only advances through `control.advanceCarrier()`,
 * no webhooks unless `webhookUrl` is given (or set later with `control.setWebhookUrl`), webhook retries after
 * 100/200/400 ms instead of 1/2/4 s.
 */

export const SANDBOX_TEST_API_KEY = 'test-provider-api-key'
export const SANDBOX_TEST_WEBHOOK_SECRET = 'test-webhook-secret-0123456789'

export type StartSandboxOptions = Partial<SandboxOptions>

export type SandboxEffect = { seq: number; provider: string; kind: string; reference: string; idempotencyKey: string; at: string }
export type SandboxDelivery = { at: string; provider: string; eventId: string; type: string; attempt: number; status: number | null; error?: string; note?: string }

export type TestSandbox = {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string
  /** `${url}/<provider>` for each provider (what env.PROVIDER_URLS holds in the app). */
  providerUrls: Record<Provider, string>
  apiKey: string
  webhookSecret: string
  server: Server
  control: ReturnType<typeof controlClient>
  /** Closes the server, cutting open connections (held timeout-fault requests included). */
  close: () => Promise<void>
}

export async function startSandbox(options: StartSandboxOptions = {}): Promise<TestSandbox> {
  const apiKey = options.apiKey ?? SANDBOX_TEST_API_KEY
  const webhookSecret = options.webhookSecret ?? SANDBOX_TEST_WEBHOOK_SECRET
  const server = createSandboxServer({
    ordersPerMinute: 0,
    carrierStepSeconds: 0,
    webhookUrl: null,
    webhookRetryDelaysMs: [100, 200, 400],
    ...options,
    apiKey,
    webhookSecret,
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    providerUrls: Object.fromEntries(PROVIDERS.map((provider) => [provider, `${url}/${provider}`])) as Record<Provider, string>,
    apiKey,
    webhookSecret,
    server,
    control: controlClient(url),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

/** Typed calls of the control API; every call throws with the sandbox's message on a non-2xx answer. */
export function controlClient(url: string) {
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${url}/control${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`sandbox control ${method} ${path} → ${response.status}: ${text}`)
    return JSON.parse(text) as T
  }
  const query = (params: Record<string, string | undefined>) => {
    const search = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined))
    return search.size ? `?${search}` : ''
  }
  return {
    state: () =>
      call<{
        providers: { name: Provider; faults: Faults; stats: { requests: number; errors: number; webhooksSent: number; webhooksDropped: number; webhooksFailed: number } }[]
        generator: { ordersPerMinute: number }
        carrier: { stepSeconds: number }
        webhooks: { url: string | null; held: number }
      }>('GET', '/state'),
    setFaults: (provider: Provider, patch: FaultsPatch) => call<{ name: Provider; faults: Faults }>('POST', `/faults/${provider}`, patch),
    reset: () => call<unknown>('POST', '/reset', {}),
    setGenerator: (ordersPerMinute: number) => call<{ ordersPerMinute: number }>('POST', '/generator', { ordersPerMinute }),
    setCarrierStep: (stepSeconds: number) => call<{ stepSeconds: number }>('POST', '/carrier', { stepSeconds }),
    /** Every shipment not yet delivered moves one tracking step (or only `id`). */
    advanceCarrier: (id?: string) => call<{ shipments: { id: string; status: string }[] }>('POST', '/carrier/advance', id ? { id } : {}),
    createOrders: async (count: number) => (await call<{ ids: string[] }>('POST', '/storefront/orders', { count })).ids,
    updateOrder: (id: string, patch: { tags?: string[]; note?: string | null } = {}) => call<Record<string, unknown>>('POST', `/storefront/orders/${id}/update`, patch),
    cancelOrder: (id: string, reason?: string) => call<Record<string, unknown>>('POST', `/storefront/orders/${id}/cancel`, reason ? { reason } : {}),
    setStock: (sku: string, location: string, onHand: number) =>
      call<{ id: string; sku: string; location: string; on_hand: number; updated_at: string }>('POST', '/warehouse/stock', { sku, location, on_hand: onHand }),
    moveStock: (count = 1) => call<{ levels: { id: string; on_hand: number }[] }>('POST', '/warehouse/movements', { count }),
    createMessages: async (options: { count?: number; order_number?: string | null } = {}) =>
      (await call<{ messages: { id: string; thread_id: string; order_number: string | null; from: { email: string; name: string } }[] }>('POST', '/helpdesk/messages', options)).messages,
    effects: (filter: { provider?: Provider; kind?: string } = {}) =>
      call<{ effects: SandboxEffect[]; duplicates: { provider: string; kind: string; reference: string; count: number }[] }>('GET', `/effects${query(filter)}`),
    requests: async (provider?: Provider, since?: Date | string) =>
      (
        await call<{ requests: { at: string; provider: Provider; method: string; path: string; status: number | null }[] }>(
          'GET',
          `/requests${query({ provider, since: since instanceof Date ? since.toISOString() : since })}`,
        )
      ).requests,
    setWebhookUrl: (webhookUrl: string | null) => call<{ url: string | null }>('POST', '/webhooks', { url: webhookUrl }),
    webhooks: (provider?: Provider) => call<{ url: string | null; held: number; deliveries: SandboxDelivery[] }>('GET', `/webhooks${query({ provider })}`),
    flushWebhooks: async () => (await call<{ released: number }>('POST', '/webhooks/flush', {})).released,
  }
}

/** Provider API calls with the sandbox's key, for tests of the sandbox itself and quick checks in other tests. */
export function sandboxApi(sandbox: Pick<TestSandbox, 'url' | 'apiKey'>) {
  const headers = { 'x-api-key': sandbox.apiKey }
  return {
    get: (path: string, query: Record<string, string | number> = {}) => {
      const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]))
      return fetch(`${sandbox.url}${path}${search.size ? `?${search}` : ''}`, { headers })
    },
    post: (path: string, body: unknown, idempotencyKey?: string) =>
      fetch(`${sandbox.url}${path}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  }
}
