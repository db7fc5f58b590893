/**
 * Inventory constants shared by the models and the pages (isomorphic: no server imports, so route modules can use
 * them at module level — a value imported from a `.server` module is undefined in the browser bundle).
 */

export const ADJUST_REASONS = ['damage', 'loss', 'found'] as const
export type AdjustReason = (typeof ADJUST_REASONS)[number]
export const ADJUST_REASON_LABELS: Record<AdjustReason | 'count', string> = { damage: 'Damaged', loss: 'Lost', found: 'Found', count: 'Stock count' }
export const STOCK_NOTE_MAX_LENGTH = 500
export const MAX_STOCK_QUANTITY = 1_000_000

/** Per level, available = onHand − reserved: `out` ≤ 0, `low` 0 < available ≤ threshold, `oversold` < 0 (impossible by CHECK). */
export const STOCK_STATES = ['low', 'out', 'oversold'] as const
export type StockState = (typeof STOCK_STATES)[number]
export const INVENTORY_PAGE_SIZES = [25, 50, 100] as const
