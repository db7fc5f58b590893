import { Histogram } from './histogram.ts'
import { emptySecond, mergeWindow, type MergedSecond, type WindowJSON } from './window.ts'

/**
 * Merges the windows of every process into one value per second (issue 7: "per-second windows merged across all
 * processes"). Second `t` closes as soon as every process that reported the previous second has reported it (the
 * usual case: a few ms after the boundary), and at the latest at `t + 1 s + graceMs` (a process that died or whose
 * event loop is blocked does not hold the others back for long). Then it is kept in a ring of the last `keepSeconds` seconds and handed to the
 * listeners (the live tick, the minute rollup). A window for a second already closed is "late": it still reaches
 * `onWindow` listeners (the rollup adds counters and histograms whenever they arrive) but not the closed second.
 *
 * It also keeps cluster-wide running totals since it started (counters and histograms added up, gauges' latest
 * values) for `/metrics`.
 */

export type Aggregator = {
  /** Feeds one published window (JSON text or parsed). */
  receive: (window: WindowJSON | string) => void
  /** Closes every second whose grace has passed (the timer calls it; tests call it with their own clock). */
  closeDue: (now?: number) => MergedSecond[]
  /** Closed seconds, oldest first (at most `keepSeconds`). */
  seconds: () => readonly MergedSecond[]
  onSecond: (listener: (second: MergedSecond) => void) => () => void
  onWindow: (listener: (window: WindowJSON) => void) => () => void
  totals: () => { counters: ReadonlyMap<string, number>; histograms: ReadonlyMap<string, Histogram>; gauges: ReadonlyMap<string, number> }
  stats: () => { received: number; late: number; invalid: number }
  stop: () => void
}

export type AggregatorOptions = {
  graceMs?: number
  keepSeconds?: number
  now?: () => number
  /** Run the closing timer (default true). */
  timer?: boolean
}

export const DEFAULT_GRACE_MS = 900
export const KEEP_SECONDS = 300

export function createAggregator(options: AggregatorOptions = {}): Aggregator {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS
  const keep = options.keepSeconds ?? KEEP_SECONDS
  const now = options.now ?? Date.now
  const open = new Map<number, MergedSecond>()
  const closed: MergedSecond[] = []
  let lastClosed = -Infinity
  const secondListeners = new Set<(second: MergedSecond) => void>()
  const windowListeners = new Set<(window: WindowJSON) => void>()
  const totals = { counters: new Map<string, number>(), histograms: new Map<string, Histogram>(), gauges: new Map<string, number>() }
  const stats = { received: 0, late: 0, invalid: 0 }

  function receive(input: WindowJSON | string) {
    let window: WindowJSON
    try {
      window = typeof input === 'string' ? (JSON.parse(input) as WindowJSON) : input
      if (window?.v !== 1 || typeof window.t !== 'number' || !window.process?.id) throw new TypeError('not a metrics window')
    } catch {
      stats.invalid += 1
      return
    }
    stats.received += 1
    for (const listener of windowListeners) listener(window)
    if (window.t <= lastClosed) {
      stats.late += 1
      return
    }
    let second = open.get(window.t)
    if (!second) open.set(window.t, (second = emptySecond(window.t)))
    try {
      mergeWindow(second, window)
    } catch {
      stats.invalid += 1
    }
    // Everyone who reported the last closed second has reported this one: no reason to wait for the grace.
    if (window.t === lastClosed + 1000 && expected.size > 0 && [...expected].every((id) => second.processes.has(id))) {
      close([window.t])
    }
  }

  /** Processes of the last closed second: who the next one waits for. */
  let expected = new Set<string>()

  function closeDue(at = now()) {
    return close([...open.keys()].filter((t) => t + 1000 + graceMs <= at))
  }

  function close(due: number[]) {
    const result: MergedSecond[] = []
    for (const t of due.sort((a, b) => a - b)) {
      const second = open.get(t)!
      open.delete(t)
      lastClosed = Math.max(lastClosed, t)
      expected = new Set(second.processes.keys())
      closed.push(second)
      if (closed.length > keep) closed.splice(0, closed.length - keep)
      for (const [key, value] of second.counters) totals.counters.set(key, (totals.counters.get(key) ?? 0) + value)
      for (const [key, histogram] of second.histograms) {
        const total = totals.histograms.get(key)
        if (total) total.add(histogram)
        else totals.histograms.set(key, new Histogram().add(histogram))
      }
      for (const [key, value] of second.gauges) totals.gauges.set(key, value)
      result.push(second)
      for (const listener of secondListeners) listener(second)
    }
    return result
  }

  let timer: NodeJS.Timeout | undefined
  let stopped = false
  function schedule() {
    if (stopped) return
    timer = setTimeout(() => {
      closeDue()
      schedule()
    }, 1000 - (now() % 1000) + graceMs)
    timer.unref()
  }
  if (options.timer !== false) schedule()

  return {
    receive,
    closeDue,
    seconds: () => closed,
    onSecond(listener) {
      secondListeners.add(listener)
      return () => secondListeners.delete(listener)
    },
    onWindow(listener) {
      windowListeners.add(listener)
      return () => windowListeners.delete(listener)
    },
    totals: () => totals,
    stats: () => ({ ...stats }),
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
    },
  }
}
