import { useCallback, useEffect, useRef, useState } from 'react'
import { TICKET_TYPING_TTL_MS, type TicketViewer } from './events.ts'
import { useSocket, useSocketEvent } from './socket-provider.tsx'

/**
 * Who else has this ticket open and who is typing a reply, live (server/realtime.tickets.ts). Emits `tickets.view`
 * on mount and after every reconnect (a new socket is in no room), `tickets.leave` on unmount. `typing()` is called
 * on each keystroke in the composer: it tells the server at most every third of the typing TTL, and `stopTyping()`
 * (send, blur, empty) ends it at once. Returns the others (not `selfId`), and whether presence is known yet.
 */
export function useTicketPresence(ticketId: string, selfId: string) {
  const socket = useSocket()
  const [viewers, setViewers] = useState<TicketViewer[]>([])
  const [known, setKnown] = useState(false)
  const lastTypingSent = useRef(0)

  useEffect(() => {
    setViewers([])
    setKnown(false)
    if (!socket) return
    let active = true
    const view = () => {
      lastTypingSent.current = 0
      socket.emit('tickets.view', { ticketId }, (answer) => {
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
      if (socket.connected) socket.emit('tickets.leave', { ticketId }, () => {})
    }
  }, [socket, ticketId])

  useSocketEvent('tickets.presence', (presence) => {
    if (presence.ticketId !== ticketId) return
    setViewers(presence.viewers)
    setKnown(true)
  })

  const typing = useCallback(() => {
    if (!socket?.connected) return
    const now = Date.now()
    if (now - lastTypingSent.current < TICKET_TYPING_TTL_MS / 3) return
    lastTypingSent.current = now
    socket.emit('tickets.typing', { ticketId, typing: true }, () => {})
  }, [socket, ticketId])
  const stopTyping = useCallback(() => {
    if (!socket?.connected || lastTypingSent.current === 0) return
    lastTypingSent.current = 0
    socket.emit('tickets.typing', { ticketId, typing: false }, () => {})
  }, [socket, ticketId])

  return { others: viewers.filter((viewer) => viewer.userId !== selfId), known, typing, stopTyping }
}
