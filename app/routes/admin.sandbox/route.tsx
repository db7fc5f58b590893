import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { StatusBadge } from '#app/components/status-badge.tsx'
import { Field } from '#app/components/ui/field.tsx'
import {
  getSandboxState,
  resetSandboxFaults,
  SANDBOX_PROVIDERS,
  sandboxControlAvailable,
  SandboxRejectedError,
  SandboxUnavailableError,
  setSandboxFaults,
  setSandboxGenerator,
  startSandboxFlashSale,
  type SandboxState,
} from '#app/models/sandbox-control.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * The sandbox's options panel (admins, `manage:sandbox`): the control API's state and a form per provider to inject
 * faults. A developer tool: it calls the sandbox from the web process (the documented exception, see
 * sandbox-control.server.ts) and does not exist in production (404 there, for the loader and the action alike).
 */

const percent = (label: string) =>
  z.coerce
    .number({ invalid_type_error: `${label}: enter a number` })
    .min(0, `${label}: 0–100 %`)
    .max(100, `${label}: 0–100 %`)
    .transform((value) => value / 100)

const FaultsFormSchema = z.object({
  intent: z.literal('faults'),
  provider: z.enum(SANDBOX_PROVIDERS),
  latencyMs: z.coerce.number({ invalid_type_error: 'Enter a number of milliseconds' }).int('Whole milliseconds').min(0, '0–60000 ms').max(60_000, '0–60000 ms'),
  errorRate: percent('Error rate'),
  errorStatus: z.coerce.number().int().min(500, '500–599').max(599, '500–599'),
  timeoutRate: percent('Timeout rate'),
  rateLimitRate: percent('429 rate'),
  retryAfterSeconds: z.coerce.number().int('Whole seconds').min(0, '0–3600 s').max(3600, '0–3600 s'),
  retryAfterFormat: z.enum(['seconds', 'http-date']),
  malformedRate: percent('Malformed rate'),
  outage: z.literal('on').optional(),
  webhookDropRate: percent('Drop rate'),
  webhookDuplicateRate: percent('Duplicate rate'),
  webhookOutOfOrderRate: percent('Out-of-order rate'),
})

const GeneratorFormSchema = z.object({
  intent: z.literal('generator'),
  ordersPerMinute: z.coerce.number({ invalid_type_error: 'Enter a number' }).min(0, '0–6000 per minute').max(6000, '0–6000 per minute'),
})

const FlashSaleFormSchema = z.object({
  intent: z.literal('flash-sale'),
  multiplier: z.coerce.number({ invalid_type_error: 'Enter a number' }).min(1, '1–100 ×').max(100, '1–100 ×'),
  minutes: z.coerce.number({ invalid_type_error: 'Enter a number of minutes' }).min(0.05, '0.05–120 minutes').max(120, '0.05–120 minutes'),
})

const ActionSchema = z.discriminatedUnion('intent', [FaultsFormSchema, GeneratorFormSchema, FlashSaleFormSchema, z.object({ intent: z.literal('reset') })])

export type SandboxActionData = { form: string; formError?: string; fieldErrors?: Record<string, string> }

function requireAvailable() {
  // Fault injection must not exist where real providers are configured.
  invariantResponse(sandboxControlAvailable(), 'There is no sandbox in production.', { status: 404 })
}

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'manage:sandbox')
  requireAvailable()
  try {
    return json({ state: (await getSandboxState()) as SandboxState | null, error: null as string | null })
  } catch (error) {
    if (error instanceof SandboxUnavailableError) return json({ state: null, error: error.message })
    throw error
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:sandbox')
  requireAvailable()
  const meta = getRequestMeta(request, context)
  const actor = { id: user.id, ip: meta.ip, requestId: meta.requestId }
  const form = Object.fromEntries(await request.formData())
  const formId = form.intent === 'faults' ? `faults-${String(form.provider)}` : String(form.intent ?? '')
  const parsed = ActionSchema.safeParse(form)
  if (!parsed.success) {
    const fieldErrors = Object.fromEntries(Object.entries(parsed.error.flatten().fieldErrors).map(([field, errors]) => [field, errors?.[0] ?? 'Invalid']))
    return json<SandboxActionData>({ form: formId, formError: 'Check the highlighted values.', fieldErrors }, { status: 400 })
  }
  const input = parsed.data
  try {
    switch (input.intent) {
      case 'faults': {
        const { intent: _intent, provider, outage, ...rest } = input
        await setSandboxFaults(provider, { ...rest, outage: outage === 'on' }, actor)
        return redirectWithToast('/admin/sandbox', { title: `Faults set for ${provider}`, description: 'They apply to the next provider calls.' })
      }
      case 'generator':
        await setSandboxGenerator(input.ordersPerMinute, actor)
        return redirectWithToast('/admin/sandbox', { title: 'Order generator updated', description: `${input.ordersPerMinute} new storefront orders per minute.` })
      case 'flash-sale':
        await startSandboxFlashSale({ multiplier: input.multiplier, minutes: input.minutes }, actor)
        return redirectWithToast('/admin/sandbox', {
          title: 'Flash sale started',
          description: `Orders × ${input.multiplier} for ${input.minutes} min. Watch it on Live.`,
        })
      case 'reset':
        await resetSandboxFaults(actor)
        return redirectWithToast('/admin/sandbox', { title: 'Faults reset', description: 'Every provider answers normally again.' })
    }
  } catch (error) {
    if (error instanceof SandboxRejectedError) return json<SandboxActionData>({ form: formId, formError: `The sandbox refused: ${error.message}` }, { status: 400 })
    if (error instanceof SandboxUnavailableError) return json<SandboxActionData>({ form: formId, formError: error.message }, { status: 503 })
    throw error
  }
}

export default function SandboxPage() {
  const { state, error } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Sandbox</h1>
          <p className="muted">
            The simulated providers the demo syncs with. Inject faults to watch the sync engine retry, back off, open its circuit breaker
            and recover on the Integrations page. Development only.
          </p>
        </div>
        {state ? (
          <Form method="post">
            <input type="hidden" name="intent" value="reset" />
            <button type="submit" className="button button-danger" data-testid="reset-faults">
              Reset faults
            </button>
          </Form>
        ) : null}
      </header>
      {error ? (
        <p className="alert alert-error" role="alert">
          {error} Start it with <code>npm start</code> (or <code>node --import tsx sandbox/index.ts</code>) and reload.
        </p>
      ) : null}
      {actionData?.formError && (actionData.form === 'reset' || !actionData.fieldErrors) ? (
        <p className="alert alert-error" role="alert" data-testid="sandbox-error">
          {actionData.formError}
        </p>
      ) : null}
      {state ? (
        <>
          <GeneratorForm state={state} result={actionData?.form === 'generator' ? actionData : undefined} />
          <FlashSaleForm state={state} result={actionData?.form === 'flash-sale' ? actionData : undefined} />
          <div className="provider-grid">
            {state.providers.map((provider) => (
              <ProviderForm key={provider.name} provider={provider} result={actionData?.form === `faults-${provider.name}` ? actionData : undefined} />
            ))}
          </div>
        </>
      ) : null}
    </div>
  )
}

function GeneratorForm({ state, result }: { state: SandboxState; result?: SandboxActionData }) {
  return (
    <section className="panel" aria-labelledby="generator-title">
      <h2 id="generator-title">Storefront order generator</h2>
      <Form method="post" className="form form-row" noValidate>
        <input type="hidden" name="intent" value="generator" />
        <Field id="orders-per-minute" label="New orders per minute" error={result?.fieldErrors?.ordersPerMinute} hint="0 stops it; orders then come only from the control API.">
          {(control) => <input {...control} type="number" name="ordersPerMinute" min={0} max={6000} step="any" defaultValue={state.generator?.ordersPerMinute ?? 0} />}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button button-primary">
            Set rate
          </button>
        </div>
      </Form>
      {state.carrier ? <p className="muted">Carrier tracking advances every {state.carrier.stepSeconds} s.</p> : null}
    </section>
  )
}

const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC' })

/** "Simulate a flash sale": the order generator × N for M minutes; the sandbox reports what it sent (compare with /live). */
function FlashSaleForm({ state, result }: { state: SandboxState; result?: SandboxActionData }) {
  const sale = state.flashSale
  return (
    <section className="panel" aria-labelledby="flash-sale-title" data-testid="flash-sale">
      <h2 id="flash-sale-title">Simulate a flash sale</h2>
      <Form method="post" className="form form-row" noValidate>
        <input type="hidden" name="intent" value="flash-sale" />
        <Field id="flash-multiplier" label="Order rate ×" error={result?.fieldErrors?.multiplier} hint={`Now ${state.generator?.ordersPerMinute ?? 0} orders per minute.`}>
          {(control) => <input {...control} type="number" name="multiplier" min={1} max={100} step="any" defaultValue={10} />}
        </Field>
        <Field id="flash-minutes" label="For minutes" error={result?.fieldErrors?.minutes} hint="Then the rate goes back to what it was.">
          {(control) => <input {...control} type="number" name="minutes" min={0.05} max={120} step="any" defaultValue={2} />}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button button-primary">
            Start flash sale
          </button>
        </div>
      </Form>
      {sale ? (
        <p className="muted" data-testid="flash-sale-state">
          {sale.active
            ? `Running: ${sale.ordersPerMinute} orders/min until ${CLOCK.format(new Date(sale.endsAt))} UTC, ${sale.ordersSent} sent so far.`
            : `Last sale: ${sale.ordersSent} orders sent at ${sale.ordersPerMinute}/min, ${CLOCK.format(new Date(sale.startedAt))}–${CLOCK.format(new Date(sale.endedAt ?? sale.endsAt))} UTC.`}{' '}
          <Link to="/live">Watch it on Live</Link>
        </p>
      ) : null}
    </section>
  )
}

type Provider = SandboxState['providers'][number]

function ProviderForm({ provider, result }: { provider: Provider; result?: SandboxActionData }) {
  const navigation = useNavigation()
  const busy = navigation.state !== 'idle' && navigation.formData?.get('provider') === provider.name
  const f = provider.faults
  const errors = result?.fieldErrors ?? {}
  const id = (name: string) => `${provider.name}-${name}`
  const pct = (value: number | undefined) => Math.round((value ?? 0) * 1000) / 10
  const active = Boolean(f.outage) || ['latencyMs', 'errorRate', 'timeoutRate', 'rateLimitRate', 'malformedRate', 'webhookDropRate', 'webhookDuplicateRate', 'webhookOutOfOrderRate'].some((name) => Number((f as Record<string, unknown>)[name] ?? 0) > 0)
  const rate = (name: keyof typeof f & string, label: string) => (
    <Field id={id(name)} label={`${label} (%)`} error={errors[name]}>
      {(control) => <input {...control} type="number" name={name} min={0} max={100} step="any" defaultValue={pct(f[name] as number | undefined)} />}
    </Field>
  )
  return (
    <section className="panel" aria-labelledby={id('title')} data-provider={provider.name}>
      <div className="panel-title">
        <h2 id={id('title')}>{provider.name}</h2>
        {f.outage ? <StatusBadge tone="danger">Outage</StatusBadge> : active ? <StatusBadge tone="warning">Faults on</StatusBadge> : <StatusBadge tone="success">Normal</StatusBadge>}
      </div>
      {provider.stats ? (
        <p className="muted num">
          {provider.stats.requests ?? 0} requests · {provider.stats.errors ?? 0} errors · {provider.stats.webhooksSent ?? 0} webhooks sent ·{' '}
          {provider.stats.webhooksDropped ?? 0} dropped
        </p>
      ) : null}
      {result?.formError ? (
        <p className="alert alert-error" role="alert">
          {result.formError}
        </p>
      ) : null}
      <Form method="post" className="form fault-form" noValidate>
        <input type="hidden" name="intent" value="faults" />
        <input type="hidden" name="provider" value={provider.name} />
        <fieldset>
          <legend>API</legend>
          <Field id={id('latencyMs')} label="Added latency (ms)" error={errors.latencyMs}>
            {(control) => <input {...control} type="number" name="latencyMs" min={0} max={60000} defaultValue={f.latencyMs ?? 0} />}
          </Field>
          {rate('errorRate', 'Error rate')}
          <Field id={id('errorStatus')} label="Error status" error={errors.errorStatus}>
            {(control) => <input {...control} type="number" name="errorStatus" min={500} max={599} defaultValue={f.errorStatus ?? 503} />}
          </Field>
          {rate('timeoutRate', 'Timeout rate')}
          {rate('malformedRate', 'Malformed rate')}
          {rate('rateLimitRate', '429 rate')}
          <Field id={id('retryAfterSeconds')} label="Retry-After (s)" error={errors.retryAfterSeconds}>
            {(control) => <input {...control} type="number" name="retryAfterSeconds" min={0} max={3600} defaultValue={f.retryAfterSeconds ?? 2} />}
          </Field>
          <Field id={id('retryAfterFormat')} label="Retry-After format" error={errors.retryAfterFormat}>
            {(control) => (
              <select {...control} name="retryAfterFormat" defaultValue={f.retryAfterFormat ?? 'seconds'}>
                <option value="seconds">Seconds</option>
                <option value="http-date">HTTP date</option>
              </select>
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Webhooks</legend>
          {rate('webhookDropRate', 'Drop')}
          {rate('webhookDuplicateRate', 'Duplicate')}
          {rate('webhookOutOfOrderRate', 'Out of order')}
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" name="outage" defaultChecked={Boolean(f.outage)} /> Full outage (every call 503, no webhooks)
        </label>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Applying…' : `Apply to ${provider.name}`}
          </button>
        </div>
      </Form>
    </section>
  )
}

export const meta: MetaFunction = () => [{ title: 'Sandbox · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
