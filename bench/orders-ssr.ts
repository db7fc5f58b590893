/**
 * bench/orders-ssr — what the full server adds to rendering the orders list, at 1,000,000 orders.
 *
 * - candidate: `GET /orders` (first page, 50 rows, newest first) from the real web server (server/index.ts as a child
 *   process with the production Remix build, exactly as tests start it) against the bulk database: HTTP, security
 *   headers, compression, session check, the loader (permission, parse, keyset page + capped count / estimate),
 *   Remix's document (head, route data for hydration, scripts) and React's render. Client wall time per request.
 * - baseline: the same component tree — the route module's component *from the same server build* (build/index.js),
 *   inside the shell the root renders (SocketProvider › AppShell with the live indicator) — rendered by bare
 *   `renderToString` in this process from a react-router static data router holding the same loader data (fetched
 *   once from the server with `?_data=`). No HTTP, no database, no Remix document.
 * Requests alternate (candidate, baseline, baseline, candidate, …), one at a time. Goal: ratio ≤ 1.5 (wall time).
 * Also printed: CPU time per request of each side (the web process's, all threads, from /proc; this process's for the
 * fetch and for the bare render), which a loaded machine distorts far less than the wall clock.
 *
 * The bulk database has no users: the bench adds one operations user (bench-ssr@opsdeck.test) and a session for it
 * (the only rows it writes there). Needs `npm run build`. Tunables (env): REQUESTS (300 per side).
 *
 *   npm run build && npx tsx bench/orders-ssr.ts        (or: npm run bench -- orders-ssr)
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ComponentType } from 'react'
import { startApp } from '#test/helpers/app-process.ts'
import { bulkOrdersDatabase, median, quantile, useBulkDatabase } from './orders-query.ts'

const REQUESTS = Number(process.env.REQUESTS ?? 300)
const SESSION_SECRET = 'bench-session-secret-0123456789abcdef-ssr'
/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on Linux). */
const CLOCK_TICKS = 100
const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)))

const db = await bulkOrdersDatabase()
useBulkDatabase(db.url)
process.env.SESSION_SECRET = SESSION_SECRET
// NOTE: React picks its development or production build from NODE_ENV when first loaded; useBulkDatabase sets
// `production` (as the server runs), so React is imported only now, never by a static import above.
if (process.env.NODE_ENV !== 'production') throw new Error('NODE_ENV must be production before React loads')
const { createElement } = await import('react')
const { renderToString } = await import('react-dom/server')
const { Outlet } = await import('react-router-dom')
const { createStaticHandler, createStaticRouter, StaticRouterProvider } = await import('react-router-dom/server.js')

const { prisma } = await import('#app/utils/db.server.ts')
const { hashPassword } = await import('#app/utils/password.server.ts')
const { createSession, commitSessionCookie } = await import('#app/utils/session.server.ts')
const { AppShell } = await import('#app/components/app-shell.tsx')
const { LiveIndicator } = await import('#app/components/live-indicator.tsx')
const { SocketProvider } = await import('#app/realtime/socket-provider.tsx')

const user = await prisma.user.upsert({
  where: { email: 'bench-ssr@opsdeck.test' },
  update: { disabledAt: null, role: 'operations' },
  create: { email: 'bench-ssr@opsdeck.test', name: 'Bench Operations', role: 'operations', passwordHash: await hashPassword(`bench-${Date.now()}-${Math.random()}`) },
  select: { id: true },
})
const session = await createSession(user.id)
const cookie = (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!

const app = await startApp({ label: 'benchordersssr', env: { DATABASE_URL: db.url, SESSION_SECRET, DATABASE_POOL_SIZE: '10' } })
/** The web process's CPU time so far (all its threads: main, GC helpers, libuv pool), from /proc (Linux). */
const serverCpuMs = () => {
  const fields = readFileSync(`/proc/${app.web.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS
}
try {
  const get = async (pathname: string) => {
    const response = await fetch(`${app.url}${pathname}`, { headers: { cookie }, redirect: 'manual' })
    const text = await response.text()
    if (response.status !== 200) throw new Error(`GET ${pathname}: ${response.status} ${text.slice(0, 300)}`)
    return text
  }
  const html = await get('/orders')
  const rowsInHtml = (html.match(/data-row-id=/g) ?? []).length
  if (rowsInHtml !== 50) throw new Error(`expected 50 rows in the page, found ${rowsInHtml}`)
  const rootData = JSON.parse(await get('/orders?_data=root'))
  const ordersData = JSON.parse(await get('/orders?_data=routes%2Forders._index'))

  // The route component from the build the server runs (not the source), so both sides render the same code.
  const build = (await import(pathToFileURL(path.join(ROOT, 'build/index.js')).href)) as {
    routes: Record<string, { module: { default: ComponentType } }>
  }
  const OrdersPage = build.routes['routes/orders._index']!.module.default
  const Shell = () =>
    createElement(SocketProvider, null, createElement(AppShell, { user: rootData.user, nav: rootData.nav, status: createElement(LiveIndicator), children: createElement(Outlet) }))
  const routes = [
    {
      id: 'root',
      path: '/',
      loader: () => rootData,
      element: createElement(Shell),
      children: [{ id: 'routes/orders._index', path: 'orders', loader: () => ordersData, element: createElement(OrdersPage) }],
    },
  ]
  const handler = createStaticHandler(routes)
  const bare = async () => {
    const context = await handler.query(new Request('http://localhost/orders'))
    if (context instanceof Response) throw new Error('static handler answered with a Response')
    const router = createStaticRouter(handler.dataRoutes, context)
    return renderToString(createElement(StaticRouterProvider, { router, context }))
  }
  const bareHtml = await bare()
  if ((bareHtml.match(/data-row-id=/g) ?? []).length !== 50) throw new Error('the bare render does not show the 50 rows')

  const full: number[] = []
  const baseline: number[] = []
  // CPU time as well as wall time: on a shared, loaded machine the wall clock mostly measures waiting for a core
  // (more so for the side that hops between processes), while CPU time per request stays close to the work done.
  const cpu = { client: 0, bare: 0 }
  const cpuNow = () => {
    const usage = process.cpuUsage()
    return (usage.user + usage.system) / 1000
  }
  const timeFull = async () => {
    const c0 = cpuNow()
    const t0 = performance.now()
    await get('/orders')
    full.push(performance.now() - t0)
    cpu.client += cpuNow() - c0
  }
  const timeBare = async () => {
    const c0 = cpuNow()
    const t0 = performance.now()
    await bare()
    baseline.push(performance.now() - t0)
    cpu.bare += cpuNow() - c0
  }
  for (let i = 0; i < 30; i += 1) await timeFull().then(timeBare) // warm-up (JIT, pools, plans)
  full.length = 0
  baseline.length = 0
  cpu.client = 0
  cpu.bare = 0
  const server0 = serverCpuMs()
  for (let i = 0; i < REQUESTS; i += 1) {
    if (i % 2 === 0) await timeFull().then(timeBare)
    else await timeBare().then(timeFull)
  }
  const serverCpu = (serverCpuMs() - server0) / REQUESTS
  // Breakdown: the loader alone over HTTP (Remix's `?_data=` request: session, permission, page + count queries, JSON).
  const loaderOnly: number[] = []
  for (let i = 0; i < 100; i += 1) {
    const t0 = performance.now()
    await get('/orders?_data=routes%2Forders._index')
    loaderOnly.push(performance.now() - t0)
  }
  // …and the whole server path with almost nothing to render (one row, one column): the fixed cost per request.
  const tiny: number[] = []
  for (let i = 0; i < 100; i += 1) {
    const t0 = performance.now()
    await get('/orders?limit=1&cols=number')
    tiny.push(performance.now() - t0)
  }
  const ratio = median(full) / median(baseline)
  const clientCpu = cpu.client / REQUESTS
  const bareCpu = cpu.bare / REQUESTS
  const cpuRatio = (serverCpu + clientCpu) / bareCpu
  console.log(
    `orders-ssr: candidate=${median(full).toFixed(2)} ms (GET /orders, full server) baseline=${median(baseline).toFixed(2)} ms (bare renderToString, same tree and data) ` +
      `ratio=${ratio.toFixed(2)} (medians of ${REQUESTS} interleaved; p90 ${quantile(full, 0.9).toFixed(2)} vs ${quantile(baseline, 0.9).toFixed(2)} ms; ` +
      `loader alone over HTTP ${median(loaderOnly).toFixed(2)} ms; a 1-row page ${median(tiny).toFixed(2)} ms; page ${(html.length / 1024).toFixed(0)} KiB vs ${(bareHtml.length / 1024).toFixed(0)} KiB of markup; ` +
      `CPU per request: server ${serverCpu.toFixed(2)} + client ${clientCpu.toFixed(2)} ms vs bare ${bareCpu.toFixed(2)} ms = ${cpuRatio.toFixed(2)}×; load average ${loadavg()[0]!.toFixed(1)}; goal ≤ 1.5: ${ratio <= 1.5 ? 'met' : 'NOT met'})`,
  )
} finally {
  await app.stop()
  await prisma.session.deleteMany({ where: { userId: user.id } })
  await prisma.$disconnect()
}
process.exit(0)
