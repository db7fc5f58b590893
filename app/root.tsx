import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from '@remix-run/react'
import { alertsStylesHref } from '#app/components/alerts/alerts-styles.ts'
import { NotificationCenter } from '#app/components/alerts/notification-center.tsx'
import { AppShell } from '#app/components/app-shell.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { LiveIndicator } from '#app/components/live-indicator.tsx'
import { Toaster } from '#app/components/toaster.tsx'
import { SocketProvider } from '#app/realtime/socket-provider.tsx'
import appStylesHref from '#app/styles/app.css'
import { useNonce } from '#app/utils/nonce-provider.ts'
import { sandboxControlAvailable } from '#app/models/sandbox-control.server.ts'
import { navItemsFor } from '#app/utils/permissions.ts'
import { getSessionUser } from '#app/utils/session.server.ts'
import { getToast } from '#app/utils/toast.server.ts'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: appStylesHref },
  { rel: 'stylesheet', href: alertsStylesHref },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export const meta: MetaFunction = () => [{ title: 'OpsDeck' }]

/**
 * The root renders both the signed-in shell and the public sign-in page, so it reads the user without requiring
 * one. It guards nothing: every child route's loader and action checks its own permission (DESIGN.md § Security).
 * It returns only what the shell shows: the user's name, email and role, the links this role may open, the toast.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const sessionUser = await getSessionUser(request)
  const { toast, headers } = await getToast(request)
  const user = sessionUser
    ? { id: sessionUser.id, name: sessionUser.name, email: sessionUser.email, role: sessionUser.role }
    : null
  const nav = user ? navItemsFor(user.role, { devTools: sandboxControlAvailable() }).map(({ id, label, to, icon }) => ({ id, label, to, icon })) : []
  return json({ user, nav, toast }, { headers: headers ?? undefined })
}

export type RootLoaderData = typeof loader

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce()
  const data = useRouteLoaderData<typeof loader>('root')
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {data?.user ? (
          <SocketProvider>
            <AppShell user={data.user} nav={data.nav} status={<><NotificationCenter role={data.user.role} /><LiveIndicator /></>}>
              {children}
            </AppShell>
          </SocketProvider>
        ) : (
          <main id="main" className="public-main">
            {children}
          </main>
        )}
        <Toaster toast={data?.toast ?? null} />
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
