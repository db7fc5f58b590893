/**
 * Support-desk rules in one place, isomorphic (the list, the ticket page and the models all read them): statuses and
 * which changes are legal, priorities, the built-in views (queues), and limits on what people type.
 */

export const TICKET_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const
export type TicketStatusValue = (typeof TICKET_STATUSES)[number]
export const TICKET_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
export type TicketPriorityValue = (typeof TICKET_PRIORITIES)[number]
export const TICKET_CHANNELS = ['email', 'chat', 'phone', 'web', 'social'] as const

/** Not solved yet: the home page's "open tickets" figure counts the same set (app/models/dashboard.server.ts). */
export const UNSOLVED_STATUSES = ['new', 'open', 'pending', 'on_hold'] as const satisfies readonly TicketStatusValue[]
/** Waiting on the customer or a third party: SLA clocks pause (DESIGN/issue 6). */
export const PAUSED_STATUSES = ['pending', 'on_hold'] as const satisfies readonly TicketStatusValue[]

export const STATUS_LABELS: Record<TicketStatusValue, string> = {
  new: 'New',
  open: 'Open',
  pending: 'Pending',
  on_hold: 'On hold',
  solved: 'Solved',
  closed: 'Closed',
}
export const PRIORITY_LABELS: Record<TicketPriorityValue, string> = { urgent: 'Urgent', high: 'High', normal: 'Normal', low: 'Low' }

/**
 * Statuses a person may move a ticket to from each status. `new` is only ever the state of an untouched ticket;
 * `closed` is final for people (a new customer mail reopens it: app/models/ticket.server.ts).
 */
export const STATUS_TRANSITIONS: Record<TicketStatusValue, readonly TicketStatusValue[]> = {
  new: ['open', 'pending', 'on_hold', 'solved', 'closed'],
  open: ['pending', 'on_hold', 'solved', 'closed'],
  pending: ['open', 'on_hold', 'solved', 'closed'],
  on_hold: ['open', 'pending', 'solved', 'closed'],
  solved: ['open', 'closed'],
  closed: [],
}

export function canMoveTicket(from: TicketStatusValue, to: TicketStatusValue) {
  return from === to || STATUS_TRANSITIONS[from].includes(to)
}

/** Why a status change is refused, in the words the page shows. */
export function statusChangeRefusal(from: TicketStatusValue, to: TicketStatusValue): string | null {
  if (canMoveTicket(from, to)) return null
  if (from === 'closed') return 'This ticket is closed; a new message from the customer reopens it. Create a follow-up ticket instead.'
  if (to === 'new') return '“New” is only for tickets nobody has worked on yet.'
  return `A ${STATUS_LABELS[from].toLowerCase()} ticket cannot be set to ${STATUS_LABELS[to].toLowerCase()}.`
}

/** Built-in queues (`/tickets?view=…`). Each is a preset of the list's filters (app/models/ticket-list.server.ts). */
export const TICKET_VIEWS = ['mine', 'team', 'unassigned', 'open', 'pending', 'breaching', 'breached', 'all'] as const
export type TicketView = (typeof TICKET_VIEWS)[number]
export const VIEW_LABELS: Record<TicketView, string> = {
  mine: 'My open',
  team: 'My teams',
  unassigned: 'Unassigned',
  open: 'All open',
  pending: 'Pending',
  breaching: 'Breaching soon',
  breached: 'Breached',
  all: 'All tickets',
}
/** "Breaching soon": an SLA target falls due within this many minutes. */
export const BREACHING_SOON_MINUTES = 60

export const TICKET_SUBJECT_MAX = 200
export const TEAM_NAME_MAX = 60
export const TICKET_BODY_MAX = 20_000
export const TICKET_TAG_MAX = 40
export const TICKET_TAGS_MAX = 20
/** Bulk actions act on a page selection, at most this many tickets per request. */
export const TICKET_BULK_MAX = 200

/** Tags are lower-case words with dashes ("address-change"). */
export function normalizeTag(tag: string) {
  return tag.trim().toLowerCase().replace(/\s+/g, '-')
}

export function parseTagList(value: string | null | undefined): string[] {
  return [...new Set((value ?? '').split(',').map(normalizeTag).filter(Boolean))]
}

export function humanStatus(status: string) {
  return STATUS_LABELS[status as TicketStatusValue] ?? status
}
