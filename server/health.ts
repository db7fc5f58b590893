import type { RequestHandler } from 'express'
import { prisma } from '#app/utils/db.server.ts'

/**
 * Liveness and readiness. `/healthz` says the process is alive and does no I/O (it is also the benchmark target,
 * bench/http-floor.ts, so it is answered before express; see server/index.ts). `/readyz` says this process can
 * serve: the database and the queue backend answer, and it is not shutting down. Load balancers route on `/readyz`.
 */

export type ReadinessCheck = () => Promise<void>
export type CheckResult = 'ok' | string
export type Readiness =
  | { status: 'ready'; checks: Record<string, CheckResult> }
  | { status: 'not ready'; reason: string; checks: Record<string, CheckResult> }

// Above the checks' own timeouts (pingQueueBackend: 2 s) so their more specific reason wins.
export const CHECK_TIMEOUT_MS = 3_000

export const HEALTHZ_BODY = JSON.stringify({ status: 'ok' })

/** `select 1` through the app's Prisma client (same pool the pages use). */
export async function checkDatabase() {
  await prisma.$queryRaw`select 1`
}

function withTimeout(name: string, check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)
  })
  const run = Promise.resolve()
    .then(check)
    .then(
      () => 'ok' as const,
      (error: unknown) => describeError(error),
    )
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer)).then((result) => {
    if (result !== 'ok') return `${name} unreachable: ${result}`
    return result
  })
}

/** A one-line reason fit for a probe response: the error's message (and code), never a stack. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0])
  if (error instanceof Error) {
    // Prisma wraps driver errors in a multi-line invocation report ending in "Message: `…`"; keep just that.
    const prismaMessage = /Message: `([^`]+)`/.exec(error.message)?.[1]
    if (prismaMessage) return prismaMessage
    const code = (error as { code?: unknown }).code
    const message = error.message.split('\n').find((line) => line.trim()) ?? error.name
    return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message
  }
  return String(error)
}

export type ReadinessOptions = {
  checks: Record<string, ReadinessCheck>
  isShuttingDown: () => boolean
  timeoutMs?: number
}

export async function checkReadiness({ checks, isShuttingDown, timeoutMs = CHECK_TIMEOUT_MS }: ReadinessOptions): Promise<Readiness> {
  if (isShuttingDown()) return { status: 'not ready', reason: 'shutting down', checks: {} }
  const names = Object.keys(checks)
  const results = await Promise.all(names.map((name) => withTimeout(name, checks[name]!, timeoutMs)))
  const byName = Object.fromEntries(names.map((name, index) => [name, results[index]!]))
  const failing = results.filter((result) => result !== 'ok')
  // Shutdown may have begun while the checks ran.
  if (isShuttingDown()) return { status: 'not ready', reason: 'shutting down', checks: byName }
  if (failing.length === 0) return { status: 'ready', checks: byName }
  return { status: 'not ready', reason: failing.join('; '), checks: byName }
}

export function readinessHandler(options: ReadinessOptions): RequestHandler {
  return async (req, res) => {
    const readiness = await checkReadiness(options)
    if (readiness.status !== 'ready') req.log?.warn({ readiness }, 'not ready')
    res
      .status(readiness.status === 'ready' ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(readiness)
  }
}
