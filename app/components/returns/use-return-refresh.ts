import { useEffect } from 'react'
import { useIdleRevalidate } from '#app/realtime/use-idle-revalidate.ts'

/**
 * While the return waits on an integration (the carrier's label after approval, the gateway's answer to a refund),
 * the page re-reads its loader every few seconds when the tab is visible and no navigation is running, so the label
 * or the confirmation appears without a reload. Only the fallback for when the socket is down: the page is live
 * through `returns.changed` (return-live-changes.tsx).
 */
export function useReturnRefresh(waiting: boolean, everyMs = 5_000) {
  const revalidate = useIdleRevalidate()
  useEffect(() => {
    if (!waiting) return
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') revalidate()
    }, everyMs)
    return () => clearInterval(timer)
  }, [waiting, everyMs, revalidate])
}
