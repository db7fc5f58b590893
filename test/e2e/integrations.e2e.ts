import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, SCREENSHOT_DIR, signIn, watchConsole } from '#test/helpers/browser.ts'
import { DEMO_USERS } from '../../prisma/demo-users.ts'

/**
 * The integration-health console in a real browser, with the real worker and sandbox: a manager sees the five
 * integrations with live status, opens one, syncs it; operations can look but has no buttons (and the action refuses).
 */

let app: AppProcess | undefined
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'demo', worker: true, sandbox: true, label: 'e2eintegrations' }), launchBrowser()])
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

await printLogsOnFailure(() => app)

const manager = DEMO_USERS.find((user) => user.role === 'manager')!
const operations = DEMO_USERS.find((user) => user.role === 'operations')!

test('a manager sees five integrations live, opens one and syncs it now', async () => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  try {
    const page = await context.newPage()
    const console = watchConsole(page)
    await signIn(page, app!.url, manager.email)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click()
    await page.waitForURL(/\/integrations$/)

    const table = page.getByTestId('integrations-table')
    await expect.poll(() => table.locator('tbody tr').count()).toBe(5)
    for (const name of ['Storefront', 'Payment gateway', 'Shipping carrier', 'Warehouse (WMS)', 'Helpdesk mail']) {
      await table.getByRole('link', { name }).waitFor()
    }
    // Live: the socket subscription answered and pushes keep coming.
    await page.locator('[data-testid="health-freshness"][data-live="true"]').waitFor({ timeout: 20_000 })
    const statuses = await table.locator('[data-status]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-status')))
    expect(statuses).toHaveLength(5)
    for (const status of statuses) expect(['healthy', 'degraded', 'down', 'paused']).toContain(status)
    // The worker syncs from the sandbox: within a few pushes some integration has a last success.
    await expect.poll(() => table.locator('time').count(), { timeout: 30_000 }).toBeGreaterThan(0)
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'integrations.png'), fullPage: true })

    await table.getByRole('link', { name: 'Storefront' }).click()
    await page.waitForURL(/\/integrations\/storefront$/)
    await page.getByRole('heading', { level: 1, name: /Storefront/ }).waitFor()
    await page.getByRole('button', { name: 'Sync now' }).click()
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Sync queued')

    await page.getByRole('link', { name: 'Sync runs' }).click()
    await page.waitForURL(/view=runs/)
    await expect.poll(async () => {
      await page.reload()
      return page.getByTestId('runs-table').locator('tbody tr td.col-kind').count()
    }, { timeout: 30_000, interval: 1_000 }).toBeGreaterThan(0)
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'integration-storefront-runs.png'), fullPage: true })

    await page.getByRole('link', { name: 'Webhook deliveries' }).click()
    await page.waitForURL(/view=webhooks/)
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'integration-storefront-webhooks.png'), fullPage: true })
    expect(console.errors.filter((error) => !/Failed to load resource.*favicon/.test(error))).toEqual([])
  } finally {
    await context.close()
  }
})

test('operations can read the drill-down but has no action buttons, and posting one anyway is refused', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, operations.email)
    await page.goto(`${app!.url}/integrations/payments`)
    await page.getByRole('heading', { level: 1, name: /Payment gateway/ }).waitFor()
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: /Retry failed/ }).count()).toBe(0)

    // The same form post the button would make, from this signed-in page (same origin, same cookie).
    const status = await page.evaluate(async () => {
      const response = await fetch('/integrations/payments?_data=routes%2Fintegrations.%24key', {
        method: 'POST',
        body: new URLSearchParams({ intent: 'pause' }),
      })
      return response.status
    })
    expect(status).toBe(403)
  } finally {
    await context.close()
  }
})
