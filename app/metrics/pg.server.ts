import { performance } from 'node:perf_hooks'
import type pg from 'pg'
import { getRecorder } from './process.server.ts'

/**
 * Database query time at the node-postgres layer, under Prisma and raw SQL alike (issue 7: "through the Prisma/pg
 * layer"): every client of the app pool gets a timed `query` when it connects (db.server.ts, `pool.on('connect')`).
 * The time runs from the call to the result, so it includes waiting behind the same connection's previous query —
 * what the caller actually waited. Callback, promise and submittable (cursor) forms are all passed through.
 */

const INSTRUMENTED = Symbol('opsdeck.metrics.instrumented')

export function instrumentPgClient(client: pg.PoolClient | pg.Client) {
  const target = client as unknown as { query: (...args: unknown[]) => unknown; [INSTRUMENTED]?: boolean }
  if (target[INSTRUMENTED]) return
  target[INSTRUMENTED] = true
  const query = target.query
  target.query = function timedQuery(this: unknown, ...args: unknown[]) {
    const recorder = getRecorder()
    if (!recorder.enabled) return query.apply(this, args)
    const started = performance.now()
    const done = () => recorder.observe('db_query_duration_seconds', (performance.now() - started) / 1000, { kind: recorder.kind })
    const last = args.length - 1
    if (last >= 0 && typeof args[last] === 'function') {
      const callback = args[last] as (...results: unknown[]) => void
      args[last] = (...results: unknown[]) => {
        done()
        callback(...results)
      }
      return query.apply(this, args)
    }
    const result = query.apply(this, args) as { then?: unknown; on?: (event: string, listener: () => void) => void } | undefined
    if (result && typeof result.then === 'function') {
      ;(result as Promise<unknown>).then(done, done)
    } else if (result && typeof result.on === 'function') {
      result.on('end', done)
      result.on('error', done)
    }
    return result
  }
}
