import { useEffect, useState } from 'react'
import type { Toast } from '#app/utils/toast.server.ts'
import { Icon } from './icons.tsx'

/**
 * Shows the toast the root loader read from the flash cookie; announced politely, dismissable, fades after 6 s.
 * A later revalidation (a live update, a fetcher) reads no toast: that leaves the shown one alone.
 */
export function Toaster({ toast }: { toast: Toast | null }) {
  const [visible, setVisible] = useState<Toast | null>(toast)
  useEffect(() => {
    if (toast) setVisible(toast)
  }, [toast?.id])
  useEffect(() => {
    if (!visible) return
    const timer = setTimeout(() => setVisible(null), 6000)
    return () => clearTimeout(timer)
  }, [visible])
  return (
    <div className="toaster" role="status" aria-live="polite">
      {visible ? (
        <div className={`toast toast-${visible.type}`} data-testid="toast">
          <div>
            <p className="toast-title">{visible.title}</p>
            {visible.description ? <p className="toast-description">{visible.description}</p> : null}
          </div>
          <button type="button" className="icon-button" onClick={() => setVisible(null)} aria-label="Dismiss">
            <Icon name="close" />
          </button>
        </div>
      ) : null}
    </div>
  )
}
