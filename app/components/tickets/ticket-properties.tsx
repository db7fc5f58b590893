import { Form } from '@remix-run/react'
import { PRIORITY_LABELS, STATUS_LABELS, STATUS_TRANSITIONS, TICKET_PRIORITIES, type TicketPriorityValue, type TicketStatusValue } from '#app/models/ticket-rules.ts'

export type PropertiesErrors = { intent: string; message: string } | null

/**
 * Status, priority, team, assignee and tags. Moving a ticket to a team takes an agent outside it off, and a team
 * ticket without an agent goes round-robin to the team's members online. Status, priority and assignee carry the version the page showed (a change on
 * a stale page is refused); tags are a delta and carry none. Read-only roles see the values only.
 */
export function TicketProperties({
  ticket,
  agents,
  teams,
  me,
  canUpdate,
  error,
}: {
  ticket: {
    status: TicketStatusValue
    priority: TicketPriorityValue
    assigneeId: string | null
    assigneeName: string | null
    teamId: string | null
    teamName: string | null
    tags: string[]
    version: number
    csatRating: number | null
  }
  agents: { id: string; name: string }[]
  teams: { id: string; name: string }[]
  me: { id: string }
  canUpdate: boolean
  error: PropertiesErrors
}) {
  const errorFor = (intent: string) =>
    error?.intent === intent ? (
      <p className="field-error" role="alert">
        {error.message}
      </p>
    ) : null
  if (!canUpdate) {
    return (
      <dl className="detail-list ticket-properties" data-testid="ticket-properties">
        <dt>Status</dt>
        <dd>{STATUS_LABELS[ticket.status]}</dd>
        <dt>Priority</dt>
        <dd>{PRIORITY_LABELS[ticket.priority]}</dd>
        <dt>Team</dt>
        <dd>{ticket.teamName ?? 'No team'}</dd>
        <dt>Assignee</dt>
        <dd>{ticket.assigneeName ?? 'Unassigned'}</dd>
        <dt>Tags</dt>
        <dd>{ticket.tags.join(', ') || '—'}</dd>
      </dl>
    )
  }
  const statuses = [ticket.status, ...STATUS_TRANSITIONS[ticket.status].filter((to) => to !== 'new')]
  const version = <input type="hidden" name="expectedVersion" value={ticket.version} />
  return (
    <div className="ticket-properties" data-testid="ticket-properties">
      <Form method="post" className="ticket-property">
        <input type="hidden" name="intent" value="status" />
        {version}
        <label htmlFor="ticket-status">Status</label>
        <select id="ticket-status" name="status" defaultValue={ticket.status} key={`s${ticket.version}`} disabled={statuses.length === 1}>
          {statuses.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABELS[status]}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-small button-secondary" disabled={statuses.length === 1} data-testid="set-status">
          Set
        </button>
        {errorFor('status')}
      </Form>
      <Form method="post" className="ticket-property">
        <input type="hidden" name="intent" value="priority" />
        {version}
        <label htmlFor="ticket-priority">Priority</label>
        <select id="ticket-priority" name="priority" defaultValue={ticket.priority} key={`p${ticket.version}`}>
          {TICKET_PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {PRIORITY_LABELS[priority]}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-small button-secondary">
          Set
        </button>
        {errorFor('priority')}
      </Form>
      <Form method="post" className="ticket-property">
        <input type="hidden" name="intent" value="team" />
        {version}
        <label htmlFor="ticket-team">Team</label>
        <select id="ticket-team" name="teamId" defaultValue={ticket.teamId ?? ''} key={`t${ticket.version}`} data-testid="ticket-team-select">
          <option value="">No team</option>
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-small button-secondary" data-testid="set-team">
          Set
        </button>
        {errorFor('team')}
      </Form>
      <Form method="post" className="ticket-property">
        <input type="hidden" name="intent" value="assign" />
        {version}
        <label htmlFor="ticket-assignee">Assignee</label>
        <select id="ticket-assignee" name="assigneeId" defaultValue={ticket.assigneeId ?? ''} key={`a${ticket.version}`}>
          <option value="">Unassigned</option>
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              {agent.name}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-small button-secondary">
          Set
        </button>
        {ticket.assigneeId !== me.id ? (
          <button type="submit" name="assigneeId" value={me.id} className="button button-small button-secondary" data-testid="take-ticket">
            Take it
          </button>
        ) : null}
        {errorFor('assign')}
      </Form>
      <Form method="post" className="ticket-property ticket-property--tags">
        <input type="hidden" name="intent" value="tags" />
        <span className="ticket-property__label">Tags</span>
        <span className="ticket-tags">
          {ticket.tags.length === 0 ? <span className="muted">none</span> : null}
          {ticket.tags.map((tag) => (
            <button key={tag} type="submit" name="remove" value={tag} className="chip" aria-label={`Remove tag ${tag}`} title="Remove">
              {tag} ×
            </button>
          ))}
        </span>
        <label htmlFor="ticket-add-tag" className="visually-hidden">
          Add tags
        </label>
        <input id="ticket-add-tag" name="add" placeholder="add tag" size={10} />
        <button type="submit" className="button button-small button-secondary">
          Add
        </button>
        {errorFor('tags')}
      </Form>
      {ticket.csatRating ? (
        <p className="ticket-property" data-testid="csat">
          <span className="ticket-property__label">Satisfaction</span> ★ {ticket.csatRating}/5
        </p>
      ) : null}
    </div>
  )
}
