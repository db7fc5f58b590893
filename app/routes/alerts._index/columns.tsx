import { Form, Link } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { AlertActions } from '#app/components/alerts/alert-actions.tsx'
import { AlertStateBadge, SeverityBadge } from '#app/components/alerts/alert-badges.tsx'
import { StatusBadge } from '#app/components/status-badge.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'
import { CONDITION_SYMBOLS, durationInWords, findAlertMetric, formatMetricValue, scopeText, type AlertConditionName } from '#app/models/alert-rules.ts'
import type { SilenceMatcher, SilenceState } from '#app/models/alert-silences.ts'

export type AlertRow = {
  id: string
  version: number
  status: string
  silenced: boolean
  silencedUntil: string | null
  /** The comment of the label-matcher silence muting it, if one does. */
  silenceComment: string | null
  message: string
  value: number
  fingerprint: string
  firedAt: string
  acknowledgedAt: string | null
  acknowledgedBy: string | null
  resolvedAt: string | null
  ruleId: string
  ruleName: string
  severity: string
}

const alertColumn = createColumnHelper<TableFeatureSet, AlertRow>()

/** Open alerts and history share the columns; `canAct` adds acknowledge/silence to open ones. */
export function alertColumns({ canAct, history }: { canAct: boolean; history: boolean }) {
  return alertColumn.columns([
    alertColumn.accessor('severity', { header: 'Severity', cell: (info) => <SeverityBadge severity={info.getValue()} /> }),
    alertColumn.accessor('status', {
      header: 'State',
      cell: (info) => <AlertStateBadge status={info.getValue()} silenced={info.row.original.silenced} />,
    }),
    alertColumn.accessor('ruleName', {
      header: 'Alert',
      cell: (info) => (
        <span className="alert-message">
          <strong>{info.getValue()}</strong>
          <br />
          <span className="muted">{info.row.original.message}</span>
        </span>
      ),
    }),
    alertColumn.accessor('firedAt', { header: 'Fired', cell: (info) => <DateTimeCell value={info.getValue()} /> }),
    alertColumn.accessor('acknowledgedAt', {
      header: 'Acknowledged',
      cell: (info) =>
        info.getValue() ? (
          <span>
            {info.row.original.acknowledgedBy ?? 'someone'}, <DateTimeCell value={info.getValue()} />
          </span>
        ) : (
          <span className="muted">—</span>
        ),
    }),
    history
      ? alertColumn.accessor('resolvedAt', { header: 'Resolved', cell: (info) => <DateTimeCell value={info.getValue()} /> })
      : alertColumn.accessor('silencedUntil', {
          header: 'Silenced until',
          cell: (info) => {
            const alert = info.row.original
            if (!alert.silenced) return <span className="muted">—</span>
            return (
              <span data-testid="silenced-until">
                <DateTimeCell value={info.getValue()} />
                {alert.silenceComment ? (
                  <>
                    <br />
                    <span className="muted">{alert.silenceComment}</span>
                  </>
                ) : null}
              </span>
            )
          },
        }),
    ...(canAct && !history
      ? [
          alertColumn.display({
            id: 'actions',
            header: 'Actions',
            cell: (info) => (
              <>
                <AlertActions alert={info.row.original} />
                <Link to={`/alerts/silences/new?alert=${info.row.original.id}`} className="alert-silence-link" data-testid={`silence-like-${info.row.original.id}`}>
                  Silence by labels…
                </Link>
              </>
            ),
          }),
        ]
      : []),
  ])
}

export type RuleRow = {
  id: string
  name: string
  metric: string
  condition: AlertConditionName
  threshold: number
  durationSeconds: number
  severity: string
  enabled: boolean
  scope: Record<string, string>
  version: number
  openAlerts: number
}

const ruleColumn = createColumnHelper<TableFeatureSet, RuleRow>()

export function ruleColumns({ canEdit }: { canEdit: boolean }) {
  return ruleColumn.columns([
    ruleColumn.accessor('name', {
      header: 'Rule',
      cell: (info) =>
        canEdit ? (
          <Link to={`/alerts/rules/${info.row.original.id}`} className="cell-strong">
            {info.getValue()}
          </Link>
        ) : (
          <span className="cell-strong">{info.getValue()}</span>
        ),
    }),
    ruleColumn.display({
      id: 'condition',
      header: 'Condition',
      cell: (info) => {
        const rule = info.row.original
        const metric = findAlertMetric(rule.metric)
        return (
          <span className="rule-condition" title={metric?.description}>
            {rule.metric}
            {Object.keys(rule.scope).length ? `{${scopeText(rule.scope)}}` : ''} {CONDITION_SYMBOLS[rule.condition]} {formatMetricValue(rule.threshold, metric?.unit)}
          </span>
        )
      },
    }),
    ruleColumn.accessor('durationSeconds', { header: 'For', cell: (info) => durationInWords(info.getValue()) }),
    ruleColumn.accessor('severity', { header: 'Severity', cell: (info) => <SeverityBadge severity={info.getValue()} /> }),
    ruleColumn.accessor('openAlerts', {
      header: 'Open alerts',
      cell: (info) => <span className={info.getValue() > 0 ? 'num num-danger' : 'num'}>{info.getValue()}</span>,
    }),
    ruleColumn.accessor('enabled', {
      header: 'State',
      cell: (info) => {
        const rule = info.row.original
        const state = <StatusBadge tone={rule.enabled ? 'success' : 'neutral'}>{rule.enabled ? 'Enabled' : 'Disabled'}</StatusBadge>
        if (!canEdit) return state
        return (
          <Form method="post" className="inline-form">
            {state}
            <input type="hidden" name="intent" value={rule.enabled ? 'disable' : 'enable'} />
            <input type="hidden" name="ruleId" value={rule.id} />
            <input type="hidden" name="version" value={rule.version} />
            <button type="submit" className="button button-small button-secondary" data-testid={`toggle-${rule.id}`}>
              {rule.enabled ? 'Disable' : 'Enable'}
            </button>
          </Form>
        )
      },
    }),
  ])
}

export type SilenceRow = {
  id: string
  version: number
  state: SilenceState
  matchers: SilenceMatcher[]
  startsAt: string
  endsAt: string
  comment: string
  createdBy: string | null
  expiredBy: string | null
  mutedAlerts: number
}

const SILENCE_STATES: Record<SilenceState, { label: string; tone: 'success' | 'info' | 'neutral' }> = {
  active: { label: 'Active', tone: 'success' },
  pending: { label: 'Pending', tone: 'info' },
  expired: { label: 'Expired', tone: 'neutral' },
}

const silenceColumn = createColumnHelper<TableFeatureSet, SilenceRow>()

/** Silences by label matchers; `canAct` adds Unsilence (ends it now) to active and pending ones. */
export function silenceColumns({ canAct }: { canAct: boolean }) {
  return silenceColumn.columns([
    silenceColumn.accessor('state', {
      header: 'State',
      cell: (info) => (
        <span data-silence-state={info.getValue()}>
          <StatusBadge tone={SILENCE_STATES[info.getValue()].tone}>{SILENCE_STATES[info.getValue()].label}</StatusBadge>
        </span>
      ),
    }),
    silenceColumn.accessor('matchers', {
      header: 'Matchers',
      cell: (info) => (
        <ul className="silence-matchers">
          {info.getValue().map((matcher, index) => (
            <li key={index}>
              <code>
                {matcher.label}
                {matcher.op}
                {matcher.op === '=' || matcher.op === '!=' ? JSON.stringify(matcher.value) : matcher.value}
              </code>
            </li>
          ))}
        </ul>
      ),
    }),
    silenceColumn.accessor('comment', {
      header: 'Comment',
      cell: (info) => {
        const silence = info.row.original
        return (
          <span>
            {info.getValue()}
            <br />
            <span className="muted">
              by {silence.createdBy ?? 'someone'}
              {silence.expiredBy ? ` · ended early by ${silence.expiredBy}` : ''}
            </span>
          </span>
        )
      },
    }),
    silenceColumn.accessor('startsAt', { header: 'Starts', cell: (info) => <DateTimeCell value={info.getValue()} /> }),
    silenceColumn.accessor('endsAt', { header: 'Ends', cell: (info) => <DateTimeCell value={info.getValue()} /> }),
    silenceColumn.accessor('mutedAlerts', {
      header: 'Silencing now',
      cell: (info) => <span className="num">{info.row.original.state === 'active' ? info.getValue() : '—'}</span>,
    }),
    ...(canAct
      ? [
          silenceColumn.display({
            id: 'actions',
            header: 'Actions',
            cell: (info) => {
              const silence = info.row.original
              if (silence.state === 'expired') return null
              return (
                <Form method="post" className="inline-form">
                  <input type="hidden" name="intent" value="unsilence" />
                  <input type="hidden" name="silenceId" value={silence.id} />
                  <input type="hidden" name="version" value={silence.version} />
                  <button type="submit" className="button button-small button-secondary" data-testid={`unsilence-${silence.id}`}>
                    Unsilence
                  </button>
                </Form>
              )
            },
          }),
        ]
      : []),
  ])
}
