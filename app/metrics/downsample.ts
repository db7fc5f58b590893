import { Histogram } from './histogram.ts'
import { MINUTE_MS } from './rollup.ts'

/**
 * Downsampling minute rollups for history charts (STYLE.md habit 12: hundreds of points, not thousands).
 * A range is cut into fixed bins of a "nice" step; rows in a bin merge like the rollup merges (counts and sums add,
 * min/max, histograms add bucket by bucket), so a bin's p95 is the p95 of every request in it, never an average of
 * per-minute percentiles. Pure and isomorphic.
 */

export const HISTORY_RANGES = { '1h': 60 * MINUTE_MS, '24h': 24 * 60 * MINUTE_MS, '7d': 7 * 24 * 60 * MINUTE_MS } as const
export type HistoryRange = keyof typeof HISTORY_RANGES
export const MAX_POINTS = 400

const NICE_STEPS_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440]

/** The smallest nice step (whole minutes) that keeps a range within `maxPoints` bins. */
export function chooseStep(rangeMs: number, maxPoints = MAX_POINTS) {
  const minutes = NICE_STEPS_MINUTES.find((step) => rangeMs / (step * MINUTE_MS) <= maxPoints) ?? NICE_STEPS_MINUTES.at(-1)!
  return minutes * MINUTE_MS
}

export type RollupLike = { bucket: Date | number; count: number; sum: number; min: number | null; max: number | null; histogram?: Histogram | null }
export type Bin = { t: number; rows: number; count: number; sum: number; min: number | null; max: number | null; histogram: Histogram | null }

/** Start of the bin holding `t` (bins are aligned to `from`). */
export const binOf = (t: number, from: number, stepMs: number) => from + Math.floor((t - from) / stepMs) * stepMs

/** Merges rows into the bins of [from, to); returns every bin in order, empty ones with `rows: 0`. */
export function downsample(rows: readonly RollupLike[], from: number, to: number, stepMs: number): Bin[] {
  const bins: Bin[] = []
  for (let t = from; t < to; t += stepMs) bins.push({ t, rows: 0, count: 0, sum: 0, min: null, max: null, histogram: null })
  for (const row of rows) {
    const t = typeof row.bucket === 'number' ? row.bucket : row.bucket.getTime()
    if (t < from || t >= to) continue
    const bin = bins[Math.floor((t - from) / stepMs)]!
    bin.rows += 1
    bin.count += row.count
    bin.sum += row.sum
    if (row.min !== null) bin.min = bin.min === null ? row.min : Math.min(bin.min, row.min)
    if (row.max !== null) bin.max = bin.max === null ? row.max : Math.max(bin.max, row.max)
    if (row.histogram) bin.histogram = (bin.histogram ?? new Histogram()).add(row.histogram)
  }
  return bins
}

/** A counter's bin as a per-minute rate (every minute of the bin counts; a minute without a row had none). */
export function perMinute(bin: Bin, stepMs: number) {
  return bin.sum / (stepMs / MINUTE_MS)
}

/** A gauge's bin as its mean sample, or null without samples. */
export function mean(bin: Bin) {
  return bin.count > 0 ? bin.sum / bin.count : null
}

/** A histogram bin's quantile in milliseconds, or null when empty. */
export function quantileMs(bin: Bin, q: number) {
  const value = bin.histogram?.quantile(q) ?? null
  return value === null ? null : Math.round(value * 1e5) / 100
}
