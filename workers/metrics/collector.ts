import pg from 'pg'
import type { Logger } from 'pino'
import { INTEGRATION_STATUS_CODES } from '#app/metrics/catalog.ts'
import { getRecorder, startAggregation } from '#app/metrics/process.server.ts'
import { MinuteRollup, MINUTE_MS, minuteOf } from '#app/metrics/rollup.ts'
import { getIntegrationsHealth } from '#app/models/integration-health.server.ts'
import { readAcceptedOrders, readBacklogFigures, readTrailingOrders, type BacklogFigures, type TrailingOrders } from '#app/models/metric-domain.server.ts'
import { pruneRollups, upsertRollups, writeOrderMinutes } from '#app/models/metric-rollup.server.ts'
import { createQueue } from '#app/queues/connection.server.ts'
import { getEnv } from '#app/utils/env.server.ts'

/**
 * The metrics work only ONE worker process does (whichever holds the PostgreSQL advisory lock; another takes over
 * within LEADER_RETRY_MS when it dies, since its session — and the lock — end with it):
 * - samples the domain figures into this process's recorder, so they travel in its windows like any metric:
 *   every second the trailing-minute orders/revenue and the checkout → accepted delays; every few seconds the
 *   backlog counts, queue depth/lag and integration health;
 * - merges every process's windows (the same aggregator the web uses) into minute rollups and writes them
 *   (MetricRollup) ROLLUP_DELAY_MS after each minute ends; rewrites the exact orders/revenue per minute of the last
 *   ORDER_MINUTES_REWRITE minutes; prunes rows older than METRICS_RETENTION_DAYS hourly.
 * Two collectors would sample twice (harmless: those gauges merge by max) but write rollups twice; the lock
 * prevents it.
 */

export const LEADER_RETRY_MS = 5_000
export const ROLLUP_DELAY_MS = 5_000
const ORDER_MINUTES_REWRITE = 5
const SLOW_EVERY_MS = 5_000
const QUEUES_EVERY_MS = 2_000
const PRUNE_EVERY_MS = 60 * MINUTE_MS

export type CollectorOptions = { log: Logger; queues: readonly string[]; databaseUrl?: string; now?: () => Date }
export type Collector = { isLeader: () => boolean; stop: () => Promise<void> }

export function startMetricsCollector(options: CollectorOptions): Collector {
  const env = getEnv()
  const log = options.log.child({ component: 'metrics-collector' })
  const now = options.now ?? (() => new Date())
  const lockKey = `opsdeck-metrics-collector:${env.QUEUE_PREFIX}`
  let lockClient: pg.Client | null = null
  let leader = false
  let stopped = false
  let timers: NodeJS.Timeout[] = []
  const unsubscribe: Array<() => void> = []
  const rollup = new MinuteRollup()

  // Cached figures, recorded every second (a gauge without a sample in a second is a gap in the chart).
  let backlog: BacklogFigures | null = null
  let trailing: TrailingOrders | null = null
  let queueFigures: Array<{ queue: string; depth: number; lag: number }> = []
  let integrations: Array<{ key: string; status: keyof typeof INTEGRATION_STATUS_CODES; errorRate: number | null }> = []
  let acceptedCursor = new Date(now().getTime() - 2_000)
  const recorder = getRecorder()

  const removeSampler = recorder.addSampler(() => {
    if (!leader) return
    if (trailing) {
      recorder.gauge('orders_per_minute', trailing.orders)
      for (const { currency, amount } of trailing.revenue) recorder.gauge('revenue_per_minute', amount, { currency })
    }
    if (backlog) {
      recorder.gauge('open_tickets', backlog.openTickets)
      recorder.gauge('sla_breaches', backlog.slaBreaches)
      recorder.gauge('returns_waiting', backlog.returnsWaiting)
      recorder.gauge('inventory_stockouts', backlog.stockouts)
    }
    for (const { queue, depth, lag } of queueFigures) {
      recorder.gauge('queue_depth', depth, { queue })
      recorder.gauge('queue_lag_seconds', lag, { queue })
    }
    for (const { key, status, errorRate } of integrations) {
      recorder.gauge('integration_status', INTEGRATION_STATUS_CODES[status], { integration: key })
      recorder.gauge('integration_up', status === 'healthy' || status === 'degraded' ? 1 : 0, { integration: key })
      if (errorRate !== null) recorder.gauge('integration_error_rate', errorRate, { integration: key })
    }
  })

  const guard = (what: string, run: () => Promise<unknown>) => () => {
    if (!leader) return
    run().catch((error: unknown) => log.warn({ err: error }, `metrics collector: ${what} failed`))
  }
  const every = (ms: number, run: () => void) => {
    const timer = setInterval(run, ms)
    timer.unref()
    timers.push(timer)
  }

  async function collectFast() {
    const at = now()
    trailing = await readTrailingOrders(at)
    const accepted = await readAcceptedOrders(acceptedCursor, at)
    acceptedCursor = accepted.cursor
    for (const delay of accepted.delays) recorder.observe('checkout_to_accepted_seconds', delay)
  }
  async function collectQueues() {
    const at = now().getTime()
    queueFigures = await Promise.all(
      options.queues.map(async (name) => {
        const queue = createQueue(name)
        // Not `delayed`: every job scheduler keeps its next run there, which is not work waiting to be done.
        const counts = await queue.getJobCounts('waiting', 'prioritized')
        const oldest = (await queue.getJobs(['waiting'], 0, 0, true))[0]
        const depth = (counts.waiting ?? 0) + (counts.prioritized ?? 0)
        return { queue: name, depth, lag: oldest ? Math.max(0, (at - oldest.timestamp) / 1000) : 0 }
      }),
    )
  }
  async function collectSlow() {
    backlog = await readBacklogFigures()
    const health = await getIntegrationsHealth(now())
    integrations = health.integrations.map((integration) => ({ key: integration.key, status: integration.status, errorRate: integration.errorRate }))
  }
  async function writeRollups() {
    const rows = rollup.takeDue(now().getTime(), ROLLUP_DELAY_MS)
    if (rows.length > 0) await upsertRollups(rows)
    if (rollup.dropped > 0) {
      log.warn({ dropped: rollup.dropped }, 'metrics windows arrived after their minute was written')
      rollup.dropped = 0
    }
  }
  let lastOrderMinutes = 0
  async function writeOrders() {
    const minute = minuteOf(now().getTime() - ROLLUP_DELAY_MS)
    if (minute === lastOrderMinutes) return
    lastOrderMinutes = minute
    await writeOrderMinutes(new Date(minute - ORDER_MINUTES_REWRITE * MINUTE_MS), new Date(minute))
  }

  async function becomeLeader() {
    const aggregator = await startAggregation()
    unsubscribe.push(aggregator.onWindow((window) => rollup.addWindow(window)))
    unsubscribe.push(aggregator.onSecond((second) => rollup.addSecond(second)))
    leader = true
    log.info('metrics collector: this worker collects the domain figures and writes the minute rollups')
    every(1_000, guard('domain figures', collectFast))
    every(QUEUES_EVERY_MS, guard('queue figures', collectQueues))
    every(SLOW_EVERY_MS, guard('backlog and integration figures', collectSlow))
    every(1_000, guard('rollup write', () => writeRollups().then(writeOrders)))
    every(PRUNE_EVERY_MS, guard('prune', () => pruneRollups(env.METRICS_RETENTION_DAYS, now())))
    guard('first figures', () => Promise.all([collectFast(), collectQueues(), collectSlow(), pruneRollups(env.METRICS_RETENTION_DAYS, now())]))()
  }

  function loseLeadership(reason: string) {
    if (!leader) return
    leader = false
    for (const timer of timers) clearInterval(timer)
    timers = []
    for (const off of unsubscribe.splice(0)) off()
    log.warn({ reason }, 'metrics collector: leadership lost')
  }

  async function tryLead() {
    if (stopped || leader) return
    try {
      if (!lockClient) {
        const client = new pg.Client({ connectionString: options.databaseUrl ?? env.DATABASE_URL, application_name: 'opsdeck-metrics-leader' })
        client.on('error', (error) => {
          log.warn({ err: error }, 'metrics collector: lock connection lost')
          if (lockClient === client) lockClient = null
          loseLeadership('lock connection lost')
        })
        await client.connect()
        lockClient = client
      }
      const { rows } = await lockClient.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [lockKey])
      if (rows[0]?.locked && !stopped) await becomeLeader()
    } catch (error) {
      log.warn({ err: error }, 'metrics collector: could not try the leader lock')
    }
  }
  void tryLead()
  const retry = setInterval(() => void tryLead(), LEADER_RETRY_MS)
  retry.unref()

  return {
    isLeader: () => leader,
    async stop() {
      stopped = true
      clearInterval(retry)
      removeSampler()
      if (leader) {
        // The minutes still open are written as they are (a partial last minute beats none).
        await upsertRollups(rollup.peekAll()).catch((error: unknown) => log.warn({ err: error }, 'metrics collector: final rollup write failed'))
      }
      loseLeadership('stopping')
      await lockClient?.end().catch(() => {})
      lockClient = null
    },
  }
}
