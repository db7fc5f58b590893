import { createCookieSessionStorage, redirect } from '@remix-run/node'
import { z } from 'zod'
import { getEnv } from './env.server.ts'
import { singleton } from './singleton.server.ts'

/**
 * One-shot messages after a mutation ("User created"), carried across the redirect in a small signed cookie and
 * read (and cleared) by the root loader. Pattern from the Epic Stack's toast.server.ts.
 */

export const ToastSchema = z.object({
  // Tells a new toast from the same one read again: a revalidation that finds no toast must not hide the shown one.
  id: z.string().default(() => crypto.randomUUID()),
  type: z.enum(['success', 'error', 'info']).default('success'),
  title: z.string().max(200),
  description: z.string().max(500).optional(),
})
export type Toast = z.infer<typeof ToastSchema>
export type ToastInput = z.input<typeof ToastSchema>

const FLASH_KEY = 'toast'

const storage = () =>
  singleton('toast-session-storage', () => {
    const env = getEnv()
    return createCookieSessionStorage({
      cookie: {
        name: 'opsdeck_toast',
        httpOnly: true,
        sameSite: 'lax',
        secure: env.SECURE_COOKIES,
        path: '/',
        secrets: [env.SESSION_SECRET],
      },
    })
  })

export async function createToastHeaders(toast: ToastInput) {
  const session = await storage().getSession()
  session.flash(FLASH_KEY, ToastSchema.parse(toast))
  return new Headers({ 'set-cookie': await storage().commitSession(session) })
}

export async function redirectWithToast(url: string, toast: ToastInput, init: ResponseInit = {}) {
  const headers = new Headers(init.headers)
  for (const [name, value] of await createToastHeaders(toast)) headers.append(name, value)
  return redirect(url, { ...init, headers })
}

/** The pending toast (if any) and the header that clears it; the root loader returns both. */
export async function getToast(request: Request) {
  const session = await storage().getSession(request.headers.get('cookie'))
  const parsed = ToastSchema.safeParse(session.get(FLASH_KEY))
  const toast = parsed.success ? parsed.data : null
  return {
    toast,
    headers: toast ? new Headers({ 'set-cookie': await storage().destroySession(session) }) : null,
  }
}
