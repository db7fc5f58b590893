/**
 * bench/instrumentation — what recording metrics costs a request (issue 7 goal: ≤ 5 %).
 *
 * Two real web servers (server/index.ts as child processes, each with the demo seed in a database of its own), the
 * same build and configuration except METRICS_RECORDING: the candidate records every request (route id, latency
 * histogram, in flight), every pg query and the process gauges, and publishes a window each second; the baseline
 * records nothing. Both still run the aggregator and Socket.IO. autocannon drives `GET /healthz` and `GET /orders`
 * (signed in as the demo manager: session check, loader with its queries, SSR) in interleaved rounds, alternating which
 * side goes first. The cost is 1 − candidate/baseline, from the median of the per-round paired ratios of requests/s
 * and, steadier on a shared machine, of requests per CPU-second of the server process.
 *
 *   npm run build && npx tsx bench/instrumentation.ts         (or: npm run bench -- instrumentation)
 *
 * Options (env): ROUNDS (3), SECONDS (3), CONNECTIONS (20 for /healthz, 8 for /orders).
 */
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { startApp, type AppProcess } from '#test/helpers/app-process.ts'
import { DEMO_PASSWORD } from '../prisma/demo-users.ts'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const SECONDS = Number(process.env.SECONDS ?? 3)
const GOAL = 0.05

function cpuSeconds(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function signIn(app: AppProcess) {
  const body = new URLSearchParams({ email: 'manager@opsdeck.test', password: DEMO_PASSWORD })
  const response = await fetch(`${app.url}/login`, { method: 'POST', body, redirect: 'manual', headers: { origin: app.url } })
  const cookie = response.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ')
  if (response.status !== 302 || !cookie) throw new Error(`sign-in failed: ${response.status}`)
  return cookie
}

async function drive(url: string, cookie: string, connections: number, seconds: number, pid: number) {
  const before = cpuSeconds(pid)
  const result = await autocannon({ url, connections, duration: seconds, headers: { cookie } })
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`${url}: ${result.errors} errors, ${result.non2xx} non-2xx`)
  const cpu = cpuSeconds(pid) - before
  return { rate: result.requests.total / result.duration, perCpu: cpu > 0 ? result.requests.total / cpu : 0 }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const [candidate, baseline] = await Promise.all([
  startApp({ label: 'benchinstron', seed: 'demo', env: { LOG_LEVEL: 'warn', METRICS_RECORDING: 'true' } }),
  startApp({ label: 'benchinstroff', seed: 'demo', env: { LOG_LEVEL: 'warn', METRICS_RECORDING: 'false' } }),
])
try {
  const cookies = { candidate: await signIn(candidate), baseline: await signIn(baseline) }
  const sides = { candidate, baseline } as const
  const lines: string[] = []
  for (const [path, connections] of [
    ['/healthz', Number(process.env.CONNECTIONS ?? 20)],
    ['/orders', Number(process.env.CONNECTIONS ?? 8)],
  ] as const) {
    // Warm-up (JIT, pools, caches), not measured.
    for (const side of ['candidate', 'baseline'] as const) await drive(`${sides[side].url}${path}`, cookies[side], connections, 1, sides[side].web.pid!)
    const ratios: number[] = []
    const cpuRatios: number[] = []
    const rates = { candidate: [] as number[], baseline: [] as number[] }
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? (['candidate', 'baseline'] as const) : (['baseline', 'candidate'] as const)
      const measured: Record<string, { rate: number; perCpu: number }> = {}
      for (const side of order) measured[side] = await drive(`${sides[side].url}${path}`, cookies[side], connections, SECONDS, sides[side].web.pid!)
      rates.candidate.push(measured.candidate!.rate)
      rates.baseline.push(measured.baseline!.rate)
      ratios.push(measured.candidate!.rate / measured.baseline!.rate)
      cpuRatios.push(measured.candidate!.perCpu / measured.baseline!.perCpu)
      console.log(
        `${path} round ${round}: recording on ${Math.round(measured.candidate!.rate)} req/s, off ${Math.round(measured.baseline!.rate)} req/s` +
          ` (per CPU-second: ${Math.round(measured.candidate!.perCpu)} vs ${Math.round(measured.baseline!.perCpu)})`,
      )
    }
    const ratio = median(ratios)
    const cpuRatio = median(cpuRatios)
    const cost = 1 - cpuRatio
    lines.push(
      `instrumentation ${path}: candidate=${Math.round(median(rates.candidate))} req/s (recording on) baseline=${Math.round(median(rates.baseline))} req/s (off) ` +
        `ratio=${ratio.toFixed(3)} cpu-ratio=${cpuRatio.toFixed(3)} cost=${(cost * 100).toFixed(1)} % (goal ≤ ${GOAL * 100} %: ${cost <= GOAL ? 'met' : 'NOT met'})`,
    )
  }
  for (const line of lines) console.log(line)
} finally {
  await Promise.all([candidate.stop(), baseline.stop()])
}
