import { Link, useFetcher } from '@remix-run/react'
import { useEffect, useId, useState } from 'react'
import type { SavedViewSummary } from '#app/models/saved-view.server.ts'
import type { ViewsActionData } from '#app/routes/orders.views.tsx'
import { ROLES } from '#app/utils/permissions.ts'

/** An example name per list, for the "save as" field. */
const NAME_EXAMPLES = { orders: 'e.g. Unpaid over £100', tickets: 'e.g. Urgent refund requests' } as const

/**
 * A list's saved views (mounted by the list page with its current URL search params): open a view, save the
 * current one as…, share your own with a role (read-only for them), make one your default (opened when you visit
 * the list without parameters), delete. Talks to `/<area>/views` (app/routes/orders.views.tsx, tickets.views.tsx).
 */
export function SavedViewsMenu({ area = 'orders', current }: { area?: keyof typeof NAME_EXAMPLES; current: URLSearchParams | string }) {
  const list = useFetcher<{ views: SavedViewSummary[] }>()
  const change = useFetcher<ViewsActionData>()
  const [open, setOpen] = useState(false)
  const id = useId()
  const base = `/${area}`
  const currentSearch = new URLSearchParams(typeof current === 'string' ? current : current.toString())
  currentSearch.delete('after')
  currentSearch.delete('before')
  const search = currentSearch.toString()

  useEffect(() => {
    if (open && list.state === 'idle' && !list.data) list.load(`${base}/views`)
  }, [open, list, base])
  // After any change, read the list again.
  useEffect(() => {
    if (change.state === 'idle' && change.data?.ok) list.load(`${base}/views`)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [change.state, change.data])

  const views = list.data?.views ?? []
  const error = change.data && !change.data.ok ? change.data : null
  const active = views.find((view) => view.search === search)

  return (
    <details className="saved-views-menu" data-testid="saved-views" open={open} onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}>
      <summary className="button button-small button-secondary">{active ? `View: ${active.name}` : 'Saved views'}</summary>
      <div className="panel saved-views-menu__panel">
        {list.state === 'loading' && !list.data ? <p className="muted">Loading…</p> : null}
        {list.data && views.length === 0 ? <p className="muted">No saved views yet.</p> : null}
        <ul className="saved-views-menu__list" aria-label="Saved views">
          {views.map((view) => (
            <li key={view.id} data-testid="saved-view" data-view-name={view.name} className="saved-views-menu__item">
              <span className="saved-views-menu__row">
                <Link to={view.search ? `${base}?${view.search}` : `${base}?view=all`} onClick={() => setOpen(false)} aria-current={active?.id === view.id ? 'true' : undefined}>
                  {view.name}
                </Link>
                {view.isDefault ? <span className="badge badge-info">default</span> : null}
                {view.sharedWithRole ? <span className="badge badge-neutral">shared with {view.sharedWithRole}</span> : null}
                {!view.mine ? <span className="muted">by {view.ownerName}</span> : null}
              </span>
              {view.mine ? (
                <span className="saved-views-menu__tools">
                  <change.Form method="post" action={`${base}/views`} className="inline-form">
                    <input type="hidden" name="intent" value="default" />
                    <input type="hidden" name="id" value={view.isDefault ? '' : view.id} />
                    <button type="submit" className="button button-small button-secondary">
                      {view.isDefault ? 'Unset default' : 'Make default'}
                    </button>
                  </change.Form>
                  <change.Form method="post" action={`${base}/views`} className="inline-form">
                    <input type="hidden" name="intent" value="share" />
                    <input type="hidden" name="id" value={view.id} />
                    <label className="visually-hidden" htmlFor={`${id}-share-${view.id}`}>
                      Share {view.name} with
                    </label>
                    <select id={`${id}-share-${view.id}`} name="sharedWithRole" defaultValue={view.sharedWithRole ?? ''} onChange={(event) => change.submit(event.currentTarget.form)}>
                      <option value="">Only me</option>
                      {ROLES.map((role) => (
                        <option key={role} value={role}>
                          Share with {role}
                        </option>
                      ))}
                    </select>
                  </change.Form>
                  <change.Form method="post" action={`${base}/views`} className="inline-form">
                    <input type="hidden" name="intent" value="delete" />
                    <input type="hidden" name="id" value={view.id} />
                    <button type="submit" className="button button-small button-secondary" aria-label={`Delete ${view.name}`}>
                      Delete
                    </button>
                  </change.Form>
                </span>
              ) : null}
            </li>
          ))}
        </ul>
        <change.Form method="post" action={`${base}/views`} className="form saved-views-menu__save" data-testid="save-view-form">
          <input type="hidden" name="intent" value="create" />
          <input type="hidden" name="search" value={search} />
          <div className="field">
            <label htmlFor={`${id}-name`}>Save current view as…</label>
            <input id={`${id}-name`} name="name" required maxLength={80} placeholder={NAME_EXAMPLES[area]} aria-invalid={error?.fieldErrors?.name ? true : undefined} />
            {error?.fieldErrors?.name ? <p className="field-error">{error.fieldErrors.name}</p> : null}
          </div>
          <div className="bulk-bar__fields">
            <label>
              <select name="sharedWithRole" defaultValue="" aria-label="Share with">
                <option value="">Only me</option>
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    Share with {role}
                  </option>
                ))}
              </select>
            </label>
            <label className="checkbox">
              <input type="checkbox" name="isDefault" /> My default
            </label>
            <button type="submit" className="button button-small button-primary" disabled={change.state !== 'idle'}>
              Save view
            </button>
          </div>
          {error && !error.fieldErrors ? (
            <p className="alert alert-error" role="alert">
              {error.formError}
            </p>
          ) : null}
        </change.Form>
      </div>
    </details>
  )
}
