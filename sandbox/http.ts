import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'

/** HTTP plumbing shared by the control API and the providers: bodies, answers, errors, list pages, idempotency. */

export const MAX_BODY_BYTES = 256 * 1024

/** An expected failure a handler throws; the server answers `{ error: { code, message } }` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** `maxBytes`: a route that takes a batch (e.g. registering thousands of payments) allows more than the default. */
export async function readBody(request: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > maxBytes) throw new HttpError(413, 'too_large', `body larger than ${maxBytes} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** The body as JSON; an empty body is `emptyAs` (undefined → 400), invalid JSON is 400. */
export async function readJson(request: IncomingMessage, emptyAs?: unknown, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const text = (await readBody(request, maxBytes)).toString('utf8')
  if (!text.trim()) {
    if (emptyAs !== undefined) return emptyAs
    throw new HttpError(400, 'invalid_body', 'expected a JSON body')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'invalid_json', 'body is not valid JSON')
  }
}

/** zod parse that fails with a 400 naming every offending field. */
export function parseWith<T extends z.ZodTypeAny>(schema: T, value: unknown, what = 'body'): z.infer<T> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  throw new HttpError(400, 'invalid_request', describeIssues(parsed.error, what))
}

export function describeIssues(error: z.ZodError, what = 'body') {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : what}: ${issue.message}`).join('; ')
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  sendText(response, status, JSON.stringify(body), headers)
}

export function sendText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  })
  response.end(text)
}

export function sendError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  sendJson(response, status, { error: { code, message } }, headers)
}

/** ISO-8601 UTC with milliseconds, the only timestamp format the sandbox writes. */
export const iso = (date: Date) => date.toISOString()

/** A random id with the provider's prefix (`pay_3k9x…`): unique across sandbox restarts, unlike a counter. */
export function newId(prefix: string) {
  return `${prefix}_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`
}

// ── lists ──────────────────────────────────────────────────────────────────────────────────────────────────────

const IsoSchema = z.string().datetime({ offset: true, message: 'must be an ISO-8601 timestamp' })
const ListQuerySchema = z.object({
  updated_since: IsoSchema.optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce
    .number({ message: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be between 1 and 200')
    .max(200, 'must be between 1 and 200')
    .default(50),
})
/** The most ids one `?ids=` list request may name. */
export const MAX_IDS = 250
const CursorSchema = z.tuple([z.string().datetime(), z.string().min(1)])

export type Listable = { id: string; updated_at: string }

/**
 * One page of a list, ordered by (updated_at, id). The cursor is the last (updated_at, id) served, so a row updated
 * while a client pages moves behind the cursor and is served again later — the same as a keyset API over a database.
 */
export function listPage<T extends Listable>(items: Iterable<T>, searchParams: URLSearchParams) {
  const query = parseWith(ListQuerySchema, Object.fromEntries(searchParams), 'query')
  const since = query.updated_since ? new Date(query.updated_since).toISOString() : undefined
  let after: [string, string] | undefined
  if (query.cursor) {
    try {
      after = CursorSchema.parse(JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8')))
    } catch {
      throw new HttpError(400, 'invalid_request', 'cursor: not a cursor this API returned')
    }
  }
  const matching: T[] = []
  for (const item of items) {
    if (since && item.updated_at < since) continue
    if (after && compareKeys(item, after) <= 0) continue
    matching.push(item)
  }
  matching.sort((a, b) => compareKeys(a, [b.updated_at, b.id]))
  const data = matching.slice(0, query.limit)
  const last = data.at(-1)
  const next_cursor =
    matching.length > query.limit && last ? Buffer.from(JSON.stringify([last.updated_at, last.id])).toString('base64url') : null
  return { data, next_cursor }
}

const IdsSchema = z
  .string()
  .transform((value) => value.split(',').filter((id) => id !== ''))
  .pipe(z.array(z.string().max(64)).min(1, 'must name at least one id').max(MAX_IDS, `must name at most ${MAX_IDS} ids`))

/**
 * `?ids=a,b,c` (as Shopify's `ids` filter): the named records that exist, in the order named, on one page; unknown
 * ids are left out. Lets a client fetch many single records in one request.
 */
export function listByIds<T>(find: (id: string) => T | undefined, ids: string) {
  const wanted = parseWith(z.object({ ids: IdsSchema }), { ids }, 'query').ids
  const data = [...new Set(wanted)].map(find).filter((item): item is T => item !== undefined)
  return { data, next_cursor: null }
}

function compareKeys(item: Listable, [updatedAt, id]: [string, string]) {
  if (item.updated_at !== updatedAt) return item.updated_at < updatedAt ? -1 : 1
  return item.id === id ? 0 : item.id < id ? -1 : 1
}

// ── idempotency ───────────────────────────────────────────────────────────────────────────────────────────────

/** JSON with object keys sorted at every depth, so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value))
}
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

export type StoredAnswer = { fingerprint: string; status: number; body: unknown }
const IdempotencySnapshotSchema = z.object({
  answers: z.array(z.tuple([z.string(), z.object({ fingerprint: z.string(), status: z.number().int(), body: z.unknown() })])),
})

/**
 * Answers to state-changing POSTs by (provider, idempotency key). Bounded: the oldest keys are forgotten past
 * `max` (far more than any test or benchmark sends; a real provider keeps keys for about a day).
 */
export class IdempotencyStore {
  private readonly answers = new Map<string, StoredAnswer>()
  constructor(private readonly max = 200_000) {}

  get(provider: string, key: string) {
    return this.answers.get(`${provider}\n${key}`)
  }

  set(provider: string, key: string, answer: StoredAnswer) {
    this.answers.set(`${provider}\n${key}`, answer)
    if (this.answers.size > this.max) this.answers.delete(this.answers.keys().next().value!)
  }

  /** [provider + "\n" + key, answer] pairs, oldest first (the order the bound forgets them in). */
  snapshot() {
    return { answers: [...this.answers] }
  }

  restore(data: unknown) {
    const snapshot = IdempotencySnapshotSchema.parse(data)
    this.answers.clear()
    for (const [key, answer] of snapshot.answers.slice(-this.max)) this.answers.set(key, answer as StoredAnswer)
  }
}

export const IdempotencyKeySchema = z.string().min(1).max(255)
