import { useEffect, useRef, useState } from 'react'
import type { MetricsTick } from '#app/metrics/tick.ts'
import { useSocket, useSocketEvent } from '#app/realtime/socket-provider.tsx'

/** Seconds of live data kept (the 5-minute view at 1 s). */
export const LIVE_WINDOW_SECONDS = 300

/**
 * The live metrics: subscribes to `metrics.tick` while the tab is visible and the component mounted; the subscribe
 * answer carries the ticks missed since the last one seen (or the last 5 minutes), so a tab coming back from the
 * background or a reconnect fills its gap instead of drawing a hole. Hidden tab → unsubscribed: the server sends
 * nothing (and builds nothing when nobody else watches).
 */
export function useLiveMetrics() {
  const socket = useSocket()
  const [ticks, setTicks] = useState<MetricsTick[]>([])
  const [state, setState] = useState<'connecting' | 'live' | 'paused' | 'offline'>('connecting')
  const lastT = useRef<number | undefined>(undefined)

  const append = (incoming: MetricsTick[]) => {
    if (incoming.length === 0) return
    setTicks((current) => {
      const known = current.length > 0 ? current[current.length - 1]!.t : -Infinity
      const fresh = incoming.filter((tick) => tick.t > known)
      if (fresh.length === 0) return current
      lastT.current = fresh[fresh.length - 1]!.t
      const next = current.concat(fresh)
      return next.length > LIVE_WINDOW_SECONDS ? next.slice(next.length - LIVE_WINDOW_SECONDS) : next
    })
  }

  useSocketEvent('metrics.tick', (tick) => append([tick]))

  useEffect(() => {
    if (!socket) return
    let subscribed = false
    const subscribe = () => {
      if (document.visibilityState !== 'visible' || subscribed || !socket.connected) return
      subscribed = true
      socket.emit('metrics.subscribe', lastT.current === undefined ? {} : { since: lastT.current }, (answer) => {
        if (!answer.ok) {
          subscribed = false
          setState('offline')
          return
        }
        append(answer.ticks)
        setState('live')
      })
    }
    const unsubscribe = () => {
      if (!subscribed) return
      subscribed = false
      if (socket.connected) socket.emit('metrics.unsubscribe', {}, () => {})
    }
    const onVisibility = () => {
      if (document.visibilityState === 'visible') subscribe()
      else {
        unsubscribe()
        setState('paused')
      }
    }
    const onConnect = () => {
      subscribed = false
      subscribe()
    }
    const onDisconnect = () => {
      subscribed = false
      setState('offline')
    }
    subscribe()
    socket.on('connect', onConnect)
    socket.on('disconnect', onDisconnect)
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      socket.off('connect', onConnect)
      socket.off('disconnect', onDisconnect)
      document.removeEventListener('visibilitychange', onVisibility)
      unsubscribe()
    }
  }, [socket])

  return { ticks, latest: ticks.length > 0 ? ticks[ticks.length - 1]! : null, state }
}
