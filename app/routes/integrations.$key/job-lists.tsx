import { Form } from '@remix-run/react'
import { StatusBadge, type BadgeTone } from '#app/components/status-badge.tsx'
import { formatMs, Time } from './columns.tsx'

/**
 * Job attempts and dead letters as expandable rows (`<details>`: keyboard and screen-reader friendly without
 * script): the summary line says when, which job, which attempt, and the first line of the error; the body shows
 * the failing call's request and response (already redacted and truncated by the engine) and the whole error.
 */

type Json = unknown

export type JobRunRow = {
  id: string
  jobId: string
  name: string
  attempt: number
  status: 'completed' | 'retrying' | 'failed' | 'rate_limited'
  durationMs: number
  summary: string | null
  error: string | null
  request: Json
  response: Json
  finishedAt: string
}

export type DeadLetterRow = {
  id: string
  queue: string
  jobId: string
  name: string
  payload: Json
  error: string
  attempts: number
  failedAt: string
  status: 'open' | 'replayed' | 'discarded'
  resolvedAt: string | null
  resolvedBy: string | null
  request: Json
  response: Json
}

const JOB_TONE: Record<JobRunRow['status'], BadgeTone> = { completed: 'success', retrying: 'warning', failed: 'danger', rate_limited: 'info' }
const JOB_LABEL: Record<JobRunRow['status'], string> = { completed: 'Completed', retrying: 'Retrying', failed: 'Failed', rate_limited: 'Rate limited' }

function JsonBlock({ label, value }: { label: string; value: Json }) {
  if (value === null || value === undefined) return null
  return (
    <div className="detail-block">
      <h3>{label}</h3>
      <pre>{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>
    </div>
  )
}

export function JobRunList({ rows, empty }: { rows: JobRunRow[]; empty: string }) {
  if (rows.length === 0) return empty ? <p className="list-note muted">{empty}</p> : null
  return (
    <ul className="detail-list" data-testid="job-runs">
      {rows.map((row) => (
        <li key={row.id}>
          <details>
            <summary>
              <Time value={row.finishedAt} />
              <StatusBadge tone={JOB_TONE[row.status]}>{JOB_LABEL[row.status]}</StatusBadge>
              <span className="cell-mono">{row.name}</span>
              <span className="cell-mono muted" title="Job id">
                {row.jobId}
              </span>
              <span className="muted">attempt {row.attempt}</span>
              <span className="num muted">{formatMs(row.durationMs)}</span>
              <span className="detail-headline">{row.error?.split('\n')[0] ?? row.summary ?? ''}</span>
            </summary>
            <div className="detail-body">
              {row.summary ? <p>{row.summary}</p> : null}
              <JsonBlock label="Error" value={row.error} />
              <JsonBlock label="Request" value={row.request} />
              <JsonBlock label="Response" value={row.response} />
            </div>
          </details>
        </li>
      ))}
    </ul>
  )
}

const LETTER_TONE: Record<DeadLetterRow['status'], BadgeTone> = { open: 'danger', replayed: 'info', discarded: 'neutral' }

export function DeadLetterList({ rows, canAct }: { rows: DeadLetterRow[]; canAct: boolean }) {
  if (rows.length === 0) {
    return <p className="list-note muted">No dead letters here. Jobs land here only after exhausting their retries.</p>
  }
  return (
    <ul className="detail-list" data-testid="dead-letters">
      {rows.map((row) => (
        <li key={row.id} data-dead-letter={row.id}>
          <details>
            <summary>
              <Time value={row.failedAt} />
              <StatusBadge tone={LETTER_TONE[row.status]}>{row.status}</StatusBadge>
              <span className="cell-mono">{row.name}</span>
              <span className="cell-mono muted">{row.jobId}</span>
              <span className="muted">{row.attempts} attempts</span>
              <span className="detail-headline">{row.error.split('\n')[0]}</span>
            </summary>
            <div className="detail-body">
              {row.resolvedAt ? (
                <p className="muted">
                  {row.status === 'replayed' ? 'Replayed' : 'Discarded'} {row.resolvedBy ? `by ${row.resolvedBy} ` : ''}at <Time value={row.resolvedAt} />
                </p>
              ) : null}
              <JsonBlock label="Error" value={row.error} />
              <JsonBlock label="Payload" value={row.payload} />
              <JsonBlock label="Request" value={row.request} />
              <JsonBlock label="Response" value={row.response} />
              {canAct && row.status === 'open' ? (
                <div className="detail-actions">
                  <Form method="post" preventScrollReset>
                    <input type="hidden" name="intent" value="replay" />
                    <input type="hidden" name="deadLetterId" value={row.id} />
                    <button type="submit" className="button button-small button-primary">
                      Replay<span className="visually-hidden"> job {row.jobId}</span>
                    </button>
                  </Form>
                  <Form method="post" preventScrollReset>
                    <input type="hidden" name="intent" value="discard" />
                    <input type="hidden" name="deadLetterId" value={row.id} />
                    <button type="submit" className="button button-small button-danger">
                      Discard<span className="visually-hidden"> job {row.jobId}</span>
                    </button>
                  </Form>
                </div>
              ) : null}
            </div>
          </details>
        </li>
      ))}
    </ul>
  )
}
