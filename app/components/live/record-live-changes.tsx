import { useNavigation, useRevalidator } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import { useOrderActionData } from '#app/components/orders/order-form.tsx'
import { useSocket, useSocketStatus, type AppSocket } from '#app/realtime/socket-provider.tsx'
import { useIdleRevalidate } from '#app/realtime/use-idle-revalidate.ts'

/** A signal this soon after the person's own submission is (most likely) their own change coming back. */
const OWN_ECHO_MS = 3_000

/**
 * Keeps a record's page (an order's case file, a return) current while it is open: whenever `follow` reports a
 * change of this record (a socket signal naming it, whoever wrote it: a colleague, a job, a sync, an integration),
 * the page's loader is re-read (DESIGN.md § Realtime: events are signals, data comes from loaders).
 *
 * Except while the person is editing (a form of the page open, or a field with focus or changed text): the page is
 * not changed under them; instead a notice says the record changed and offers to show it. If they submit anyway, the
 * version check refuses it as stale — the notice is a warning, not the guard.
 *
 * `follow(socket, changed)` subscribes (while the socket is live) and returns its cleanup; `followKey` names what it
 * follows (the record id) so it re-subscribes when that changes. `throttleMs` re-reads at most that often.
 */
export function RecordLiveChanges({
  follow,
  followKey,
  version,
  pageSelector,
  throttleMs,
  notice,
  testId,
}: {
  follow: (socket: AppSocket, changed: () => void) => () => void
  followKey: string
  /** The record's version on screen: a new one clears the notice. */
  version: number
  /** The page's root element (`.order-page`): where "is the person editing?" looks. */
  pageSelector: string
  throttleMs?: number
  /** "This order has just changed (someone else, or a sync)." */
  notice: string
  testId: string
}) {
  const socket = useSocket()
  const status = useSocketStatus()
  const revalidator = useRevalidator()
  const revalidateWhenIdle = useIdleRevalidate()
  const [changed, setChanged] = useState(false)
  const followRef = useRef(follow)
  followRef.current = follow
  // When this page last submitted a form (its own change also comes back as a signal).
  const navigation = useNavigation()
  const lastOwnWrite = useRef(0)
  const lastRefresh = useRef(0)
  useEffect(() => {
    // Submitting, or just finished (its echo may still be on its way).
    if (navigation.formData || (navigation.state === 'idle' && lastOwnWrite.current > 0)) lastOwnWrite.current = Date.now()
  }, [navigation.state, navigation.formData])

  // A new version on screen (revalidated, or the person's own change): nothing pending any more.
  useEffect(() => setChanged(false), [version])

  useEffect(() => {
    if (!socket || status !== 'live') return
    let timer: ReturnType<typeof setTimeout> | undefined
    const apply = () => {
      if (isEditing(pageSelector)) {
        // Their own change echoing back is not news; someone else's while they edit is.
        if (Date.now() - lastOwnWrite.current > OWN_ECHO_MS) setChanged(true)
        return
      }
      lastRefresh.current = Date.now()
      revalidateWhenIdle()
    }
    const onChanged = () => {
      if (!throttleMs) return apply()
      if (timer) return
      timer = setTimeout(
        () => {
          timer = undefined
          apply()
        },
        Math.max(0, lastRefresh.current + throttleMs - Date.now()),
      )
    }
    const unfollow = followRef.current(socket, onChanged)
    return () => {
      clearTimeout(timer)
      unfollow()
    }
  }, [socket, status, followKey, pageSelector, throttleMs, revalidateWhenIdle])

  // A stale refusal on screen already says it (with a reload), more loudly.
  const refusedAsStale = useOrderActionData()?.stale === true
  if (!changed || refusedAsStale) return null
  return (
    <div className="alert alert-info order-changed" role="status" data-testid={testId}>
      <span>{notice} What you see is no longer current.</span>
      <button type="button" className="button button-small button-secondary" onClick={() => revalidator.revalidate()} disabled={revalidator.state !== 'idle'}>
        Show the latest
      </button>
    </div>
  )
}

/** A form of the page is open, or a field of it has focus or text the person changed. */
function isEditing(pageSelector: string) {
  const page = document.querySelector(pageSelector)
  if (!page) return false
  if (page.querySelector('details[open]')) return true
  const active = document.activeElement
  if (active && page.contains(active) && ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName)) return true
  return [...page.querySelectorAll<HTMLTextAreaElement | HTMLInputElement>('textarea, input[type="text"], input[type="number"]')].some(
    (field) => field.value !== field.defaultValue,
  )
}
