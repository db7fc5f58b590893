import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { Field } from '#app/components/ui/field.tsx'
import { MACRO_PLACEHOLDERS } from '#app/models/macro-template.ts'
import { canManageMacros, createMacro, listMacros, setMacroActive, updateMacro, type MacroResult } from '#app/models/macro.server.ts'
import { STATUS_LABELS, TICKET_STATUSES } from '#app/models/ticket-rules.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, type ErrorBody } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * `/tickets/macros`: the desk's canned replies. Everyone who reads tickets sees them; managers and admins create,
 * edit (version-checked), retire and restore them (app/models/macro.server.ts). Agents use them from the composer.
 */

const Version = z.coerce.number().int().positive()
const id = z.string().min(1).max(64)
const MacroActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('create'), name: z.string().max(200), body: z.string().max(20_000), setStatus: z.string().max(20).optional(), addTags: z.string().max(500).optional() }),
  z.object({ intent: z.literal('update'), id, expectedVersion: Version, name: z.string().max(200), body: z.string().max(20_000), setStatus: z.string().max(20).optional(), addTags: z.string().max(500).optional() }),
  z.object({ intent: z.literal('retire'), id }),
  z.object({ intent: z.literal('restore'), id }),
])

type ActionData = { intent: string; id?: string; formError: string; fieldErrors?: Record<string, string> }

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  const manage = canManageMacros(user.role)
  return json({ manage, macros: await listMacros({ includeRetired: manage }) })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  if (!canManageMacros(user.role)) {
    throw json<ErrorBody>({ message: `Only managers and admins manage macros. Your role (${user.role}) uses them from the reply composer.` }, { status: 403 })
  }
  const parsed = MacroActionSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return json<ActionData>({ intent: 'unknown', formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  const input = parsed.data
  const actor = { id: user.id, role: user.role }
  const meta = { requestId: getRequestMeta(request, context).requestId }
  let result: MacroResult
  if (input.intent === 'create') result = await createMacro(actor, input, meta)
  else if (input.intent === 'update') result = await updateMacro(actor, input.id, input, input.expectedVersion, meta)
  else result = await setMacroActive(actor, input.id, input.intent === 'restore', meta)
  if (!result.ok) {
    return json<ActionData>({ intent: input.intent, id: 'id' in input ? input.id : undefined, formError: result.message, fieldErrors: result.fieldErrors }, { status: result.status })
  }
  const titles = { create: 'Macro created', update: 'Macro saved', retire: 'Macro retired', restore: 'Macro restored' } as const
  return redirectWithToast('/tickets/macros', { title: titles[input.intent] })
}

export default function MacrosPage() {
  const { manage, macros } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const errorsFor = (intent: string, macroId?: string) => (actionData && actionData.intent === intent && actionData.id === macroId ? actionData : undefined)
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/tickets">Tickets</Link> / Macros
      </nav>
      <header className="page-header">
        <div>
          <h1>Macros</h1>
          <p className="muted">
            Canned replies for the reply composer. Placeholders: {Object.keys(MACRO_PLACEHOLDERS).map((name) => `{{${name}}}`).join(' ')}
          </p>
        </div>
      </header>
      {manage ? (
        <section className="panel" aria-labelledby="new-macro-title">
          <h2 id="new-macro-title" className="panel-title">
            New macro
          </h2>
          <MacroForm intent="create" errors={errorsFor('create')} />
        </section>
      ) : null}
      <section className="panel panel-flush" aria-labelledby="macros-title">
        <h2 id="macros-title" className="visually-hidden">
          Macros
        </h2>
        <div className="table-wrap">
          <table className="data-table" data-testid="macros-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Reply</th>
                <th scope="col">Actions</th>
                {manage ? <th scope="col">Manage</th> : null}
              </tr>
            </thead>
            <tbody>
              {macros.length === 0 ? (
                <tr>
                  <td colSpan={manage ? 4 : 3} className="empty">
                    No macros yet.
                  </td>
                </tr>
              ) : null}
              {macros.map((macro) => (
                <tr key={macro.id} data-testid="macro-row" className={macro.isActive ? undefined : 'muted'}>
                  <td className="cell-strong">
                    {macro.name}
                    {macro.isActive ? null : <span className="badge badge-neutral">retired</span>}
                  </td>
                  <td style={{ whiteSpace: 'pre-wrap' }}>{macro.body}</td>
                  <td>
                    {[macro.setStatus ? `Set ${STATUS_LABELS[macro.setStatus].toLowerCase()}` : null, macro.addTags.length ? `Tag ${macro.addTags.join(', ')}` : null].filter(Boolean).join('; ') || '—'}
                  </td>
                  {manage ? (
                    <td>
                      <details>
                        <summary className="button button-small button-secondary">Edit</summary>
                        <MacroForm intent="update" macro={macro} errors={errorsFor('update', macro.id)} />
                      </details>
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="intent" value={macro.isActive ? 'retire' : 'restore'} />
                        <input type="hidden" name="id" value={macro.id} />
                        <button type="submit" className="button button-small button-secondary">
                          {macro.isActive ? 'Retire' : 'Restore'}
                        </button>
                      </Form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  )
}

function MacroForm({
  intent,
  macro,
  errors,
}: {
  intent: 'create' | 'update'
  macro?: { id: string; name: string; body: string; setStatus: string | null; addTags: string[]; version: number }
  errors?: ActionData
}) {
  const prefix = macro ? `macro-${macro.id}` : 'macro-new'
  const fieldErrors = errors?.fieldErrors ?? {}
  return (
    <Form method="post" className="form" data-testid={`macro-form-${intent}`}>
      <input type="hidden" name="intent" value={intent} />
      {macro ? (
        <>
          <input type="hidden" name="id" value={macro.id} />
          <input type="hidden" name="expectedVersion" value={macro.version} />
        </>
      ) : null}
      {errors && !errors.fieldErrors ? (
        <p className="alert alert-error" role="alert">
          {errors.formError}
        </p>
      ) : null}
      <Field id={`${prefix}-name`} label="Name" error={fieldErrors.name}>
        {(control) => <input {...control} name="name" defaultValue={macro?.name} maxLength={80} />}
      </Field>
      <Field id={`${prefix}-body`} label="Reply text" error={fieldErrors.body}>
        {(control) => <textarea {...control} name="body" rows={5} defaultValue={macro?.body ?? 'Hi {{customer.first_name}},\n\n'} />}
      </Field>
      <div className="form-row">
        <Field id={`${prefix}-status`} label="Then set status" error={fieldErrors.setStatus}>
          {(control) => (
            <select {...control} name="setStatus" defaultValue={macro?.setStatus ?? ''}>
              <option value="">Leave as is</option>
              {TICKET_STATUSES.filter((status) => status !== 'new').map((status) => (
                <option key={status} value={status}>
                  {STATUS_LABELS[status]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${prefix}-tags`} label="And add tags" error={fieldErrors.addTags} hint="Comma-separated.">
          {(control) => <input {...control} name="addTags" defaultValue={macro?.addTags.join(', ')} />}
        </Field>
      </div>
      <div>
        <button type="submit" className="button button-primary button-small">
          {intent === 'create' ? 'Create macro' : 'Save macro'}
        </button>
      </div>
    </Form>
  )
}

export const meta: MetaFunction = () => [{ title: 'Macros · Tickets · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
