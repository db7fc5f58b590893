import { createHook } from 'node:async_hooks'

/**
 * Keeps one `process.nextTick` TickObject alive for the life of the process, so the hidden class (map) V8 gives
 * tick objects never dies. Imported first by server/index.ts, before anything else runs.
 *
 * Why (measured with bench/http-floor.ts and perf, Node 20): nextTick builds each tick object from an object literal
 * with computed symbol keys. V8 holds the transitions to that literal's maps weakly, so whenever no tick object happens
 * to be alive at a major GC (many of them while a large app loads) the maps are dropped and the next nextTick makes new
 * ones. After a handful of such rounds the literal's inline caches go megamorphic for good, and from then on every
 * nextTick defines its four properties through V8's slow runtime path: several ticks per HTTP request cost ~3–7 µs
 * of CPU per request (`Runtime_DefineKeyedOwnPropertyInLiteral`, ~12 % of the web process's profile on /healthz).
 * With one tick object always alive the maps stay alive and the caches stay monomorphic, as in a small process.
 *
 * The async hook lives only for the one nextTick below: no async_hooks cost remains afterwards.
 */
const kept: object[] = []
const hook = createHook({
  init(_asyncId, type, _triggerAsyncId, resource) {
    if (type === 'TickObject' && kept.length === 0) kept.push(resource)
  },
})
hook.enable()
process.nextTick(() => {})
hook.disable()

/** The kept tick object (exported so it is visibly referenced; tests check it was captured). */
export const keptTickObject: object | undefined = kept[0]
