import { useNavigation, useRevalidator } from '@remix-run/react'
import { useCallback, useEffect, useRef } from 'react'

/**
 * Re-reads the page's loaders for a live signal without ever interrupting a navigation. Remix's `revalidate()` during
 * a submission's redirect aborts the loads in flight and starts them again — and the flash toast the aborted load had
 * already consumed is lost (the person's own "Order confirmed" never shows). Asked while the page is navigating or
 * already revalidating, it re-reads once when both are idle (the running load may predate the signal).
 */
export function useIdleRevalidate(): () => void {
  const navigation = useNavigation()
  const revalidator = useRevalidator()
  const idle = navigation.state === 'idle' && revalidator.state === 'idle'
  const latest = useRef({ idle, revalidate: revalidator.revalidate })
  latest.current = { idle, revalidate: revalidator.revalidate }
  const pending = useRef(false)

  useEffect(() => {
    if (!idle || !pending.current) return
    pending.current = false
    revalidator.revalidate()
  }, [idle, revalidator])

  return useCallback(() => {
    if (latest.current.idle) latest.current.revalidate()
    else pending.current = true
  }, [])
}
