import { json, type ActionFunctionArgs } from '@remix-run/node'
import { disconnectSessionSockets } from '#app/realtime/io.server.ts'
import { signOut } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * Sign-out is POST only (a GET could be triggered by any image tag). It needs no permission: anyone holding a
 * session cookie, even an expired one, may end it.
 */
/** See the action: long enough for the sign-out response to be applied before the revoke event arrives. */
const SOCKET_REVOKE_DELAY_MS = 1_000

export async function loader() {
  throw json({ message: 'Sign out with the "Sign out" button in the user menu.' }, { status: 405, headers: { Allow: 'POST' } })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const meta = getRequestMeta(request, context)
  const { sessionId, setCookie } = await signOut(request, meta)
  if (sessionId) {
    // Only this browser's sockets (other sessions of the person stay connected), and only after this response has
    // landed: if `session.revoked` reached this tab first, its full-page redirect would abort the request whose
    // response clears the cookie. By then this tab is on /login, where the socket provider is already unmounted;
    // other tabs of the same browser are sent to sign-in a moment later.
    setTimeout(() => {
      disconnectSessionSockets(sessionId, 'signed-out').catch((error: unknown) => context.log?.warn({ err: error }, 'could not end sockets after sign-out'))
    }, SOCKET_REVOKE_DELAY_MS).unref()
  }
  return redirectWithToast('/login', { type: 'info', title: 'You are signed out' }, { headers: { 'set-cookie': setCookie } })
}
