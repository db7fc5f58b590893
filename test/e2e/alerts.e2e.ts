import { mkdirSync } from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, SCREENSHOT_DIR, signIn, watchConsole } from '#test/helpers/browser.ts'
import { DEMO_USERS } from '../../prisma/demo-users.ts'

/**
 * Alerts in a real browser with the real worker: a metric stream breaches a rule, the worker's scheduled evaluation
 * fires the alert, and a manager sees it appear live (no reload) in the shell's notification center and on /alerts,
 * acknowledges it there and sees who acknowledged it. Rule form field errors; operations has no alerts at all.
 */

let app: AppProcess | undefined
let browser: Browser
const SCREENS = process.env.ALERTS_SCREENSHOT_DIR ?? SCREENSHOT_DIR

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'demo', worker: true, label: 'e2ealerts' }), launchBrowser()])
  mkdirSync(SCREENS, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

await printLogsOnFailure(() => app)

const manager = DEMO_USERS.find((user) => user.role === 'manager')!
const operations = DEMO_USERS.find((user) => user.role === 'operations')!

async function sql<Row extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: app!.databaseUrl })
  await client.connect()
  try {
    return (await client.query<Row>(text, values)).rows
  } finally {
    await client.end()
  }
}

/** Queue lag of a queue nobody else writes, at `seconds` for the minutes around now (complete ones and the next). */
async function streamQueueLag(queue: string, seconds: number) {
  const minute = Math.floor(Date.now() / 60_000) * 60_000
  for (let n = -3; n <= 3; n++) {
    await sql(
      `INSERT INTO "MetricRollup" ("metric", "labels", "bucket", "count", "sum", "min", "max")
       VALUES ('queue_lag_seconds', $1, $2, 60, $3, $4, $4)
       ON CONFLICT ("metric", "labels", "bucket") DO UPDATE SET "sum" = EXCLUDED."sum", "min" = EXCLUDED."min", "max" = EXCLUDED."max"`,
      [`queue=${queue}`, new Date(minute + n * 60_000), seconds * 60, seconds],
    )
  }
}

test('a manager sees a fired alert live in the notification center and on /alerts, and acknowledges it', { timeout: 120_000 }, async () => {
  // The demo rules watch the real metrics of this app (no sandbox here: its integrations are down); switched off so
  // the badge counts this test's alert alone.
  await sql(`UPDATE "AlertRule" SET "enabled" = false`)
  await sql(`UPDATE "Alert" SET "status" = 'resolved', "resolvedAt" = now() WHERE "status" <> 'resolved'`)
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  try {
    const page = await context.newPage()
    const console = watchConsole(page)
    await signIn(page, app!.url, manager.email)
    await page.goto(`${app!.url}/alerts`)
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor()
    const centerButton = page.getByTestId('alert-center-button')
    await centerButton.waitFor()
    // Subscribed and loaded: the bell's accessible name says how many alerts need attention.
    await expect.poll(() => centerButton.getAttribute('aria-label')).toMatch(/^Alerts: /)
    const before = Number((await page.getByTestId('alert-center-count').textContent({ timeout: 1_000 }).catch(() => '0')) ?? 0)

    // A rule, created the way a manager does it (the form), on a queue only this test writes.
    await page.getByRole('link', { name: 'New rule' }).click()
    await page.waitForURL(/\/alerts\/rules\/new$/)
    const form = page.getByTestId('rule-form')
    await form.getByLabel('Name').fill('E2E sync backlog')
    await form.getByLabel('Metric').fill('queue_lag_seconds')
    await form.getByLabel('Condition').selectOption('gt')
    await form.getByLabel('Threshold').fill('60')
    await form.getByLabel('For (seconds)').fill('60')
    await form.getByLabel('Severity').selectOption('critical')
    await form.getByLabel('Scope (optional)').fill('queue=e2e-backlog')
    await form.getByRole('button', { name: 'Create rule' }).click()
    await page.waitForURL(/\/alerts\?view=rules$/)
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Rule created')
    await page.getByTestId('rules-table').getByRole('link', { name: 'E2E sync backlog' }).waitFor()
    await page.screenshot({ path: path.join(SCREENS, 'alerts-rules.png'), fullPage: true })

    // The page stays open on "Open"; the breach arrives; the worker fires within one evaluation tick.
    await page.getByRole('link', { name: /^Open/ }).click()
    await page.waitForURL(/view=open/)
    const openTable = page.getByTestId('open-alerts-table')
    await openTable.waitFor()
    const url = page.url()
    await streamQueueLag('e2e-backlog', 150)

    const row = openTable.locator('tr', { hasText: 'E2E sync backlog' })
    await row.waitFor({ timeout: 45_000 })
    expect(page.url()).toBe(url) // live: no navigation happened
    await expect.poll(() => row.locator('[data-alert-status]').getAttribute('data-alert-status')).toBe('firing')
    await expect.poll(() => row.textContent()).toContain('queue_lag_seconds{queue=e2e-backlog} is 150, above the threshold 60 for 1 minute')
    await expect.poll(async () => Number(await page.getByTestId('alert-center-count').textContent()), { timeout: 15_000 }).toBe(before + 1)

    // The notification center lists it; acknowledge from there.
    await centerButton.click()
    const item = page.getByTestId('alert-center-list').locator('li', { hasText: 'E2E sync backlog' })
    await item.waitFor()
    await page.screenshot({ path: path.join(SCREENS, 'alerts-notification-center.png') })
    await item.getByRole('button', { name: 'Acknowledge' }).click()
    await expect.poll(() => item.textContent(), { timeout: 15_000 }).toContain(`acknowledged by ${manager.name}`)
    await expect.poll(async () => Number((await page.getByTestId('alert-center-count').textContent({ timeout: 500 }).catch(() => '0')) ?? 0)).toBe(before)
    // The page behind followed too.
    await expect.poll(() => row.locator('[data-alert-status]').getAttribute('data-alert-status')).toBe('acknowledged')
    await expect.poll(() => row.textContent()).toContain(manager.name)
    await page.keyboard.press('Escape')
    await page.screenshot({ path: path.join(SCREENS, 'alerts-open.png'), fullPage: true })

    const [stored] = await sql<{ status: string; email: string; audit: string }>(
      `SELECT a."status", u."email",
              (SELECT count(*)::text FROM "AuditLog" l WHERE l."entityId" = a."id" AND l."action" = 'acknowledge:alert') AS "audit"
         FROM "Alert" a JOIN "AlertRule" r ON r."id" = a."ruleId" JOIN "User" u ON u."id" = a."acknowledgedById"
        WHERE r."name" = 'E2E sync backlog'`,
    )
    expect(stored).toEqual({ status: 'acknowledged', email: manager.email, audit: '1' })

    // History with a filter on the rule.
    await page.getByRole('link', { name: 'History' }).click()
    await page.getByTestId('history-filters').getByLabel('Rule').selectOption({ label: 'E2E sync backlog' })
    await page.getByTestId('history-filters').getByRole('button', { name: 'Filter' }).click()
    await page.waitForURL(/rule=/)
    await expect.poll(() => page.getByTestId('history-table').locator('tbody tr').count()).toBe(1)
    await page.screenshot({ path: path.join(SCREENS, 'alerts-history.png'), fullPage: true })
    expect(console.errors.filter((error) => !/Failed to load resource.*favicon/.test(error))).toEqual([])
  } finally {
    await context.close()
  }
})

test('a manager silences a firing alert by its labels: shown as silenced, off the badge; unsilence brings it back', { timeout: 120_000 }, async () => {
  // Only this test's rule is evaluated (the demo rules could fire meanwhile and move the badge).
  await sql(`UPDATE "AlertRule" SET "enabled" = false`)
  await sql(
    `INSERT INTO "AlertRule" ("id", "name", "metric", "condition", "threshold", "durationSeconds", "severity", "enabled", "scope", "updatedAt")
     VALUES ('e2e-silence-rule', 'E2E carrier backlog', 'queue_lag_seconds', 'gt', 60, 60, 'warning', true, '{"queue":"e2e-silenced"}', now())`,
  )
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  try {
    const page = await context.newPage()
    const console = watchConsole(page)
    await signIn(page, app!.url, manager.email)
    await page.goto(`${app!.url}/alerts?view=open`)
    await page.getByTestId('open-alerts-table').waitFor()
    const centerButton = page.getByTestId('alert-center-button')
    // Subscribed and loaded (the first page of a fresh server can take a while on a busy machine).
    await expect.poll(() => centerButton.getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/^Alerts: /)
    const badge = async () => Number((await page.getByTestId('alert-center-count').textContent({ timeout: 500 }).catch(() => '0')) ?? 0)
    const before = await badge()

    await streamQueueLag('e2e-silenced', 150)
    const row = page.getByTestId('open-alerts-table').locator('tr', { hasText: 'E2E carrier backlog' })
    await row.waitFor({ timeout: 45_000 })
    await expect.poll(badge, { timeout: 15_000 }).toBe(before + 1)

    // "Silence by labels…" starts from the alert's rule and series.
    await row.getByRole('link', { name: 'Silence by labels…' }).click()
    await page.waitForURL(/\/alerts\/silences\/new\?alert=/)
    const form = page.getByTestId('silence-form')
    expect(await form.getByLabel('Matchers').inputValue()).toBe('rule=E2E carrier backlog\nqueue=e2e-silenced')
    await form.getByLabel('For (minutes)').fill('240')
    await form.getByRole('button', { name: 'Create silence' }).click()
    await form.getByText('Say why (the others will read it)').waitFor()
    await page.screenshot({ path: path.join(SCREENS, 'alerts-silence-form.png'), fullPage: true })
    await form.getByLabel('Comment').fill('Carrier maintenance until 02:00')
    await form.getByRole('button', { name: 'Create silence' }).click()
    await page.waitForURL(/\/alerts\?view=silences$/)
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Silence created')
    const silenceRow = page.getByTestId('silences-table').locator('tr', { hasText: 'Carrier maintenance until 02:00' })
    await expect.poll(() => silenceRow.locator('[data-silence-state]').getAttribute('data-silence-state')).toBe('active')
    await expect.poll(() => silenceRow.textContent()).toContain(`by ${manager.name}`)
    await expect.poll(badge, { timeout: 15_000 }).toBe(before)
    await page.screenshot({ path: path.join(SCREENS, 'alerts-silences.png'), fullPage: true })

    // Still firing, shown as silenced with the silence's comment.
    await page.getByRole('link', { name: /^Open/ }).click()
    await page.waitForURL(/view=open/)
    await expect.poll(() => row.locator('[data-alert-status]').getAttribute('data-silenced')).toBe('true')
    expect(await row.locator('[data-alert-status]').getAttribute('data-alert-status')).toBe('firing')
    await expect.poll(() => row.getByTestId('silenced-until').textContent()).toContain('Carrier maintenance until 02:00')
    await page.screenshot({ path: path.join(SCREENS, 'alerts-open-silenced.png'), fullPage: true })

    // Unsilence: the alert asks for attention again.
    await page.getByRole('link', { name: /^Silences/ }).click()
    await page.waitForURL(/view=silences/)
    await expect.poll(() => silenceRow.locator('[data-silence-state]').getAttribute('data-silence-state')).toBe('active')
    await silenceRow.getByRole('button', { name: 'Unsilence' }).click()
    await expect.poll(() => silenceRow.locator('[data-silence-state]').getAttribute('data-silence-state'), { timeout: 15_000 }).toBe('expired')
    await page.getByTestId('toast').filter({ hasText: 'Silence ended' }).waitFor()
    await expect.poll(badge, { timeout: 15_000 }).toBe(before + 1)
    const [stored] = await sql<{ actions: string }>(
      `SELECT string_agg(l."action", ',' ORDER BY l."createdAt") AS "actions" FROM "AuditLog" l JOIN "AlertSilence" s ON s."id" = l."entityId"`,
    )
    expect(stored).toEqual({ actions: 'create:alert.silence,expire:alert.silence' })
    // The refused form (400) is logged by the browser as a failed resource: expected.
    expect(console.errors.filter((error) => !/Failed to load resource.*(favicon|status of 400)/.test(error))).toEqual([])
  } finally {
    await context.close()
  }
})

test('the rule form answers bad input with field errors and keeps what was typed', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, manager.email)
    await page.goto(`${app!.url}/alerts/rules/new`)
    const form = page.getByTestId('rule-form')
    await form.getByLabel('Name').fill('Bad rule')
    await form.getByLabel('Metric').fill('no_such_metric')
    await form.getByLabel('Threshold').fill('lots')
    await form.getByRole('button', { name: 'Create rule' }).click()
    await form.getByText('The threshold must be a number').waitFor()
    await form.getByLabel('Metric').fill('no_such_metric')
    await form.getByLabel('Threshold').fill('5')
    await form.getByRole('button', { name: 'Create rule' }).click()
    await form.getByText('Unknown metric “no_such_metric”').waitFor()
    expect(await form.getByLabel('Name').inputValue()).toBe('Bad rule')
    await page.screenshot({ path: path.join(SCREENS, 'alerts-rule-form-errors.png'), fullPage: true })
    expect(await sql(`SELECT 1 FROM "AlertRule" WHERE "name" = 'Bad rule'`)).toEqual([])

    // Editing a demo rule: the form shows it as stored; a save bumps its version.
    await page.goto(`${app!.url}/alerts?view=rules`)
    await page.getByTestId('rules-table').getByRole('link', { name: 'SLA breaches above 5' }).click()
    await page.getByRole('heading', { level: 1, name: 'Edit rule: SLA breaches above 5' }).waitFor()
    expect(await form.getByLabel('Metric').inputValue()).toBe('sla_breaches')
    await form.getByLabel('Threshold').fill('8')
    await page.screenshot({ path: path.join(SCREENS, 'alerts-rule-edit.png'), fullPage: true })
    await form.getByRole('button', { name: 'Save rule' }).click()
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Rule saved')
    expect(await sql(`SELECT "threshold", "version" FROM "AlertRule" WHERE "name" = 'SLA breaches above 5'`)).toEqual([{ threshold: 8, version: 2 }])
  } finally {
    await context.close()
  }
})

test('operations has no notification center and /alerts answers 403', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, operations.email)
    expect(await page.getByTestId('alert-center').count()).toBe(0)
    const response = await page.goto(`${app!.url}/alerts`)
    expect(response?.status()).toBe(403)
    const feed = await page.goto(`${app!.url}/alerts/open`)
    expect(feed?.status()).toBe(403)
  } finally {
    await context.close()
  }
})
