import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { generateWorld, LOCATIONS } from './data.ts'
import { EFFECT_KINDS, EffectsLog } from './effects.ts'
import { createFlashSale, FlashSaleSchema } from './flash-sale.ts'
import { decideMalformed, decideRequestFault, FaultsPatchSchema, NO_FAULTS, type Faults } from './faults.ts'
import {
  canonicalJson,
  describeIssues,
  HttpError,
  IdempotencyKeySchema,
  IdempotencyStore,
  iso,
  parseWith,
  readJson,
  sendError,
  sendJson,
  sendText,
} from './http.ts'
import { createCarrier } from './providers/carrier.ts'
import { createHelpdesk } from './providers/helpdesk.ts'
import { createPayments, RegisterPaymentsSchema } from './providers/payments.ts'
import { createStorefront } from './providers/storefront.ts'
import type { Route, SandboxContext } from './providers/types.ts'
import { createWarehouse } from './providers/warehouse.ts'
import { loadStateFile, STATE_VERSION, writeStateFile } from './state.ts'
import { WebhookDispatcher, type WebhookStats } from './webhooks.ts'

/**
 * The sandbox: a real HTTP server imitating the five external systems OpsDeck syncs with (CONTRACTS-3.md A).
 * This module routes requests, checks the API key, injects faults, keeps the request log and serves the control
 * API; each provider's state and routes live in providers/<name>.ts.
 */

export { FaultsSchema, FaultsPatchSchema, type Faults } from './faults.ts'

export const PROVIDERS = ['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk'] as const
export type Provider = (typeof PROVIDERS)[number]

export type SandboxOptions = {
  apiKey: string
  /** HMAC-SHA256 key of outgoing webhooks. */
  webhookSecret: string
  /** Webhooks go to `<webhookUrl>/<provider>`; null = none are sent (changeable with POST /control/webhooks). */
  webhookUrl?: string | null
  /** New storefront orders per minute (0 = only through the control API). Also drives stock moves and mail. */
  ordersPerMinute?: number
  /** Seed of the generated catalogue, customers, orders and tracking (same seed → same data). */
  seed?: number
  /** Draws of the fault decisions (tests inject a sequence). */
  random?: () => number
  now?: () => Date
  /** Tracking advances every N seconds (default 20); 0 = only through POST /control/carrier/advance. */
  carrierStepSeconds?: number
  /** Webhook retry delays (default 1 s, 2 s, 4 s). */
  webhookRetryDelaysMs?: number[]
  /**
   * Keep the providers' state in this JSON file (state.ts): loaded on start, written atomically at most every
   * `stateSaveIntervalMs` when something changed, and on close. Absent: in memory only (tests).
   */
  stateFile?: string
  /** Default 2000. */
  stateSaveIntervalMs?: number
  /** Warnings (an unreadable state file, a failed save); default console.warn. */
  warn?: (message: string) => void
}

type Stats = { requests: number; errors: number } & WebhookStats
type RequestRecord = { at: string; provider: Provider; method: string; path: string; status: number | null }

const MAX_REQUEST_LOG = 10_000
/** The warehouse moves stock, and a customer writes in, this often while the order generator runs. */
const WAREHOUSE_MOVE_MS = 20_000
const HELPDESK_MESSAGE_MS = 60_000

const GeneratorSchema = z.object({ ordersPerMinute: z.number().min(0).max(6000) }).strict()
const CarrierSchema = z.object({ stepSeconds: z.number().int().min(0).max(3600) }).strict()
const AdvanceSchema = z.object({ id: z.string().min(1).optional() }).strict()
const CreateOrdersSchema = z.object({ count: z.number().int().min(1).max(5000) }).strict()
const UpdateOrderSchema = z.object({ tags: z.array(z.string().min(1).max(64)).max(50).optional(), note: z.string().max(2000).nullable().optional() }).strict()
const CancelOrderSchema = z.object({ reason: z.string().min(1).max(64).optional() }).strict()
const SetStockSchema = z.object({ sku: z.string().min(1), location: z.enum(LOCATIONS), on_hand: z.number().int().min(0).max(1_000_000) }).strict()
const MovementsSchema = z.object({ count: z.number().int().min(1).max(1000).default(1) }).strict()
const MessagesSchema = z
  .object({ count: z.number().int().min(1).max(1000).default(1), order_number: z.string().regex(/^#\d+$/, 'must look like #500012').nullable().optional() })
  .strict()
/** POST /control/payments/register takes the demo database's payments in one request. */
const REGISTER_MAX_BYTES = 32 * 1024 * 1024
const WebhookUrlSchema = z.object({ url: z.string().url().nullable() }).strict()
const EffectsQuerySchema = z.object({ provider: z.enum(PROVIDERS).optional(), kind: z.enum(EFFECT_KINDS).optional() })
const RequestsQuerySchema = z.object({ provider: z.enum(PROVIDERS).optional(), since: z.string().datetime({ offset: true }).optional() })

export function createSandboxServer(options: SandboxOptions): Server {
  const random = options.random ?? Math.random
  const now = options.now ?? (() => new Date())
  const warn = options.warn ?? ((message: string) => console.warn(message))
  const seed = options.seed ?? 1
  const faults = new Map<Provider, Faults>(PROVIDERS.map((provider) => [provider, { ...NO_FAULTS }]))
  const stats = new Map<Provider, Stats>(
    PROVIDERS.map((provider) => [provider, { requests: 0, errors: 0, webhooksSent: 0, webhooksDropped: 0, webhooksFailed: 0 }]),
  )
  const requestLog: RequestRecord[] = []
  const webhooks = new WebhookDispatcher({
    secret: options.webhookSecret,
    url: options.webhookUrl ?? null,
    random,
    now,
    faultsOf: (provider) => faults.get(provider as Provider)!,
    statsOf: (provider) => stats.get(provider as Provider)!,
    retryDelaysMs: options.webhookRetryDelaysMs,
  })

  /** Something the state file keeps changed since the last save. */
  let dirty = false

  /** Everything the state file keeps: the five providers, the idempotency store and the effects log. */
  function createSimulation() {
    const ctx: SandboxContext = {
      now,
      world: generateWorld(seed),
      emit: (provider, type, data) => {
        dirty = true
        webhooks.emit(provider, type, data)
      },
    }
    const payments = createPayments(ctx)
    const storefront = createStorefront(ctx, payments)
    payments.onChange = (payment) => storefront.paymentChanged(payment)
    const carrier = createCarrier(ctx)
    const warehouse = createWarehouse(ctx)
    const helpdesk = createHelpdesk(ctx, () => storefront.numbers())
    const effects = new EffectsLog()
    const idempotency = new IdempotencyStore()
    const parts = { storefront, payments, carrier, warehouse, helpdesk, effects, idempotency }
    return { ctx, ...parts, parts }
  }

  // ── the state file: load now (missing → fresh seed; unreadable or not fitting → fresh seed and a warning) ──
  const loaded = options.stateFile ? loadStateFile(options.stateFile, warn) : null
  let simulation = createSimulation()
  let restarts = 0
  if (loaded) {
    try {
      for (const [name, part] of Object.entries(simulation.parts)) {
        if (!(name in loaded.parts)) throw new Error(`no "${name}" part`)
        part.restore(loaded.parts[name])
      }
      restarts = loaded.restarts + 1
      // The seeded faker would repeat the previous run's draws (order contents, tracking, messages) from the start.
      simulation.ctx.world.faker.seed([seed, restarts])
    } catch (error) {
      const detail = error instanceof z.ZodError ? describeIssues(new z.ZodError(error.issues.slice(0, 3)), 'state') : (error as Error).message
      warn(`sandbox: state file ${options.stateFile} does not fit (${detail}); starting from a fresh seed`)
      simulation = createSimulation()
    }
  }
  // Saved once at start even with no change: a fresh seed's customers and stock keep their timestamps on the next
  // run, and a continued run's restart count moves on (so the next run draws differently again).
  dirty = Boolean(options.stateFile)
  const { payments, storefront, carrier, warehouse, helpdesk, effects, idempotency } = simulation

  let lastSaveError: string | undefined
  /** When the last save ended and how long it took (wall clock): a big state is saved less often, see the timer. */
  let lastSave = { endedAt: 0, tookMs: 0 }
  function save() {
    if (!options.stateFile || !dirty) return
    dirty = false
    const startedAt = Date.now()
    try {
      const parts = Object.fromEntries(Object.entries(simulation.parts).map(([name, part]) => [name, part.snapshot()]))
      writeStateFile(options.stateFile, { version: STATE_VERSION, savedAt: iso(now()), restarts, parts })
      lastSaveError = undefined
      lastSave = { endedAt: Date.now(), tookMs: Date.now() - startedAt }
    } catch (error) {
      dirty = true
      const message = (error as Error).message
      // Once per distinct failure, not every few seconds.
      if (message !== lastSaveError) warn(`sandbox: cannot save state to ${options.stateFile} (${message}); will retry`)
      lastSaveError = message
    }
  }

  const routes = new Map<Provider, Route[]>([
    ['storefront', storefront.routes],
    ['payments', payments.routes],
    ['carrier', carrier.routes],
    ['warehouse', warehouse.routes],
    ['helpdesk', helpdesk.routes],
  ])

  // ── timers: all unref'd (they never keep a process alive) and stopped when the server closes ──
  let ordersPerMinute = options.ordersPerMinute ?? 0
  let stepSeconds = options.carrierStepSeconds ?? 20
  let generatorTimers: NodeJS.Timeout[] = []
  let carrierTimer: NodeJS.Timeout | undefined
  let closed = false
  const every = (ms: number, run: () => void) => {
    const timer = setInterval(run, ms)
    timer.unref()
    return timer
  }
  function startGenerator() {
    generatorTimers.forEach(clearInterval)
    generatorTimers = []
    if (closed || ordersPerMinute <= 0) return
    generatorTimers = [
      every(60_000 / ordersPerMinute, () => storefront.tick()),
      every(WAREHOUSE_MOVE_MS, () => warehouse.move()),
      every(HELPDESK_MESSAGE_MS, () => helpdesk.receive()),
    ]
  }
  function startCarrier() {
    if (carrierTimer) clearInterval(carrierTimer)
    carrierTimer = closed || stepSeconds <= 0 ? undefined : every(stepSeconds * 1000, () => carrier.advance())
  }
  startGenerator()
  startCarrier()
  // "Simulate a flash sale": the generator at rate × N for M minutes, then back (flash-sale.ts).
  const flashSale = createFlashSale({
    now,
    rate: () => ordersPerMinute,
    setRate: (rate) => {
      ordersPerMinute = rate
      startGenerator()
    },
    createdAt: () => [...storefront.orders.values()].map((order) => order.created_at),
  })
  // A save blocks the event loop while it serialises; once the state is big enough for that to show, at most 5 % of
  // the time goes to saving (a save that took 200 ms waits 4 s before the next).
  const saveTimer = options.stateFile
    ? every(options.stateSaveIntervalMs ?? 2000, () => {
        if (Date.now() - lastSave.endedAt >= lastSave.tookMs * 20) save()
      })
    : undefined

  /** Requests held open by the timeout fault, and latency sleeps: cut when the server closes so close() is prompt. */
  const held = new Set<ServerResponse>()
  const sleeping = new Set<NodeJS.Timeout>()
  function sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        sleeping.delete(timer)
        resolve()
      }, ms)
      timer.unref()
      sleeping.add(timer)
    })
  }

  function logRequest(provider: Provider, request: IncomingMessage, response: ServerResponse, path: string) {
    const record: RequestRecord = { at: iso(now()), provider, method: request.method ?? 'GET', path, status: null }
    requestLog.push(record)
    if (requestLog.length > MAX_REQUEST_LOG) requestLog.splice(0, requestLog.length - MAX_REQUEST_LOG)
    const providerStats = stats.get(provider)!
    providerStats.requests += 1
    response.once('finish', () => {
      record.status = response.statusCode
      if (response.statusCode >= 400) providerStats.errors += 1
    })
  }

  async function handleProvider(provider: Provider, request: IncomingMessage, response: ServerResponse, url: URL, rest: string) {
    const method = request.method ?? 'GET'
    logRequest(provider, request, response, url.pathname + url.search)
    if (!hasApiKey(request, options.apiKey)) return sendError(response, 401, 'unauthorized', 'missing or wrong API key (x-api-key header)')

    const current = faults.get(provider)!
    if (current.outage) return sendError(response, 503, 'outage', `${provider} is down (injected outage)`)
    if (current.latencyMs > 0) await sleep(current.latencyMs)
    const fault = decideRequestFault(current, random, now())
    if (fault.kind === 'timeout') {
      // Never answered: the client's own timeout has to fire.
      stats.get(provider)!.errors += 1
      held.add(response)
      response.once('close', () => held.delete(response))
      return
    }
    if (fault.kind === 'rate_limited') {
      return sendError(response, 429, 'rate_limited', 'too many requests (injected)', { 'retry-after': fault.retryAfter })
    }
    if (fault.kind === 'error') return sendError(response, fault.status, 'injected_error', `injected fault (${fault.status})`)

    if (rest === '/ping' && method === 'GET') return send(provider, response, 200, { provider, ok: true })
    const match = matchRoute(routes.get(provider)!, method, rest)
    if (!match) return sendError(response, 404, 'not_found', `no ${provider} route ${method} ${url.pathname}`)
    if (match === 'method') return sendError(response, 405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}`)
    const { route, params } = match

    if (!route.mutation) {
      const answer = route.handle({ params, query: url.searchParams, body: undefined })
      return send(provider, response, answer.status, answer.body)
    }

    const body = await readJson(request)
    const key = IdempotencyKeySchema.safeParse(request.headers['idempotency-key'])
    if (!key.success) {
      return sendError(response, 400, 'missing_idempotency_key', 'an idempotency-key header (1–255 characters) is required on this POST')
    }
    // Everything from the lookup to storing the answer runs in one tick: a concurrent retry with the same key sees
    // either nothing (and runs after this one) or the stored answer.
    const fingerprint = `${method} ${url.pathname}\n${canonicalJson(body)}`
    const stored = idempotency.get(provider, key.data)
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        return sendError(response, 409, 'idempotency_conflict', `idempotency key "${key.data}" was used with a different request`)
      }
      return send(provider, response, stored.status, stored.body, { 'idempotent-replayed': 'true' })
    }
    const input = parseWith(route.mutation.schema, body)
    let answer: { status: number; body: unknown }
    try {
      answer = route.handle({ params, query: url.searchParams, body: input })
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      // Like a payment API: a request that ran and was refused (404, 422) gives the same refusal on a retry.
      answer = { status: error.status, body: { error: { code: error.code, message: error.message } } }
    }
    // A copy: the stored answer is the state at that moment, not the live object a later refund changes.
    idempotency.set(provider, key.data, { fingerprint, status: answer.status, body: structuredClone(answer.body) })
    if (answer.status < 300) {
      effects.record({ provider, kind: route.mutation.kind, reference: route.mutation.reference(input as never), idempotencyKey: key.data, at: iso(now()) })
    }
    return send(provider, response, answer.status, answer.body)
  }

  /** Sends an API answer, or in its place a malformed 200 when that fault hits. */
  function send(provider: Provider, response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const malformed = decideMalformed(faults.get(provider)!, random, body)
    if (malformed === null) return sendJson(response, status, body, headers)
    stats.get(provider)!.errors += 1
    return sendText(response, 200, malformed, headers)
  }

  function state() {
    return {
      providers: PROVIDERS.map((name) => ({ name, faults: faults.get(name)!, stats: { ...stats.get(name)! } })),
      generator: { ordersPerMinute },
      flashSale: flashSale.state(),
      carrier: { stepSeconds },
      webhooks: { url: webhooks.url, held: webhooks.heldCount() },
    }
  }

  async function handleControl(request: IncomingMessage, response: ServerResponse, url: URL, segments: string[]) {
    const method = request.method ?? 'GET'
    const path = '/' + segments.slice(1).join('/')
    const body = async <T extends z.ZodTypeAny>(schema: T): Promise<z.infer<T>> => parseWith(schema, await readJson(request, {}))
    const only = (allowed: string) => {
      if (method !== allowed) throw new HttpError(405, 'method_not_allowed', `use ${allowed} on ${url.pathname}`)
    }
    const ok = (value: unknown) => sendJson(response, 200, value)

    if (path === '/state') {
      only('GET')
      return ok(state())
    }
    if (segments[1] === 'faults' && segments.length === 3) {
      only('POST')
      const provider = segments[2] as Provider
      if (!PROVIDERS.includes(provider)) throw new HttpError(404, 'unknown_provider', `unknown provider "${segments[2]}" (known: ${PROVIDERS.join(', ')})`)
      const patch = await body(FaultsPatchSchema)
      const next = { ...faults.get(provider)!, ...patch }
      faults.set(provider, next)
      return ok({ name: provider, faults: next })
    }
    if (path === '/reset') {
      only('POST')
      for (const provider of PROVIDERS) faults.set(provider, { ...NO_FAULTS })
      return ok(state())
    }
    if (path === '/generator') {
      only('POST')
      ordersPerMinute = (await body(GeneratorSchema)).ordersPerMinute
      startGenerator()
      return ok({ ordersPerMinute })
    }
    if (path === '/flash-sale') {
      if (method === 'GET') return ok({ flashSale: flashSale.state() })
      only('POST')
      return ok({ flashSale: flashSale.start(await body(FlashSaleSchema)) })
    }
    if (path === '/flash-sale/end') {
      only('POST')
      flashSale.end()
      return ok({ flashSale: flashSale.state() })
    }
    if (path === '/carrier') {
      only('POST')
      stepSeconds = (await body(CarrierSchema)).stepSeconds
      startCarrier()
      return ok({ stepSeconds })
    }
    if (path === '/carrier/advance') {
      only('POST')
      return ok({ shipments: carrier.advance((await body(AdvanceSchema)).id) })
    }
    if (path === '/storefront/orders') {
      only('POST')
      const { count } = await body(CreateOrdersSchema)
      return ok({ ids: Array.from({ length: count }, () => storefront.createOrder().id) })
    }
    if (segments[1] === 'storefront' && segments[2] === 'orders' && segments.length === 5 && ['update', 'cancel'].includes(segments[4])) {
      only('POST')
      if (segments[4] === 'update') return ok(storefront.updateOrder(segments[3], await body(UpdateOrderSchema)))
      return ok(storefront.cancelOrder(segments[3], (await body(CancelOrderSchema)).reason))
    }
    if (path === '/payments/register') {
      only('POST')
      return ok(payments.register(parseWith(RegisterPaymentsSchema, await readJson(request, undefined, REGISTER_MAX_BYTES))))
    }
    if (path === '/warehouse/stock') {
      only('POST')
      const input = await body(SetStockSchema)
      return ok(warehouse.setOnHand(input.sku, input.location, input.on_hand))
    }
    if (path === '/warehouse/movements') {
      only('POST')
      const { count } = await body(MovementsSchema)
      return ok({ levels: Array.from({ length: count }, () => warehouse.move()) })
    }
    if (path === '/helpdesk/messages') {
      only('POST')
      const input = await body(MessagesSchema)
      return ok({ messages: Array.from({ length: input.count }, () => helpdesk.receive({ orderNumber: input.order_number })) })
    }
    if (path === '/effects') {
      only('GET')
      return ok(effects.list(parseWith(EffectsQuerySchema, Object.fromEntries(url.searchParams), 'query')))
    }
    if (path === '/requests') {
      only('GET')
      const query = parseWith(RequestsQuerySchema, Object.fromEntries(url.searchParams), 'query')
      const since = query.since ? new Date(query.since).toISOString() : undefined
      return ok({ requests: requestLog.filter((entry) => (!query.provider || entry.provider === query.provider) && (!since || entry.at >= since)) })
    }
    if (path === '/webhooks') {
      if (method === 'GET') {
        const provider = url.searchParams.get('provider') ?? undefined
        return ok({ url: webhooks.url, held: webhooks.heldCount(), deliveries: webhooks.deliveries({ provider }) })
      }
      only('POST')
      webhooks.url = (await body(WebhookUrlSchema)).url
      return ok({ url: webhooks.url })
    }
    if (path === '/webhooks/flush') {
      only('POST')
      return ok({ released: webhooks.flush() })
    }
    throw new HttpError(404, 'not_found', `no control route ${method} ${url.pathname}`)
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://sandbox')
    const segments = url.pathname.split('/').filter(Boolean)
    if (url.pathname === '/healthz') return sendJson(response, 200, { ok: true })
    if (segments[0] === 'control') {
      // No key on the control API: it answers loopback callers only (the sandbox never runs in production).
      if (!isLoopback(request.socket.remoteAddress)) return sendError(response, 403, 'forbidden', 'the control API answers 127.0.0.1 only')
      return handleControl(request, response, url, segments)
    }
    const provider = segments[0] as Provider
    if (PROVIDERS.includes(provider)) return handleProvider(provider, request, response, url, '/' + segments.slice(1).join('/'))
    return sendError(response, 404, 'not_found', `no route ${request.method} ${url.pathname}`)
  }

  const server = createServer((request, response) => {
    handle(request, response)
      // Anything but a GET may have changed state (a provider POST, a control route); timers mark it through emit.
      .finally(() => {
        if (request.method !== 'GET') dirty = true
      })
      .catch((error: unknown) => {
        if (response.headersSent) return void response.destroy()
        if (error instanceof HttpError) return sendError(response, error.status, error.code, error.message)
        sendError(response, 500, 'internal', (error as Error).message)
      })
  })

  // server.close() waits for open requests; held (timeout-fault) requests would keep it open for ever, so stop the
  // timers and cut those first. The 'close' event covers a close that came some other way.
  const close = server.close.bind(server)
  const stop = () => {
    closed = true
    generatorTimers.forEach(clearInterval)
    flashSale.close()
    if (carrierTimer) clearInterval(carrierTimer)
    webhooks.close()
    for (const response of held) response.destroy()
    for (const timer of sleeping) clearTimeout(timer)
    if (saveTimer) clearInterval(saveTimer)
    // Runs again on 'close', after the requests still open have finished: those changes are saved too.
    save()
  }
  server.close = ((callback?: (error?: Error) => void) => {
    stop()
    return close(callback)
  }) as Server['close']
  server.once('close', stop)

  return server
}

function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | null {
  const parts = path.split('/').filter(Boolean)
  let pathMatched = false
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean)
    if (pattern.length !== parts.length) continue
    const params: Record<string, string> = {}
    const matches = pattern.every((segment, index) => {
      if (segment.startsWith(':')) {
        params[segment.slice(1)] = safeDecode(parts[index])
        return true
      }
      return segment === parts[index]
    })
    if (!matches) continue
    pathMatched = true
    if (route.method === method) return { route, params }
  }
  return pathMatched ? 'method' : null
}

function safeDecode(segment: string) {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function hasApiKey(request: IncomingMessage, apiKey: string) {
  const given = Buffer.from(String(request.headers['x-api-key'] ?? ''))
  const expected = Buffer.from(apiKey)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function isLoopback(address: string | undefined) {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1'
}
