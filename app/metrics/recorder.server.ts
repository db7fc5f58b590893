import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { labelKey, seriesKey, type CounterName, type GaugeName, type HistogramName, type Labels } from './catalog.ts'
import { Histogram } from './histogram.ts'
import { histogramToWindow, type ProcessKind, type WindowJSON } from './window.ts'

/**
 * The per-process recorder: counts, gauges and histograms for the current wall-clock second. Every second (aligned
 * to the second boundary) it samples the process gauges (memory, event-loop lag, registered samplers), closes the
 * window and hands it to `publish` (the transport), then starts an empty one.
 *
 * The hot path (`count`, `observe`) is a Map lookup and an add: no allocation once a series exists in the second,
 * apart from the series key string. Recording while nothing publishes (tests, a transport down) just drops windows.
 */

export type Recorder = {
  readonly enabled: boolean
  readonly processId: string
  readonly kind: ProcessKind
  count: (name: CounterName, labels?: Labels, by?: number) => void
  /** Records a duration/size in SECONDS into the metric's histogram. */
  observe: (name: HistogramName, seconds: number, labels?: Labels) => void
  /** Hot paths: the same with a series key built once (`seriesKey(name, labelKey(labels))`), no string work per call. */
  countKey: (key: string, by?: number) => void
  observeKey: (key: string, seconds: number) => void
  /**
   * Hottest paths (every HTTP request): the series' accumulator itself, kept across seconds (zeroed when its window
   * is published), so recording is no Map lookup at all.
   */
  counter: (key: string) => { add: (by?: number) => void }
  histogram: (key: string) => { record: (seconds: number) => void }
  /** Sets a gauge for this second (last value wins within the process). */
  gauge: (name: GaugeName, value: number, labels?: Labels) => void
  /** Called every second just before the window closes (set gauges from here). Returns an unregister function. */
  addSampler: (sample: () => void) => () => void
  /** Closes the current window now (tests); normally the timer does it. */
  flush: () => WindowJSON | null
  stop: () => void
}

export type RecorderOptions = {
  processId: string
  kind: ProcessKind
  publish: (window: WindowJSON) => void
  now?: () => number
  /** Start the per-second timer (default true). */
  timer?: boolean
}

export function createRecorder(options: RecorderOptions): Recorder {
  const now = options.now ?? Date.now
  // Accumulators live across seconds (handles keep pointing at them); a window takes the non-empty ones and zeroes them.
  type CounterCell = { n: number; add: (by?: number) => void }
  const counters = new Map<string, CounterCell>()
  let gauges = new Map<string, number>()
  const histograms = new Map<string, Histogram>()
  const counterCell = (key: string): CounterCell => {
    let cell = counters.get(key)
    if (!cell) {
      const created: CounterCell = { n: 0, add: (by = 1) => void (created.n += by) }
      counters.set(key, (cell = created))
    }
    return cell
  }
  const histogramCell = (key: string): Histogram => {
    let histogram = histograms.get(key)
    if (!histogram) histograms.set(key, (histogram = new Histogram()))
    return histogram
  }
  const samplers = new Set<() => void>()
  // Event-loop delay, sampled every 10 ms by libuv's timer; the window gets the p99 of its second.
  let loop: IntervalHistogram | null = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  const kindLabels = { kind: options.kind }

  function flush(): WindowJSON | null {
    const t = Math.floor((now() - 50) / 1000) * 1000
    gauges.set(seriesKey('processes', labelKey(kindLabels)), 1)
    gauges.set(seriesKey('process_memory_bytes', labelKey(kindLabels)), process.memoryUsage.rss())
    if (loop) {
      const p99 = loop.percentile(99)
      if (Number.isFinite(p99) && p99 > 0) gauges.set(seriesKey('event_loop_lag_seconds', labelKey(kindLabels)), p99 / 1e9)
      loop.reset()
    }
    for (const sample of samplers) {
      try {
        sample()
      } catch {
        // A sampler that throws loses its value for this second, never the window.
      }
    }
    const windowCounters: Record<string, number> = {}
    for (const [key, cell] of counters) {
      if (cell.n === 0) continue
      windowCounters[key] = cell.n
      cell.n = 0
    }
    const windowHistograms: WindowJSON['histograms'] = {}
    for (const [key, histogram] of histograms) {
      if (histogram.count === 0) continue
      windowHistograms[key] = histogramToWindow(histogram)
      histogram.reset()
    }
    const window: WindowJSON = {
      v: 1,
      process: { id: options.processId, kind: options.kind },
      t,
      counters: windowCounters,
      gauges: Object.fromEntries(gauges),
      histograms: windowHistograms,
    }
    gauges = new Map()
    options.publish(window)
    return window
  }

  let timer: NodeJS.Timeout | undefined
  let stopped = false
  function schedule() {
    if (stopped) return
    // Just after the next second boundary, so each window covers (almost exactly) one wall-clock second.
    timer = setTimeout(() => {
      flush()
      schedule()
    }, 1000 - (now() % 1000) + 5)
    timer.unref()
  }
  if (options.timer !== false) schedule()

  return {
    enabled: true,
    processId: options.processId,
    kind: options.kind,
    count(name, labels, by = 1) {
      this.countKey(labels ? seriesKey(name, labelKey(labels)) : name, by)
    },
    observe(name, seconds, labels) {
      this.observeKey(labels ? seriesKey(name, labelKey(labels)) : name, seconds)
    },
    countKey(key, by = 1) {
      counterCell(key).n += by
    },
    observeKey(key, seconds) {
      histogramCell(key).record(seconds > 0 && Number.isFinite(seconds) ? seconds : 0)
    },
    counter: counterCell,
    histogram(key) {
      const histogram = histogramCell(key)
      return { record: (seconds: number) => void histogram.record(seconds > 0 && Number.isFinite(seconds) ? seconds : 0) }
    },
    gauge(name, value, labels) {
      if (!Number.isFinite(value)) return
      gauges.set(labels ? seriesKey(name, labelKey(labels)) : name, value)
    },
    addSampler(sample) {
      samplers.add(sample)
      return () => samplers.delete(sample)
    },
    flush,
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      loop?.disable()
      loop = null
    },
  }
}

/** What `getRecorder()` returns where recording is off or not started: every call does nothing. */
export const NOOP_RECORDER: Recorder = {
  enabled: false,
  processId: 'none',
  kind: 'web',
  count: () => {},
  observe: () => {},
  countKey: () => {},
  observeKey: () => {},
  counter: () => ({ add: () => {} }),
  histogram: () => ({ record: () => {} }),
  gauge: () => {},
  addSampler: () => () => {},
  flush: () => null,
  stop: () => {},
}
