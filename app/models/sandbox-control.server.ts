import { z } from 'zod'
import { recordAudit } from '#app/models/audit.server.ts'
import type { Actor } from '#app/models/dead-letter.server.ts'
import { INTEGRATION_KEYS } from '#app/queues/integrations.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

/**
 * The sandbox's control API (CONTRACTS-3.md § A "Control API"), called from the web process for the admin options
 * panel (/admin/sandbox).
 *
 * NOTE: this is the one documented exception to "the web process never calls an external system" (DESIGN.md): the
 * sandbox is a developer tool on 127.0.0.1, not a provider, and nothing here runs in production — there the
 * providers are real and fault injection must not exist, so every entry point refuses when NODE_ENV=production
 * (the route answers 404, as if the page did not exist).
 */

export function sandboxControlAvailable() {
  return getEnv().NODE_ENV !== 'production'
}

const CONTROL_TIMEOUT_MS = 5_000

const rate = z.number().min(0).max(1)
/**
 * The panel's copy of the sandbox's fault fields (sandbox/faults.ts): app/ never imports sandbox/ (DESIGN.md), and
 * the sandbox validates every patch again, so a drift shows as a 400 from it, not as a wrong setting.
 */
export const SandboxFaultsSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(60_000),
    errorRate: rate,
    errorStatus: z.number().int().min(500).max(599),
    timeoutRate: rate,
    rateLimitRate: rate,
    retryAfterSeconds: z.number().int().min(0).max(3600),
    retryAfterFormat: z.enum(['seconds', 'http-date']),
    malformedRate: rate,
    outage: z.boolean(),
    webhookDropRate: rate,
    webhookDuplicateRate: rate,
    webhookOutOfOrderRate: rate,
  })
  .partial()
export type SandboxFaults = z.infer<typeof SandboxFaultsSchema>

/** Read leniently: the panel shows what the sandbox reports even if it gains fields. */
const StateSchema = z.object({
  providers: z.array(
    z.object({
      name: z.string(),
      faults: SandboxFaultsSchema.passthrough().default({}),
      stats: z.object({ requests: z.number(), errors: z.number(), webhooksSent: z.number(), webhooksDropped: z.number() }).partial().optional(),
    }),
  ),
  generator: z.object({ ordersPerMinute: z.number() }).optional(),
  carrier: z.object({ stepSeconds: z.number() }).optional(),
  /** The last simulated flash sale (sandbox/flash-sale.ts), null before the first. */
  flashSale: z
    .object({
      active: z.boolean(),
      multiplier: z.number(),
      minutes: z.number(),
      baseOrdersPerMinute: z.number(),
      ordersPerMinute: z.number(),
      startedAt: z.string(),
      endsAt: z.string(),
      endedAt: z.string().nullable(),
      ordersSent: z.number(),
    })
    .nullable()
    .optional(),
})
export type SandboxState = z.infer<typeof StateSchema>

export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SandboxUnavailableError'
  }
}

/** The sandbox answered 4xx: its message says why (e.g. a value out of range). */
export class SandboxRejectedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'SandboxRejectedError'
  }
}

async function control(path: string, body?: unknown): Promise<unknown> {
  if (!sandboxControlAvailable()) throw new SandboxUnavailableError('The sandbox control API is disabled in production.')
  const url = `${getEnv().SANDBOX_URL}/control${path}`
  let response: Response
  try {
    response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    })
  } catch (error) {
    throw new SandboxUnavailableError(`No answer from the sandbox at ${getEnv().SANDBOX_URL}: ${error instanceof Error ? error.message : String(error)}`)
  }
  const text = await response.text()
  let json: unknown = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    // handled below
  }
  if (response.status >= 400 && response.status < 500) {
    const message = (json as { error?: { message?: string } | string } | null)?.error
    throw new SandboxRejectedError(response.status, typeof message === 'string' ? message : message?.message ?? `The sandbox refused (${response.status}).`)
  }
  if (!response.ok) throw new SandboxUnavailableError(`The sandbox answered ${response.status}.`)
  return json
}

export async function getSandboxState(): Promise<SandboxState> {
  const parsed = StateSchema.safeParse(await control('/state'))
  if (!parsed.success) throw new SandboxUnavailableError('The sandbox answered /control/state with an unexpected shape.')
  return parsed.data
}

async function audited(actor: Actor, action: string, entityId: string, after: Record<string, unknown>) {
  await recordAudit(prisma, {
    actorId: actor.id,
    action,
    entityType: 'Sandbox',
    entityId,
    after: after as never,
    ip: actor.ip,
    requestId: actor.requestId,
  })
}

export const SANDBOX_PROVIDERS = INTEGRATION_KEYS

export async function setSandboxFaults(provider: (typeof SANDBOX_PROVIDERS)[number], faults: SandboxFaults, actor: Actor) {
  await control(`/faults/${provider}`, faults)
  await audited(actor, 'manage:sandbox.faults', provider, { faults })
}

export async function resetSandboxFaults(actor: Actor) {
  await control('/reset', {})
  await audited(actor, 'manage:sandbox.reset', 'all', { faults: 'none' })
}

/** "Simulate a flash sale": the storefront generator at its rate × `multiplier` for `minutes`, then back (issue 7). */
export async function startSandboxFlashSale(input: { multiplier: number; minutes: number }, actor: Actor) {
  await control('/flash-sale', input)
  await audited(actor, 'manage:sandbox.flash-sale', 'storefront', input)
}

export async function setSandboxGenerator(ordersPerMinute: number, actor: Actor) {
  await control('/generator', { ordersPerMinute })
  await audited(actor, 'manage:sandbox.generator', 'storefront', { ordersPerMinute })
}
