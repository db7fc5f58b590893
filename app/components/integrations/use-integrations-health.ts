import { useEffect, useState } from 'react'
import type { IntegrationsHealth } from '#app/realtime/events.ts'
import { useSocket, useSocketEvent } from '#app/realtime/socket-provider.tsx'

/**
 * Live integration health: starts from the loader's snapshot, subscribes on mount (and again after a reconnect,
 * since rooms do not survive one), takes every `integrations.health` push, unsubscribes on unmount.
 * Returns the latest snapshot and whether it is live.
 */
export function useIntegrationsHealth(initial: IntegrationsHealth) {
  const socket = useSocket()
  const [health, setHealth] = useState(initial)
  const [live, setLive] = useState(false)

  // A new loader snapshot (after an action's redirect) replaces the pushed one if it is newer.
  useEffect(() => {
    setHealth((current) => (Date.parse(initial.at) >= Date.parse(current.at) ? initial : current))
  }, [initial])

  useSocketEvent('integrations.health', (next) => {
    setHealth(next)
    setLive(true)
  })

  useEffect(() => {
    if (!socket) return
    const subscribe = () => {
      socket.emit('integrations.subscribe', {}, (answer) => {
        if (answer.ok && answer.health) {
          setHealth(answer.health)
          setLive(true)
        }
      })
    }
    const onDisconnect = () => setLive(false)
    if (socket.connected) subscribe()
    socket.on('connect', subscribe)
    socket.on('disconnect', onDisconnect)
    return () => {
      socket.off('connect', subscribe)
      socket.off('disconnect', onDisconnect)
      if (socket.connected) socket.emit('integrations.unsubscribe', {}, () => {})
    }
  }, [socket])

  return { health, live }
}
