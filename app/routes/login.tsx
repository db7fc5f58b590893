import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { z } from 'zod'
import { Field } from '#app/components/ui/field.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { signIn } from '#app/utils/auth.server.ts'
import { getRequestMeta, safeRedirectPath } from '#app/utils/http.server.ts'
import { checkRequestSession, clearSessionCookie } from '#app/utils/session.server.ts'

export const LoginSchema = z.object({
  email: z
    .string({ required_error: 'Enter your email address' })
    .trim()
    .min(1, 'Enter your email address')
    .max(254, 'That email address is too long')
    .email('Enter a valid email address, like name@example.com'),
  password: z.string({ required_error: 'Enter your password' }).min(1, 'Enter your password').max(1024, 'That password is too long'),
  redirectTo: z.string().max(2000).optional(),
})

type FieldErrors = Partial<Record<'email' | 'password', string>>
type ActionData = { fieldErrors?: FieldErrors; formError?: string; email?: string }

const REASONS: Record<string, string> = {
  expired: 'Your session expired. Sign in again to continue.',
  revoked: 'Your session was ended (you signed out elsewhere, or an administrator changed your account). Sign in again.',
  disabled: 'Your session was ended by an administrator.',
}

/** Public: the one page (with /logout) that checks no permission, since nobody is signed in yet. */
export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'))
  const check = await checkRequestSession(request)
  if (check.ok) throw redirect(redirectTo)
  const reason = url.searchParams.get('reason')
  // A cookie naming an ended session is dropped here too (e.g. a tab sent here by `session.revoked`).
  const headers = check.reason === 'none' ? undefined : { 'set-cookie': await clearSessionCookie() }
  return json({ notice: reason ? (REASONS[reason] ?? null) : null }, { headers })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData()
  const parsed = LoginSchema.safeParse(Object.fromEntries(form))
  if (!parsed.success) {
    const flat = parsed.error.flatten().fieldErrors
    return json<ActionData>(
      { fieldErrors: { email: flat.email?.[0], password: flat.password?.[0] }, email: String(form.get('email') ?? '') },
      { status: 400 },
    )
  }
  const meta = getRequestMeta(request, context)
  const result = await signIn({
    email: parsed.data.email,
    password: parsed.data.password,
    ip: meta.ip,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
    cookieHeader: request.headers.get('cookie'),
  })
  if (!result.ok) return json<ActionData>({ formError: result.message, email: parsed.data.email }, { status: result.status })
  return redirect(safeRedirectPath(parsed.data.redirectTo), { headers: { 'set-cookie': result.setCookie } })
}

export default function LoginPage() {
  const { notice } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [searchParams] = useSearchParams()
  const navigation = useNavigation()
  const submitting = navigation.state !== 'idle' && navigation.formAction?.startsWith('/login')
  const errors = actionData?.fieldErrors ?? {}

  return (
    <div className="login">
      <div className="login-card">
        <div className="login-brand">
          <span className="brand-mark" aria-hidden="true">
            OD
          </span>
          <span>OpsDeck</span>
        </div>
        <h1>Sign in</h1>
        <p className="muted">Use the account your administrator gave you.</p>
        {notice ? (
          <p className="alert alert-info" role="status" data-testid="login-notice">
            {notice}
          </p>
        ) : null}
        {actionData?.formError ? (
          <p className="alert alert-error" role="alert" id="login-error" data-testid="login-error">
            {actionData.formError}
          </p>
        ) : null}
        <Form method="post" className="form" noValidate aria-describedby={actionData?.formError ? 'login-error' : undefined}>
          <input type="hidden" name="redirectTo" value={searchParams.get('redirectTo') ?? ''} />
          <Field id="email" label="Email" error={errors.email}>
            {(control) => (
              <input
                {...control}
                name="email"
                type="email"
                autoComplete="username"
                required
                autoFocus
                defaultValue={actionData?.email}
              />
            )}
          </Field>
          <Field id="password" label="Password" error={errors.password}>
            {(control) => <input {...control} name="password" type="password" autoComplete="current-password" required />}
          </Field>
          <button type="submit" className="button button-primary button-block" disabled={submitting}>
            {submitting ? 'Signing in…' : 'Sign in'}
          </button>
        </Form>
      </div>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Sign in · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
