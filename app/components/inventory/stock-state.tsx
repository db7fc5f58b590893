import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'

/** A level's stock state (app/models/inventory-list.server.ts): out = nothing available, low = at or below threshold. */
export type StockStateValue = 'ok' | 'low' | 'out' | 'oversold'

const STATE: Record<StockStateValue, { label: string; tone: BadgeTone }> = {
  ok: { label: 'In stock', tone: 'success' },
  low: { label: 'Low stock', tone: 'warning' },
  out: { label: 'Out of stock', tone: 'danger' },
  oversold: { label: 'Oversold', tone: 'danger' },
}

export function StockStateBadge({ state }: { state: string }) {
  const known = STATE[state as StockStateValue] ?? STATE.ok
  return <StatusBadge tone={known.tone}>{known.label}</StatusBadge>
}

export const STOCK_FILTER_LABELS = { low: 'Low stock', out: 'Out of stock', oversold: 'Oversold' } as const

const NUMBER = new Intl.NumberFormat('en-GB')
export const formatUnits = (n: number) => NUMBER.format(n)

/** A signed quantity for the ledger: +3, −2, 0 shown as "—". */
export function Delta({ value }: { value: number }) {
  if (value === 0) return <span className="muted">—</span>
  return <span className={value < 0 ? 'num-danger' : undefined}>{value > 0 ? `+${NUMBER.format(value)}` : `−${NUMBER.format(-value)}`}</span>
}
