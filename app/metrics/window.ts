import { METRICS, parseSeriesKey, type MetricName } from './catalog.ts'
import { Histogram, type HistogramJSON } from './histogram.ts'

/**
 * Per-second windows: what one process recorded during one wall-clock second, as sent between processes, and the
 * merge of every process's window for the same second. Pure (no I/O), shared by the recorder, the aggregator, the
 * minute rollup and their tests.
 *
 * Series keys are `metric` or `metric{labels}` (catalog.ts `seriesKey`).
 */

export type ProcessKind = 'web' | 'worker'

export type WindowHistogramJSON = { h: HistogramJSON; sum: number; min: number | null; max: number | null }

/** One process's second, as published (JSON). */
export type WindowJSON = {
  v: 1
  /** The sending process (`<host>:<pid>:<random>`) and its kind. */
  process: { id: string; kind: ProcessKind }
  /** Start of the second, epoch ms (a multiple of 1000). */
  t: number
  counters: Record<string, number>
  gauges: Record<string, number>
  histograms: Record<string, WindowHistogramJSON>
}

/** Every process's window for one second, merged. */
export type MergedSecond = {
  t: number
  /** Process ids that contributed, by kind. */
  processes: Map<string, ProcessKind>
  counters: Map<string, number>
  gauges: Map<string, number>
  histograms: Map<string, Histogram>
}

export function emptySecond(t: number): MergedSecond {
  return { t, processes: new Map(), counters: new Map(), gauges: new Map(), histograms: new Map() }
}

export function histogramFromWindow(json: WindowHistogramJSON) {
  return Histogram.fromJSON(json.h, { sum: json.sum, min: json.min, max: json.max })
}

export function histogramToWindow(histogram: Histogram): WindowHistogramJSON {
  return { h: histogram.toJSON(), sum: histogram.sum, min: histogram.min, max: histogram.max }
}

function gaugeMerge(key: string): 'sum' | 'max' {
  const definition = METRICS[parseSeriesKey(key).metric as MetricName] as { merge?: 'sum' | 'max' } | undefined
  return definition?.merge ?? 'max'
}

/**
 * Adds one process's window into a merged second (in place). Counters and histogram buckets add; gauges add or take
 * the maximum as the catalog says. A second window from the same process for the same second (a retry) is ignored,
 * so a duplicate delivery never double-counts.
 */
export function mergeWindow(into: MergedSecond, window: WindowJSON): boolean {
  if (into.processes.has(window.process.id)) return false
  into.processes.set(window.process.id, window.process.kind)
  for (const [key, value] of Object.entries(window.counters)) into.counters.set(key, (into.counters.get(key) ?? 0) + value)
  for (const [key, value] of Object.entries(window.gauges)) {
    const current = into.gauges.get(key)
    if (current === undefined) into.gauges.set(key, value)
    else into.gauges.set(key, gaugeMerge(key) === 'sum' ? current + value : Math.max(current, value))
  }
  for (const [key, json] of Object.entries(window.histograms)) {
    const histogram = histogramFromWindow(json)
    const current = into.histograms.get(key)
    if (current) current.add(histogram)
    else into.histograms.set(key, histogram)
  }
  return true
}

/** Merges whole windows into a new merged second (the test and bench entry point). */
export function mergeWindows(t: number, windows: readonly WindowJSON[]): MergedSecond {
  const merged = emptySecond(t)
  for (const window of windows) mergeWindow(merged, window)
  return merged
}

/** The same merged second as JSON (for tests and the catch-up of a restarted aggregator). */
export function processCounts(second: MergedSecond): Record<ProcessKind, number> {
  const counts: Record<ProcessKind, number> = { web: 0, worker: 0 }
  for (const kind of second.processes.values()) counts[kind] += 1
  return counts
}
