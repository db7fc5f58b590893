import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { RuleForm } from '#app/components/alerts/rule-form.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { getAlertRule, updateAlertRule } from '#app/models/alert-rule.server.ts'
import { parseAlertRuleForm, ruleFormValues, type AlertRuleActionData, scopeText } from '#app/models/alert-rules.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * /alerts/rules/:id (update:alert): edit a rule. The version the page was loaded with travels with the form; an edit
 * made on a stale page is refused (409) with what was typed kept. Audited (before/after), signalled live.
 */

const VersionSchema = z.coerce.number().int().min(1)

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'update:alert')
  const rule = await getAlertRule(params.id ?? '')
  invariantResponse(rule, 'There is no such alert rule (it may have been deleted).', { status: 404 })
  return json({
    rule: {
      id: rule.id,
      version: rule.version,
      name: rule.name,
      metric: rule.metric,
      condition: rule.condition,
      threshold: String(rule.threshold),
      durationSeconds: String(rule.durationSeconds),
      severity: rule.severity,
      scope: scopeText(rule.scope),
      enabled: rule.enabled,
    },
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:alert')
  const form = Object.fromEntries(await request.formData())
  const version = VersionSchema.safeParse(form.version)
  if (!version.success) return json<AlertRuleActionData>({ fieldErrors: {}, values: ruleFormValues(form), formError: 'The form is missing its version. Reload the page and try again.' }, { status: 400 })
  const parsed = parseAlertRuleForm(form)
  if (!parsed.ok) return json<AlertRuleActionData>({ fieldErrors: parsed.fieldErrors, values: parsed.values }, { status: 400 })
  const meta = getRequestMeta(request, context)
  const result = await updateAlertRule(params.id ?? '', version.data, parsed.input, { id: user.id, requestId: meta.requestId, ip: meta.ip })
  if (!result.ok) return json<AlertRuleActionData>({ fieldErrors: 'fieldErrors' in result ? (result.fieldErrors ?? {}) : {}, values: ruleFormValues(form), formError: result.message }, { status: result.status })
  return redirectWithToast('/alerts?view=rules', { title: 'Rule saved', description: `${result.rule.name} was updated.` })
}

export default function EditRulePage() {
  const { rule } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/alerts?view=rules">Alerts</Link> <span aria-hidden="true">/</span> <span>{rule.name}</span>
      </nav>
      <header className="page-header">
        <div>
          <h1>Edit rule: {rule.name}</h1>
          <p className="muted">Open alerts of this rule are re-evaluated under the new condition at the next tick; disabling it resolves them.</p>
        </div>
      </header>
      {/* Keyed on the version: after a save elsewhere the form shows the new values. */}
      <RuleForm
        key={rule.version}
        values={actionData?.values ?? rule}
        errors={actionData?.fieldErrors}
        formError={actionData?.formError}
        version={rule.version}
        submitLabel="Save rule"
      />
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.rule.name ?? 'Rule'} · Alerts · OpsDeck` }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
