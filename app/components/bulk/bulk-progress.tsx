import { useEffect, useRef, useState } from 'react'
import type { BulkProgress } from '#app/realtime/events.ts'
import { useSocket, useSocketStatus } from '#app/realtime/socket-provider.tsx'
import { useIdleRevalidate } from '#app/realtime/use-idle-revalidate.ts'

/** How often the results table is re-read while rows keep arriving (and the polling period when offline). */
const REFRESH_MS = 1_500

const finished = (progress: BulkProgress) => progress.status === 'completed' || progress.status === 'failed' || progress.status === 'cancelled'

/**
 * A bulk operation's live figures: `bulk.subscribe` (the answer carries the current figures), then `bulk.progress`
 * pushes. While rows keep arriving the page's loader is re-read every REFRESH_MS (the results table), once more when
 * the operation ends; with the socket offline the loader is polled instead (the same figures, just later).
 */
export function useBulkProgress(initial: BulkProgress): BulkProgress {
  const socket = useSocket()
  const status = useSocketStatus()
  const revalidateWhenIdle = useIdleRevalidate()
  const [live, setLive] = useState(initial)
  const id = initial.id

  // Loader data is newer than a push only when it has got further (pushes and loads can cross).
  useEffect(() => {
    setLive((previous) => (previous.id !== initial.id || finished(initial) || initial.processed >= previous.processed ? initial : previous))
  }, [initial])

  useEffect(() => {
    if (!socket || status !== 'live') return
    let active = true
    const onProgress = (progress: BulkProgress) => {
      if (progress.id === id) setLive(progress)
    }
    socket.on('bulk.progress', onProgress)
    void socket.emitWithAck('bulk.subscribe', { id }).then((answer) => {
      if (active && answer.ok && answer.progress) setLive(answer.progress)
    })
    return () => {
      active = false
      socket.off('bulk.progress', onProgress)
      socket.emit('bulk.unsubscribe', { id }, () => {})
    }
  }, [socket, status, id])

  // Re-read the loader (results table, download link) as progress moves, at most every REFRESH_MS, and at the end.
  const lastRefresh = useRef(0)
  const seen = useRef({ processed: initial.processed, status: initial.status })
  useEffect(() => {
    const moved = live.processed !== seen.current.processed || live.status !== seen.current.status
    seen.current = { processed: live.processed, status: live.status }
    if (!moved) return
    const wait = finished(live) ? 0 : Math.max(0, lastRefresh.current + REFRESH_MS - Date.now())
    const timer = setTimeout(() => {
      lastRefresh.current = Date.now()
      revalidateWhenIdle()
    }, wait)
    return () => clearTimeout(timer)
  }, [live, revalidateWhenIdle])

  // Offline (or before the socket is up): poll while the operation runs.
  const polling = status !== 'live' && !finished(live)
  useEffect(() => {
    if (!polling) return
    const timer = setInterval(() => {
      revalidateWhenIdle()
    }, REFRESH_MS)
    return () => clearInterval(timer)
  }, [polling, revalidateWhenIdle])

  return live
}

/** `unit` names what the rows are ("tickets processed"); by default orders. */
export function BulkProgressPanel({ progress, kind, unit: rowsUnit }: { progress: BulkProgress; kind: string; unit?: string }) {
  const total = Math.max(progress.total, progress.processed)
  const percent = total === 0 ? (progress.status === 'completed' ? 100 : 0) : Math.floor((progress.processed / total) * 100)
  const shown = progress.status === 'completed' ? 100 : Math.min(percent, 99)
  const unit = kind === 'export' ? 'rows written' : (rowsUnit ?? 'orders processed')
  return (
    <section className="panel" aria-labelledby="progress-title" data-testid="bulk-progress" data-percent={shown} data-status={progress.status}>
      <h2 id="progress-title" className="panel-title">
        Progress
      </h2>
      <div className="bulk-progress__bar">
        <progress max={100} value={shown} aria-labelledby="progress-title" />
        <strong className="num" data-testid="bulk-percent">
          {shown} %
        </strong>
      </div>
      <p className="muted" data-testid="bulk-processed">
        {progress.processed.toLocaleString('en-GB')} of {total.toLocaleString('en-GB')} {unit}
        {progress.status === 'queued' ? ' · waiting for a worker' : null}
      </p>
      {kind === 'export' ? null : (
        <ul className="figures figures-compact" aria-label="Outcomes">
          <Figure label="Succeeded" value={progress.succeeded} testId="count-succeeded" />
          <Figure label="Skipped" value={progress.skipped} testId="count-skipped" tone={progress.skipped > 0 ? 'num-warning' : undefined} />
          <Figure label="Failed" value={progress.failed} testId="count-failed" tone={progress.failed > 0 ? 'num-danger' : undefined} />
        </ul>
      )}
      {progress.error ? (
        <p className="alert alert-error" role="alert">
          {progress.error}
        </p>
      ) : null}
    </section>
  )
}

function Figure({ label, value, testId, tone }: { label: string; value: number; testId: string; tone?: string }) {
  return (
    <li className="figure">
      <span className="figure-label">{label}</span>
      <span className={`figure-value figure-value-small num${tone ? ` ${tone}` : ''}`} data-testid={testId}>
        {value.toLocaleString('en-GB')}
      </span>
    </li>
  )
}
