import { useNavigation, useRevalidator } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import type { OrdersChanged } from '#app/realtime/events.ts'
import { useSocket, useSocketStatus } from '#app/realtime/socket-provider.tsx'
import { useIdleRevalidate } from '#app/realtime/use-idle-revalidate.ts'
import { useOrderActionData } from './order-form.tsx'

/** Signals for this order re-read the page at most this often. */
const REFRESH_MS = 1_500
/** A signal this soon after the person's own submission is (most likely) their own change coming back. */
const OWN_ECHO_MS = 3_000

/**
 * Keeps the case file current while it is open: `orders.changed` (server/realtime.order-feed.ts, a NOTIFY from the
 * Order table's triggers, whoever wrote it: a colleague, a bulk job, a sync) naming this order re-reads the page's
 * loader, so tracking updates, payments and other people's edits appear without a reload (DESIGN.md § Realtime:
 * events are signals, data comes from loaders).
 *
 * Except while the person is editing (a form open, or typing in a field): the page is not changed under them;
 * instead a notice says the order changed and offers to show it. If they submit anyway, the version check refuses
 * it as stale — the notice is a warning, not the guard.
 */
export function OrderLiveChanges({ orderId, version }: { orderId: string; version: number }) {
  const socket = useSocket()
  const status = useSocketStatus()
  const revalidator = useRevalidator()
  const revalidateWhenIdle = useIdleRevalidate()
  const [changed, setChanged] = useState(false)
  const timer = useRef<ReturnType<typeof setTimeout>>()
  const lastRefresh = useRef(0)
  // When this page last submitted a form (its own change also comes back as a signal).
  const navigation = useNavigation()
  const lastOwnWrite = useRef(0)
  useEffect(() => {
    // Submitting, or just finished (its echo may still be on its way).
    if (navigation.formData || (navigation.state === 'idle' && lastOwnWrite.current > 0)) lastOwnWrite.current = Date.now()
  }, [navigation.state, navigation.formData])

  // A new version on screen (revalidated, or the person's own change): nothing pending any more.
  useEffect(() => setChanged(false), [version])

  useEffect(() => {
    if (!socket || status !== 'live') return
    const refresh = () => {
      if (timer.current) return
      timer.current = setTimeout(
        () => {
          timer.current = undefined
          if (isEditing()) {
            // Their own change echoing back is not news; someone else's while they edit is.
            if (Date.now() - lastOwnWrite.current > OWN_ECHO_MS) setChanged(true)
            return
          }
          lastRefresh.current = Date.now()
          revalidateWhenIdle()
        },
        Math.max(0, lastRefresh.current + REFRESH_MS - Date.now()),
      )
    }
    const onChanged = (signal: OrdersChanged) => {
      if (signal.many || signal.ids.includes(orderId)) refresh()
    }
    socket.on('orders.changed', onChanged)
    void socket.emitWithAck('orders.subscribe', {})
    return () => {
      clearTimeout(timer.current)
      timer.current = undefined
      socket.off('orders.changed', onChanged)
      if (socket.connected) socket.emit('orders.unsubscribe', {}, () => {})
    }
  }, [socket, status, orderId, revalidateWhenIdle])

  // A stale refusal on screen already says it (with a reload), more loudly.
  const refusedAsStale = useOrderActionData()?.stale === true
  if (!changed || refusedAsStale) return null
  return (
    <div className="alert alert-info order-changed" role="status" data-testid="order-changed">
      <span>This order has just changed (someone else, or a sync). What you see is no longer current.</span>
      <button type="button" className="button button-small button-secondary" onClick={() => revalidator.revalidate()} disabled={revalidator.state !== 'idle'}>
        Show the latest
      </button>
    </div>
  )
}

/** A form of the order page is open, or a field of it has focus or text the person changed. */
function isEditing() {
  const page = document.querySelector('.order-page')
  if (!page) return false
  if (page.querySelector('details[open]')) return true
  const active = document.activeElement
  if (active && page.contains(active) && ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName)) return true
  return [...page.querySelectorAll<HTMLTextAreaElement | HTMLInputElement>('textarea, input[type="text"], input[type="number"]')].some(
    (field) => field.value !== field.defaultValue,
  )
}
