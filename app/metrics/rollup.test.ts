import { describe, expect, test } from 'vitest'
import { createAggregator } from './aggregator.server.ts'
import { labelKey, seriesKey } from './catalog.ts'
import { chooseStep, downsample, MAX_POINTS, mean, perMinute, quantileMs, HISTORY_RANGES } from './downsample.ts'
import { Histogram, merge } from './histogram.ts'
import { createRecorder } from './recorder.server.ts'
import { MinuteRollup, MINUTE_MS } from './rollup.ts'
import { buildTick } from './tick.ts'
import { chunkPayload, createReassembler } from './transport.server.ts'
import { mergeWindows, type WindowJSON } from './window.ts'

/** A window as a recorder of `kind` would publish it: records through the real recorder, then flushes. */
function windowOf(id: string, t: number, record: (recorder: ReturnType<typeof createRecorder>) => void, kind: 'web' | 'worker' = 'web') {
  let published: WindowJSON | null = null
  const recorder = createRecorder({ processId: id, kind, publish: (w) => (published = w), now: () => t + 1000, timer: false })
  record(recorder)
  recorder.flush()
  recorder.stop()
  return published! as WindowJSON
}

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0)
const route = (name: string) => ({ route: name })

describe('per-second windows', () => {
  test('a recorder window covers its second and holds counters, gauges and histograms under canonical keys', () => {
    const window = windowOf('a', T0, (r) => {
      r.count('http_requests', route('routes/orders._index'))
      r.count('http_requests', route('routes/orders._index'))
      r.observe('http_request_duration_seconds', 0.02, route('routes/orders._index'))
      r.gauge('queue_depth', 7, { queue: 'system' })
    })
    expect(window.t).toBe(T0)
    expect(window.counters['http_requests{route=routes/orders._index}']).toBe(2)
    expect(window.gauges['queue_depth{queue=system}']).toBe(7)
    expect(window.gauges['processes{kind=web}']).toBe(1)
    expect(window.histograms['http_request_duration_seconds{route=routes/orders._index}']!.h['+Inf']).toBe(1)
  })

  test('merging two processes adds counters and histogram buckets, sums "sum" gauges and takes the max of "max" gauges', () => {
    const a = windowOf('a', T0, (r) => {
      r.count('http_requests', route('x'), 3)
      for (const v of [0.01, 0.02, 0.03]) r.observe('http_request_duration_seconds', v, route('x'))
      r.gauge('socket_connections', 10)
      r.gauge('open_tickets', 4)
    })
    const b = windowOf('b', T0, (r) => {
      r.count('http_requests', route('x'), 2)
      for (const v of [0.5, 0.6]) r.observe('http_request_duration_seconds', v, route('x'))
      r.gauge('socket_connections', 5)
      r.gauge('open_tickets', 4)
    }, 'worker')
    const merged = mergeWindows(T0, [a, b, a /* a duplicate delivery is ignored */])
    expect(merged.counters.get('http_requests{route=x}')).toBe(5)
    expect(merged.gauges.get('socket_connections')).toBe(15)
    expect(merged.gauges.get('open_tickets')).toBe(4)
    expect(merged.gauges.get('processes{kind=web}')).toBe(1)
    expect(merged.gauges.get('processes{kind=worker}')).toBe(1)
    const histogram = merged.histograms.get('http_request_duration_seconds{route=x}')!
    expect(histogram.count).toBe(5)
    // p99 of the merged distribution is in the slow process's range; an average of the two p99s would be ~0.3 s.
    expect(histogram.quantile(0.99)!).toBeGreaterThan(0.55)
    expect(histogram.quantile(0.5)!).toBeCloseTo(0.03, 1)
  })

  test('the aggregator closes a second after its grace, keeps late windows out of it but still reports them', () => {
    const aggregator = createAggregator({ graceMs: 250, timer: false })
    const late: WindowJSON[] = []
    aggregator.onWindow((w) => late.push(w))
    aggregator.receive(JSON.stringify(windowOf('a', T0, (r) => r.count('jobs_completed', { queue: 'q' }))))
    expect(aggregator.closeDue(T0 + 1200)).toHaveLength(0)
    const [closed] = aggregator.closeDue(T0 + 1250)
    expect(closed!.counters.get('jobs_completed{queue=q}')).toBe(1)
    aggregator.receive(windowOf('b', T0, (r) => r.count('jobs_completed', { queue: 'q' })))
    expect(aggregator.stats()).toMatchObject({ received: 2, late: 1 })
    expect(late).toHaveLength(2)
    expect(aggregator.totals().counters.get('jobs_completed{queue=q}')).toBe(1)
    aggregator.receive('not json')
    expect(aggregator.stats().invalid).toBe(1)
  })

  test('a second closes as soon as every process of the previous second reported it, else at the grace', () => {
    const aggregator = createAggregator({ graceMs: 900, timer: false })
    const closed: number[] = []
    aggregator.onSecond((second) => closed.push(second.t))
    for (const id of ['a', 'b']) aggregator.receive(windowOf(id, T0, (r) => r.count('jobs_completed', { queue: 'q' })))
    aggregator.closeDue(T0 + 1900)
    expect(closed).toEqual([T0])
    aggregator.receive(windowOf('a', T0 + 1000, () => {}))
    expect(closed).toEqual([T0]) // b has not reported yet
    aggregator.receive(windowOf('b', T0 + 1000, () => {}))
    expect(closed).toEqual([T0, T0 + 1000]) // no grace wait
    aggregator.receive(windowOf('a', T0 + 2000, () => {})) // b died
    expect(aggregator.closeDue(T0 + 3899)).toHaveLength(0)
    expect(aggregator.closeDue(T0 + 3900)).toHaveLength(1)
  })

  test('label keys are sorted and never contain the separators', () => {
    expect(labelKey({ route: 'a', kind: 'web' })).toBe('kind=web,route=a')
    expect(labelKey({ route: 'a,b=c' })).toBe('route=a_b_c')
    expect(seriesKey('m', '')).toBe('m')
  })
})

describe('minute rollups', () => {
  test('counters become one sample per minute, histograms merge, gauges sample each merged second, totals and the error ratio are derived', () => {
    const rollup = new MinuteRollup()
    for (let s = 0; s < 3; s++) {
      const t = T0 + s * 1000
      const windows = [
        windowOf('a', t, (r) => {
          r.count('http_requests', route('x'), 10)
          r.count('http_errors', route('x'), 1)
          r.observe('http_request_duration_seconds', 0.01, route('x'))
          r.gauge('socket_connections', 2)
        }),
        windowOf('b', t, (r) => {
          r.count('http_requests', route('y'), 10)
          r.observe('http_request_duration_seconds', 1, route('y'))
          r.gauge('socket_connections', 3)
          r.gauge('orders_per_minute', 99) // written by the collector from the database instead
        }),
      ]
      for (const w of windows) rollup.addWindow(w)
      rollup.addWindow(windows[0]!) // duplicate delivery
      rollup.addSecond(mergeWindows(t, windows))
    }
    expect(rollup.takeDue(T0 + MINUTE_MS + 4_999, 5_000)).toEqual([])
    const rows = rollup.takeDue(T0 + MINUTE_MS + 5_000, 5_000)
    const row = (metric: string, labels = '') => rows.find((r) => r.metric === metric && r.labels === labels)
    expect(row('http_requests', 'route=x')).toMatchObject({ count: 1, sum: 30 })
    expect(row('http_requests')).toMatchObject({ count: 1, sum: 60 })
    expect(row('http_errors')).toMatchObject({ count: 1, sum: 3 })
    expect(row('http_error_ratio')!.sum).toBeCloseTo(0.05)
    expect(row('socket_connections')).toMatchObject({ count: 3, sum: 15, min: 5, max: 5 })
    expect(row('orders_per_minute')).toBeUndefined()
    const total = row('http_request_duration_seconds')!
    expect(total.count).toBe(6)
    const histogram = Histogram.fromJSON(total.histogram, { sum: total.sum, min: total.min, max: total.max })
    expect(histogram.quantile(0.5)).toBeCloseTo(0.01, 2)
    expect(histogram.quantile(0.99)).toBeCloseTo(1, 1)
    // Data for a minute already written is dropped and counted, never written twice.
    rollup.addWindow(windowOf('c', T0 + 5000, (r) => r.count('http_requests', route('x'))))
    expect(rollup.dropped).toBe(1)
    expect(rollup.takeDue(T0 + 10 * MINUTE_MS, 5_000)).toEqual([])
  })
})

describe('downsampling', () => {
  test('every range stays within a few hundred points', () => {
    for (const range of Object.values(HISTORY_RANGES)) {
      const step = chooseStep(range)
      expect(range / step).toBeLessThanOrEqual(MAX_POINTS)
      expect(range / step).toBeGreaterThanOrEqual(50)
    }
    expect(chooseStep(HISTORY_RANGES['7d'])).toBe(30 * MINUTE_MS)
  })

  test('bins merge counts, gauges and histograms (a bin p95 is the p95 of all its samples)', () => {
    const fast = new Histogram()
    for (let i = 0; i < 95; i++) fast.record(0.01)
    const slow = new Histogram()
    for (let i = 0; i < 5; i++) slow.record(2)
    const rows = [
      { bucket: T0, count: 1, sum: 120, min: 120, max: 120, histogram: fast },
      { bucket: T0 + MINUTE_MS, count: 1, sum: 60, min: 60, max: 60, histogram: slow },
      { bucket: T0 + 5 * MINUTE_MS, count: 1, sum: 30, min: 30, max: 30, histogram: null },
    ]
    const bins = downsample(rows, T0, T0 + 10 * MINUTE_MS, 5 * MINUTE_MS)
    expect(bins.map((bin) => bin.t)).toEqual([T0, T0 + 5 * MINUTE_MS])
    expect(perMinute(bins[0]!, 5 * MINUTE_MS)).toBe(36)
    expect(mean(bins[0]!)).toBe(90)
    expect(bins[0]!.max).toBe(120)
    expect(quantileMs(bins[0]!, 0.95)).toBeCloseTo(10, 0)
    expect(quantileMs(bins[0]!, 0.99)).toBeGreaterThan(1800)
    expect(bins[0]!.histogram!.count).toBe(merge(fast, slow).count)
    expect(quantileMs(bins[1]!, 0.95)).toBeNull()
  })
})

describe('the live tick', () => {
  test('per-route p50/p95/p99 over the trailing minute from merged histograms, domain gauges and queues', () => {
    const seconds = Array.from({ length: 3 }, (_, s) =>
      mergeWindows(T0 + s * 1000, [
        windowOf('web', T0 + s * 1000, (r) => {
          for (let i = 0; i < 99; i++) r.observe('http_request_duration_seconds', 0.02, route('routes/orders._index'))
          r.observe('http_request_duration_seconds', 3, route('routes/orders._index'))
          r.count('http_requests', route('routes/orders._index'), 100)
          r.count('http_errors', route('routes/orders._index'), 2)
        }),
        windowOf('worker', T0 + s * 1000, (r) => {
          r.gauge('orders_per_minute', 42)
          r.gauge('revenue_per_minute', 1999, { currency: 'EUR' })
          r.gauge('queue_depth', 3, { queue: 'system' })
          r.count('jobs_completed', { queue: 'system' }, 5)
          r.gauge('integration_status', 2, { integration: 'payments' })
          r.gauge('integration_up', 0, { integration: 'payments' })
        }, 'worker'),
      ]),
    )
    const tick = buildTick(seconds, 123)!
    expect(tick.t).toBe(T0 + 2000)
    expect(tick.processes).toEqual({ web: 1, worker: 1 })
    expect(tick.http.rate).toBe(100)
    expect(tick.http.errorRatio).toBeCloseTo(0.02)
    expect(tick.httpMinute).toMatchObject({ rate: 100, errorRatio: 0.02 })
    expect(tick.httpMinute.p95Ms).toBeCloseTo(20, -1)
    expect(tick.routes).toHaveLength(1)
    expect(tick.routes[0]).toMatchObject({ route: 'routes/orders._index', count: 300, rate: 100 })
    expect(tick.routes[0]!.p50Ms).toBeCloseTo(20, -1)
    expect(tick.routes[0]!.p99Ms!).toBeLessThan(25)
    expect(tick.domain.ordersPerMinute).toBe(42)
    expect(tick.domain.revenuePerMinute).toEqual([{ currency: 'EUR', amount: 1999 }])
    expect(tick.queues).toEqual([expect.objectContaining({ queue: 'system', depth: 3, completedPerSecond: 5 })])
    expect(tick.integrations).toEqual([{ integration: 'payments', status: 'down', up: false, errorRate: null }])
  })
})

describe('Postgres NOTIFY chunks', () => {
  test('a payload larger than a NOTIFY is cut and reassembled, ASCII or not', () => {
    const reassemble = createReassembler()
    for (const payload of ['x'.repeat(20_000), 'é'.repeat(5_000), 'small']) {
      const chunks = chunkPayload('id1', payload)
      for (const chunk of chunks) expect(Buffer.byteLength(chunk)).toBeLessThan(8000)
      const results = chunks.map(reassemble)
      expect(results.at(-1)).toBe(payload)
      expect(results.slice(0, -1).every((result) => result === null)).toBe(true)
    }
  })
})
