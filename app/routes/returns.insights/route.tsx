import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { ProductReturnRateChart, ProductTrendChart, ReturnReasonsChart, type ReasonWeek } from '#app/components/returns/return-charts.tsx'
import { getReturnInsights } from '#app/models/return-list.server.ts'
import { INSIGHT_WEEKS } from '#app/models/return-rules.ts'
import { requirePermission } from '#app/utils/auth.server.ts'

/**
 * `/returns/insights`: why customers return things and which products come back most — returned units per week by
 * reason (with the weekly return rate), the return rate by product, and its weekly trend for the top five products, over
 * the last 12 weeks. Aggregated in SQL.
 */

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'read:return')
  const insights = await getReturnInsights()
  return json({ ...insights, since: insights.since.toISOString(), reasonsByWeek: insights.reasonsByWeek as ReasonWeek[] })
}

export default function ReturnInsights() {
  const { reasonsByWeek, reasons, products, productTrend, since } = useLoaderData<typeof loader>()
  const units = reasonsByWeek.reduce((sum, week) => sum + reasons.reduce((s, r) => s + (Number(week[r]) || 0), 0), 0)
  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/returns">Returns</Link> <span aria-hidden="true">/</span> <span>Insights</span>
      </nav>
      <header className="page-header">
        <div>
          <h1>Return insights</h1>
          <p className="muted">
            The last {INSIGHT_WEEKS} weeks (since {since.slice(0, 10)}): {units} unit{units === 1 ? '' : 's'} asked back, cancelled and rejected returns left out.
          </p>
        </div>
      </header>
      <section className="panel" aria-labelledby="reasons-title">
        <h2 id="reasons-title">Return reasons per week</h2>
        <p className="muted">Bars: units on returns requested that week, by reason. Line: units returned ÷ units shipped for orders placed that week.</p>
        <ReturnReasonsChart data={reasonsByWeek} reasons={reasons} />
      </section>
      <section className="panel" aria-labelledby="products-title">
        <h2 id="products-title">Return rate by product</h2>
        <p className="muted">Units asked back ÷ units shipped, for orders placed in the period; the ten products with the most returned units.</p>
        <ProductReturnRateChart data={products} />
      </section>
      <section className="panel" aria-labelledby="trend-title">
        <h2 id="trend-title">Return rate by product over time</h2>
        <p className="muted">The five products with the most returned units: units asked back ÷ units shipped, by the week the order was placed.</p>
        <ProductTrendChart data={productTrend} />
      </section>
    </div>
  )
}

export const meta: MetaFunction = () => [{ title: 'Insights · Returns · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
