import { useEffect, useState } from 'react'
import type { OrderViewer } from './events.ts'
import { useSocket, useSocketEvent } from './socket-provider.tsx'

/**
 * Who else has this order open, live (server/realtime.orders.ts). Emits `orders.view` on mount and after every
 * reconnect (a new socket is in no room), `orders.leave` on unmount or when the order changes. Returns the other
 * viewers (not `selfId`: one's own other tabs are not "someone else"), and whether presence is known yet.
 */
export function useOrderPresence(orderId: string, selfId: string) {
  const socket = useSocket()
  const [viewers, setViewers] = useState<OrderViewer[]>([])
  const [known, setKnown] = useState(false)

  useEffect(() => {
    setViewers([])
    setKnown(false)
    if (!socket) return
    let active = true
    const view = () => {
      socket.emit('orders.view', { orderId }, (answer) => {
        if (!active || !answer.ok) return
        setViewers(answer.viewers)
        setKnown(true)
      })
    }
    if (socket.connected) view()
    socket.on('connect', view)
    return () => {
      active = false
      socket.off('connect', view)
      if (socket.connected) socket.emit('orders.leave', { orderId }, () => {})
    }
  }, [socket, orderId])

  useSocketEvent('orders.presence', (presence) => {
    if (presence.orderId !== orderId) return
    setViewers(presence.viewers)
    setKnown(true)
  })

  return { others: viewers.filter((viewer) => viewer.userId !== selfId), known }
}
