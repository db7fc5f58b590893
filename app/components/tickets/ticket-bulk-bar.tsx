import { Form, useNavigation } from '@remix-run/react'

/**
 * Bulk actions on the selected tickets of the current page: assign (or unassign), solve, close, add/remove tags.
 * Posts to the list's action with the selected ids; the result comes back as a toast.
 */
export function TicketBulkBar({ ids, agents, back, onClear }: { ids: string[]; agents: { id: string; name: string }[]; back: string; onClear: () => void }) {
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'bulk'
  const hidden = (
    <>
      <input type="hidden" name="intent" value="bulk" />
      <input type="hidden" name="back" value={back} />
      {ids.map((id) => (
        <input key={id} type="hidden" name="ids" value={id} />
      ))}
    </>
  )
  return (
    <div className="ticket-bulk-bar" role="region" aria-label="Bulk actions" data-testid="ticket-bulk-bar">
      <strong>{ids.length} selected</strong>
      <Form method="post" className="inline-form">
        {hidden}
        <input type="hidden" name="op" value="assign" />
        <label className="visually-hidden" htmlFor="bulk-assignee">
          Assign to
        </label>
        <select id="bulk-assignee" name="assigneeId" defaultValue="">
          <option value="">Unassigned</option>
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-small button-secondary" disabled={busy}>
          Assign
        </button>
      </Form>
      <Form method="post" className="inline-form">
        {hidden}
        <label className="visually-hidden" htmlFor="bulk-tags">
          Tags
        </label>
        <input id="bulk-tags" name="tags" placeholder="tag, another" size={14} />
        <button type="submit" name="op" value="tag" className="button button-small button-secondary" disabled={busy}>
          Add tags
        </button>
        <button type="submit" name="op" value="untag" className="button button-small button-secondary" disabled={busy}>
          Remove tags
        </button>
      </Form>
      <Form method="post" className="inline-form">
        {hidden}
        <button type="submit" name="op" value="solve" className="button button-small button-secondary" disabled={busy}>
          Solve
        </button>
        <button type="submit" name="op" value="close" className="button button-small button-danger" disabled={busy} data-testid="bulk-close">
          Close
        </button>
      </Form>
      <button type="button" className="link-button" onClick={onClear}>
        Clear selection
      </button>
    </div>
  )
}
