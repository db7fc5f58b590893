import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { useMemo } from 'react'
import { z } from 'zod'
import { roleLabel } from '#app/components/app-shell.tsx'
import { Field } from '#app/components/ui/field.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { DataTable } from '#app/components/table/data-table.tsx'
import { changeUserRole, createUser, listUsers, setUserDisabled, type UserFailure } from '#app/models/user.server.ts'
import { disconnectUserSockets, reconnectUserSockets } from '#app/realtime/io.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { MIN_PASSWORD_LENGTH } from '#app/utils/password.server.ts'
import { ROLES } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'
import { userColumns } from './columns.tsx'

const RoleSchema = z.enum(ROLES, { errorMap: () => ({ message: 'Choose one of the roles' }) })

const CreateUserSchema = z.object({
  intent: z.literal('create'),
  email: z.string({ required_error: 'Enter an email address' }).trim().toLowerCase().min(1, 'Enter an email address').max(254).email('Enter a valid email address'),
  name: z.string({ required_error: 'Enter a name' }).trim().min(1, 'Enter a name').max(120, 'Keep the name under 120 characters'),
  role: RoleSchema,
  password: z
    .string({ required_error: 'Enter a password' })
    .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(1024, 'That password is too long'),
})

const ChangeRoleSchema = z.object({
  intent: z.literal('change-role'),
  userId: z.string().min(1).max(64),
  role: RoleSchema,
  version: z.coerce.number().int().min(1),
})

const SetStatusSchema = z.object({
  intent: z.enum(['disable', 'enable']),
  userId: z.string().min(1).max(64),
})

const ActionSchema = z.discriminatedUnion('intent', [CreateUserSchema, ChangeRoleSchema, SetStatusSchema.extend({ intent: z.literal('disable') }), SetStatusSchema.extend({ intent: z.literal('enable') })])

type CreateField = 'email' | 'name' | 'role' | 'password'
export type UsersActionData =
  | { intent: 'create'; fieldErrors: Partial<Record<CreateField, string>>; values: { email: string; name: string; role: string } }
  | { intent: 'row'; formError: string }

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requirePermission(request, 'manage:user')
  const users = await listUsers()
  return json({ currentUserId: admin.id, users, minPasswordLength: MIN_PASSWORD_LENGTH })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const admin = await requirePermission(request, 'manage:user')
  const form = Object.fromEntries(await request.formData())
  const meta = getRequestMeta(request, context)
  const actor = { id: admin.id, ip: meta.ip, requestId: meta.requestId }

  const parsed = ActionSchema.safeParse(form)
  if (!parsed.success) {
    if (form.intent === 'create') {
      const flat = parsed.error.flatten().fieldErrors as Partial<Record<CreateField, string[]>>
      return json<UsersActionData>(
        {
          intent: 'create',
          fieldErrors: { email: flat.email?.[0], name: flat.name?.[0], role: flat.role?.[0], password: flat.password?.[0] },
          values: { email: String(form.email ?? ''), name: String(form.name ?? ''), role: String(form.role ?? '') },
        },
        { status: 400 },
      )
    }
    return json<UsersActionData>({ intent: 'row', formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  }

  const input = parsed.data
  switch (input.intent) {
    case 'create': {
      const result = await createUser(input, actor)
      if (!result.ok) {
        return json<UsersActionData>(
          { intent: 'create', fieldErrors: { [result.field ?? 'email']: result.message }, values: { email: input.email, name: input.name, role: input.role } },
          { status: result.status },
        )
      }
      return redirectWithToast('/admin/users', { title: 'User created', description: `${result.user.name} can now sign in as ${roleLabel(result.user.role)}.` })
    }
    case 'change-role': {
      const result = await changeUserRole(input, actor)
      if (!result.ok) return rowFailure(result)
      // Open sockets carry the role they connected with (rooms, event permissions): make them handshake again.
      reconnectUserSockets(input.userId)
      return redirectWithToast('/admin/users', { title: 'Role changed', description: `${result.user.name} is now ${roleLabel(result.user.role)}.` })
    }
    case 'disable':
    case 'enable': {
      const result = await setUserDisabled({ userId: input.userId, disabled: input.intent === 'disable' }, actor)
      if (!result.ok) return rowFailure(result)
      if (input.intent === 'disable') {
        // Sessions were revoked in the transaction; now end open tabs' sockets on every node.
        await disconnectUserSockets(input.userId, 'disabled')
        return redirectWithToast('/admin/users', { title: 'User disabled', description: `${result.user.name} was signed out everywhere.` })
      }
      return redirectWithToast('/admin/users', { title: 'User enabled', description: `${result.user.name} can sign in again.` })
    }
  }
}

function rowFailure(failure: UserFailure) {
  return json<UsersActionData>({ intent: 'row', formError: failure.message }, { status: failure.status })
}

export default function UsersPage() {
  const { users, currentUserId, minPasswordLength } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const columns = useMemo(() => userColumns(currentUserId), [currentUserId])
  const active = users.filter((user) => !user.disabledAt).length

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Users</h1>
          <p className="muted">
            {users.length} people · {active} active. Disabling someone signs them out everywhere at once.
          </p>
        </div>
      </header>
      {actionData?.intent === 'row' ? (
        <p className="alert alert-error" role="alert" data-testid="row-error">
          {actionData.formError}
        </p>
      ) : null}
      <section aria-labelledby="users-table-title" className="panel panel-flush">
        <h2 id="users-table-title" className="visually-hidden">
          All users
        </h2>
        <DataTable columns={columns} data={users} getRowId={(user) => user.id} caption="Users, their roles and status" testId="users-table" />
      </section>
      {/* Keyed on the number of users: a successful create remounts the form empty; a failed one keeps what was typed. */}
      <CreateUserForm
        key={users.length}
        minPasswordLength={minPasswordLength}
        result={actionData?.intent === 'create' ? actionData : undefined}
      />
    </div>
  )
}

function CreateUserForm({
  minPasswordLength,
  result,
}: {
  minPasswordLength: number
  result?: Extract<UsersActionData, { intent: 'create' }>
}) {
  const navigation = useNavigation()
  const submitting = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'create'
  const errors = result?.fieldErrors ?? {}

  return (
    <section aria-labelledby="create-user-title" className="panel">
      <h2 id="create-user-title">Add a user</h2>
      <Form method="post" className="form form-row" noValidate data-testid="create-user-form">
        <input type="hidden" name="intent" value="create" />
        <Field id="new-name" label="Name" error={errors.name}>
          {(control) => <input {...control} name="name" type="text" autoComplete="off" defaultValue={result?.values.name} required />}
        </Field>
        <Field id="new-email" label="Email" error={errors.email}>
          {(control) => <input {...control} name="email" type="email" autoComplete="off" defaultValue={result?.values.email} required />}
        </Field>
        <Field id="new-role" label="Role" error={errors.role}>
          {(control) => (
            <select {...control} name="role" defaultValue={result?.values.role || 'support'}>
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {roleLabel(role)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="new-password" label="Initial password" error={errors.password} hint={`At least ${minPasswordLength} characters.`}>
          {(control) => (
            <input {...control} name="password" type="password" autoComplete="new-password" minLength={minPasswordLength} required />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={submitting}>
            {submitting ? 'Creating…' : 'Create user'}
          </button>
        </div>
      </Form>
    </section>
  )
}

export const meta: MetaFunction = () => [{ title: 'Users · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
