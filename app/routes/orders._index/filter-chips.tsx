import { Link } from '@remix-run/react'
import { CHANNEL_LABELS, FILTER_LABELS } from '#app/components/orders/order-filters.tsx'
import { humanize } from '#app/components/orders/order-status-badges.tsx'
import { listParam, withParams } from './search-params.ts'

/** Filters with one chip per chosen value (removing one keeps the others); the rest are one chip each. */
const MULTI = ['status', 'payment', 'fulfillment', 'channel', 'country', 'tags'] as const
const SINGLE = ['q', 'from', 'to', 'minTotal', 'maxTotal', 'hasOpenReturn', 'hasOpenTicket'] as const

type Chip = { key: string; label: string; value: string; to: string }

function valueLabel(key: string, value: string) {
  if (key === 'channel') return CHANNEL_LABELS[value as keyof typeof CHANNEL_LABELS] ?? value
  if (key === 'status' || key === 'payment' || key === 'fulfillment') return humanize(value)
  if (key === 'hasOpenReturn' || key === 'hasOpenTicket') return 'yes'
  return value
}

/** The chips for the view in `params`, in filter-bar order; each links to the same view without that value. */
export function activeFilterChips(params: URLSearchParams): Chip[] {
  const chips: Chip[] = []
  for (const key of MULTI) {
    const values = listParam(params, key)
    for (const value of values) {
      chips.push({ key, label: FILTER_LABELS[key] ?? key, value: valueLabel(key, value), to: withParams(params, { [key]: values.filter((other) => other !== value) }) })
    }
  }
  for (const key of SINGLE) {
    const value = params.getAll(key).at(-1)?.trim()
    if (value) chips.push({ key, label: FILTER_LABELS[key] ?? key, value: valueLabel(key, value), to: withParams(params, { [key]: null }) })
  }
  return chips
}

/**
 * What the list is filtered by, at a glance, each removable with one click (a link: the URL stays the whole view).
 * Shown only when something is filtered; "Clear all" keeps sort, columns, density and page size.
 */
export function FilterChips({ params, resetTo }: { params: URLSearchParams; resetTo: string }) {
  const chips = activeFilterChips(params)
  if (chips.length === 0) return null
  return (
    <nav className="filter-chips" aria-label="Active filters" data-testid="filter-chips">
      <ul>
        {chips.map((chip) => (
          <li key={`${chip.key}=${chip.value}`}>
            <Link to={chip.to} className="filter-chip" aria-label={`Remove filter ${chip.label}: ${chip.value}`} data-filter={chip.key}>
              <span className="filter-chip__label">{chip.label}:</span> {chip.value}
              <span aria-hidden="true" className="filter-chip__remove">
                ×
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {chips.length > 1 ? (
        <Link to={resetTo} className="link-button filter-chips__clear">
          Clear all
        </Link>
      ) : null}
    </nav>
  )
}
