import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react'

/**
 * The error page every route renders (STYLE.md habit 4). Thrown Responses carry `{ message, permission? }`
 * (app/utils/http.server.ts, app/utils/auth.server.ts): 403 says which permission is missing, 404 says what was not
 * found, anything else is a generic message — never a stack trace or an internal error text.
 */
type Body = { message?: string; permission?: string }

function bodyOf(data: unknown): Body {
  if (data && typeof data === 'object') return data as Body
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as Body
    } catch {
      return { message: data }
    }
  }
  return {}
}

export function GeneralErrorBoundary() {
  const error = useRouteError()

  if (isRouteErrorResponse(error)) {
    const body = bodyOf(error.data)
    if (error.status === 403) {
      return (
        <ErrorPanel status={403} title="You don't have access to this page">
          <p>{body.message ?? 'Your role does not include the permission this page needs.'}</p>
          {body.permission ? (
            <p className="muted">
              Required permission: <code data-testid="required-permission">{body.permission}</code>
            </p>
          ) : null}
        </ErrorPanel>
      )
    }
    if (error.status === 404) {
      return (
        <ErrorPanel status={404} title="Page not found">
          <p>{body.message ?? 'There is nothing at this address. Check the link, or start again from the home page.'}</p>
        </ErrorPanel>
      )
    }
    if (error.status < 500) {
      return (
        <ErrorPanel status={error.status} title="That request could not be completed">
          <p>{body.message ?? error.statusText}</p>
        </ErrorPanel>
      )
    }
  }

  return (
    <ErrorPanel status={500} title="Something went wrong">
      <p>The error has been logged. Try again in a moment; if it keeps happening, tell your administrator.</p>
    </ErrorPanel>
  )
}

function ErrorPanel({ status, title, children }: { status: number; title: string; children: React.ReactNode }) {
  return (
    <section className="error-panel" aria-labelledby="error-title" data-status={status}>
      <p className="error-status">Error {status}</p>
      <h1 id="error-title">{title}</h1>
      {children}
      <p>
        <Link to="/" className="button">
          Go to the home page
        </Link>
      </p>
    </section>
  )
}
