import { useCallback } from 'react'
import { RecordLiveChanges } from '#app/components/live/record-live-changes.tsx'
import type { OrdersChanged } from '#app/realtime/events.ts'
import type { AppSocket } from '#app/realtime/socket-provider.tsx'

/** Signals for this order re-read the page at most this often. */
const REFRESH_MS = 1_500

/**
 * Keeps the case file current while it is open (components/live/record-live-changes.tsx): `orders.changed`
 * (server/realtime.order-feed.ts, a NOTIFY from the Order table's triggers, whoever wrote it: a colleague, a bulk job,
 * a sync) naming this order re-reads the page's loader, so tracking updates, payments and other people's edits appear
 * without a reload; while the person edits, a notice instead.
 */
export function OrderLiveChanges({ orderId, version }: { orderId: string; version: number }) {
  const follow = useCallback(
    (socket: AppSocket, changed: () => void) => {
      const onChanged = (signal: OrdersChanged) => {
        if (signal.many || signal.ids.includes(orderId)) changed()
      }
      socket.on('orders.changed', onChanged)
      void socket.emitWithAck('orders.subscribe', {})
      return () => {
        socket.off('orders.changed', onChanged)
        if (socket.connected) socket.emit('orders.unsubscribe', {}, () => {})
      }
    },
    [orderId],
  )
  return (
    <RecordLiveChanges
      follow={follow}
      followKey={orderId}
      version={version}
      pageSelector=".order-page"
      throttleMs={REFRESH_MS}
      notice="This order has just changed (someone else, or a sync)."
      testId="order-changed"
    />
  )
}
