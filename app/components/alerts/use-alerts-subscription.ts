import { useEffect, useRef } from 'react'
import type { AlertsChanged } from '#app/realtime/events.ts'
import { useSocket, useSocketEvent } from '#app/realtime/socket-provider.tsx'

/**
 * Joins the alerts room (`alerts.subscribe`, needs read:alert) while mounted — and again after a reconnect, since
 * rooms do not survive one — and calls `onChange` for every `alerts.changed` and after each (re)subscription (what
 * happened while disconnected is unknown).
 *
 * NOTE: rooms belong to the socket, not to a component: only the notification center (always mounted for people who
 * may read alerts) subscribes; /alerts listens with `useSocketEvent('alerts.changed')`, so leaving that page never
 * takes the center out of the room.
 */
export function useAlertsSubscription(onChange: (signal: AlertsChanged | null) => void, enabled: boolean) {
  const socket = useSocket()
  const latest = useRef(onChange)
  useEffect(() => {
    latest.current = onChange
  })

  useSocketEvent('alerts.changed', (signal) => latest.current(signal))

  useEffect(() => {
    if (!socket || !enabled) return
    const subscribe = () => socket.emit('alerts.subscribe', {}, (answer) => answer.ok && latest.current(null))
    if (socket.connected) subscribe()
    socket.on('connect', subscribe)
    return () => {
      socket.off('connect', subscribe)
      if (socket.connected) socket.emit('alerts.unsubscribe', {}, () => {})
    }
  }, [socket, enabled])
}
