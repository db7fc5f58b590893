import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { timingSafeEqual } from 'node:crypto'
import { z } from 'zod'

/**
 * The sandbox: a real HTTP server imitating the external systems OpsDeck syncs with. Now it has the control API and
 * an authenticated ping per provider; the Integrations issue adds one module per provider (sandbox/<provider>/).
 */

export const PROVIDERS = ['storefront', 'payments', 'carrier', 'warehouse', 'helpdesk'] as const
export type Provider = (typeof PROVIDERS)[number]

export const FaultsSchema = z
  .object({
    /** Added before every answer of this provider. */
    latencyMs: z.number().int().min(0).max(60_000),
    /** Share of requests answered with `errorStatus` (0 = none, 1 = all). */
    errorRate: z.number().min(0).max(1),
    errorStatus: z.number().int().min(400).max(599),
  })
  .strict()
export type Faults = z.infer<typeof FaultsSchema>
export const FaultsPatchSchema = FaultsSchema.partial().strict()

const NO_FAULTS: Faults = { latencyMs: 0, errorRate: 0, errorStatus: 503 }
const MAX_BODY_BYTES = 64 * 1024

export type SandboxOptions = { apiKey: string; random?: () => number }

export function createSandboxServer({ apiKey, random = Math.random }: SandboxOptions): Server {
  const faults = new Map<Provider, Faults>(PROVIDERS.map((provider) => [provider, { ...NO_FAULTS }]))

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://sandbox')
    const segments = url.pathname.split('/').filter(Boolean)
    const method = request.method ?? 'GET'

    if (url.pathname === '/healthz') {
      if (method !== 'GET') return sendJson(response, 405, { error: 'use GET' })
      return sendJson(response, 200, { ok: true })
    }

    if (segments[0] === 'control') {
      if (segments[1] === 'state' && segments.length === 2) {
        if (method !== 'GET') return sendJson(response, 405, { error: 'use GET' })
        return sendJson(response, 200, { providers: PROVIDERS.map((name) => ({ name, faults: faults.get(name) })) })
      }
      if (segments[1] === 'faults' && segments.length === 3) {
        if (method !== 'POST') return sendJson(response, 405, { error: 'use POST' })
        const provider = segments[2] as Provider
        if (!PROVIDERS.includes(provider)) return sendJson(response, 404, { error: `unknown provider "${segments[2]}"`, providers: PROVIDERS })
        const body = await readJson(request)
        if (!body.ok) return sendJson(response, 400, { error: body.error })
        const parsed = FaultsPatchSchema.safeParse(body.value)
        if (!parsed.success) {
          return sendJson(response, 400, {
            error: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
          })
        }
        const next = { ...faults.get(provider)!, ...parsed.data }
        faults.set(provider, next)
        return sendJson(response, 200, { name: provider, faults: next })
      }
      return sendJson(response, 404, { error: `no control route ${method} ${url.pathname}` })
    }

    const provider = segments[0] as Provider
    if (PROVIDERS.includes(provider)) {
      if (!hasApiKey(request, apiKey)) return sendJson(response, 401, { error: 'missing or wrong API key (x-api-key header)' })
      const current = faults.get(provider)!
      if (current.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, current.latencyMs))
      if (current.errorRate > 0 && random() < current.errorRate) {
        return sendJson(response, current.errorStatus, { error: `injected fault (${current.errorStatus})` })
      }
      if (segments[1] === 'ping' && segments.length === 2 && method === 'GET') return sendJson(response, 200, { provider, ok: true })
      return sendJson(response, 404, { error: `no ${provider} route ${method} ${url.pathname}` })
    }

    return sendJson(response, 404, { error: `no route ${method} ${url.pathname}` })
  }

  return createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message })
      else response.destroy()
    })
  })
}

function hasApiKey(request: IncomingMessage, apiKey: string) {
  const given = Buffer.from(String(request.headers['x-api-key'] ?? ''))
  const expected = Buffer.from(apiKey)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

async function readJson(request: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return { ok: false, error: `body larger than ${MAX_BODY_BYTES} bytes` }
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text.trim()) return { ok: false, error: 'expected a JSON body' }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false, error: 'body is not valid JSON' }
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  response.end(text)
}
