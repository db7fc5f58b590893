import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { getHomeFigures } from '#app/models/dashboard.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { formatMoney } from '#app/utils/money.ts'
import { hasPermission, type Permission } from '#app/utils/permissions.ts'

/**
 * Home: today's figures, each shown only to roles that may read its area (docs/decisions/0001-styling.md covers the
 * look; the rule is here). Revenue is a financial metric: `read:metric` (managers, admins). Support sees orders and
 * tickets; operations sees orders, fulfilment, returns and stock. The loader drops what the role may not read, so
 * hidden figures never reach the browser.
 */

/** `value` has one entry per line: revenue shows one amount per currency. */
type Figure = { id: string; label: string; value: string[]; hint?: string; tone?: 'warning' }

const FIGURE_PERMISSIONS = {
  ordersToday: 'read:order',
  revenueToday: 'read:metric',
  awaitingFulfilment: 'read:order',
  openTickets: 'read:ticket',
  returnsWaiting: 'read:return',
  lowStock: 'read:inventory',
} as const satisfies Record<string, Permission>

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:dashboard')
  const now = new Date()
  const figures = await getHomeFigures(now)
  const may = (id: keyof typeof FIGURE_PERMISSIONS) => hasPermission(user.role, FIGURE_PERMISSIONS[id])
  const count = new Intl.NumberFormat('en-GB')

  const shown: Figure[] = []
  if (may('ordersToday')) shown.push({ id: 'ordersToday', label: "Today's orders", value: [count.format(figures.ordersToday)] })
  if (may('revenueToday')) {
    shown.push({
      id: 'revenueToday',
      label: 'Revenue today',
      // No orders yet: no currency to show a zero in (the store has no single currency), so say so.
      value: figures.revenueToday.length
        ? figures.revenueToday.map((revenue) => formatMoney(revenue.amount, revenue.currency))
        : ['—'],
      hint: figures.revenueToday.length ? "Today's orders (not cancelled), per currency" : 'No orders yet today',
    })
  }
  if (may('awaitingFulfilment')) {
    shown.push({ id: 'awaitingFulfilment', label: 'Awaiting fulfilment', value: [count.format(figures.ordersAwaitingFulfilment)] })
  }
  if (may('openTickets')) shown.push({ id: 'openTickets', label: 'Open tickets', value: [count.format(figures.openTickets)] })
  if (may('returnsWaiting')) shown.push({ id: 'returnsWaiting', label: 'Returns waiting', value: [count.format(figures.returnsWaiting)] })
  if (may('lowStock')) {
    shown.push({
      id: 'lowStock',
      label: 'Low stock SKUs',
      value: [count.format(figures.lowStockVariants)],
      tone: figures.lowStockVariants > 0 ? 'warning' : undefined,
    })
  }
  return json({ name: user.name, figures: shown, asOf: now.toISOString() })
}

/** Minor units → a localized amount, with the currency's own number of decimals (JPY 0, USD 2, KWD 3). */
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })

export default function HomePage() {
  const { name, figures, asOf } = useLoaderData<typeof loader>()
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Welcome, {name}</h1>
          <p className="muted">
            Today so far (UTC day), as of <time dateTime={asOf}>{TIME.format(new Date(asOf))} UTC</time>
          </p>
        </div>
      </header>
      <ul className="figures" aria-label="Today's figures">
        {figures.map((figure) => (
          <li key={figure.id} className={`figure${figure.tone ? ` figure-${figure.tone}` : ''}`} data-figure={figure.id}>
            <span className="figure-label">{figure.label}</span>
            <span className={`figure-value${figure.value.length > 1 ? ' figure-value-multi' : ''}`}>
              {figure.value.map((line) => (
                <span key={line}>{line}</span>
              ))}
            </span>
            {figure.hint ? <span className="figure-hint">{figure.hint}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Home · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
