import { Link } from '@remix-run/react'

/** A sortable column header of a server-sorted list: a link that sorts by this key (toggling the direction when already sorted by it). */
export function SortHeader({ label, active, dir, to }: { label: string; active: boolean; dir: 'asc' | 'desc'; to: string }) {
  return (
    <Link to={to} className={`sort-header${active ? ' sort-header--active' : ''}`} preventScrollReset data-testid={`sort-${label.toLowerCase()}`}>
      {label}
      <span aria-hidden="true" className="sort-header__arrow">
        {active ? (dir === 'asc' ? '▲' : '▼') : '↕'}
      </span>
      {active ? <span className="visually-hidden">, sorted {dir === 'asc' ? 'ascending' : 'descending'}</span> : null}
    </Link>
  )
}
