import { useNavigate } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import type { OrdersChanged } from '#app/realtime/events.ts'
import { useSocket, useSocketStatus } from '#app/realtime/socket-provider.tsx'
import { useIdleRevalidate } from '#app/realtime/use-idle-revalidate.ts'

/** Changed visible rows are re-read at most this often. */
const REFRESH_MS = 2_000

/**
 * Live orders for the list page. Follows `orders.changed` (server/realtime.order-feed.ts):
 * - new orders: asks the server how many orders matching THIS view (`query`, the list's URL search params) were
 *   created since the page was loaded (`since`, ISO, from the loader) and shows "N new orders — Show"; Show opens the
 *   view's first page again (whose loader gives a new `since`);
 * - changed orders: when one of the rows on screen (`visibleIds`) changed, the page's loader is re-read so the rows
 *   update in place (throttled). Without `visibleIds`, any change re-reads the page.
 */
export function NewOrdersBanner({ query, since, visibleIds }: { query: string; since: string; visibleIds?: readonly string[] }) {
  const socket = useSocket()
  const status = useSocketStatus()
  const revalidateWhenIdle = useIdleRevalidate()
  const navigate = useNavigate()
  const [count, setCount] = useState<{ count: number; exact: boolean }>({ count: 0, exact: true })
  const latest = useRef({ query, since, visibleIds })
  latest.current = { query, since, visibleIds }
  const lastRefresh = useRef(0)
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>()
  const countTimer = useRef<ReturnType<typeof setTimeout>>()

  useEffect(() => {
    if (!socket || status !== 'live') return
    let active = true
    const recount = () => {
      clearTimeout(countTimer.current)
      // Several signals in a row (a burst of imports): one question.
      countTimer.current = setTimeout(() => {
        const { query: view, since: from } = latest.current
        void socket.emitWithAck('orders.countNew', { query: view, since: from }).then((answer) => {
          if (active && answer.ok) setCount({ count: answer.count, exact: answer.exact })
        })
      }, 250)
    }
    const refresh = () => {
      if (refreshTimer.current) return
      const wait = Math.max(0, lastRefresh.current + REFRESH_MS - Date.now())
      refreshTimer.current = setTimeout(() => {
        refreshTimer.current = undefined
        lastRefresh.current = Date.now()
        revalidateWhenIdle()
      }, wait)
    }
    const onChanged = (signal: OrdersChanged) => {
      if (signal.many || signal.newIds.length > 0) recount()
      const visible = latest.current.visibleIds
      const touched = signal.many || (visible ? signal.ids.some((id) => visible.includes(id)) : signal.ids.length > 0)
      if (touched) refresh()
    }
    socket.on('orders.changed', onChanged)
    void socket.emitWithAck('orders.subscribe', {})
    return () => {
      active = false
      clearTimeout(countTimer.current)
      clearTimeout(refreshTimer.current)
      refreshTimer.current = undefined
      socket.off('orders.changed', onChanged)
      socket.emit('orders.unsubscribe', {}, () => {})
    }
  }, [socket, status, revalidateWhenIdle])

  // A new load (Show, a filter change, a refresh) starts counting again from its own `since`.
  useEffect(() => {
    setCount({ count: 0, exact: true })
  }, [since, query])

  if (count.count === 0) return null
  const label = `${count.exact ? '' : 'more than '}${count.count.toLocaleString('en-GB')} new order${count.count === 1 ? '' : 's'}`
  return (
    <div className="alert alert-info new-orders-banner" role="status" data-testid="new-orders-banner">
      <span>{label} for this view</span>
      <button type="button" className="button button-small button-primary" onClick={() => navigate({ search: firstPage(query) })}>
        Show
      </button>
    </div>
  )
}

/** The view's first page (new orders are at its top): the same filters without the keyset position. */
function firstPage(query: string) {
  const params = new URLSearchParams(query)
  params.delete('after')
  params.delete('before')
  const search = params.toString()
  return search ? `?${search}` : ''
}
