import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { useMemo } from 'react'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { formatAbsolute } from '#app/components/integrations/health.tsx'
import { useIntegrationsHealth } from '#app/components/integrations/use-integrations-health.ts'
import { DataTable } from '#app/components/table/data-table.tsx'
import { getIntegrationsHealth } from '#app/models/integration-health.server.ts'
import { sandboxControlAvailable } from '#app/models/sandbox-control.server.ts'
import type { IntegrationHealth } from '#app/realtime/events.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { healthColumns } from './columns.tsx'

/**
 * Integration health at a glance: one row per external system, computed from data (integration-health.server.ts)
 * and kept live by `integrations.health` over Socket.IO. The loader's snapshot renders first (and without
 * JavaScript); the socket takes over once subscribed.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:integration')
  const health = await getIntegrationsHealth()
  return json({ health, sandboxPanel: hasPermission(user.role, 'manage:sandbox') && sandboxControlAvailable() })
}

const ORDER: IntegrationHealth['status'][] = ['down', 'degraded', 'paused', 'healthy']

export default function IntegrationsPage() {
  const { health: initial, sandboxPanel } = useLoaderData<typeof loader>()
  const { health, live } = useIntegrationsHealth(initial)
  const columns = useMemo(() => healthColumns(health.at), [health.at])
  const counts = ORDER.map((status) => [status, health.integrations.filter((row) => row.status === status).length] as const).filter(([, n]) => n > 0)

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Integrations</h1>
          <p className="muted">
            Sync health of each external system, from the last 5 minutes of jobs, the queues and the webhook inbox.{' '}
            <span data-testid="health-freshness" data-live={live ? 'true' : 'false'} title={formatAbsolute(health.at)}>
              {live ? 'Live, updates every few seconds.' : 'Snapshot; live updates start when connected.'}
            </span>
          </p>
        </div>
        {sandboxPanel ? (
          <Link to="/admin/sandbox" className="button button-secondary">
            Sandbox faults
          </Link>
        ) : null}
      </header>
      {counts.length > 0 ? (
        <ul className="health-summary" aria-label="Integrations by status">
          {counts.map(([status, n]) => (
            <li key={status} className={`health-summary__item health-summary__item--${status}`}>
              <span className="health-summary__count">{n}</span> {status}
            </li>
          ))}
        </ul>
      ) : null}
      <section aria-labelledby="integrations-table-title" className="panel panel-flush">
        <h2 id="integrations-table-title" className="visually-hidden">
          Integrations
        </h2>
        <DataTable
          columns={columns}
          data={health.integrations}
          getRowId={(row) => row.key}
          caption="Integrations and their sync health"
          emptyMessage="No integrations are configured. Run the demo seed (npm run seed) or add the Integration rows for your systems."
          testId="integrations-table"
        />
      </section>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Integrations · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
