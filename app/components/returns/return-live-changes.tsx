import { useCallback, useRef } from 'react'
import { RecordLiveChanges } from '#app/components/live/record-live-changes.tsx'
import type { ReturnChanged } from '#app/realtime/events.ts'
import { useSocketStatus, type AppSocket } from '#app/realtime/socket-provider.tsx'
import { useReturnRefresh } from './use-return-refresh.ts'

/**
 * Keeps the return page current while it is open, like the order page (components/live/record-live-changes.tsx):
 * the page follows its return (`record.subscribe { entity: 'return' }`, needs read:return) and `returns.changed`
 * (server/realtime.returns.ts, a NOTIFY from the Return and Refund tables, whoever wrote them: a colleague, the
 * carrier's tracking, the gateway's refund answer) re-reads the loader — the label, in transit, a confirmed refund or
 * someone else's step appear without a reload; while the person fills a form, a notice instead.
 *
 * While the socket is down and the return waits on an integration, the page falls back to re-reading itself every
 * few seconds (useReturnRefresh).
 */
export function ReturnLiveChanges({ returnId, version, waiting }: { returnId: string; version: number; waiting: boolean }) {
  const status = useSocketStatus()
  const subscribedOnce = useRef(false)
  useReturnRefresh(waiting && status !== 'live')

  const follow = useCallback(
    (socket: AppSocket, changed: () => void) => {
      const onChanged = (signal: ReturnChanged) => {
        if (signal.id === returnId) changed()
      }
      socket.on('returns.changed', onChanged)
      void socket.emitWithAck('record.subscribe', { entity: 'return', id: returnId }).then((ack) => {
        // Back after a disconnect: signals sent meanwhile were missed, so read once.
        if (ack.ok && subscribedOnce.current) changed()
        subscribedOnce.current = true
      })
      return () => {
        socket.off('returns.changed', onChanged)
        if (socket.connected) socket.emit('record.unsubscribe', { entity: 'return', id: returnId }, () => {})
      }
    },
    [returnId],
  )
  return (
    <RecordLiveChanges
      follow={follow}
      followKey={returnId}
      version={version}
      pageSelector=".return-page"
      notice="This return has just changed (someone else, or an integration)."
      testId="return-changed"
    />
  )
}
