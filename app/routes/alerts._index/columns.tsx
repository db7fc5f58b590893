import { Form, Link } from '@remix-run/react'
import { createColumnHelper } from '@tanstack/react-table'
import { AlertActions } from '#app/components/alerts/alert-actions.tsx'
import { AlertStateBadge, SeverityBadge } from '#app/components/alerts/alert-badges.tsx'
import { StatusBadge } from '#app/components/status-badge.tsx'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'
import { CONDITION_SYMBOLS, durationInWords, findAlertMetric, formatMetricValue, scopeText, type AlertConditionName } from '#app/models/alert-rules.ts'


export type AlertRow = {
  id: string
  version: number
  status: string
  silenced: boolean
  silencedUntil: string | null
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
    alertColumn.accessor(history ? 'resolvedAt' : 'silencedUntil', {
      id: history ? 'resolvedAt' : 'silencedUntil',
      header: history ? 'Resolved' : 'Silenced until',
      cell: (info) => <DateTimeCell value={info.getValue()} />,
    }),
    ...(canAct && !history
      ? [alertColumn.display({ id: 'actions', header: 'Actions', cell: (info) => <AlertActions alert={info.row.original} /> })]
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
