import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'

/**
 * Job attempts per minute over the last hour (completed / failed / rate limited), from a loader's pre-aggregated
 * series (STYLE.md habit 12: ≤ 60 points, no reducing here). Colours are the design tokens' values.
 */
export type ThroughputPoint = { at: string; ok: number; failed: number; limited: number }

const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })
const label = (iso: string) => TIME.format(new Date(iso))

export function ThroughputChart({ data }: { data: ThroughputPoint[] }) {
  const total = data.reduce((sum, point) => sum + point.ok + point.failed + point.limited, 0)
  if (total === 0) {
    return <p className="chart-empty muted">No job attempts in the last hour. Sync now, or wait for the next scheduled pull.</p>
  }
  return (
    <div className="chart" role="img" aria-label={`Job attempts per minute over the last hour: ${total} in total`}>
      <ResponsiveContainer width="100%" height={160}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }} barCategoryGap={1}>
          <CartesianGrid vertical={false} stroke="#dfe2e7" />
          <XAxis dataKey="at" tickFormatter={label} interval={9} tick={{ fontSize: 11, fill: '#5d6775' }} tickLine={false} axisLine={false} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: '#5d6775' }} tickLine={false} axisLine={false} width={40} />
          <Tooltip labelFormatter={(value) => `${label(String(value))} UTC`} cursor={{ fill: 'rgb(0 0 0 / 4%)' }} />
          <Bar dataKey="ok" name="Completed" stackId="a" fill="#1a7f4b" isAnimationActive={false} />
          <Bar dataKey="limited" name="Rate limited" stackId="a" fill="#9a5b00" isAnimationActive={false} />
          <Bar dataKey="failed" name="Failed / retrying" stackId="a" fill="#c0362c" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}
