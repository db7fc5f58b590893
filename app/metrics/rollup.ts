import { HTTP_ERROR_RATIO, METRICS, parseSeriesKey, type MetricDefinition, type MetricName } from './catalog.ts'
import { Histogram, type HistogramJSON } from './histogram.ts'
import { histogramFromWindow, type MergedSecond, type WindowJSON } from './window.ts'

/**
 * Minute rollups (the MetricRollup rows; contract in /work/notes/contract-metrics.md and catalog.ts):
 * - counters and histograms are added from the raw windows (order-independent, so a window that reaches the
 *   writer after its second closed still counts), de-duplicated per process and second;
 * - gauges take one sample per merged second (the cluster value), so `sum / count` is the minute's mean;
 * - `total: true` metrics also get a row with labels '' (every label set merged), and the minute's
 *   `http_error_ratio` = 5xx / requests is derived;
 * - `rollup: 'collector'` metrics are skipped (the domain collector writes exact per-minute counts).
 * Pure: the database side is app/models/metric-rollup.server.ts.
 */

export const MINUTE_MS = 60_000

export type RollupRow = {
  metric: string
  labels: string
  bucket: Date
  count: number
  sum: number
  min: number | null
  max: number | null
  histogram: HistogramJSON | null
}

type GaugeSamples = { count: number; sum: number; min: number; max: number }
type Minute = {
  seen: Set<string>
  counters: Map<string, number>
  histograms: Map<string, Histogram>
  gauges: Map<string, GaugeSamples>
}

function definitionOf(metric: string): MetricDefinition | undefined {
  return (METRICS as Record<string, MetricDefinition>)[metric]
}

function fromWindows(metric: string) {
  const definition = definitionOf(metric)
  return definition !== undefined && definition.rollup !== 'collector'
}

export const minuteOf = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS

export class MinuteRollup {
  private readonly minutes = new Map<number, Minute>()
  /** Minutes already handed out by `takeDue`: data for them arriving later is dropped (counted). */
  private flushedUpTo = -Infinity
  dropped = 0

  private minute(t: number): Minute | null {
    const start = minuteOf(t)
    if (start <= this.flushedUpTo) {
      this.dropped += 1
      return null
    }
    let minute = this.minutes.get(start)
    if (!minute) this.minutes.set(start, (minute = { seen: new Set(), counters: new Map(), histograms: new Map(), gauges: new Map() }))
    return minute
  }

  addWindow(window: WindowJSON) {
    const minute = this.minute(window.t)
    if (!minute) return
    const id = `${window.process.id}@${window.t}`
    if (minute.seen.has(id)) return
    minute.seen.add(id)
    for (const [key, value] of Object.entries(window.counters)) {
      if (!fromWindows(parseSeriesKey(key).metric)) continue
      minute.counters.set(key, (minute.counters.get(key) ?? 0) + value)
    }
    for (const [key, json] of Object.entries(window.histograms)) {
      if (!fromWindows(parseSeriesKey(key).metric)) continue
      const histogram = histogramFromWindow(json)
      const current = minute.histograms.get(key)
      if (current) current.add(histogram)
      else minute.histograms.set(key, histogram)
    }
  }

  addSecond(second: MergedSecond) {
    const minute = this.minute(second.t)
    if (!minute) return
    for (const [key, value] of second.gauges) {
      if (!fromWindows(parseSeriesKey(key).metric)) continue
      const samples = minute.gauges.get(key)
      if (!samples) minute.gauges.set(key, { count: 1, sum: value, min: value, max: value })
      else {
        samples.count += 1
        samples.sum += value
        samples.min = Math.min(samples.min, value)
        samples.max = Math.max(samples.max, value)
      }
    }
  }

  /** Rows of every minute that ended at least `delayMs` before `now`; those minutes are then closed. */
  takeDue(now: number, delayMs: number): RollupRow[] {
    const rows: RollupRow[] = []
    for (const start of [...this.minutes.keys()].sort((a, b) => a - b)) {
      if (start + MINUTE_MS + delayMs > now) continue
      rows.push(...minuteRows(start, this.minutes.get(start)!))
      this.minutes.delete(start)
      this.flushedUpTo = Math.max(this.flushedUpTo, start)
    }
    return rows
  }

  /** Every open minute's rows now (shutdown): nothing is closed. */
  peekAll(): RollupRow[] {
    return [...this.minutes].flatMap(([start, minute]) => minuteRows(start, minute))
  }
}

function minuteRows(start: number, minute: Minute): RollupRow[] {
  const bucket = new Date(start)
  const rows: RollupRow[] = []
  const counterTotals = new Map<string, number>()
  const histogramTotals = new Map<string, Histogram>()

  for (const [key, value] of minute.counters) {
    const { metric, labels } = parseSeriesKey(key)
    rows.push({ metric, labels, bucket, count: 1, sum: value, min: null, max: null, histogram: null })
    if (definitionOf(metric)?.total && labels !== '') counterTotals.set(metric, (counterTotals.get(metric) ?? 0) + value)
  }
  for (const [metric, value] of counterTotals) rows.push({ metric, labels: '', bucket, count: 1, sum: value, min: null, max: null, histogram: null })

  for (const [key, histogram] of minute.histograms) {
    const { metric, labels } = parseSeriesKey(key)
    rows.push(histogramRow(metric, labels, bucket, histogram))
    if (definitionOf(metric)?.total && labels !== '') {
      const total = histogramTotals.get(metric)
      if (total) total.add(histogram)
      else histogramTotals.set(metric, new Histogram().add(histogram))
    }
  }
  for (const [metric, histogram] of histogramTotals) rows.push(histogramRow(metric, '', bucket, histogram))

  for (const [key, samples] of minute.gauges) {
    const { metric, labels } = parseSeriesKey(key)
    rows.push({ metric, labels, bucket, count: samples.count, sum: samples.sum, min: samples.min, max: samples.max, histogram: null })
  }

  const requests = counterTotals.get('http_requests') ?? minute.counters.get('http_requests') ?? 0
  if (requests > 0) {
    const ratio = (counterTotals.get('http_errors') ?? minute.counters.get('http_errors') ?? 0) / requests
    rows.push({ metric: HTTP_ERROR_RATIO, labels: '', bucket, count: 1, sum: ratio, min: ratio, max: ratio, histogram: null })
  }
  return rows
}

function histogramRow(metric: string, labels: string, bucket: Date, histogram: Histogram): RollupRow {
  return { metric, labels, bucket, count: histogram.count, sum: histogram.sum, min: histogram.min, max: histogram.max, histogram: histogram.toJSON() }
}

/** The catalog's type of a rollup metric (`http_error_ratio` is a per-minute gauge). */
export function rollupType(metric: string): MetricDefinition['type'] {
  if (metric === HTTP_ERROR_RATIO) return 'gauge'
  return definitionOf(metric as MetricName)?.type ?? 'gauge'
}
