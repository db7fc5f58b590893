import { useOrderPresence } from '#app/realtime/use-order-presence.ts'

/** "Also viewing: Ana (operations)" — who else has this order open right now, live. */
export function OrderPresence({ orderId, selfId }: { orderId: string; selfId: string }) {
  const { others, known } = useOrderPresence(orderId, selfId)
  return (
    <div className="presence" data-testid="order-presence" data-known={known ? 'true' : 'false'} aria-live="polite">
      {others.length > 0 ? (
        <>
          <ul className="presence-avatars" aria-hidden="true">
            {others.slice(0, 4).map((viewer) => (
              <li key={viewer.userId} className="avatar" title={`${viewer.name} (${viewer.role})`}>
                {initials(viewer.name)}
              </li>
            ))}
          </ul>
          <span className="presence-text">
            Also viewing: {others.map((viewer) => `${viewer.name} (${viewer.role})`).join(', ')}
          </span>
        </>
      ) : known ? (
        <span className="presence-text muted">Only you are viewing this order</span>
      ) : null}
    </div>
  )
}

function initials(name: string) {
  const parts = name.trim().split(/\s+/)
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase() || '?'
}
