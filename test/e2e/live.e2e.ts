import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import type { FlashSaleState } from '#sandbox/flash-sale.ts'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, SCREENSHOT_DIR, signIn, watchConsole } from '#test/helpers/browser.ts'
import { createUser } from '#test/factories/users.ts'

/**
 * /live in a real browser against the real web, worker and sandbox processes: a manager sees live ticks, the tab
 * pauses when hidden and catches up on return, and a simulated flash sale shows on the orders/min tile with exactly
 * the number of orders the sandbox sent — and the minute rollups (history, alert rules) hold the same per-minute counts.
 */

let app: AppProcess | undefined
let browser: Browser
let db: PrismaClient
const MANAGER = { email: 'live-manager@opsdeck.test', password: 'live-manager-password-1234', name: 'Live Manager' }
const SUPPORT = { email: 'live-support@opsdeck.test', password: 'live-support-password-1234', name: 'Live Support' }
const ADMIN = { email: 'live-admin@opsdeck.test', password: 'live-admin-password-12345', name: 'Live Admin' }

beforeAll(async () => {
  ;[app, browser] = await Promise.all([
    // No background orders: every order in this test comes from the flash sale. NODE_ENV=test (not production):
    // the sandbox options page exists only outside production.
    startApp({ worker: true, sandbox: true, label: 'e2elive', env: { SANDBOX_ORDERS_PER_MINUTE: '0', NODE_ENV: 'test' } }),
    launchBrowser(),
  ])
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: app.databaseUrl, max: 2 }) })
  await createUser(db, { ...MANAGER, role: 'manager' })
  await createUser(db, { ...SUPPORT, role: 'support' })
  await createUser(db, { ...ADMIN, role: 'admin' })
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
})

afterAll(async () => {
  await db?.$disconnect()
  await browser?.close()
  await app?.stop()
})

await printLogsOnFailure(() => app)

const sandboxUrl = () => app!.env.SANDBOX_URL!
async function flashSale(body?: unknown) {
  const response = await fetch(`${sandboxUrl()}/control/flash-sale`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { flashSale: FlashSaleState }).flashSale
}

test('a manager watches live ticks, pauses with a hidden tab, and sees the flash sale exactly on orders/min and in the minute rollups', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } })
  try {
    const page = await context.newPage()
    const console = watchConsole(page)
    await signIn(page, app!.url, MANAGER.email, MANAGER.password)
    await page.goto(`${app!.url}/live`)
    await page.getByRole('heading', { level: 1, name: 'Live operations' }).waitFor()

    // Live: ticks arrive every second, from both processes (the web and the worker).
    await page.locator('[data-testid="live-state"][data-state="live"]').waitFor({ timeout: 30_000 })
    const lastTick = page.getByTestId('last-tick')
    await lastTick.waitFor({ timeout: 30_000 })
    const first = Number(await lastTick.getAttribute('data-t'))
    await expect.poll(async () => Number(await lastTick.getAttribute('data-t')), { timeout: 15_000 }).toBeGreaterThan(first)
    await expect.poll(() => page.locator('header.page-header').textContent(), { timeout: 20_000 }).toMatch(/1 web, 1 worker process/)
    // Requests show in the per-route table under their Remix route id (not the URL). One made now, while the page is
    // subscribed: the page's own document request may have been merged before it subscribed on a loaded machine.
    await expect
      .poll(
        async () => {
          await page.evaluate(() => fetch(`/live?_data=${encodeURIComponent('routes/live')}`).then((response) => response.status))
          return page.getByTestId('route-table').textContent()
        },
        { timeout: 30_000, interval: 2_000 },
      )
      .toContain('routes/live')

    // Hidden tab: unsubscribed, no ticks; visible again: the missed seconds are caught up, no hole.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await page.locator('[data-testid="live-state"][data-state="paused"]').waitFor()
    const pausedAt = Number(await lastTick.getAttribute('data-t'))
    await page.waitForTimeout(3_500)
    expect(Number(await lastTick.getAttribute('data-t'))).toBeLessThanOrEqual(pausedAt + 1000)
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await page.locator('[data-testid="live-state"][data-state="live"]').waitFor()
    await expect.poll(async () => Number(await lastTick.getAttribute('data-t')), { timeout: 10_000 }).toBeGreaterThanOrEqual(pausedAt + 3000)
    const seconds = await page.evaluate(() => {
      const note = document.querySelector('[data-testid="range-note"]')?.textContent ?? ''
      return Number(/^(\d+) seconds/.exec(note)?.[1] ?? 0)
    })
    const span = (Number(await lastTick.getAttribute('data-t')) - first) / 1000
    expect(seconds).toBeGreaterThanOrEqual(span) // every second from the first tick on is there

    // The flash sale: 30 orders/min × 4 for 15 s ≈ 30 orders, nothing else generating.
    const tile = page.getByTestId('tile-orders-per-minute')
    const started = await flashSale({ ordersPerMinute: 30, multiplier: 4, minutes: 0.25 })
    expect(started.ordersPerMinute).toBe(120)
    await expect.poll(async () => (await flashSale()).active, { timeout: 30_000, interval: 500 }).toBe(false)
    const sale = await flashSale()
    expect(sale.ordersSent).toBeGreaterThan(20)
    // Orders/min is the trailing 60 s by placedAt: once every order is imported it shows exactly what was sent.
    await expect.poll(() => tile.textContent(), { timeout: 40_000, interval: 250 }).toBe(String(sale.ordersSent))
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'live.png'), fullPage: true })

    // History: the minute rollups of the sale's minutes hold the same counts, minute by minute.
    const lastMinute = Date.parse(sale.perMinute.at(-1)!.minute)
    await expect
      .poll(async () => db.metricRollup.count({ where: { metric: 'orders_per_minute', bucket: { gte: new Date(lastMinute) } } }), { timeout: 90_000, interval: 1_000 })
      .toBeGreaterThan(0)
    const rows = await db.metricRollup.findMany({
      where: { metric: 'orders_per_minute', labels: '', bucket: { in: sale.perMinute.map((minute) => new Date(minute.minute)) } },
      select: { bucket: true, sum: true, count: true },
      orderBy: { bucket: 'asc' },
    })
    expect(rows.map((row) => ({ minute: row.bucket.toISOString(), orders: row.sum }))).toEqual(sale.perMinute)
    expect(rows.reduce((sum, row) => sum + row.sum, 0)).toBe(sale.ordersSent)

    // The 1 h view draws the same from the rollups, downsampled (60 points of 1 min).
    await page.getByRole('link', { name: '1 hour' }).click()
    await page.waitForURL(/range=1h/)
    await expect.poll(() => page.getByTestId('range-note').textContent()).toMatch(/^60 points of 1 min/)
    await page.getByTestId('chart-orders').locator('.recharts-line').first().waitFor()
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'live-1h.png'), fullPage: true })
    expect(console.errors.filter((error) => !/Failed to load resource.*favicon/.test(error))).toEqual([])
  } finally {
    await context.close()
  }
}, 240_000)

test('support (no read:metric) gets a 403 page', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, SUPPORT.email, SUPPORT.password)
    const response = await page.goto(`${app!.url}/live`)
    expect(response?.status()).toBe(403)
    await page.getByText(/permission|not allowed|403/i).first().waitFor()
  } finally {
    await context.close()
  }
})

test('an admin starts a flash sale from the sandbox options page', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, ADMIN.email, ADMIN.password)
    await page.goto(`${app!.url}/admin/sandbox`)
    const panel = page.getByTestId('flash-sale')
    await panel.getByLabel('Order rate ×').fill('3')
    await panel.getByLabel('For minutes').fill('0.05')
    await panel.getByRole('button', { name: 'Start flash sale' }).click()
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Flash sale started')
    const sale = await flashSale()
    expect(sale).toMatchObject({ multiplier: 3, minutes: 0.05 })
    await expect.poll(() => panel.getByTestId('flash-sale-state').textContent()).toMatch(/Running|Last sale/)
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'admin-sandbox-flash-sale.png'), fullPage: true })
    // Bad values are refused with the field named, nothing started.
    await panel.getByLabel('Order rate ×').fill('0')
    await panel.getByRole('button', { name: 'Start flash sale' }).click()
    await panel.getByText('1–100 ×').waitFor()
  } finally {
    await context.close()
  }
})
