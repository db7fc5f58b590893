import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

/**
 * Fuzz of `POST /webhooks/:provider` (issue 3 "Proof"; CONTRACTS-3.md § B) through the real app factory, this file's
 * own Postgres database and BullMQ on the machine's Redis (TEST_REDIS_URL, this file's QUEUE_PREFIX), over real HTTP.
 * After every request: the server answered, below 500, with the status the contract gives for that input, and a
 * rejection names its reason. At the end: one job per distinct verified valid event, inbox rows for exactly those,
 * one delivery-log row per answered delivery and none holding a body, and a last valid delivery is still accepted.
 */

// BullMQ on Redis under this file's QUEUE_PREFIX (test/setup/database.ts): set before any app module reads its env.
process.env.REDIS_URL = process.env.TEST_REDIS_URL
const { closeQueues } = await import('#app/queues/connection.server.ts')
const { getIntegrationQueue, INTEGRATION_KEYS } = await import('#app/queues/integrations.server.ts')
const { WebhookEnvelopeSchema } = await import('#app/models/webhook.server.ts')
const { prisma } = await import('#app/utils/db.server.ts')
const { createApp } = await import('./app.ts')
const { createWebhookRouter, signWebhookBody, WEBHOOK_BODY_LIMIT } = await import('./webhooks.ts')

type Provider = (typeof INTEGRATION_KEYS)[number]
const SECRET = 'fuzz-webhook-secret-0123456789'
const OTHER_SECRET = 'fuzz-webhook-other-secret-9876543210'
const MARK = 'BODYMARK' // put into rejected bodies; must never show up in the delivery log
const ERROR_CODES = ['too_large', 'unknown_provider', 'missing_signature', 'bad_signature', 'malformed']
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)

let server: http.Server
let port = 0
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })

beforeAll(async () => {
  const app = createApp({
    logger: pino({ level: 'silent' }),
    allowedOrigins: ['http://localhost:3999'],
    httpsOnly: false,
    trustProxy: false,
    mode: 'test',
    requestHandler: (_req, res) => void res.status(404).send('remix'),
    readiness: { checks: { database: async () => {}, queue: async () => {} }, isShuttingDown: () => false },
    webhooks: createWebhookRouter({ secret: SECRET }),
    originExemptPrefixes: ['/webhooks/'],
  })
  server = http.createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  agent.destroy()
  await new Promise((resolve) => server?.close(resolve))
  // Leave nothing behind on the shared Redis.
  for (const key of INTEGRATION_KEYS) await getIntegrationQueue(key).obliterate({ force: true })
  await closeQueues()
}, 30_000)

// ─── HTTP ───────────────────────────────────────────────────────────────────────────────────────────────────────

type Answer = { status: number; text: string; json: unknown }
type Request = {
  method?: string
  path: string
  headers?: Record<string, string | string[]>
  body?: Buffer | string
  /** Streamed with chunked transfer encoding (no content-length): `count` chunks of `chunk`. */
  stream?: { chunk: Buffer; count: number }
}

/** node:http, not fetch: repeated headers, any method, any path bytes, streaming; a dropped socket rejects. */
function send(request: Request): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false
    const req = http.request({ host: '127.0.0.1', port, method: request.method ?? 'POST', path: request.path, agent }, (res) => {
      answered = true
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown = null
        try {
          json = JSON.parse(text)
        } catch {}
        resolve({ status: res.statusCode ?? 0, text, json })
      })
    })
    for (const [name, value] of Object.entries(request.headers ?? {})) req.setHeader(name, value)
    // A write error after the server answered (it stopped reading an oversized body) is not a crash.
    req.on('error', (error) => (answered ? undefined : reject(error)))
    if (request.stream) {
      const { chunk, count } = request.stream
      let sent = 0
      const pump = () => {
        while (sent < count && !answered && !req.destroyed) {
          sent++
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        req.end()
      }
      pump()
    } else {
      req.end(request.body ?? undefined)
    }
  })
}

// ─── The oracle: what the contract says each delivery must get ───────────────────────────────────────────────────

/** provider:eventId of every verified valid envelope sent so far (its first delivery got 202, later ones 200). */
const validKeys = new Set<string>()
const stats = { requests: 0, accepted: 0, duplicate: 0, rejected: new Map<number, number>() }
/** Answers that came from the receiver (a JSON error code, accepted or duplicate): each must have one log row. */
let receiverAnswers = 0

function validEnvelope(body: Buffer): { id: string } | null {
  let json: unknown
  try {
    json = JSON.parse(body.toString('utf8'))
  } catch {
    return null
  }
  const parsed = WebhookEnvelopeSchema.safeParse(json)
  return parsed.success ? { id: parsed.data.id } : null
}

async function totalJobs() {
  let total = 0
  for (const key of INTEGRATION_KEYS) {
    const counts = await getIntegrationQueue(key).getJobCounts()
    total += Object.values(counts).reduce((sum, n) => sum + n, 0)
  }
  return total
}

function expectRejection(answer: Answer, status: number, code: string, label: string) {
  expect(answer.status, label).toBe(status)
  const error = (answer.json as { error?: { code?: unknown; message?: unknown } } | null)?.error
  expect(error?.code, `${label}: ${answer.text.slice(0, 200)}`).toBe(code)
  expect(typeof error?.message === 'string' && error.message.length > 0, `${label}: names the reason`).toBe(true)
}

/**
 * Sends one delivery to `/webhooks/<provider>` signed as given and checks the answer against the contract:
 * 404 unknown provider · 413 over the limit · 401 unverified (and nothing stored, no job) · 400 verified but not
 * an envelope · 202 first / 200 later delivery of a verified valid envelope.
 */
async function deliver(input: {
  provider: string
  body: Buffer | string
  signature?: string | string[] | null
  /** Whether `signature` is a correct one for the body (else computed: exactly signWebhookBody(SECRET, body)). */
  verified?: boolean
  headers?: Record<string, string | string[]>
  label?: string
}) {
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body
  const signature = input.signature === undefined ? signWebhookBody(SECRET, body) : input.signature
  const verified = input.verified ?? signature === signWebhookBody(SECRET, body)
  const label = input.label ?? `${input.provider} ${body.subarray(0, 80).toString('utf8')}`
  const known = (INTEGRATION_KEYS as readonly string[]).includes(input.provider)
  const envelope = verified && known && body.length <= WEBHOOK_BODY_LIMIT ? validEnvelope(body) : null
  const jobsBefore = verified ? 0 : await totalJobs()

  stats.requests++
  const answer = await send({
    path: `/webhooks/${encodeURIComponent(input.provider)}`,
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'x-webhook-signature': signature }),
      ...input.headers,
    },
    body,
  })
  expect(answer.status, label).toBeLessThan(500)
  receiverAnswers++

  if (!known) expectRejection(answer, 404, 'unknown_provider', label)
  else if (body.length > WEBHOOK_BODY_LIMIT) expectRejection(answer, 413, 'too_large', label)
  else if (!verified) expectRejection(answer, 401, signature === null ? 'missing_signature' : 'bad_signature', label)
  else if (!envelope) expectRejection(answer, 400, 'malformed', label)
  else {
    const key = `${input.provider}:${envelope.id}`
    if (validKeys.has(key)) {
      expect({ status: answer.status, json: answer.json }, label).toEqual({ status: 200, json: { duplicate: true } })
      stats.duplicate++
    } else {
      expect({ status: answer.status, json: answer.json }, label).toEqual({ status: 202, json: { accepted: true } })
      validKeys.add(key)
      stats.accepted++
    }
    return answer
  }
  stats.rejected.set(answer.status, (stats.rejected.get(answer.status) ?? 0) + 1)
  if (!verified) {
    // Nothing from an unverified body: no job, and no inbox row under whatever id it claims.
    expect(await totalJobs(), `${label}: no job`).toBe(jobsBefore)
    const claimed = validEnvelope(body)
    if (claimed && known) {
      const row = await prisma.webhookEvent.findUnique({ where: { provider_eventId: { provider: input.provider as Provider, eventId: claimed.id } } })
      if (!validKeys.has(`${input.provider}:${claimed.id}`)) expect(row, `${label}: no inbox row`).toBeNull()
    }
  }
  return answer
}

// ─── Generators ─────────────────────────────────────────────────────────────────────────────────────────────────

let seq = 0
const nextId = () => `evt_fz_${SEED}_${++seq}`
const provider = fc.constantFrom(...INTEGRATION_KEYS)
const isoDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .chain((date) => fc.constantFrom(date.toISOString(), date.toISOString().replace('Z', '+02:00'), date.toISOString().slice(0, 19) + 'Z'))
const validEnvelopeArb = fc.record({
  id: fc.string({ maxLength: 40 }).map((suffix) => `${nextId()}${suffix}`),
  type: fc.oneof(fc.constantFrom('order.created', 'order.updated', 'payment.captured', 'shipment.delivered'), fc.string({ minLength: 1, maxLength: 64 })),
  created_at: isoDate,
  data: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
})
/** Every wrong type a field can have, carrying the marker that must never reach the log. */
const wrongValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map((object) => ({ ...object, m: MARK })),
  fc.string({ unit: 'binary', maxLength: 60 }).map((s) => `${MARK}${s}`),
  fc.constantFrom('', 'yesterday', '2024-13-45T99:99:99Z', '2024-01-01', `${MARK}${'x'.repeat(200)}`, '\u0000', '__proto__'),
)

// ─── The fuzz ───────────────────────────────────────────────────────────────────────────────────────────────────

describe('webhook fuzz: 0 crashes, 0 5xx, 0 jobs from unverified bodies', () => {
  const params = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true })

  test('arbitrary bytes, strings and JSON values, signed or not', async () => {
    const deep = fc.integer({ min: 1, max: 100_000 }).chain((depth) =>
      fc.constantFrom('[', '{"a":').map((open) => (open === '[' ? '['.repeat(depth) + ']'.repeat(depth) : open.repeat(depth) + '1' + '}'.repeat(depth))),
    )
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.string({ unit: 'grapheme', maxLength: 500 }),
      fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
      fc.jsonValue({ maxDepth: 30 }).map((value) => JSON.stringify({ id: value, type: value, created_at: value, data: value })),
      deep,
    )
    await fc.assert(
      fc.asyncProperty(provider, body, fc.boolean(), async (key, payload, signed) => {
        await deliver({ provider: key, body: payload, signature: signed ? undefined : null })
      }),
      params(160),
    )
  })

  test('almost-valid envelopes with wrong types per field, missing fields and huge extras, correctly signed', async () => {
    const field = <T>(good: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 3, arbitrary: good.map((value) => ({ value })) }, { weight: 2, arbitrary: wrongValue.map((value) => ({ value })) }, { weight: 1, arbitrary: fc.constant(null) })
    const envelope = fc.record({
      id: field(fc.string({ maxLength: 100 }).map((suffix) => `${nextId()}${suffix}`)),
      type: field(fc.string({ minLength: 1, maxLength: 70 })),
      created_at: field(isoDate),
      data: field(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 5 })),
      extra: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
    })
    await fc.assert(
      fc.asyncProperty(provider, envelope, async (key, { extra, ...fields }) => {
        const object: Record<string, unknown> = {}
        for (const [name, slot] of Object.entries(fields)) if (slot) object[name] = slot.value
        if (extra) object.padding = 'p'.repeat(extra)
        await deliver({ provider: key, body: JSON.stringify(object) })
      }),
      params(140),
    )
  })

  test('valid envelopes, including odd but legal ids, types and data, are accepted once', async () => {
    await fc.assert(
      fc.asyncProperty(provider, validEnvelopeArb, async (key, envelope) => {
        await deliver({ provider: key, body: JSON.stringify(envelope) })
      }),
      params(60),
    )
  })

  test('bad signatures: missing, wrong prefix, wrong length, non-hex, other body, other secret, repeated; uppercase hex is the same HMAC', async () => {
    const mutations = [
      'missing',
      'empty',
      'no-prefix',
      'sha1-prefix',
      'short',
      'long',
      'non-hex',
      'other-body',
      'other-secret',
      'repeated-same',
      'repeated-mixed',
      'spaces-inside',
      'uppercase',
      'uppercase-prefix',
      'padded',
    ] as const
    await fc.assert(
      fc.asyncProperty(provider, validEnvelopeArb, fc.constantFrom(...mutations), async (key, envelope, mutation) => {
        const body = JSON.stringify({ ...envelope, data: { ...envelope.data, note: MARK } })
        const good = signWebhookBody(SECRET, body)
        const hex = good.slice('sha256='.length)
        const signatures: Record<(typeof mutations)[number], { signature: string | string[] | null; verified: boolean }> = {
          missing: { signature: null, verified: false },
          empty: { signature: '', verified: false },
          'no-prefix': { signature: hex, verified: false },
          'sha1-prefix': { signature: `sha1=${hex}`, verified: false },
          short: { signature: good.slice(0, -1), verified: false },
          long: { signature: `${good}0`, verified: false },
          'non-hex': { signature: `sha256=${'g'.repeat(64)}`, verified: false },
          'other-body': { signature: signWebhookBody(SECRET, `${body} `), verified: false },
          'other-secret': { signature: signWebhookBody(OTHER_SECRET, body), verified: false },
          // Node joins a repeated header with ", ": no longer one signature, so never verified.
          'repeated-same': { signature: [good, good], verified: false },
          'repeated-mixed': { signature: [signWebhookBody(OTHER_SECRET, body), good], verified: false },
          'spaces-inside': { signature: `sha256= ${hex}`, verified: false },
          // Hex is case-insensitive and the prefix too (the receiver's /i): the same 32 bytes, so verified.
          uppercase: { signature: `sha256=${hex.toUpperCase()}`, verified: true },
          'uppercase-prefix': { signature: `SHA256=${hex}`, verified: true },
          // Surrounding whitespace is trimmed (HTTP already drops it).
          padded: { signature: ` ${good} `, verified: true },
        }
        const { signature, verified } = signatures[mutation]
        // An empty header is "missing" to the receiver.
        const answer = await deliver({ provider: key, body, signature: signature === '' ? null : signature, verified, label: mutation })
        if (signature === '') expect(answer.status).toBe(401)
      }),
      params(90),
    )
  })

  test('huge bodies: exactly at, just under and just over 256 KiB, signed and not; a multi-MB stream; a gzip bomb', async () => {
    const padded = (size: number) => {
      const base = { id: nextId(), type: 'order.updated', created_at: new Date().toISOString(), data: { pad: '' } }
      const length = Buffer.byteLength(JSON.stringify(base))
      return JSON.stringify({ ...base, data: { pad: 'x'.repeat(size - length) } })
    }
    for (const size of [WEBHOOK_BODY_LIMIT - 1, WEBHOOK_BODY_LIMIT, WEBHOOK_BODY_LIMIT + 1, WEBHOOK_BODY_LIMIT * 2]) {
      const body = padded(size)
      expect(Buffer.byteLength(body)).toBe(size)
      await deliver({ provider: 'storefront', body, label: `signed ${size}` })
      await deliver({ provider: 'payments', body: padded(size), signature: null, label: `unsigned ${size}` })
      await deliver({ provider: 'carrier', body: padded(size), signature: signWebhookBody(OTHER_SECRET, body), verified: false, label: `badly signed ${size}` })
    }
    // 8 MiB streamed without a content-length: refused once the limit is crossed, the process stays up.
    const jobsBefore = await totalJobs()
    const chunk = Buffer.alloc(64 * 1024, '{')
    const streamed = await send({ path: '/webhooks/warehouse', headers: { 'x-webhook-signature': signWebhookBody(SECRET, 'x') }, stream: { chunk, count: 128 } })
    expectRejection(streamed, 413, 'too_large', 'streamed 8 MiB')
    receiverAnswers++
    // A lying content-length (says small, sends more) and a gzip bomb (small on the wire, 16 MiB inflated).
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, ' '))
    const bombAnswer = await send({
      path: '/webhooks/helpdesk',
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/json', 'x-webhook-signature': signWebhookBody(SECRET, bomb) },
      body: bomb,
    })
    expectRejection(bombAnswer, 413, 'too_large', 'gzip bomb')
    receiverAnswers++
    expect(await totalJobs()).toBe(jobsBefore)
  })

  test('replays: the same signed delivery 20× in parallel is one inbox row, one job, one 202 and 19 × 200 duplicate', async () => {
    for (const key of INTEGRATION_KEYS) {
      const id = nextId()
      const body = JSON.stringify({ id, type: 'order.updated', created_at: new Date().toISOString(), data: { n: 1 } })
      const jobsBefore = await totalJobs()
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          send({ path: `/webhooks/${key}`, headers: { 'content-type': 'application/json', 'x-webhook-signature': signWebhookBody(SECRET, body) }, body }),
        ),
      )
      stats.requests += 20
      receiverAnswers += 20
      const statuses = answers.map((answer) => answer.status).sort()
      expect(statuses).toEqual([...Array<number>(19).fill(200), 202])
      expect(answers.filter((answer) => answer.status === 200).every((answer) => JSON.stringify(answer.json) === '{"duplicate":true}')).toBe(true)
      validKeys.add(`${key}:${id}`)
      stats.accepted++
      stats.duplicate += 19
      expect(await prisma.webhookEvent.count({ where: { provider: key, eventId: id } })).toBe(1)
      expect(await totalJobs()).toBe(jobsBefore + 1)
      // A replay later, one at a time, is still a duplicate.
      await deliver({ provider: key, body, label: 'late replay' })
    }
  })

  test('unknown providers, traversal-ish names, wrong methods, content types and encodings', async () => {
    const odd = fc.oneof(
      fc.constantFrom('bank', 'Storefront', 'STOREFRONT', 'storefront ', ' storefront', '..', '../storefront', 'storefront/..', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '\u0000', 'storefront\u0000', 'x'.repeat(5000), '%', '%2e%2e', 'sync-storefront'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }).filter((name) => !(INTEGRATION_KEYS as readonly string[]).includes(name)),
    )
    await fc.assert(
      fc.asyncProperty(odd, validEnvelopeArb, fc.boolean(), async (name, envelope, signed) => {
        const body = JSON.stringify(envelope)
        await deliver({ provider: name, body, signature: signed ? undefined : null, label: `provider ${JSON.stringify(name.slice(0, 40))}` })
      }),
      params(60),
    )

    // Raw paths the URL encoder would never produce: nothing may 5xx, and nothing may be stored or enqueued.
    const jobsBefore = await totalJobs()
    const eventsBefore = await prisma.webhookEvent.count()
    const body = JSON.stringify({ id: nextId(), type: 'order.updated', created_at: new Date().toISOString(), data: {} })
    const signature = signWebhookBody(SECRET, body)
    for (const path of ['/webhooks/%E0%A4%A', '/webhooks/%', '/webhooks/%00', '/webhooks/..%2Fstorefront', '/webhooks/storefront/../payments', '/webhooks/', '/webhooks', '/webhooks/storefront/extra', '/webhooks/%2e%2e/storefront']) {
      const answer = await send({ path, headers: { 'content-type': 'application/json', 'x-webhook-signature': signature }, body })
      expect(answer.status, path).toBeLessThan(500)
      expect([200, 202], path).not.toContain(answer.status)
      stats.requests++
      if ((answer.json as { error?: { code?: string } } | null)?.error?.code) receiverAnswers += ERROR_CODES.includes((answer.json as { error: { code: string } }).error.code) ? 1 : 0
    }
    // An empty segment before the provider still routes to it (express): a normal, signed delivery.
    const doubled = JSON.stringify({ id: nextId(), type: 'order.updated', created_at: new Date().toISOString(), data: {} })
    const doubledAnswer = await send({ path: '/webhooks//storefront', headers: { 'x-webhook-signature': signWebhookBody(SECRET, doubled) }, body: doubled })
    expect(doubledAnswer.status).toBe(202)
    validKeys.add(`storefront:${(JSON.parse(doubled) as { id: string }).id}`)
    stats.requests++
    stats.accepted++
    receiverAnswers++
    const afterDoubled = await totalJobs()
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND']) {
      const answer = await send({ method, path: '/webhooks/storefront', headers: { 'x-webhook-signature': signature, 'content-type': 'application/json' }, body: method === 'GET' || method === 'HEAD' ? undefined : body })
      expect(answer.status, method).toBeLessThan(500)
      expect([200, 202], method).not.toContain(answer.status)
      stats.requests++
    }
    expect(await totalJobs()).toBe(afterDoubled)
    expect(await prisma.webhookEvent.count()).toBe(eventsBefore + 1)

    // Content types and encodings do not matter to a raw-bytes receiver: the signature over the bytes decides.
    const contentTypes = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/octet-stream', '', '\u00ff/\u00ff']
    for (const contentType of contentTypes) {
      const payload = JSON.stringify({ id: nextId(), type: 'order.updated', created_at: new Date().toISOString(), data: {} })
      await deliver({ provider: 'warehouse', body: payload, headers: { 'content-type': contentType.replace(/[^\x20-\x7e]/g, '?') }, label: `content-type ${contentType}` })
      await deliver({ provider: 'warehouse', body: payload.replace('order', 'xrder'), signature: signWebhookBody(SECRET, payload), verified: false, label: `tampered, content-type ${contentType}` })
    }
    const beforeEncodings = await totalJobs()
    for (const encoding of ['br', 'compress', 'bogus', 'gzip', 'deflate']) {
      // Not actually encoded: an unsupported encoding is 415, bytes that do not inflate are 400; never stored.
      const payload = JSON.stringify({ id: nextId(), type: 'order.updated', created_at: new Date().toISOString(), data: { m: MARK } })
      const answer = await send({ path: '/webhooks/payments', headers: { 'content-encoding': encoding, 'x-webhook-signature': signWebhookBody(SECRET, payload) }, body: payload })
      expect(answer.status, encoding).toBeGreaterThanOrEqual(400)
      expect(answer.status, encoding).toBeLessThan(500)
      expect(ERROR_CODES, `${encoding}: ${answer.text}`).toContain((answer.json as { error?: { code?: string } })?.error?.code)
      stats.requests++
      receiverAnswers++
    }
    expect(await totalJobs()).toBe(beforeEncodings)
  })

  test('JSON that reaches for prototypes, NUL bytes and lone surrogates is answered below 500', async () => {
    const at = new Date().toISOString()
    const bodies = [
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"__proto__":{"polluted":1}},"__proto__":{"polluted":2}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"__proto__":[]},"constructor":{"prototype":{"polluted":3}}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"__proto__":null}}`,
      `{"id":"${nextId()}\\u0000","type":"order.updated","created_at":"${at}","data":{}}`,
      `{"id":"${nextId()}","type":"order\\u0000updated","created_at":"${at}","data":{}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"note":"a\\u0000b"}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"a\\u0000":1}}`,
      `{"id":"${nextId()}\\ud800","type":"order.updated","created_at":"${at}","data":{}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"note":"\\udfff\\ud800"}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"deep":${'['.repeat(250)}${']'.repeat(250)}}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"deep":${'['.repeat(120)}${']'.repeat(120)}}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"deep":${'{"a":'.repeat(60)}1${'}'.repeat(60)}}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"path":"C:\\\\u0000\\\\ud800"}}`,
      `{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{"n":1e999,"m":-0,"big":123456789012345678901234567890}}`,
      `{"id":"${nextId()}","id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{}}`,
      `\ufeff{"id":"${nextId()}","type":"order.updated","created_at":"${at}","data":{}}`,
    ]
    for (const [index, body] of bodies.entries()) {
      for (const key of ['storefront', 'helpdesk'] as const) await deliver({ provider: key, body, label: `special #${index}` })
    }
    await deliver({ provider: 'storefront', body: bodies[3]!.replace('order.updated', 'x'), signature: null, label: 'unsigned NUL' })
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
  })

  test('at the end: jobs = distinct accepted events, inbox = exactly the verified valid ones, no bodies in the log, still healthy', async () => {
    // Still healthy: a last valid delivery is accepted.
    const last = { id: nextId(), type: 'order.updated', created_at: new Date().toISOString(), data: { last: true } }
    await deliver({ provider: 'storefront', body: JSON.stringify(last), label: 'final valid delivery' })
    expect(validKeys.has(`storefront:${last.id}`)).toBe(true)

    expect(await totalJobs()).toBe(validKeys.size)
    const events = await prisma.webhookEvent.findMany({ select: { provider: true, eventId: true } })
    expect(new Set(events.map((event) => `${event.provider}:${event.eventId}`))).toEqual(validKeys)
    expect(events.length).toBe(validKeys.size)

    const deliveries = await prisma.webhookDelivery.findMany()
    expect(deliveries.length).toBe(receiverAnswers)
    for (const row of deliveries) {
      expect(Object.keys(row).filter((column) => /body|payload|raw/i.test(column))).toEqual(['bodyBytes'])
      // The reason names what was wrong, never what was sent; id and topic are kept only from a verified body.
      expect(row.reason ?? '').not.toContain(MARK)
      if (row.verification !== 'verified' && row.verification !== 'malformed') expect({ eventId: row.eventId, topic: row.topic }).toEqual({ eventId: null, topic: null })
    }
    expect(deliveries.filter((row) => row.verification === 'verified' && !row.duplicate).length).toBe(validKeys.size)

    console.info(
      `webhook fuzz (seed ${SEED}): ${stats.requests} requests, ${stats.accepted} accepted, ${stats.duplicate} duplicates, rejected ${JSON.stringify(Object.fromEntries(stats.rejected))}`,
    )
  })
})
