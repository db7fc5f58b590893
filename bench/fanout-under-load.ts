/**
 * bench/fanout-under-load — how much the live tick's delivery p99 grows while the same web process renders the
 * orders page (SSR blocks the event loop the sockets share). Goal: ≤ 2×.
 *
 * The real web server (server/index.ts with the demo seed, as tests start it) and 1,000 signed-in Socket.IO clients
 * in a separate process (bench/fanout-fixtures/clients.ts) subscribed to `metrics.tick`. First the maximum rate of
 * `GET /orders` (signed in as the demo manager) is measured; then rounds alternate an idle phase and a loaded phase in
 * which autocannon requests /orders at half that rate. Reports p50/p99 of both and the p99 ratio loaded/idle.
 *
 *   npm run build && npx tsx bench/fanout-under-load.ts
 *
 * Options (env): CLIENTS (1000), ROUNDS (2), SECONDS (5).
 */
import autocannon from 'autocannon'
import { startApp } from '#test/helpers/app-process.ts'
import { DEMO_PASSWORD } from '../prisma/demo-users.ts'
import { child, quantile } from './fanout.ts'

const CLIENTS = Number(process.env.CLIENTS ?? 1000)
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const SECONDS = Number(process.env.SECONDS ?? 5)
const GOAL = 2

const app = await startApp({ label: 'benchfanoutload', seed: 'demo', env: { LOG_LEVEL: 'warn' } })
let clients: ReturnType<typeof child> | undefined
try {
  const login = await fetch(`${app.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ email: 'manager@opsdeck.test', password: DEMO_PASSWORD }),
    redirect: 'manual',
    headers: { origin: app.url },
  })
  const cookie = login.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ')
  if (login.status !== 302) throw new Error(`sign-in failed: ${login.status}`)

  clients = child('clients.ts', { FANOUT_URL: app.url, FANOUT_ORIGIN: app.url, FANOUT_COOKIE: cookie, CLIENTS: String(CLIENTS) })
  const connected = (await clients.next('ready')).connected as number
  if (connected !== CLIENTS) throw new Error(`only ${connected} of ${CLIENTS} clients connected`)
  await clients.ask({ type: 'subscribe' })

  const orders = (options: Partial<autocannon.Options>) => autocannon({ url: `${app.url}/orders`, headers: { cookie }, connections: 8, ...options })
  const max = await orders({ duration: 5 })
  if (max.non2xx > 0 || max.errors > 0) throw new Error(`/orders: ${max.non2xx} non-2xx, ${max.errors} errors`)
  const maxRate = max.requests.total / max.duration
  const half = Math.max(1, Math.round(maxRate / 2))
  console.log(`/orders max ≈ ${maxRate.toFixed(1)} req/s; loaded phases run it at ${half} req/s`)

  const phase = async (loaded: boolean) => {
    await clients!.ask({ type: 'collect' })
    const load = loaded ? orders({ duration: SECONDS + 1, overallRate: half }) : null
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000))
    const latencies = (await clients!.ask({ type: 'collect' })).latencies as number[]
    await load
    return latencies
  }
  const all = { idle: [] as number[], loaded: [] as number[] }
  await phase(false) // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const loaded of round % 2 === 1 ? [false, true] : [true, false]) {
      const latencies = await phase(loaded)
      all[loaded ? 'loaded' : 'idle'].push(...latencies)
      console.log(`round ${round} ${loaded ? 'loaded' : 'idle'}: p50=${quantile(latencies, 0.5).toFixed(2)} ms p99=${quantile(latencies, 0.99).toFixed(2)} ms (${latencies.length} deliveries)`)
    }
  }
  const idle99 = quantile(all.idle, 0.99)
  const loaded99 = quantile(all.loaded, 0.99)
  const ratio = loaded99 / idle99
  console.log(
    `fanout-under-load (${CLIENTS} clients, /orders at ${half} req/s): candidate p50=${quantile(all.loaded, 0.5).toFixed(2)} ms p99=${loaded99.toFixed(2)} ms (loaded) ` +
      `baseline p50=${quantile(all.idle, 0.5).toFixed(2)} ms p99=${idle99.toFixed(2)} ms (idle) ratio=${ratio.toFixed(2)} (goal ≤ ${GOAL}: ${ratio <= GOAL ? 'met' : 'NOT met'})`,
  )
} finally {
  clients?.process.kill('SIGTERM')
  await app.stop()
}
