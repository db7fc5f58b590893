import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useActionData } from '@remix-run/react'
import { EMPTY_RULE, RuleForm } from '#app/components/alerts/rule-form.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { createAlertRule } from '#app/models/alert-rule.server.ts'
import { parseAlertRuleForm, ruleFormValues, type AlertRuleActionData } from '#app/models/alert-rules.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/** /alerts/rules/new (create:alert): a new alert rule; field errors with status 400, audited, signalled live. */

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'create:alert')
  return json({})
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'create:alert')
  const form = Object.fromEntries(await request.formData())
  const parsed = parseAlertRuleForm(form)
  if (!parsed.ok) return json<AlertRuleActionData>({ fieldErrors: parsed.fieldErrors, values: parsed.values }, { status: 400 })
  const meta = getRequestMeta(request, context)
  const result = await createAlertRule(parsed.input, { id: user.id, requestId: meta.requestId, ip: meta.ip })
  if (!result.ok) return json<AlertRuleActionData>({ fieldErrors: result.fieldErrors ?? {}, values: ruleFormValues(form), formError: result.message }, { status: result.status })
  return redirectWithToast('/alerts?view=rules', { title: 'Rule created', description: `${result.rule.name} is ${result.rule.enabled ? 'evaluated from now on' : 'saved, disabled'}.` })
}

export default function NewRulePage() {
  const actionData = useActionData<typeof action>()
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/alerts?view=rules">Alerts</Link> <span aria-hidden="true">/</span> <span>New rule</span>
      </nav>
      <header className="page-header">
        <div>
          <h1>New alert rule</h1>
          <p className="muted">The rule fires when its metric meets the condition for every minute of the duration, and resolves when it no longer does.</p>
        </div>
      </header>
      <RuleForm values={actionData?.values ?? EMPTY_RULE} errors={actionData?.fieldErrors} formError={actionData?.formError} submitLabel="Create rule" />
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'New rule · Alerts · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
