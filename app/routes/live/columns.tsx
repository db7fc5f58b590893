import { createColumnHelper } from '@tanstack/react-table'
import { ErrorRate, HealthBadge } from '#app/components/integrations/health.tsx'
import { fmt, percent } from '#app/components/live/format.ts'
import { StatusBadge } from '#app/components/status-badge.tsx'
import type { TableFeatureSet } from '#app/components/table/data-table.tsx'
import type { IntegrationStat, QueueStat, RouteStat } from '#app/metrics/tick.ts'

/** The /live tables' columns (the latest tick's trailing-minute routes, queues and integrations). */

const num = (text: string, className = '') => <span className={`num ${className}`}>{text}</span>

const route = createColumnHelper<TableFeatureSet, RouteStat>()
export const routeColumns = route.columns([
  route.accessor('route', { header: 'Route', cell: (info) => <code>{info.getValue()}</code> }),
  route.accessor('rate', { header: 'Requests / s', cell: (info) => num(fmt(info.getValue())) }),
  route.accessor('errorRatio', { header: '5xx', cell: (info) => num(percent(info.getValue()), (info.getValue() ?? 0) > 0.02 ? 'num-danger' : '') }),
  route.accessor('p50Ms', { header: 'p50', cell: (info) => num(fmt(info.getValue(), ' ms')) }),
  route.accessor('p95Ms', { header: 'p95', cell: (info) => num(fmt(info.getValue(), ' ms')) }),
  route.accessor('p99Ms', { header: 'p99', cell: (info) => num(fmt(info.getValue(), ' ms')) }),
])

const queue = createColumnHelper<TableFeatureSet, QueueStat>()
export const queueColumns = queue.columns([
  queue.accessor('queue', { header: 'Queue', cell: (info) => <code>{info.getValue()}</code> }),
  queue.accessor('depth', { header: 'Waiting', cell: (info) => num(fmt(info.getValue())) }),
  queue.accessor('lagSeconds', { header: 'Lag', cell: (info) => num(fmt(info.getValue(), ' s'), (info.getValue() ?? 0) >= 60 ? 'num-warning' : '') }),
  queue.accessor('completedPerSecond', { header: 'Done / s', cell: (info) => num(fmt(info.getValue())) }),
  queue.accessor('failedPerSecond', { header: 'Failed / s', cell: (info) => num(fmt(info.getValue()), info.getValue() > 0 ? 'num-danger' : '') }),
  queue.accessor('p95Ms', { header: 'p95 (60 s)', cell: (info) => num(fmt(info.getValue(), ' ms')) }),
])

const integration = createColumnHelper<TableFeatureSet, IntegrationStat>()
export const integrationColumns = integration.columns([
  integration.accessor('integration', { header: 'Integration' }),
  integration.accessor('status', {
    header: 'Status',
    cell: (info) => (info.getValue() === 'unknown' ? <StatusBadge>unknown</StatusBadge> : <HealthBadge status={info.getValue() as Exclude<IntegrationStat['status'], 'unknown'>} />),
  }),
  integration.accessor('errorRate', { header: 'Errors (5 min)', cell: (info) => <ErrorRate rate={info.getValue()} /> }),
])
