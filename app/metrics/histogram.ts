/**
 * A mergeable latency histogram (isomorphic: no server imports, used by web, workers and the browser).
 *
 * Why buckets: p50/p95/p99 across processes must come from merged distributions, never from averaged percentiles
 * (issue 7). Every process uses the SAME fixed bucket bounds, so merging is adding counts bucket by bucket, and the
 * quantile of a merged histogram is exactly the quantile of one histogram that saw all the samples.
 *
 * Bucket layout (values in SECONDS, like Prometheus' `_seconds` histograms and the example in
 * `MetricRollup.histogram`): upper bounds 1 ms · 10^(i/25) for i = 0…120, i.e. 1 ms … ~63 s, each bucket
 * 10^(1/25) ≈ 1.0965× wider than the previous (≈ 9.6 % relative width), plus `+Inf`. 25 per decade keeps the round
 * bounds (1 ms, 10 ms, 100 ms, 1 s, 10 s) exact, so a Prometheus `le="0.1"` reads the same number. Buckets are `le` (upper bound
 * inclusive): bucket i holds (bound[i-1], bound[i]]; the first holds [0, 1 ms].
 *
 * Error bound: `quantile(q)` interpolates linearly inside the bucket that holds the nearest-rank sample, and is
 * clamped to [min, max]; the estimate and the true sample quantile therefore sit in the same bucket, so for values
 * ≥ 1 ms the relative error is below 10^(1/25) − 1 ≈ 9.65 % (`RELATIVE_ERROR`). Below 1 ms the error is absolute
 * (≤ 1 ms); above ~60 s (the `+Inf` bucket) the estimate is the recorded max.
 *
 * JSON shape (the `MetricRollup.histogram` column, see prisma/schema.prisma): CUMULATIVE counts keyed by upper
 * bound, Prometheus-style — `{ "0.05": 12, "0.1": 30, "+Inf": 31 }` means 12 samples ≤ 50 ms, 30 ≤ 100 ms, 31 in all.
 * The example's counts only ever grow and `+Inf` equals the total, which is the cumulative reading. The map is
 * sparse: only bounds whose own bucket is non-empty are written (a missing bound's cumulative count equals the
 * previous written one), and `+Inf` is always written (it is the total count). count/sum/min/max live in the
 * rollup's own columns; `fromJSON` takes them as `stats` (without them it estimates them from the buckets).
 */

const BUCKETS_PER_DECADE = 25
const FINITE_BUCKETS = 121
const SMALLEST_BOUND = 0.001

/** Rounded to 6 significant digits so the JSON keys are short and identical in every process. */
function roundBound(x: number) {
  return Number(x.toPrecision(6))
}

/** Finite upper bounds in seconds, ascending (the `+Inf` bucket follows them). */
export const HISTOGRAM_BOUNDS: readonly number[] = Object.freeze(
  Array.from({ length: FINITE_BUCKETS }, (_, i) => roundBound(SMALLEST_BOUND * 10 ** (i / BUCKETS_PER_DECADE))),
)

/** Largest relative width of a bucket (for values ≥ 1 ms): the bound on `quantile`'s relative error. */
export const RELATIVE_ERROR = 10 ** (1 / BUCKETS_PER_DECADE) - 1

const INF_KEY = '+Inf'
const BOUND_INDEX = new Map(HISTOGRAM_BOUNDS.map((bound, i) => [String(bound), i]))

export type HistogramJSON = Record<string, number>
export type HistogramStats = { sum: number; min: number | null; max: number | null }

/** Index of the bucket holding `value` (`FINITE_BUCKETS` is `+Inf`). */
export function bucketIndex(value: number) {
  if (value <= SMALLEST_BOUND) return 0
  // Log gives a first guess; the bounds are rounded, so step to the exact `le` bucket.
  let i = Math.ceil(Math.log10(value / SMALLEST_BOUND) * BUCKETS_PER_DECADE - 1e-9)
  i = Math.min(Math.max(i, 0), FINITE_BUCKETS)
  while (i > 0 && value <= HISTOGRAM_BOUNDS[i - 1]!) i--
  while (i < FINITE_BUCKETS && value > HISTOGRAM_BOUNDS[i]!) i++
  return i
}

function lowerBound(i: number) {
  return i === 0 ? 0 : HISTOGRAM_BOUNDS[i - 1]!
}

export class Histogram {
  /** Per-bucket (not cumulative) counts; the last entry is `+Inf`. */
  readonly counts: number[] = new Array<number>(FINITE_BUCKETS + 1).fill(0)
  count = 0
  sum = 0
  min: number | null = null
  max: number | null = null

  /** Records `value` seconds, `times` times. Negative, NaN and infinite values are programming errors. */
  record(value: number, times = 1) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`Histogram value must be a finite number ≥ 0, got ${value}`)
    if (!Number.isInteger(times) || times < 0) throw new RangeError(`Histogram times must be an integer ≥ 0, got ${times}`)
    if (times === 0) return this
    this.counts[bucketIndex(value)]! += times
    this.count += times
    this.sum += value * times
    this.min = this.min === null ? value : Math.min(this.min, value)
    this.max = this.max === null ? value : Math.max(this.max, value)
    return this
  }

  /** Empties the histogram (in place; the recorder reuses one per series). */
  reset() {
    this.counts.fill(0)
    this.count = 0
    this.sum = 0
    this.min = null
    this.max = null
    return this
  }

  /** Adds `other`'s counts into this histogram (in place). */
  add(other: Histogram) {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!
    this.count += other.count
    this.sum += other.sum
    if (other.min !== null) this.min = this.min === null ? other.min : Math.min(this.min, other.min)
    if (other.max !== null) this.max = this.max === null ? other.max : Math.max(this.max, other.max)
    return this
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1), or null when the histogram is empty. Nearest-rank bucket (the one holding the
   * ⌈q·count⌉-th smallest sample), linear interpolation inside it, clamped to [min, max]; q = 0 is min, q = 1 is max.
   */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile q must be within [0, 1], got ${q}`)
    if (this.count === 0 || this.min === null || this.max === null) return null
    if (q === 0) return this.min
    if (q === 1) return this.max
    const rank = Math.max(1, Math.ceil(q * this.count))
    let before = 0
    for (let i = 0; i < this.counts.length; i++) {
      const inBucket = this.counts[i]!
      if (inBucket === 0 || before + inBucket < rank) {
        before += inBucket
        continue
      }
      if (i === FINITE_BUCKETS) return this.max
      const lower = lowerBound(i)
      const upper = HISTOGRAM_BOUNDS[i]!
      const estimate = lower + ((upper - lower) * (rank - before)) / inBucket
      return Math.min(Math.max(estimate, this.min), this.max)
    }
    return this.max
  }

  /** Cumulative counts keyed by upper bound, sparse, `+Inf` always present (see the file comment). */
  toJSON(): HistogramJSON {
    const json: HistogramJSON = {}
    let cumulative = 0
    for (let i = 0; i < FINITE_BUCKETS; i++) {
      if (this.counts[i] === 0) continue
      cumulative += this.counts[i]!
      json[String(HISTOGRAM_BOUNDS[i])] = cumulative
    }
    json[INF_KEY] = this.count
    return json
  }

  /**
   * Reads the cumulative map written by `toJSON` (a rollup's `histogram` column). `stats` are the rollup's
   * sum/min/max columns; without them min/max are the edges of the occupied buckets and sum is estimated from bucket
   * midpoints. Throws on a key that is not one of our bounds or on counts that decrease.
   */
  static fromJSON(json: unknown, stats?: Partial<HistogramStats>): Histogram {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TypeError('Histogram JSON must be an object')
    const entries: Array<[number, number]> = []
    let total: number | null = null
    for (const [key, raw] of Object.entries(json as Record<string, unknown>)) {
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) throw new TypeError(`Histogram count for ${key} must be an integer ≥ 0`)
      if (key === INF_KEY) {
        total = raw
        continue
      }
      const index = BOUND_INDEX.get(String(Number(key)))
      if (index === undefined) throw new TypeError(`Histogram bound ${key} is not one of the fixed bounds`)
      entries.push([index, raw])
    }
    entries.sort((a, b) => a[0] - b[0])
    const histogram = new Histogram()
    let previous = 0
    for (const [index, cumulative] of entries) {
      if (cumulative < previous) throw new TypeError('Histogram counts must be cumulative (non-decreasing)')
      histogram.counts[index] = cumulative - previous
      previous = cumulative
    }
    total ??= previous
    if (total < previous) throw new TypeError('Histogram +Inf count is below a finite bucket count')
    histogram.counts[FINITE_BUCKETS] = total - previous
    histogram.count = total
    if (total === 0) return histogram

    const occupied = histogram.counts.flatMap((n, i) => (n > 0 ? [i] : []))
    const first = occupied[0]!
    const last = occupied[occupied.length - 1]!
    histogram.min = stats?.min ?? lowerBound(first)
    histogram.max = stats?.max ?? (last === FINITE_BUCKETS ? lowerBound(last) : HISTOGRAM_BOUNDS[last]!)
    histogram.sum =
      stats?.sum ??
      histogram.counts.reduce((sum, n, i) => sum + n * (i === FINITE_BUCKETS ? lowerBound(i) : (lowerBound(i) + HISTOGRAM_BOUNDS[i]!) / 2), 0)
    return histogram
  }
}

/** A new histogram holding the samples of all the given ones (counts add; the inputs are not changed). */
export function merge(...histograms: Histogram[]): Histogram {
  const merged = new Histogram()
  for (const histogram of histograms) merged.add(histogram)
  return merged
}
