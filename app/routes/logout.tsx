import { json, type ActionFunctionArgs } from '@remix-run/node'
import { disconnectSessionSockets } from '#app/realtime/io.server.ts'
import { signOut } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * Sign-out is POST only (a GET could be triggered by any image tag). It needs no permission: anyone holding a
 * session cookie, even an expired one, may end it.
 */
export async function loader() {
  throw json({ message: 'Sign out with the "Sign out" button in the user menu.' }, { status: 405, headers: { Allow: 'POST' } })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const meta = getRequestMeta(request, context)
  const { sessionId, setCookie } = await signOut(request, meta)
  // Only this browser's sockets: the person's other sessions stay signed in and connected.
  if (sessionId) await disconnectSessionSockets(sessionId, 'signed-out')
  return redirectWithToast('/login', { type: 'info', title: 'You are signed out' }, { headers: { 'set-cookie': setCookie } })
}
