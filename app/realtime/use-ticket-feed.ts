import { useCallback, useEffect, useRef } from 'react'
import type { SlaSignal, TicketsChanged } from './events.ts'
import { useSocket, useSocketEvent } from './socket-provider.tsx'
import { useIdleRevalidate } from './use-idle-revalidate.ts'

/** The list re-reads at most this often for live signals. */
export const LIST_REREAD_MS = 2_000

/**
 * Re-reads the page when tickets change (server/realtime.tickets.ts `tickets.changed`), without interrupting a
 * navigation (useIdleRevalidate). `scope`: 'list' follows every ticket (room TICKETS_FEED_ROOM: the list's rows and
 * view counts); a ticket id follows that ticket only (its page joined `ticket:<id>` with `tickets.view`, see
 * useTicketPresence). Re-subscribes after a reconnect and re-reads once then (signals may have been missed). SLA
 * warnings and breaches re-read too.
 */
export function useTicketFeed(scope: 'list' | { ticketId: string }, onChange?: (signal: TicketsChanged) => void) {
  const socket = useSocket()
  const reread = useIdleRevalidate()
  const list = scope === 'list'
  const ticketId = list ? null : scope.ticketId
  // The list hears every ticket change in the desk and re-reads every queue's count: at most once per
  // LIST_REREAD_MS per tab (the signals in between are coalesced), so a busy desk costs the database a bounded load.
  const last = useRef(0)
  const timer = useRef<ReturnType<typeof setTimeout>>()
  useEffect(() => () => clearTimeout(timer.current), [])
  const revalidate = useCallback(() => {
    if (!list) return reread()
    if (timer.current) return
    const wait = Math.max(0, last.current + LIST_REREAD_MS - Date.now())
    timer.current = setTimeout(() => {
      timer.current = undefined
      last.current = Date.now()
      reread()
    }, wait)
  }, [list, reread])

  useEffect(() => {
    if (!socket || !list) return
    let first = true
    const subscribe = () => {
      socket.emit('tickets.subscribe', {}, () => {})
      if (!first) revalidate()
      first = false
    }
    if (socket.connected) subscribe()
    socket.on('connect', subscribe)
    return () => {
      socket.off('connect', subscribe)
      if (socket.connected) socket.emit('tickets.unsubscribe', {}, () => {})
    }
  }, [socket, list, revalidate])

  useSocketEvent('tickets.changed', (signal) => {
    if (ticketId && !signal.many && !signal.ids.includes(ticketId) && !signal.newIds.includes(ticketId)) return
    onChange?.(signal)
    revalidate()
  })
  // The SLA engine's timers change clocks, not tickets: its warnings and breaches (to the ticket's room and the role
  // rooms, app/models/sla/sla-realtime.server.ts) move countdowns and the "breaching"/"breached" queues.
  const onSla = (signal: SlaSignal) => {
    if (signal.subjectType !== 'ticket' || (ticketId && signal.ticketId !== ticketId)) return
    revalidate()
  }
  useSocketEvent('sla.warning', onSla)
  useSocketEvent('sla.breached', onSla)
}
