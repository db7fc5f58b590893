import { Link } from '@remix-run/react'

/**
 * Previous / next links of a keyset-paged list (the cursor params are the list's own, e.g. `after` / `before`).
 * A missing link is shown disabled, so the pager keeps its place.
 */
export function KeysetPager({ prevTo, nextTo, label = 'Pages' }: { prevTo: string | null; nextTo: string | null; label?: string }) {
  return (
    <nav className="pager" aria-label={label}>
      {prevTo ? (
        <Link to={prevTo} rel="prev" data-testid="prev-page">
          ← Previous
        </Link>
      ) : (
        <span className="muted" aria-disabled="true">
          ← Previous
        </span>
      )}
      {nextTo ? (
        <Link to={nextTo} rel="next" data-testid="next-page">
          Next →
        </Link>
      ) : (
        <span className="muted" aria-disabled="true">
          Next →
        </span>
      )}
    </nav>
  )
}
