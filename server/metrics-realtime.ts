import type { Logger } from 'pino'
import type { Aggregator } from '#app/metrics/aggregator.server.ts'
import { getAggregator, getRecorder } from '#app/metrics/process.server.ts'
import { buildTick, type MetricsTick } from '#app/metrics/tick.ts'
import { ClientEventSchemas, METRICS_ROOM } from '#app/realtime/events.ts'
import type { OpsDeckServer } from '#app/realtime/io.server.ts'
import { onEvent, type OpsDeckSocket } from './realtime.ts'

/**
 * The live metrics over Socket.IO: `metrics.subscribe` (needs read:metric) joins METRICS_ROOM and answers the ticks
 * the page missed (catch-up after a hidden tab, or the last 5 minutes on first load); every merged second this node's
 * aggregator closes becomes one `metrics.tick` to ITS OWN members (`io.local`: with the Redis adapter every node has
 * its own aggregator and its own sockets, so a plain emit would deliver each tick once per node). Nothing is built
 * or sent while the room is empty. Also records this node's socket count (the `socket_connections` gauge).
 */

/** Catch-up ticks carry no trailing-minute tables (routes, queue p95): the page only charts them. */
function catchUp(aggregator: Aggregator, since: number | undefined): MetricsTick[] {
  const seconds = aggregator.seconds()
  const ticks: MetricsTick[] = []
  for (let index = 0; index < seconds.length; index++) {
    if (since !== undefined && seconds[index]!.t <= since) continue
    const tick = buildTick(index === seconds.length - 1 ? seconds.slice(Math.max(0, index - 59), index + 1) : [seconds[index]!])
    if (tick) ticks.push(tick)
  }
  return ticks
}

export function registerMetricsRealtime(io: OpsDeckServer, logger: Logger, aggregator: Aggregator | null = getAggregator()) {
  const log = logger.child({ component: 'metrics-realtime' })
  const localMembers = () => io.of('/').adapter.rooms.get(METRICS_ROOM)?.size ?? 0
  const recorder = getRecorder()
  const removeSampler = recorder.addSampler(() => recorder.gauge('socket_connections', io.engine.clientsCount))

  const removeListener = aggregator?.onSecond(() => {
    if (localMembers() === 0) return
    const seconds = aggregator.seconds()
    const tick = buildTick(seconds.slice(-60))
    if (tick) io.local.to(METRICS_ROOM).emit('metrics.tick', tick)
  })

  const onConnection = (socket: OpsDeckSocket) => {
    onEvent(
      socket,
      'metrics.subscribe',
      'read:metric',
      ClientEventSchemas['metrics.subscribe'],
      async ({ since }, { socket }) => {
        await socket.join(METRICS_ROOM)
        return { ticks: aggregator ? catchUp(aggregator, since) : [] }
      },
      log,
    )
    onEvent(
      socket,
      'metrics.unsubscribe',
      null,
      ClientEventSchemas['metrics.unsubscribe'],
      async (_payload, { socket }) => {
        await socket.leave(METRICS_ROOM)
        return {}
      },
      log,
    )
  }
  io.on('connection', onConnection)

  return () => {
    removeSampler()
    removeListener?.()
    io.off('connection', onConnection)
  }
}
