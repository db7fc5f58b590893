/** A compact coloured label for a state; the tone decides the colour, the text always says the state. */
export type BadgeTone = 'neutral' | 'success' | 'warning' | 'danger' | 'info'

export function StatusBadge({ tone = 'neutral', children }: { tone?: BadgeTone; children: React.ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>
}
