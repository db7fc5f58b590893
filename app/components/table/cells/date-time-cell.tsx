/**
 * A timestamp in a table: relative-free, locale-stable (en-GB, UTC) so server and browser render the same text
 * (no hydration mismatch); the full ISO time is in `title` and `dateTime`.
 */
const FORMAT = new Intl.DateTimeFormat('en-GB', {
  day: '2-digit',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
})

export function DateTimeCell({ value, empty = '—' }: { value: string | Date | null | undefined; empty?: string }) {
  if (!value) return <span className="muted">{empty}</span>
  const date = typeof value === 'string' ? new Date(value) : value
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {FORMAT.format(date)} UTC
    </time>
  )
}
