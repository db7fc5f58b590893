import { useEffect, useRef } from 'react'
import type { InventoryStockSignal } from '#app/realtime/events.ts'
import { useSocket, useSocketEvent } from '#app/realtime/socket-provider.tsx'

/**
 * Joins INVENTORY_ROOM (`inventory.subscribe`, needs read:inventory) while mounted — again after a reconnect, since
 * rooms do not survive one — and calls `onSignal` for every `inventory.stock` (levels that went low or out).
 */
export function useStockSignals(onSignal: (signal: InventoryStockSignal) => void) {
  const socket = useSocket()
  const latest = useRef(onSignal)
  useEffect(() => {
    latest.current = onSignal
  })
  useSocketEvent('inventory.stock', (signal) => latest.current(signal))
  useEffect(() => {
    if (!socket) return
    const subscribe = () => socket.emit('inventory.subscribe', {}, () => {})
    if (socket.connected) subscribe()
    socket.on('connect', subscribe)
    return () => {
      socket.off('connect', subscribe)
      if (socket.connected) socket.emit('inventory.unsubscribe', {}, () => {})
    }
  }, [socket])
}
