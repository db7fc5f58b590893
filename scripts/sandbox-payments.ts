/**
 * `npm start` step (scripts/start.mjs, once the sandbox is up): the sandbox's payment gateway learns the gateway
 * payments OpsDeck's database already has — the demo seed's (`pay_…` ids the sandbox never issued) and, after a lost
 * sandbox state file, the ones imported earlier — so refunding, capturing or voiding them works as it would against
 * a staging gateway that has them, instead of a 404 from the sandbox landing in dead letters.
 *
 * One request, `POST <sandbox>/control/payments/register` (sandbox/providers/payments.ts). Every start registers again:
 * payments the sandbox already has are kept as they are (its records are the provider's truth), so it is idempotent.
 * Only ever against the local sandbox: nothing is sent when NODE_ENV=production, when PAYMENTS_URL is not the
 * sandbox's, or when the sandbox is not on this machine.
 *
 * Run: `node --import tsx scripts/sandbox-payments.ts` (needs DATABASE_URL; SANDBOX_URL / SANDBOX_PORT as the app reads
 * them).
 */
import { pathToFileURL } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { ORDER_SOURCE, PAYMENTS_PROVIDER } from '#workers/integrations/payments/map.ts'
import { RegisteredPaymentSchema, type RegisteredPayment } from '#sandbox/providers/payments.ts'

const HEALTH_TIMEOUT_MS = 60_000
const REGISTER_TIMEOUT_MS = 60_000
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

type Env = Record<string, string | undefined>

/** The sandbox to register with, or why there is none (the same defaults as app/utils/env.server.ts). */
export function registrationTarget(env: Env): { sandboxUrl: string } | { skip: string } {
  if (env.NODE_ENV === 'production') return { skip: 'NODE_ENV=production' }
  const sandboxUrl = (env.SANDBOX_URL ?? `http://127.0.0.1:${env.SANDBOX_PORT || 4010}`).replace(/\/+$/, '')
  let host: string
  try {
    host = new URL(sandboxUrl).hostname
  } catch {
    return { skip: `SANDBOX_URL ${sandboxUrl} is not a URL` }
  }
  if (!LOOPBACK_HOSTS.has(host)) return { skip: `the sandbox (${sandboxUrl}) is not on this machine` }
  const paymentsUrl = (env.PAYMENTS_URL ?? `${sandboxUrl}/payments`).replace(/\/+$/, '')
  if (paymentsUrl !== `${sandboxUrl}/payments`) return { skip: `PAYMENTS_URL (${paymentsUrl}) is not the sandbox's` }
  return { sandboxUrl }
}

/**
 * The database's gateway payments as the gateway would hold them. Left out (counted): payments of an order the
 * gateway cannot name (not a storefront order), and rows in a state the gateway could not have reached (e.g. still
 * pending, or amounts that do not add up): the sandbox would refuse the whole batch for one of them.
 */
export async function gatewayPayments(prisma: PrismaClient): Promise<{ payments: RegisteredPayment[]; skipped: number }> {
  const rows = await prisma.payment.findMany({
    where: { provider: PAYMENTS_PROVIDER },
    select: {
      externalId: true,
      status: true,
      method: true,
      amount: true,
      currency: true,
      capturedAmount: true,
      refundedAmount: true,
      authorizedAt: true,
      capturedAt: true,
      externalUpdatedAt: true,
      createdAt: true,
      updatedAt: true,
      order: { select: { source: true, externalId: true } },
      refunds: {
        where: { status: 'succeeded', externalId: { not: null } },
        select: { id: true, externalId: true, amount: true, reason: true, processedAt: true, createdAt: true },
        orderBy: { createdAt: 'asc' },
      },
    },
    // Seeded rows share their createdAt: the id makes the order the same on every read.
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  })
  const payments: RegisteredPayment[] = []
  for (const row of rows) {
    if (row.order.source !== ORDER_SOURCE || !row.order.externalId) continue
    const candidate = {
      id: row.externalId,
      order_reference: row.order.externalId,
      status: row.status,
      amount: row.amount,
      currency: row.currency,
      captured_amount: row.capturedAmount,
      refunded_amount: row.refundedAmount,
      method: row.method,
      authorized_at: row.authorizedAt?.toISOString() ?? null,
      captured_at: row.capturedAt?.toISOString() ?? null,
      // Refund.id is what OpsDeck sends as a refund's `reference`, so a later pull matches them up again.
      refunds: row.refunds.map((refund) => ({
        id: refund.externalId!,
        amount: refund.amount,
        reference: refund.id,
        reason: refund.reason,
        created_at: (refund.processedAt ?? refund.createdAt).toISOString(),
      })),
      created_at: row.createdAt.toISOString(),
      updated_at: (row.externalUpdatedAt ?? row.updatedAt).toISOString(),
    }
    if (RegisteredPaymentSchema.safeParse(candidate).success) payments.push(candidate as RegisteredPayment)
  }
  return { payments, skipped: rows.length - payments.length }
}

/** Waits for the sandbox's /healthz (it was just started). */
export async function waitForSandbox(sandboxUrl: string, timeoutMs = HEALTH_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const up = await fetch(`${sandboxUrl}/healthz`, { signal: AbortSignal.timeout(2_000) }).then((response) => response.ok, () => false)
    if (up) return
    if (Date.now() > deadline) throw new Error(`the sandbox at ${sandboxUrl} did not answer /healthz within ${timeoutMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** One request for all of them; the sandbox's 4xx message (e.g. which field is wrong) is the error's. */
export async function registerPayments(sandboxUrl: string, payments: RegisteredPayment[]): Promise<{ registered: number; known: number }> {
  const response = await fetch(`${sandboxUrl}/control/payments/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payments }),
    signal: AbortSignal.timeout(REGISTER_TIMEOUT_MS),
  })
  const body = (await response.json().catch(() => null)) as { registered: number; known: number; error?: { message?: string } } | null
  if (!response.ok) throw new Error(`the sandbox refused the payments (${response.status}): ${body?.error?.message ?? 'no message'}`)
  return { registered: body!.registered, known: body!.known }
}

/** Everything `npm start` needs: returns the line to print. */
export async function registerDatabasePayments(prisma: PrismaClient, env: Env): Promise<string> {
  const target = registrationTarget(env)
  if ('skip' in target) return `sandbox payments: not registering (${target.skip})`
  const { payments, skipped } = await gatewayPayments(prisma)
  await waitForSandbox(target.sandboxUrl)
  const { registered, known } = await registerPayments(target.sandboxUrl, payments)
  return `sandbox payments: ${registered} of the database's gateway payments registered with the sandbox, ${known} it already had${skipped ? `, ${skipped} left out (no storefront order, or not a state the gateway could have)` : ''}`
}

async function main() {
  const connectionString = process.env.DATABASE_URL
  if (!connectionString) throw new Error('DATABASE_URL is not set')
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString, max: 1 }) })
  try {
    console.log(await registerDatabasePayments(prisma, process.env))
  } finally {
    await prisma.$disconnect()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`sandbox payments: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  })
}
