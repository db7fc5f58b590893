import { json } from '@remix-run/node'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'

/**
 * Every address no other route matches. Without this splat route Remix answers such URLs before any loader runs,
 * so the 404 page would lose the signed-in shell (navigation, user menu). It returns no data, so it checks no
 * permission: everyone, signed in or not, gets the same 404.
 */
export async function loader() {
  throw json({ message: 'There is nothing at this address. Check the link, or start again from the home page.' }, { status: 404 })
}

export async function action() {
  throw json({ message: 'There is nothing at this address to send a form to.' }, { status: 404 })
}

export default function NotFound() {
  return null // never rendered: the loader always throws
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
