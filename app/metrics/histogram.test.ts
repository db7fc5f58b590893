import { describe, expect, test } from 'vitest'
import { bucketIndex, Histogram, HISTOGRAM_BOUNDS, merge, RELATIVE_ERROR } from './histogram.ts'

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Log-normal latencies in seconds around `median`, clamped into the finite buckets (≥ 1 ms, ≤ 60 s). */
function latencies(n: number, median: number, seed: number) {
  const next = random(seed)
  return Array.from({ length: n }, () => {
    const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
    return Math.min(60, Math.max(0.0011, median * Math.exp(0.8 * gaussian)))
  })
}

/** Nearest-rank sample quantile: the ⌈q·n⌉-th smallest value. */
function sampleQuantile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!
}

function histogramOf(values: number[]) {
  const histogram = new Histogram()
  for (const value of values) histogram.record(value)
  return histogram
}

describe('bucket layout', () => {
  test('bounds are ascending, 1 ms … ≥ 60 s, each at most RELATIVE_ERROR wider than the previous', () => {
    expect(HISTOGRAM_BOUNDS[0]).toBe(0.001)
    expect(HISTOGRAM_BOUNDS[HISTOGRAM_BOUNDS.length - 1]).toBeGreaterThanOrEqual(60)
    for (let i = 1; i < HISTOGRAM_BOUNDS.length; i++) {
      const ratio = HISTOGRAM_BOUNDS[i]! / HISTOGRAM_BOUNDS[i - 1]!
      expect(ratio).toBeGreaterThan(1)
      expect(ratio - 1).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-5)
    }
    expect(RELATIVE_ERROR).toBeLessThan(0.1)
  })

  test('bounds are inclusive upper bounds (le)', () => {
    expect(bucketIndex(0)).toBe(0)
    expect(bucketIndex(0.001)).toBe(0)
    expect(bucketIndex(0.0010001)).toBe(1)
    for (const [i, bound] of HISTOGRAM_BOUNDS.entries()) {
      expect(bucketIndex(bound)).toBe(i)
      expect(bucketIndex(bound * 1.000001)).toBe(i + 1)
    }
    expect(bucketIndex(1e6)).toBe(HISTOGRAM_BOUNDS.length)
  })

  test('refuses negative and non-finite values', () => {
    const histogram = new Histogram()
    expect(() => histogram.record(-1)).toThrow(RangeError)
    expect(() => histogram.record(Number.NaN)).toThrow(RangeError)
    expect(() => histogram.record(Number.POSITIVE_INFINITY)).toThrow(RangeError)
    expect(histogram.count).toBe(0)
  })
})

describe('merging per-process histograms', () => {
  // Three "processes" with different load shapes: a fast web node, a slow one, and a worker with few samples.
  const processes = [latencies(5_000, 0.02, 1), latencies(2_000, 0.3, 2), latencies(300, 2.5, 3)]
  const all = processes.flat()
  const merged = merge(...processes.map(histogramOf))
  const single = histogramOf(all)

  test('count, sum, min, max of the merge are those of all samples', () => {
    expect(merged.count).toBe(all.length)
    expect(merged.sum).toBeCloseTo(all.reduce((a, b) => a + b, 0), 6)
    expect(merged.min).toBe(Math.min(...all))
    expect(merged.max).toBe(Math.max(...all))
    expect(merged.counts).toEqual(single.counts)
  })

  test.each([0.5, 0.9, 0.95, 0.99, 0.999])('p%s of the merge equals p%s of one histogram over all samples, within the bucket error of the truth', (q) => {
    expect(merged.quantile(q)).toBe(single.quantile(q))
    const truth = sampleQuantile(all, q)
    const estimate = merged.quantile(q)!
    expect(Math.abs(estimate - truth) / truth).toBeLessThanOrEqual(RELATIVE_ERROR)
  })

  test('merge leaves its inputs unchanged', () => {
    const a = histogramOf([0.01, 0.02])
    const b = histogramOf([1])
    const ab = merge(a, b)
    expect(ab.count).toBe(3)
    expect(a.count).toBe(2)
    expect(b.count).toBe(1)
    expect(merge(a, new Histogram()).toJSON()).toEqual(a.toJSON())
  })

  test('averaging per-process percentiles is wrong on a skewed load (why we merge)', () => {
    // Node A serves 9,900 fast requests (~10 ms), node B 100 slow ones (~2 s). Users' p95 is fast: 95 % of all
    // requests are on node A. The mean of the two nodes' p95s is ~1 s — off by two orders of magnitude.
    const nodeA = latencies(9_900, 0.01, 4)
    const nodeB = latencies(100, 2, 5)
    const truth = sampleQuantile([...nodeA, ...nodeB], 0.95)
    const averaged = (histogramOf(nodeA).quantile(0.95)! + histogramOf(nodeB).quantile(0.95)!) / 2
    const mergedP95 = merge(histogramOf(nodeA), histogramOf(nodeB)).quantile(0.95)!

    expect(Math.abs(mergedP95 - truth) / truth).toBeLessThanOrEqual(RELATIVE_ERROR)
    expect(averaged / truth).toBeGreaterThan(10)
  })
})

describe('quantile', () => {
  test('interpolates inside the bucket and stays within [min, max]', () => {
    const histogram = histogramOf([0.1, 0.1, 0.1, 0.1])
    expect(histogram.quantile(0.5)).toBe(0.1)
    const spread = histogramOf([0.05, 0.2, 0.8, 3.2])
    expect(spread.quantile(0)).toBe(0.05)
    expect(spread.quantile(1)).toBe(3.2)
    const p50 = spread.quantile(0.5)!
    expect(Math.abs(p50 - 0.2) / 0.2).toBeLessThanOrEqual(RELATIVE_ERROR)
  })

  test('interpolates linearly by rank inside a bucket', () => {
    const i = bucketIndex(0.105)
    const [lower, upper] = [HISTOGRAM_BOUNDS[i - 1]!, HISTOGRAM_BOUNDS[i]!]
    const width = upper - lower
    const histogram = histogramOf(Array.from({ length: 100 }, (_, k) => lower + ((k + 0.5) / 100) * width))
    expect(histogram.quantile(0.5)).toBeCloseTo(lower + 0.5 * width, 12)
    expect(histogram.quantile(0.9)).toBeCloseTo(lower + 0.9 * width, 12)
  })

  test('uses the nearest rank (⌈q·n⌉-th sample), not the one below it', () => {
    const histogram = histogramOf([0.01, 1])
    expect(histogram.quantile(0.5)).toBe(0.01)
    expect(histogram.quantile(0.6)).toBe(1)
  })

  test('values beyond the last finite bound report the recorded max', () => {
    const histogram = histogramOf([0.5, 120, 300])
    expect(histogram.quantile(0.99)).toBe(300)
    expect(histogram.toJSON()['+Inf']).toBe(3)
  })

  test('an empty histogram has no quantiles and zero counts', () => {
    const empty = new Histogram()
    expect(empty.quantile(0.5)).toBeNull()
    expect(empty.quantile(0)).toBeNull()
    expect(empty.count).toBe(0)
    expect(empty.sum).toBe(0)
    expect(empty.min).toBeNull()
    expect(empty.max).toBeNull()
    expect(empty.toJSON()).toEqual({ '+Inf': 0 })
    expect(Histogram.fromJSON({ '+Inf': 0 }).quantile(0.95)).toBeNull()
    expect(Histogram.fromJSON({}).count).toBe(0)
  })

  test('refuses q outside [0, 1]', () => {
    expect(() => histogramOf([1]).quantile(1.5)).toThrow(RangeError)
    expect(() => histogramOf([1]).quantile(Number.NaN)).toThrow(RangeError)
  })
})

describe('JSON (the MetricRollup.histogram column)', () => {
  test('cumulative counts keyed by upper bound, sparse, +Inf is the total', () => {
    const histogram = histogramOf([0.001, 0.001, 0.05, 0.1, 0.1, 0.1, 100])
    expect(histogram.toJSON()).toEqual({ '0.001': 2, [String(HISTOGRAM_BOUNDS[bucketIndex(0.05)])]: 3, '0.1': 6, '+Inf': 7 })
  })

  test('round trip keeps counts and quantiles (with the rollup columns as stats)', () => {
    const original = histogramOf(latencies(1_000, 0.2, 6))
    const json = JSON.parse(JSON.stringify(original.toJSON())) as unknown
    const back = Histogram.fromJSON(json, { sum: original.sum, min: original.min, max: original.max })
    expect(back.counts).toEqual(original.counts)
    expect(back.count).toBe(original.count)
    expect(back.sum).toBe(original.sum)
    expect(back.toJSON()).toEqual(original.toJSON())
    for (const q of [0.5, 0.95, 0.99]) expect(back.quantile(q)).toBe(original.quantile(q))
  })

  test('without stats, min/max/sum are estimated from the buckets', () => {
    const back = Histogram.fromJSON({ '0.1': 2, '+Inf': 2 })
    expect(back.count).toBe(2)
    expect(back.max).toBe(0.1)
    expect(back.min).toBe(HISTOGRAM_BOUNDS[bucketIndex(0.1) - 1])
    expect(back.sum).toBeGreaterThan(2 * back.min!)
    expect(back.sum).toBeLessThan(0.2)
  })

  test('refuses foreign bounds, decreasing counts and non-integer counts', () => {
    expect(() => Histogram.fromJSON({ '0.123': 1, '+Inf': 1 })).toThrow(/fixed bounds/)
    expect(() => Histogram.fromJSON({ '0.001': 5, '0.1': 3, '+Inf': 5 })).toThrow(/cumulative/)
    expect(() => Histogram.fromJSON({ '0.1': 5, '+Inf': 3 })).toThrow(/\+Inf/)
    expect(() => Histogram.fromJSON({ '0.1': 1.5 })).toThrow(TypeError)
    expect(() => Histogram.fromJSON([1, 2])).toThrow(TypeError)
  })
})
