import { json } from '@remix-run/node'

/**
 * Expected failures throw a Response that the route's ErrorBoundary renders (STYLE.md habit 6).
 * The body is always `{ message }` so error pages can say what happened.
 */
export function invariantResponse(
  condition: unknown,
  message: string | (() => string),
  init: ResponseInit = { status: 400 },
): asserts condition {
  if (condition) return
  throw json({ message: typeof message === 'function' ? message() : message }, init)
}

/** What error pages read from a thrown Response's body. */
export type ErrorBody = { message: string; permission?: string }

/**
 * A same-site path to send someone back to after sign-in. Anything that could leave the site (`//evil.com`,
 * `/\evil.com`, `https://…`, control characters) falls back to `fallback`.
 */
export function safeRedirectPath(to: FormDataEntryValue | string | null | undefined, fallback = '/') {
  if (typeof to !== 'string' || !to) return fallback
  if (!to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\')) return fallback
  if (/[\u0000-\u001f\\]/.test(to)) return fallback
  return to
}

/**
 * Who sent a request, as far as the web server knows. The SERVER process puts the peer address (already resolved
 * through TRUST_PROXY) and the request id in Remix's load context; direct loader calls in tests have neither.
 */
export type RequestMeta = { ip: string | null; requestId: string | null; userAgent: string | null }

export function getRequestMeta(request: Request, context?: unknown): RequestMeta {
  const ctx = (context ?? {}) as { clientIp?: unknown; requestId?: unknown }
  const ip = typeof ctx.clientIp === 'string' ? ctx.clientIp : null
  const requestId =
    typeof ctx.requestId === 'string' ? ctx.requestId : request.headers.get('x-request-id')?.slice(0, 100) ?? null
  return { ip, requestId, userAgent: request.headers.get('user-agent')?.slice(0, 500) ?? null }
}
