import { Form } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { roleLabel } from '#app/components/app-shell.tsx'
import { StatusBadge } from '#app/components/status-badge.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'
import { ROLES } from '#app/utils/permissions.ts'

/** A row as the loader sends it (dates as ISO strings). */
export type UserRow = {
  id: string
  name: string
  email: string
  role: (typeof ROLES)[number]
  disabledAt: string | null
  lastSignInAt: string | null
  version: number
}

const column = createColumnHelper<TableFeatureSet, UserRow>()

/** Columns for the users table; `currentUserId` hides the actions an admin may not take on their own account. */
export function userColumns(currentUserId: string) {
  return column.columns([
    column.accessor('name', {
      header: 'Name',
      cell: (info) => (
        <span className="cell-strong">
          {info.getValue()}
          {info.row.original.id === currentUserId ? <span className="muted"> (you)</span> : null}
        </span>
      ),
    }),
    column.accessor('email', { header: 'Email', cell: (info) => <span className="cell-mono">{info.getValue()}</span> }),
    column.accessor('role', {
      header: 'Role',
      cell: (info) => <RoleCell user={info.row.original} self={info.row.original.id === currentUserId} />,
    }),
    column.accessor('disabledAt', {
      id: 'status',
      header: 'Status',
      cell: (info) =>
        info.getValue() ? <StatusBadge tone="danger">Disabled</StatusBadge> : <StatusBadge tone="success">Active</StatusBadge>,
    }),
    column.accessor('lastSignInAt', {
      header: 'Last sign-in',
      cell: (info) => <DateTimeCell value={info.getValue()} empty="Never" />,
    }),
    column.display({
      id: 'actions',
      header: () => <span className="visually-hidden">Actions</span>,
      cell: (info) => <StatusAction user={info.row.original} self={info.row.original.id === currentUserId} />,
    }),
  ])
}

function RoleCell({ user, self }: { user: UserRow; self: boolean }) {
  if (self) return <span title="You cannot change your own role">{roleLabel(user.role)}</span>
  const selectId = `role-${user.id}`
  return (
    <Form method="post" className="inline-form" preventScrollReset>
      <input type="hidden" name="intent" value="change-role" />
      <input type="hidden" name="userId" value={user.id} />
      <input type="hidden" name="version" value={user.version} />
      <label htmlFor={selectId} className="visually-hidden">
        Role for {user.name}
      </label>
      <select id={selectId} name="role" defaultValue={user.role} key={`${user.id}-${user.version}`}>
        {ROLES.map((role) => (
          <option key={role} value={role}>
            {roleLabel(role)}
          </option>
        ))}
      </select>
      <button type="submit" className="button button-small">
        Save<span className="visually-hidden"> role for {user.name}</span>
      </button>
    </Form>
  )
}

function StatusAction({ user, self }: { user: UserRow; self: boolean }) {
  if (self) return null
  const disabled = Boolean(user.disabledAt)
  return (
    <Form method="post" className="inline-form" preventScrollReset>
      <input type="hidden" name="intent" value={disabled ? 'enable' : 'disable'} />
      <input type="hidden" name="userId" value={user.id} />
      <button
        type="submit"
        className={`button button-small ${disabled ? 'button-secondary' : 'button-danger'}`}
        data-testid={`${disabled ? 'enable' : 'disable'}-${user.email}`}
      >
        {disabled ? 'Enable' : 'Disable'}
        <span className="visually-hidden"> {user.name}</span>
      </button>
    </Form>
  )
}
