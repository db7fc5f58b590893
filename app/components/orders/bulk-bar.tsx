import { useFetcher, useLocation, useRouteLoaderData } from '@remix-run/react'
import { useEffect, useId, useState } from 'react'
import type { RootLoaderData } from '#app/root.tsx'
import type { BulkActionData } from '#app/routes/orders.bulk.tsx'
import { hasPermission } from '#app/utils/permissions.ts'

/**
 * The orders list's bulk bar (mounted by the list page when rows are selected, or when the person chose "all N
 * matching"): tag, assign, mark fulfilled, ship, cancel, export. Posts to /orders/bulk (app/routes/orders.bulk.tsx),
 * which starts a tracked job and redirects to its progress page. Fulfil, ship and cancel ask for confirmation first;
 * actions that change orders are shown only to roles with update:order (the action refuses anyway).
 *
 * `selection`: `{ ids }` — the selected rows; `{ query, count }` — every order matching the list's filters (the
 * list's URL search params as a string, URLSearchParams or `{ key: value | values }`; pagination params are ignored;
 * the current URL's `sort`/`dir` are added when absent), with the count the page shows (`exact: false` when it is an
 * estimate).
 */
export type BulkBarSelection =
  | { ids: string[] }
  | { query: string | URLSearchParams | Record<string, string | string[]>; count: number; exact?: boolean }

/**
 * The view's order travels with an "all matching" selection: the job walks the rows in the order the person sees them
 * (a stopped operation has done the first ones of *their* list) and an export writes its file in that order.
 */
const ORDER_PARAMS = ['sort', 'dir'] as const

/** The list's filters (plus the view's sort, from `viewSearch` when the filters lack it) as a search string. */
export function querySearch(query: string | URLSearchParams | Record<string, string | string[]>, viewSearch = '') {
  let params: URLSearchParams
  if (typeof query === 'string') params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)
  else if (query instanceof URLSearchParams) params = new URLSearchParams(query)
  else {
    params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) for (const item of Array.isArray(value) ? value : [value]) params.append(key, item)
  }
  const view = new URLSearchParams(viewSearch)
  for (const key of ORDER_PARAMS) {
    const value = view.get(key)
    if (value !== null && !params.has(key)) params.set(key, value)
  }
  return params.toString()
}

type Kind = 'tag' | 'assign' | 'fulfil' | 'ship' | 'cancel' | 'export'

const CONFIRM_TEXT: Partial<Record<Kind, (count: string) => string>> = {
  fulfil: (count) => `Mark ${count} as fulfilled? Every unit not yet fulfilled is fulfilled; orders that cannot be are skipped with the reason.`,
  ship: (count) => `Ship ${count}? Labels are requested from the carrier where no tracking exists; orders that cannot ship are skipped with the reason.`,
  cancel: (count) => `Cancel ${count}? Their reserved stock is released. This cannot be undone; orders that cannot be cancelled are skipped with the reason.`,
}

const ACTION_LABEL: Record<Kind, string> = {
  tag: 'Tag…',
  assign: 'Assign…',
  fulfil: 'Mark fulfilled',
  ship: 'Ship',
  cancel: 'Cancel orders…',
  export: 'Export CSV',
}

export function BulkBar({ selection, onClear }: { selection: BulkBarSelection; onClear?: () => void }) {
  const root = useRouteLoaderData<RootLoaderData>('root')
  const canUpdate = hasPermission(root?.user?.role, 'update:order')
  const fetcher = useFetcher<BulkActionData>()
  const location = useLocation()
  const [open, setOpen] = useState<Kind | null>(null)
  const busy = fetcher.state !== 'idle'
  const error = fetcher.data && 'formError' in fetcher.data ? fetcher.data : null

  const count = 'ids' in selection ? selection.ids.length : selection.count
  if (count === 0) return null
  const countText =
    'ids' in selection
      ? `${count.toLocaleString('en-GB')} order${count === 1 ? '' : 's'}`
      : `all ${selection.exact === false ? '~' : ''}${count.toLocaleString('en-GB')} matching orders`
  const summary = 'ids' in selection ? `${count.toLocaleString('en-GB')} selected` : `All ${selection.exact === false ? '~' : ''}${count.toLocaleString('en-GB')} matching`
  const kinds: Kind[] = canUpdate ? ['tag', 'assign', 'fulfil', 'ship', 'cancel', 'export'] : ['export']

  const hidden = (
    <>
      {'ids' in selection ? (
        <>
          <input type="hidden" name="scope" value="ids" />
          {selection.ids.map((id) => (
            <input key={id} type="hidden" name="ids" value={id} />
          ))}
        </>
      ) : (
        <>
          <input type="hidden" name="scope" value="query" />
          <input type="hidden" name="query" value={querySearch(selection.query, location.search)} />
        </>
      )}
    </>
  )

  return (
    <section className="panel bulk-bar" aria-label="Bulk actions" data-testid="bulk-bar">
      <div className="bulk-bar__actions">
        <strong data-testid="bulk-count">{summary}</strong>
        {onClear ? (
          <button type="button" className="button button-small button-secondary" onClick={onClear}>
            Clear
          </button>
        ) : null}
        <span aria-hidden="true" className="muted">
          ·
        </span>
        {kinds.map((kind) =>
          kind === 'export' ? (
            <fetcher.Form key={kind} method="post" action="/orders/bulk" className="inline-form">
              {hidden}
              <input type="hidden" name="kind" value="export" />
              <button type="submit" className="button button-small button-secondary" disabled={busy}>
                {ACTION_LABEL.export}
              </button>
            </fetcher.Form>
          ) : (
            <button
              key={kind}
              type="button"
              className={`button button-small ${kind === 'cancel' ? 'button-danger' : 'button-secondary'}`}
              aria-expanded={open === kind}
              onClick={() => setOpen(open === kind ? null : kind)}
              disabled={busy}
            >
              {ACTION_LABEL[kind]}
            </button>
          ),
        )}
      </div>
      {open && open !== 'export' ? (
        <fetcher.Form method="post" action="/orders/bulk" className="form bulk-bar-form" data-testid={`bulk-form-${open}`}>
          {hidden}
          <input type="hidden" name="kind" value={open} />
          {open === 'tag' ? <TagFields errors={error?.fieldErrors} /> : null}
          {open === 'assign' ? <AssignFields error={error?.fieldErrors?.assigneeId} /> : null}
          {open === 'cancel' ? <ReasonField error={error?.fieldErrors?.reason} /> : null}
          {CONFIRM_TEXT[open] ? <p role="note">{CONFIRM_TEXT[open]!(countText)}</p> : null}
          <div className="bulk-bar__buttons">
            <button type="submit" className={`button button-small ${open === 'cancel' ? 'button-danger' : 'button-primary'}`} disabled={busy}>
              {busy ? 'Starting…' : confirmLabel(open, countText)}
            </button>
            <button type="button" className="button button-small button-secondary" onClick={() => setOpen(null)}>
              Back
            </button>
          </div>
        </fetcher.Form>
      ) : null}
      {error ? (
        <p className="alert alert-error" role="alert" data-testid="bulk-error">
          {error.formError}
        </p>
      ) : null}
    </section>
  )
}

function confirmLabel(kind: Kind, countText: string) {
  switch (kind) {
    case 'tag':
      return `Apply to ${countText}`
    case 'assign':
      return `Assign ${countText}`
    case 'fulfil':
      return `Mark ${countText} fulfilled`
    case 'ship':
      return `Ship ${countText}`
    case 'cancel':
      return `Cancel ${countText}`
    default:
      return 'Start'
  }
}

function TagFields({ errors }: { errors?: Record<string, string> }) {
  const id = useId()
  return (
    <div className="bulk-bar__fields">
      <div className="field">
        <label htmlFor={`${id}-add`}>Add tags</label>
        <input id={`${id}-add`} name="tagsAdd" placeholder="vip, gift" aria-invalid={errors?.tagsAdd ? true : undefined} autoFocus />
        {errors?.tagsAdd ? <p className="field-error">{errors.tagsAdd}</p> : null}
      </div>
      <div className="field">
        <label htmlFor={`${id}-remove`}>Remove tags</label>
        <input id={`${id}-remove`} name="tagsRemove" placeholder="review" aria-invalid={errors?.tagsRemove ? true : undefined} />
        {errors?.tagsRemove ? <p className="field-error">{errors.tagsRemove}</p> : null}
      </div>
    </div>
  )
}

function AssignFields({ error }: { error?: string }) {
  const id = useId()
  const people = useFetcher<{ users: Array<{ id: string; name: string }> }>()
  useEffect(() => {
    if (people.state === 'idle' && !people.data) people.load('/orders/bulk/assignees')
  }, [people])
  return (
    <div className="field">
      <label htmlFor={`${id}-assignee`}>Assign to</label>
      <select id={`${id}-assignee`} name="assigneeId" defaultValue="" aria-invalid={error ? true : undefined}>
        <option value="">Nobody (unassign)</option>
        {people.data?.users.map((user) => (
          <option key={user.id} value={user.id}>
            {user.name}
          </option>
        ))}
      </select>
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  )
}

function ReasonField({ error }: { error?: string }) {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={`${id}-reason`}>Reason (kept on each order)</label>
      <input id={`${id}-reason`} name="reason" required minLength={3} maxLength={500} aria-invalid={error ? true : undefined} autoFocus />
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  )
}
