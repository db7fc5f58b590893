import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { Field } from '#app/components/ui/field.tsx'
import { createSilence, matchersForAlert } from '#app/models/alert-silence.server.ts'
import { matchersText, parseSilenceForm, type SilenceField, type SilenceFormValues } from '#app/models/alert-silences.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * /alerts/silences/new (update:alert, like silencing one alert): a silence by label matchers, from now or a later
 * time, for N minutes, with a comment. `?alert=<id>` starts from that alert's rule and series ("silence like this").
 * Field errors with status 400; audited and signalled live by the model.
 */

const QuerySchema = z.object({ alert: z.string().trim().max(64).optional().catch(undefined) })

const DURATIONS: Array<[number, string]> = [
  [60, '1 hour'],
  [240, '4 hours'],
  [1440, '1 day'],
  [10080, '7 days'],
]

type SilenceActionData = { fieldErrors: Partial<Record<SilenceField, string>>; values: SilenceFormValues }

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'update:alert')
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const matchers = query.alert ? await matchersForAlert(query.alert) : null
  return json({ values: { matchers: matchers ? matchersText(matchers) : '', startsAt: '', durationMinutes: '60', comment: '' } satisfies SilenceFormValues })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:alert')
  const parsed = parseSilenceForm(Object.fromEntries(await request.formData()))
  if (!parsed.ok) return json<SilenceActionData>({ fieldErrors: parsed.fieldErrors, values: parsed.values }, { status: 400 })
  const meta = getRequestMeta(request, context)
  const silence = await createSilence(parsed.input, { id: user.id, requestId: meta.requestId, ip: meta.ip })
  const starts = silence.startsAt.getTime() > Date.now() ? ` from ${silence.startsAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : ''
  return redirectWithToast('/alerts?view=silences', {
    title: 'Silence created',
    description: `Matching alerts are silenced${starts} until ${silence.endsAt.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  })
}

export default function NewSilencePage() {
  const { values: initial } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const values = actionData?.values ?? initial
  const errors = actionData?.fieldErrors ?? {}
  const submitting = useNavigation().state === 'submitting'
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/alerts?view=silences">Alerts</Link> <span aria-hidden="true">/</span> <span>New silence</span>
      </nav>
      <header className="page-header">
        <div>
          <h1>New silence</h1>
          <p className="muted">
            Alerts whose labels match every matcher keep firing and resolving, but are shown as silenced and do not ask for attention until the silence ends.
          </p>
        </div>
      </header>
      <section className="panel" aria-labelledby="silence-form-title">
        <h2 id="silence-form-title" className="visually-hidden">
          Silence
        </h2>
        <Form method="post" className="form silence-form" noValidate data-testid="silence-form">
          <Field
            id="silence-matchers"
            label="Matchers"
            error={errors.matchers}
            hint={
              <>
                One per line: <code>label=value</code>, <code>label!=value</code>, <code>label=~regex</code>, <code>label!~regex</code> (a regex matches the
                whole value). Labels: <code>rule</code> (its name), <code>severity</code>, <code>metric</code> and the series’ own, e.g. <code>integration</code>,{' '}
                <code>queue</code>, <code>route</code>.
              </>
            }
          >
            {(control) => (
              <textarea {...control} name="matchers" rows={4} defaultValue={values.matchers} placeholder={'rule=Carrier errors\nintegration=carrier'} spellCheck={false} required />
            )}
          </Field>
          <div className="rule-form-grid">
            <Field id="silence-starts" label="Starts (UTC, optional)" error={errors.startsAt} hint="Empty: now.">
              {(control) => <input {...control} name="startsAt" type="datetime-local" defaultValue={values.startsAt} />}
            </Field>
            <Field id="silence-duration" label="For (minutes)" error={errors.durationMinutes} hint={DURATIONS.map(([minutes, label]) => `${minutes} = ${label}`).join(', ')}>
              {(control) => <input {...control} name="durationMinutes" type="text" inputMode="numeric" list="silence-durations" defaultValue={values.durationMinutes} required />}
            </Field>
          </div>
          <datalist id="silence-durations">
            {DURATIONS.map(([minutes, label]) => (
              <option key={minutes} value={minutes}>
                {label}
              </option>
            ))}
          </datalist>
          <Field id="silence-comment" label="Comment" error={errors.comment} hint="Why, for whoever sees the silenced alerts (e.g. carrier maintenance until 02:00).">
            {(control) => <input {...control} name="comment" type="text" defaultValue={values.comment} maxLength={500} required />}
          </Field>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={submitting}>
              {submitting ? 'Saving…' : 'Create silence'}
            </button>{' '}
            <Link to="/alerts?view=silences" className="button button-secondary">
              Cancel
            </Link>
          </div>
        </Form>
      </section>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'New silence · Alerts · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
