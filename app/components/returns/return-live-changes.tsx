import { useNavigation, useRevalidator } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import type { ReturnChanged } from '#app/realtime/events.ts'
import { useSocket, useSocketStatus } from '#app/realtime/socket-provider.tsx'
import { useIdleRevalidate } from '#app/realtime/use-idle-revalidate.ts'
import { useOrderActionData } from '#app/components/orders/order-form.tsx'
import { useReturnRefresh } from './use-return-refresh.ts'

/** A signal this soon after the person's own submission is (most likely) their own change coming back. */
const OWN_ECHO_MS = 3_000

/**
 * Keeps the return page current while it is open, like the order page (components/orders/order-live-changes.tsx):
 * the page follows its return (`record.subscribe { entity: 'return' }`, needs read:return) and `returns.changed`
 * (server/realtime.returns.ts, a NOTIFY from the Return and Refund tables, whoever wrote them: a colleague, the
 * carrier's tracking, the gateway's refund answer) re-reads the loader — the label, in transit, a confirmed refund or
 * someone else's step appear without a reload.
 *
 * Except while the person is filling a form of the page: it is not changed under them; a notice says the return
 * changed and offers to show it (a stale submit is refused by the version check anyway). While the socket is down and
 * the return waits on an integration, the page falls back to re-reading itself every few seconds (useReturnRefresh).
 */
export function ReturnLiveChanges({ returnId, version, waiting }: { returnId: string; version: number; waiting: boolean }) {
  const socket = useSocket()
  const status = useSocketStatus()
  const revalidator = useRevalidator()
  const revalidateWhenIdle = useIdleRevalidate()
  const [changed, setChanged] = useState(false)
  const navigation = useNavigation()
  const lastOwnWrite = useRef(0)
  const subscribedOnce = useRef(false)
  useEffect(() => {
    if (navigation.formData || (navigation.state === 'idle' && lastOwnWrite.current > 0)) lastOwnWrite.current = Date.now()
  }, [navigation.state, navigation.formData])
  // A new version on screen: nothing pending any more.
  useEffect(() => setChanged(false), [version])

  useReturnRefresh(waiting && status !== 'live')

  useEffect(() => {
    if (!socket || status !== 'live') return
    const refresh = () => {
      if (!isEditing()) return revalidateWhenIdle()
      if (Date.now() - lastOwnWrite.current > OWN_ECHO_MS) setChanged(true)
    }
    const onChanged = (signal: ReturnChanged) => {
      if (signal.id === returnId) refresh()
    }
    socket.on('returns.changed', onChanged)
    void socket.emitWithAck('record.subscribe', { entity: 'return', id: returnId }).then((ack) => {
      // Back after a disconnect: signals sent meanwhile were missed, so read once.
      if (ack.ok && subscribedOnce.current) refresh()
      subscribedOnce.current = true
    })
    return () => {
      socket.off('returns.changed', onChanged)
      if (socket.connected) socket.emit('record.unsubscribe', { entity: 'return', id: returnId }, () => {})
    }
  }, [socket, status, returnId, revalidateWhenIdle])

  const refusedAsStale = useOrderActionData()?.stale === true
  if (!changed || refusedAsStale) return null
  return (
    <div className="alert alert-info order-changed" role="status" data-testid="return-changed">
      <span>This return has just changed (someone else, or an integration). What you see is no longer current.</span>
      <button type="button" className="button button-small button-secondary" onClick={() => revalidator.revalidate()} disabled={revalidator.state !== 'idle'}>
        Show the latest
      </button>
    </div>
  )
}

/** A form of the return page is open, or a field of it has focus or text the person changed. */
function isEditing() {
  const page = document.querySelector('.return-page')
  if (!page) return false
  if (page.querySelector('details[open]')) return true
  const active = document.activeElement
  if (active && page.contains(active) && ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName)) return true
  return [...page.querySelectorAll<HTMLTextAreaElement | HTMLInputElement>('textarea, input[type="text"], input[type="number"]')].some(
    (field) => field.value !== field.defaultValue,
  )
}
