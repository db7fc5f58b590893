import { Link } from '@remix-run/react'
import type { TicketCount, ViewCounts } from '#app/models/ticket-list.server.ts'
import { PRIORITY_LABELS, TICKET_PRIORITIES, VIEW_LABELS, type TicketView } from '#app/models/ticket-rules.ts'

const NUMBER = new Intl.NumberFormat('en-GB')
export const countText = (count: TicketCount) => (count.exact ? NUMBER.format(count.count) : `${NUMBER.format(count.count)}+`)

const QUEUES: TicketView[] = ['mine', 'team', 'unassigned', 'open', 'pending', 'breaching', 'breached', 'all']

/**
 * The queues beside the tickets list: built-in views (mine, my teams, …), by priority, by team, by tag, and saved views, each with its count
 * (live: the page re-reads on every `tickets.changed`). `current` is the list's search string without the page.
 */
export function TicketQueues({ counts, current, saved }: { counts: ViewCounts; current: string; saved: { id: string; name: string; search: string; mine: boolean }[] }) {
  const item = (to: string, label: string, count: TicketCount | undefined, testId: string) => {
    const active = current === to
    return (
      <li key={to}>
        <Link to={`/tickets?${to}`} className={`ticket-queue${active ? ' ticket-queue--active' : ''}`} aria-current={active ? 'page' : undefined} data-testid={testId}>
          <span>{label}</span>
          {count ? (
            <span className="ticket-queue__count" data-testid={`${testId}-count`}>
              {countText(count)}
            </span>
          ) : null}
        </Link>
      </li>
    )
  }
  return (
    <nav className="panel ticket-queues" aria-label="Ticket views" data-testid="ticket-queues">
      <p className="ticket-queues__title">Views</p>
      <ul>{QUEUES.map((view) => item(`view=${view}`, VIEW_LABELS[view], counts.views[view], `queue-${view}`))}</ul>
      <p className="ticket-queues__title">By priority (open)</p>
      <ul>{TICKET_PRIORITIES.map((priority) => item(`view=open&priority=${priority}`, PRIORITY_LABELS[priority], counts.priorities[priority], `queue-priority-${priority}`))}</ul>
      <p className="ticket-queues__title">By team (open)</p>
      {counts.teams.length > 0 ? (
        <ul>{counts.teams.map((team) => item(`view=open&team=${encodeURIComponent(team.id)}`, team.name, team.count, `queue-team-${team.id}`))}</ul>
      ) : (
        <p className="muted ticket-queues__empty">No teams yet.</p>
      )}
      <p className="ticket-queues__title">By tag (open)</p>
      {counts.tags.length > 0 ? (
        <ul>{counts.tags.map(({ tag, count }) => item(`view=open&tag=${encodeURIComponent(tag)}`, tag, count, `queue-tag-${tag}`))}</ul>
      ) : (
        <p className="muted ticket-queues__empty">No tags on open tickets.</p>
      )}
      <p className="ticket-queues__title">Saved views</p>
      {saved.length > 0 ? (
        <ul>{saved.map((view) => item(view.search, view.mine ? view.name : `${view.name} (shared)`, counts.custom[view.id], `queue-saved-${view.id}`))}</ul>
      ) : (
        <p className="muted ticket-queues__empty">Filter the list, then save it from “Saved views”.</p>
      )}
    </nav>
  )
}
