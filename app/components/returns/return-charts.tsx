import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { REASON_LABELS, RETURN_REASON_CODES } from '#app/models/return-rules.ts'

/**
 * The returns insights charts, from the loader's pre-aggregated series (STYLE.md habit 12: one point per week, one
 * bar per product; no reducing here). Colours are fixed per reason so a reason keeps its colour between views.
 */

const REASON_COLOURS: Record<string, string> = {
  damaged: '#c0362c',
  defective: '#9a5b00',
  wrong_item: '#6b4fbb',
  not_as_described: '#1f6feb',
  size_fit: '#1a7f4b',
  no_longer_needed: '#5d6775',
  other: '#a3acb9',
}
const AXIS = { fontSize: 11, fill: '#5d6775' }
const WEEK = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })
const weekLabel = (iso: string) => WEEK.format(new Date(`${iso}T00:00:00Z`))

export type ReasonWeek = { week: string; ratePercent: number } & Record<string, number | string>

/** Units returned per week, stacked by reason, with the week's return rate (returned ÷ shipped units) as a line. */
export function ReturnReasonsChart({ data, reasons }: { data: ReasonWeek[]; reasons: string[] }) {
  const shown = RETURN_REASON_CODES.filter((code) => reasons.includes(code))
  if (shown.length === 0) return <p className="chart-empty muted">No returns in this period.</p>
  return (
    <div className="chart" role="img" aria-label="Returned units per week by reason, and the weekly return rate" data-testid="reasons-chart">
      <ResponsiveContainer width="100%" height={260}>
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -8 }}>
          <CartesianGrid vertical={false} stroke="#dfe2e7" />
          <XAxis dataKey="week" tickFormatter={weekLabel} tick={AXIS} tickLine={false} axisLine={false} />
          <YAxis yAxisId="units" allowDecimals={false} tick={AXIS} tickLine={false} axisLine={false} width={40} />
          <YAxis yAxisId="rate" orientation="right" unit="%" tick={AXIS} tickLine={false} axisLine={false} width={44} />
          <Tooltip labelFormatter={(value) => `Week of ${weekLabel(String(value))}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {shown.map((code) => (
            <Bar key={code} yAxisId="units" dataKey={code} name={REASON_LABELS[code]} stackId="r" fill={REASON_COLOURS[code]} isAnimationActive={false} />
          ))}
          <Line yAxisId="rate" dataKey="ratePercent" name="Return rate %" stroke="#1d2430" strokeWidth={2} dot={false} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  )
}

export type ProductRate = { product: string; shipped: number; returned: number; ratePercent: number }

/** Return rate by product (top products by returned units). */
export function ProductReturnRateChart({ data }: { data: ProductRate[] }) {
  if (data.length === 0) return <p className="chart-empty muted">No product has returns in this period.</p>
  return (
    <div className="chart" role="img" aria-label="Return rate by product" data-testid="products-chart">
      <ResponsiveContainer width="100%" height={Math.max(160, data.length * 32)}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid horizontal={false} stroke="#dfe2e7" />
          <XAxis type="number" unit="%" tick={AXIS} tickLine={false} axisLine={false} />
          <YAxis type="category" dataKey="product" width={180} tick={AXIS} tickLine={false} axisLine={false} />
          <Tooltip formatter={(value, _name, item) => [`${String(value)} % (${item.payload.returned} of ${item.payload.shipped} units)`, 'Return rate']} />
          <Bar dataKey="ratePercent" name="Return rate" fill="#1f6feb" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}

const TREND_COLOURS = ['#1f6feb', '#c0362c', '#1a7f4b', '#9a5b00', '#6b4fbb']

export type ProductTrend = { products: string[]; points: Array<Record<string, number | string | null>> }

/** Return rate per week for the products with most returns (gaps where nothing of a product shipped that week). */
export function ProductTrendChart({ data }: { data: ProductTrend }) {
  if (data.products.length === 0) return <p className="chart-empty muted">No product has returns in this period.</p>
  return (
    <div className="chart" role="img" aria-label="Weekly return rate of the products with most returns" data-testid="product-trend-chart">
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={data.points} margin={{ top: 8, right: 16, bottom: 0, left: -8 }}>
          <CartesianGrid vertical={false} stroke="#dfe2e7" />
          <XAxis dataKey="week" tickFormatter={weekLabel} tick={AXIS} tickLine={false} axisLine={false} />
          <YAxis unit="%" tick={AXIS} tickLine={false} axisLine={false} width={48} />
          <Tooltip labelFormatter={(value) => `Orders placed in the week of ${weekLabel(String(value))}`} formatter={(value) => `${String(value)} %`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {data.products.map((product, i) => (
            <Line key={product} dataKey={product} name={product} stroke={TREND_COLOURS[i % TREND_COLOURS.length]} strokeWidth={2} dot={{ r: 2 }} connectNulls isAnimationActive={false} />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  )
}
