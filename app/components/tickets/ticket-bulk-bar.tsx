import { Form, useNavigation } from '@remix-run/react'
import { useState } from 'react'

type Option = { id: string; name: string }

/**
 * Bulk actions on the tickets list: on the selected tickets of the page, or — once the whole page is selected and the
 * view has more — on "all N matching this view". Assign (an agent and/or a team), assign round-robin among the agents
 * online, add/remove tags, solve, close. A page selection changes at once (the result comes back as a toast); "all
 * matching" and round-robin run as a tracked job with a progress page (/tickets/bulk/:id).
 */
export function TicketBulkBar({
  ids,
  agents,
  teams,
  back,
  search,
  matching,
  matchingText,
  allOnPage,
  onClear,
}: {
  ids: string[]
  agents: Option[]
  teams: Option[]
  back: string
  /** The list's search string (the view), for "all matching". */
  search: string
  /** How many tickets the view matches (may be capped: `matchingText` says "1,000+"). */
  matching: number
  matchingText: string
  /** Every row of the page is selected. */
  allOnPage: boolean
  onClear: () => void
}) {
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'bulk'
  const [all, setAll] = useState(false)
  const scope = all ? 'query' : 'ids'
  const hidden = (
    <>
      <input type="hidden" name="intent" value="bulk" />
      <input type="hidden" name="back" value={back} />
      <input type="hidden" name="scope" value={scope} />
      {all ? <input type="hidden" name="query" value={search} /> : ids.map((id) => <input key={id} type="hidden" name="ids" value={id} />)}
    </>
  )
  return (
    <div className="ticket-bulk-bar" role="region" aria-label="Bulk actions" data-testid="ticket-bulk-bar" data-scope={scope}>
      <div className="ticket-bulk-bar__scope">
        <strong data-testid="bulk-scope">{all ? `All ${matchingText} matching this view` : `${ids.length} selected`}</strong>
        {allOnPage && matching > ids.length && !all ? (
          <button type="button" className="link-button" onClick={() => setAll(true)} data-testid="bulk-select-all">
            Select all {matchingText} matching this view
          </button>
        ) : null}
        {all ? (
          <button type="button" className="link-button" onClick={() => setAll(false)}>
            Only the {ids.length} on this page
          </button>
        ) : null}
      </div>
      <Form method="post" className="inline-form">
        {hidden}
        <input type="hidden" name="op" value="assign" />
        <label className="visually-hidden" htmlFor="bulk-assignee">
          Assign to agent
        </label>
        {/* "keep" first: setting only a team must not unassign anyone by accident. */}
        <select id="bulk-assignee" name="assigneeId" defaultValue="keep">
          <option value="keep">Agent: keep</option>
          <option value="">Unassigned</option>
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
        </select>
        <label className="visually-hidden" htmlFor="bulk-team">
          Team
        </label>
        <select id="bulk-team" name="teamId" defaultValue="" data-testid="bulk-team">
          <option value="">Team: keep</option>
          <option value="none">No team</option>
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-small button-secondary" disabled={busy} data-testid="bulk-assign">
          Assign
        </button>
      </Form>
      <Form method="post" className="inline-form">
        {hidden}
        <button
          type="submit"
          name="op"
          value="round_robin"
          className="button button-small button-secondary"
          disabled={busy}
          title="Deal the tickets out in turn among the agents online now (a team's tickets among its members)"
          data-testid="bulk-round-robin"
        >
          Assign round-robin
        </button>
      </Form>
      <Form method="post" className="inline-form">
        {hidden}
        <label className="visually-hidden" htmlFor="bulk-tags">
          Tags
        </label>
        <input id="bulk-tags" type="text" name="tags" placeholder="tag, another" size={14} />
        <button type="submit" name="op" value="tag" className="button button-small button-secondary" disabled={busy}>
          Add tags
        </button>
        <button type="submit" name="op" value="untag" className="button button-small button-secondary" disabled={busy}>
          Remove tags
        </button>
      </Form>
      <Form method="post" className="inline-form">
        {hidden}
        {all ? null : (
          <button type="submit" name="op" value="solve" className="button button-small button-secondary" disabled={busy}>
            Solve
          </button>
        )}
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
