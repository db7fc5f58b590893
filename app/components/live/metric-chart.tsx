import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { ChartPoint } from '#app/metrics/series.ts'

/**
 * One time-series panel of /live: a few lines over pre-built points (live ticks or downsampled history; STYLE.md
 * habit 12: no reducing here). No animation: the live view redraws every second.
 */

export type ChartSeries = { key: keyof ChartPoint | ((point: ChartPoint) => number | null); name: string; color: string }

const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'UTC' })
const HOURS = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })
const DAYS = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })

export function timeLabel(t: number, spanMs: number) {
  return (spanMs <= 10 * 60_000 ? CLOCK : spanMs <= 24 * 3_600_000 ? HOURS : DAYS).format(new Date(t))
}

export function MetricChart({ title, points, series, unit, testId }: { title: string; points: ChartPoint[]; series: ChartSeries[]; unit: string; testId?: string }) {
  const span = points.length > 1 ? points[points.length - 1]!.t - points[0]!.t : 0
  const data = points.map((point) => {
    const row: Record<string, number | null> = { t: point.t }
    series.forEach((line, index) => {
      row[`s${index}`] = typeof line.key === 'function' ? line.key(point) : (point[line.key] as number | null)
    })
    return row
  })
  const hasData = data.some((row) => series.some((_, index) => row[`s${index}`] !== null && row[`s${index}`] !== undefined))
  return (
    <section className="panel live-chart" aria-label={title} data-testid={testId}>
      <h2 className="panel-title">
        {title} <span className="muted live-chart__unit">({unit})</span>
      </h2>
      {hasData ? (
        <div className="chart" role="img" aria-label={`${title}, ${points.length} points`}>
          <ResponsiveContainer width="100%" height={180}>
            <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -8 }}>
              <CartesianGrid vertical={false} stroke="#dfe2e7" />
              <XAxis
                dataKey="t"
                type="number"
                scale="time"
                domain={['dataMin', 'dataMax']}
                tickFormatter={(t: number) => timeLabel(t, span)}
                tick={{ fontSize: 11, fill: '#5d6775' }}
                tickLine={false}
                axisLine={false}
                minTickGap={40}
              />
              <YAxis tick={{ fontSize: 11, fill: '#5d6775' }} tickLine={false} axisLine={false} width={48} allowDecimals />
              <Tooltip labelFormatter={(t) => `${timeLabel(Number(t), span)} UTC`} formatter={(value) => (typeof value === 'number' ? `${Math.round(value * 100) / 100} ${unit}` : '–')} />
              <Legend iconType="plainline" />
              {series.map((line, index) => (
                <Line key={line.name} type="monotone" dataKey={`s${index}`} name={line.name} stroke={line.color} dot={false} strokeWidth={1.6} isAnimationActive={false} connectNulls={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <p className="chart-empty muted">No data in this period yet.</p>
      )}
    </section>
  )
}
