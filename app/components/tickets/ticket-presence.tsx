import type { TicketViewer } from '#app/realtime/events.ts'

/** "Also viewing: Ana (support) · Ana is typing a reply…" — collision detection on the ticket page, live. */
export function TicketPresence({ others, known }: { others: TicketViewer[]; known: boolean }) {
  const typing = others.filter((viewer) => viewer.typing)
  return (
    <div className="presence ticket-presence" data-testid="ticket-presence" data-known={known ? 'true' : 'false'} aria-live="polite">
      {others.length > 0 ? (
        <>
          <ul className="presence-avatars" aria-hidden="true">
            {others.slice(0, 4).map((viewer) => (
              <li key={viewer.userId} className={`avatar${viewer.typing ? ' avatar--typing' : ''}`} title={`${viewer.name} (${viewer.role})`}>
                {initials(viewer.name)}
              </li>
            ))}
          </ul>
          <span className="presence-text" data-testid="ticket-viewers">
            Also viewing: {others.map((viewer) => `${viewer.name} (${viewer.role})`).join(', ')}
          </span>
          {typing.length > 0 ? (
            <span className="badge badge-warning" data-testid="ticket-typing">
              {typing.map((viewer) => viewer.name).join(' and ')} {typing.length === 1 ? 'is' : 'are'} typing a reply…
            </span>
          ) : null}
        </>
      ) : known ? (
        <span className="presence-text muted">Only you are viewing this ticket</span>
      ) : null}
    </div>
  )
}

export function initials(name: string) {
  const parts = name.trim().split(/\s+/)
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase() || '?'
}
