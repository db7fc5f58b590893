import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { Fragment } from 'react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { Field } from '#app/components/ui/field.tsx'
import type { BusinessCalendar } from '#app/models/sla/business-hours.ts'
import { DAY_LABELS, describeCalendar, formatDayHours, formatDuration, SlaPolicyFormSchema, WEEK_ORDER } from '#app/models/sla/calendar-form.ts'
import { createSlaPolicy, listSlaPolicies, setSlaPolicyActive, updateSlaPolicy, type PolicyResult } from '#app/models/sla/sla-policy.server.ts'
import { PRIORITY_LABELS, TICKET_PRIORITIES, type TicketPriorityValue } from '#app/models/ticket-rules.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import slaStylesHref from './sla-policies.css'

/**
 * `/tickets/sla`: the SLA policies (by priority and optional tag: first response, next response and resolution
 * targets in business time, the warning point, the business calendar with weekly hours, time zone and holidays).
 * Everyone who reads tickets sees them; managers and admins (`manage:ticket`) create, edit (version-checked),
 * deactivate and reactivate (app/models/sla/sla-policy.server.ts). The page says what a change does to running clocks.
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: slaStylesHref }]

const id = z.string().min(1).max(64)
const ActionSchema = z.discriminatedUnion('intent', [
  SlaPolicyFormSchema.extend({ intent: z.literal('create') }),
  SlaPolicyFormSchema.extend({
    intent: z.literal('update'),
    id,
    expectedVersion: z.coerce.number().int().positive(),
  }),
  z.object({ intent: z.literal('deactivate'), id }),
  z.object({ intent: z.literal('activate'), id }),
])

/** On a refusal, what was typed comes back too: the form shows it again (also without JavaScript, after a full page POST). */
type ActionData = {
  intent: string
  id?: string
  formError: string
  fieldErrors?: Record<string, string>
  values?: Record<string, string>
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  return json({
    manage: hasPermission(user.role, 'manage:ticket'),
    policies: await listSlaPolicies(),
  })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:ticket')
  const fields = Object.fromEntries([...(await request.formData())].map(([key, value]) => [key, String(value)]))
  const parsed = ActionSchema.safeParse(fields)
  if (!parsed.success)
    return json<ActionData>(
      {
        intent: 'unknown',
        formError: 'That request was not understood. Reload the page and try again.',
      },
      { status: 400 }
    )
  const input = parsed.data
  const actor = { id: user.id, role: user.role }
  const meta = { requestId: getRequestMeta(request, context).requestId }
  let result: PolicyResult
  if (input.intent === 'create') result = await createSlaPolicy(actor, input, meta)
  else if (input.intent === 'update') result = await updateSlaPolicy(actor, input.id, input, input.expectedVersion, meta)
  else result = await setSlaPolicyActive(actor, input.id, input.intent === 'activate', meta)
  if (!result.ok) {
    return json<ActionData>(
      {
        intent: input.intent,
        id: 'id' in input ? input.id : undefined,
        formError: result.message,
        fieldErrors: result.fieldErrors,
        values: fields,
      },
      { status: result.status }
    )
  }
  const titles = {
    create: 'Policy created',
    update: 'Policy saved',
    deactivate: 'Policy deactivated',
    activate: 'Policy reactivated',
  } as const
  return redirectWithToast('/tickets/sla', {
    title: titles[input.intent],
    description: input.intent === 'create' ? undefined : 'New clocks use it now; running clocks at their ticket’s next change.',
  })
}

const RUNNING_CLOCKS_NOTE =
  'Saved changes apply to SLA clocks started from now on. A running clock keeps the targets and calendar it started with until its ticket next changes (a reply, or a status, priority or tag change); it is then measured again from its original start against the policy as saved — a breach the new target undoes is cleared, one it causes is recorded, and the history keeps both. A deactivated policy stops matching; a running clock it gave is cancelled at its ticket’s next change unless another policy matches.'

export default function SlaPoliciesPage() {
  const { manage, policies } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const errorsFor = (intent: string, policyId?: string) => (actionData && actionData.intent === intent && actionData.id === policyId ? actionData : undefined)
  return (
    <div className="page" data-testid="sla-policies-page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/tickets">Tickets</Link> / SLA policies
      </nav>
      <header className="page-header">
        <div>
          <h1>SLA policies</h1>
          <p className="muted">
            A ticket gets the first active policy, lowest position first, whose priority and tag match it (a policy naming both wins a tie). Targets count business time in the policy’s calendar;
            pending and on-hold tickets pause their clocks.
          </p>
        </div>
      </header>
      <p className="alert alert-info" data-testid="sla-running-note">
        {RUNNING_CLOCKS_NOTE}
      </p>
      <section className="panel panel-flush" aria-labelledby="policies-title">
        <h2 id="policies-title" className="visually-hidden">
          Policies
        </h2>
        <div className="table-wrap">
          <table className="data-table" data-testid="sla-policies-table">
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col">Matches</th>
                <th scope="col">First / next response</th>
                <th scope="col">Resolution</th>
                <th scope="col">Warns</th>
                <th scope="col">Business hours</th>
                <th scope="col" className="num" title="Clocks running now with this policy's targets">
                  Running
                </th>
                {manage ? <th scope="col">Manage</th> : null}
              </tr>
            </thead>
            <tbody>
              {policies.length === 0 ? (
                <tr>
                  <td colSpan={manage ? 8 : 7} className="empty">
                    No policies: tickets have no SLA clocks.
                  </td>
                </tr>
              ) : null}
              {policies.map((policy) => (
                <Fragment key={policy.id}>
                  <tr data-testid="sla-policy-row" className={policy.isActive ? undefined : 'muted'}>
                    <td className="cell-strong">
                      {policy.name}
                      {policy.isActive ? null : <span className="badge badge-neutral">inactive</span>}
                      <span className="muted sla-policy__position">position {policy.position}</span>
                    </td>
                    <td>
                      {policy.priority ? PRIORITY_LABELS[policy.priority as TicketPriorityValue] : 'Any priority'}
                      {policy.tag ? ` · tag ${policy.tag}` : ''}
                    </td>
                    <td>
                      {formatDuration(policy.firstResponseMinutes)} / {formatDuration(policy.nextResponseMinutes)}
                    </td>
                    <td>{formatDuration(policy.resolutionMinutes)}</td>
                    <td>{policy.warningMinutesBefore ? `${formatDuration(policy.warningMinutesBefore)} before` : `at ${policy.warningPercent} %`}</td>
                    <td>{describeCalendar(policy.calendar as BusinessCalendar)}</td>
                    <td className="num">{policy.runningClocks.toLocaleString('en-GB')}</td>
                    {manage ? (
                      <td>
                        <Form method="post" className="inline-form">
                          <input type="hidden" name="intent" value={policy.isActive ? 'deactivate' : 'activate'} />
                          <input type="hidden" name="id" value={policy.id} />
                          <button type="submit" className="button button-small button-secondary">
                            {policy.isActive ? 'Deactivate' : 'Reactivate'}
                          </button>
                        </Form>
                      </td>
                    ) : null}
                  </tr>
                  {manage ? (
                    // The edit form gets the table's full width, in a row of its own under the policy.
                    <tr className="sla-policy-edit">
                      <td colSpan={8}>
                        <details open={Boolean(errorsFor('update', policy.id))} data-testid="sla-policy-edit">
                          <summary className="link-button">Edit “{policy.name}”</summary>
                          <PolicyForm intent="update" policy={policy} errors={errorsFor('update', policy.id)} />
                        </details>
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {manage ? (
        <section className="panel" aria-labelledby="new-policy-title">
          <h2 id="new-policy-title" className="panel-title">
            New policy
          </h2>
          {/* Keyed by the policies: a created policy gives a fresh, empty form. */}
          <PolicyForm key={policies.length} intent="create" errors={errorsFor('create')} />
        </section>
      ) : null}
    </div>
  )
}

type PolicyView = ReturnType<typeof useLoaderData<typeof loader>>['policies'][number]

const DEFAULT_CALENDAR: BusinessCalendar = {
  timeZone: 'Europe/London',
  weekly: {
    0: [],
    1: [{ start: '09:00', end: '17:00' }],
    2: [{ start: '09:00', end: '17:00' }],
    3: [{ start: '09:00', end: '17:00' }],
    4: [{ start: '09:00', end: '17:00' }],
    5: [{ start: '09:00', end: '17:00' }],
    6: [],
  },
  holidays: [],
}

function PolicyForm({ intent, policy, errors }: { intent: 'create' | 'update'; policy?: PolicyView; errors?: ActionData }) {
  const prefix = policy ? `policy-${policy.id}` : 'policy-new'
  const fieldErrors = errors?.fieldErrors ?? {}
  const calendar = (policy?.calendar as BusinessCalendar | undefined) ?? DEFAULT_CALENDAR
  const typed = errors?.values ?? {}
  /** What was typed (after a refusal), else the policy's value, else the default. */
  const value = (name: string, fallback: string) => typed[name] ?? fallback
  return (
    <Form method="post" className="form sla-policy-form" data-testid={`sla-policy-form-${intent}`}>
      <input type="hidden" name="intent" value={intent} />
      {policy ? (
        <>
          <input type="hidden" name="id" value={policy.id} />
          <input type="hidden" name="expectedVersion" value={policy.version} />
        </>
      ) : null}
      {errors ? (
        <p className="alert alert-error" role="alert">
          {errors.formError}
        </p>
      ) : null}
      <div className="form-row">
        <Field id={`${prefix}-name`} label="Name" error={fieldErrors.name}>
          {(control) => <input {...control} type="text" name="name" defaultValue={value('name', policy?.name ?? '')} maxLength={80} placeholder="Urgent" />}
        </Field>
        <Field id={`${prefix}-priority`} label="Priority" error={fieldErrors.priority}>
          {(control) => (
            <select {...control} name="priority" defaultValue={value('priority', policy?.priority ?? '')}>
              <option value="">Any priority</option>
              {TICKET_PRIORITIES.map((priority) => (
                <option key={priority} value={priority}>
                  {PRIORITY_LABELS[priority]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${prefix}-tag`} label="Tag (optional)" error={fieldErrors.tag}>
          {(control) => <input {...control} type="text" name="tag" defaultValue={value('tag', policy?.tag ?? '')} placeholder="vip" />}
        </Field>
        <Field id={`${prefix}-position`} label="Position" error={fieldErrors.position} hint="Lower is checked first.">
          {(control) => <input {...control} name="position" type="number" defaultValue={value('position', String(policy?.position ?? 0))} />}
        </Field>
      </div>
      <div className="form-row">
        <Field id={`${prefix}-first`} label="First response" error={fieldErrors.firstResponse} hint="Business time: 30m, 4h, 1h 30m.">
          {(control) => <input {...control} type="text" name="firstResponse" defaultValue={value('firstResponse', policy ? formatDuration(policy.firstResponseMinutes) : '4h')} />}
        </Field>
        <Field id={`${prefix}-next`} label="Next response" error={fieldErrors.nextResponse}>
          {(control) => <input {...control} type="text" name="nextResponse" defaultValue={value('nextResponse', policy ? formatDuration(policy.nextResponseMinutes) : '8h')} />}
        </Field>
        <Field id={`${prefix}-resolution`} label="Resolution" error={fieldErrors.resolution}>
          {(control) => <input {...control} type="text" name="resolution" defaultValue={value('resolution', policy ? formatDuration(policy.resolutionMinutes) : '40h')} />}
        </Field>
        <Field id={`${prefix}-warning-mode`} label="Warn">
          {(control) => (
            <select {...control} name="warningMode" defaultValue={value('warningMode', policy?.warningMinutesBefore ? 'before' : 'percent')}>
              <option value="percent">at % of the target</option>
              <option value="before">this long before the deadline</option>
            </select>
          )}
        </Field>
        <Field id={`${prefix}-warning-value`} label="Warning point" error={fieldErrors.warningValue} hint="75 (%), or 15m / 1h before.">
          {(control) => (
            <input
              {...control}
              type="text"
              name="warningValue"
              defaultValue={value('warningValue', policy ? (policy.warningMinutesBefore ? formatDuration(policy.warningMinutesBefore) : String(policy.warningPercent)) : '75')}
            />
          )}
        </Field>
      </div>
      <fieldset className="sla-calendar">
        <legend>Business calendar</legend>
        <Field id={`${prefix}-tz`} label="Time zone" error={fieldErrors.timeZone} hint="IANA name, e.g. Europe/London, America/New_York.">
          {(control) => <input {...control} type="text" name="timeZone" defaultValue={value('timeZone', calendar.timeZone)} />}
        </Field>
        <div className="form-row sla-calendar__days">
          {WEEK_ORDER.map((day) => (
            <Field key={day} id={`${prefix}-day${day}`} label={DAY_LABELS[day]} error={fieldErrors[`day${day}`]}>
              {(control) => <input {...control} type="text" name={`day${day}`} defaultValue={value(`day${day}`, formatDayHours(calendar.weekly[day] ?? []))} placeholder="closed" />}
            </Field>
          ))}
        </div>
        <p className="field-hint">Hours like 09:00-17:00, several separated by commas (09:00-12:00, 13:00-17:00); 00:00-24:00 for all day; empty for closed.</p>
        <Field id={`${prefix}-holidays`} label="Holidays (closed all day)" error={fieldErrors.holidays} hint="Dates YYYY-MM-DD, separated by commas or lines.">
          {(control) => <textarea {...control} name="holidays" rows={2} defaultValue={value('holidays', calendar.holidays.join(', '))} />}
        </Field>
      </fieldset>
      {intent === 'update' ? <p className="field-hint">{RUNNING_CLOCKS_NOTE}</p> : null}
      <div>
        <button type="submit" className="button button-primary button-small">
          {intent === 'create' ? 'Create policy' : 'Save policy'}
        </button>
      </div>
    </Form>
  )
}

export const meta: MetaFunction = () => [{ title: 'SLA policies · Tickets · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
