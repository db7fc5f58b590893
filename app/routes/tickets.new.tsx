import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { Field } from '#app/components/ui/field.tsx'
import { createTicketFromUi, TicketActionError } from '#app/models/ticket-actions.server.ts'
import { parseTagList, PRIORITY_LABELS, TICKET_BODY_MAX, TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_SUBJECT_MAX, TICKET_TAGS_MAX, TICKET_TAG_MAX } from '#app/models/ticket-rules.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * `/tickets/new`: an agent records a request that did not come by mail (phone, chat, in person). The customer's
 * words are the first message; the requester is the customer with that email (or a new one); an order number links
 * the order. `?orderNumber=#100234` pre-fills the order (links from elsewhere).
 */

export const NewTicketSchema = z.object({
  requesterEmail: z.string({ required_error: 'Enter the customer’s email' }).trim().toLowerCase().email('Enter an email address like ana@example.com').max(200),
  requesterName: z.string().trim().max(120, 'At most 120 characters').default(''),
  subject: z.string({ required_error: 'Write a subject' }).trim().min(1, 'Write a subject').max(TICKET_SUBJECT_MAX, `At most ${TICKET_SUBJECT_MAX} characters`),
  body: z.string({ required_error: 'Write what the customer asked' }).trim().min(1, 'Write what the customer asked').max(TICKET_BODY_MAX, `At most ${TICKET_BODY_MAX.toLocaleString('en')} characters`),
  priority: z.enum(TICKET_PRIORITIES, { errorMap: () => ({ message: 'Choose a priority' }) }).default('normal'),
  channel: z.enum(TICKET_CHANNELS, { errorMap: () => ({ message: 'Choose a channel' }) }).default('phone'),
  tags: z
    .string()
    .max(500)
    .optional()
    .transform(parseTagList)
    .refine((tags) => tags.length <= TICKET_TAGS_MAX, `At most ${TICKET_TAGS_MAX} tags`)
    .refine((tags) => tags.every((tag) => tag.length <= TICKET_TAG_MAX), `Tags are at most ${TICKET_TAG_MAX} characters`),
  orderNumber: z
    .string()
    .trim()
    .max(40, 'That is not an order number')
    .optional()
    .transform((value) => (value ? (value.startsWith('#') ? value : `#${value}`) : null)),
  assignToMe: z.literal('on').optional(),
})

/** What was typed comes back with the errors, so nothing is lost (also without JavaScript). */
type ActionData = { fieldErrors: Record<string, string>; formError?: string; values: Record<string, string> }

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'create:ticket')
  const url = new URL(request.url)
  return json({ orderNumber: (url.searchParams.get('orderNumber') ?? '').slice(0, 40), canWork: hasPermission(user.role, 'update:ticket') })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'create:ticket')
  const form = Object.fromEntries(await request.formData())
  const values = Object.fromEntries(Object.entries(form).map(([key, value]) => [key, String(value).slice(0, 20_000)]))
  const parsed = NewTicketSchema.safeParse(form)
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {}
    for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? 'form')] ??= issue.message
    return json<ActionData>({ fieldErrors, values }, { status: 400 })
  }
  const input = parsed.data
  try {
    const ticket = await createTicketFromUi(
      { ...input, requesterName: input.requesterName || input.requesterEmail, orderNumber: input.orderNumber, assignToMe: input.assignToMe === 'on' },
      { actor: { id: user.id, role: user.role }, requestId: getRequestMeta(request, context).requestId },
    )
    return redirectWithToast(`/tickets/${ticket.id}`, { title: `Ticket #${ticket.number} created` })
  } catch (error) {
    if (error instanceof TicketActionError && error.status === 400) return json<ActionData>({ fieldErrors: error.field ? { [error.field]: error.message } : {}, formError: error.message, values }, { status: 400 })
    throw error
  }
}

export default function NewTicketPage() {
  const data = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const errors = actionData?.fieldErrors ?? {}
  const typed = (name: string, fallback = '') => actionData?.values[name] ?? fallback
  const busy = useNavigation().state === 'submitting'
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/tickets">Tickets</Link> / New
      </nav>
      <header className="page-header">
        <div>
          <h1>New ticket</h1>
          <p className="muted">For a request that came by phone, chat or in person. Mail creates tickets by itself.</p>
        </div>
      </header>
      <section className="panel">
        <Form method="post" className="form" data-testid="new-ticket-form" noValidate>
          {actionData?.formError && !Object.keys(errors).length ? (
            <p className="alert alert-error" role="alert">
              {actionData.formError}
            </p>
          ) : null}
          <div className="form-row">
            <Field id="requesterEmail" label="Customer email" error={errors.requesterEmail}>
              {(control) => <input {...control} name="requesterEmail" type="email" autoComplete="off" required defaultValue={typed('requesterEmail')} />}
            </Field>
            <Field id="requesterName" label="Customer name" error={errors.requesterName} hint="Optional when the customer exists already.">
              {(control) => <input {...control} name="requesterName" autoComplete="off" defaultValue={typed('requesterName')} />}
            </Field>
          </div>
          <Field id="subject" label="Subject" error={errors.subject}>
            {(control) => <input {...control} name="subject" maxLength={TICKET_SUBJECT_MAX} required defaultValue={typed('subject')} />}
          </Field>
          <Field id="body" label="What the customer asked" error={errors.body}>
            {(control) => <textarea {...control} name="body" rows={6} required defaultValue={typed('body')} />}
          </Field>
          <div className="form-row">
            <Field id="priority" label="Priority" error={errors.priority}>
              {(control) => (
                <select {...control} name="priority" defaultValue={typed('priority', 'normal')}>
                  {TICKET_PRIORITIES.map((priority) => (
                    <option key={priority} value={priority}>
                      {PRIORITY_LABELS[priority]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field id="channel" label="Channel" error={errors.channel}>
              {(control) => (
                <select {...control} name="channel" defaultValue={typed('channel', 'phone')}>
                  {TICKET_CHANNELS.map((channel) => (
                    <option key={channel} value={channel}>
                      {channel}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field id="orderNumber" label="Order number" error={errors.orderNumber} hint="Optional, e.g. #100234.">
              {(control) => <input {...control} name="orderNumber" defaultValue={typed('orderNumber', data.orderNumber)} size={12} />}
            </Field>
            <Field id="tags" label="Tags" error={errors.tags} hint="Comma-separated.">
              {(control) => <input {...control} name="tags" defaultValue={typed('tags')} />}
            </Field>
          </div>
          {data.canWork ? (
            <label className="checkbox">
              <input type="checkbox" name="assignToMe" defaultChecked /> Assign to me
            </label>
          ) : null}
          <div>
            <button type="submit" className="button button-primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create ticket'}
            </button>
          </div>
        </Form>
      </section>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'New ticket · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
