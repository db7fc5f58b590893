import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, signIn, watchConsole } from '#test/helpers/browser.ts'
import { DEMO_USERS } from '../../prisma/demo-users.ts'

/**
 * Bulk work on the orders list in a real browser, with the real web and worker processes: select rows → bulk tag →
 * the progress page reaches 100 % with per-row results (one skipped, with the reason) → audit entries; export →
 * download → the CSV's header and row count.
 */

const SCREENS = '/work/notes/screens'
let app: AppProcess | undefined
let browser: Browser
let db: pg.Client
const MARK = 'e2e-pick'
let picked: Array<{ id: string; number: string }> = []

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'demo', worker: true, label: 'e2eordersbulk' }), launchBrowser()])
  mkdirSync(SCREENS, { recursive: true })
  db = new pg.Client({ connectionString: app.databaseUrl })
  await db.connect()
  // Three open orders get a marker tag (so the list can show exactly them); one already has the tag we will add.
  const { rows } = await db.query<{ id: string; number: string }>(
    `update "Order" set "tags" = array_append(array_remove("tags", $1), $1)
      where "id" in (select "id" from "Order" where "status" = 'confirmed' order by "placedAt" desc limit 3)
      returning "id", "number"`,
    [MARK],
  )
  picked = rows.sort((a, b) => a.number.localeCompare(b.number))
  expect(picked).toHaveLength(3)
  await db.query(`update "Order" set "tags" = array_append(array_remove("tags", 'priority'), 'priority') where "id" = $1`, [picked[0]!.id])
})

afterAll(async () => {
  await db?.end()
  await browser?.close()
  await app?.stop()
})

await printLogsOnFailure(() => app)

const operations = DEMO_USERS.find((user) => user.role === 'operations')!

async function selectPicked(page: import('playwright-core').Page) {
  await page.goto(`${app!.url}/orders?tags=${MARK}`)
  const table = page.getByTestId('orders-table')
  await expect.poll(() => table.locator('tbody tr[data-row-id]').count(), { timeout: 15_000 }).toBe(3)
  for (const order of picked) await page.getByLabel(`Select order ${order.number}`).check()
  await expect.poll(() => page.getByTestId('bulk-count').textContent()).toBe('3 selected')
}

test('bulk tag: progress page reaches 100 % with per-row results (one skipped with its reason) and audit entries', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const page = await context.newPage()
    const console = watchConsole(page)
    await signIn(page, app!.url, operations.email)
    await selectPicked(page)

    const bar = page.getByTestId('bulk-bar')
    await bar.getByRole('button', { name: 'Tag…' }).click()
    await bar.getByLabel('Add tags').fill('Priority')
    await page.screenshot({ path: path.join(SCREENS, 'bulk-bar.png') })
    await Promise.all([page.waitForURL(/\/orders\/bulk\/[^/]+$/), bar.getByRole('button', { name: 'Apply to 3 orders' }).click()])
    const operationId = new URL(page.url()).pathname.split('/').at(-1)!

    const progress = page.getByTestId('bulk-progress')
    await expect.poll(() => progress.getAttribute('data-status'), { timeout: 30_000 }).toBe('completed')
    expect(await progress.getAttribute('data-percent')).toBe('100')
    expect(await page.getByTestId('bulk-percent').textContent()).toBe('100 %')
    expect(await page.getByTestId('count-succeeded').textContent()).toBe('2')
    expect(await page.getByTestId('count-skipped').textContent()).toBe('1')
    expect(await page.getByTestId('count-failed').textContent()).toBe('0')

    const results = page.getByTestId('bulk-results')
    await expect.poll(() => results.locator('tbody tr[data-outcome]').count(), { timeout: 10_000 }).toBe(3)
    const skipped = results.locator('tbody tr[data-outcome="skipped"]')
    expect(await skipped.count()).toBe(1)
    expect(await skipped.textContent()).toContain(picked[0]!.number)
    expect(await skipped.textContent()).toContain('Already tagged like that')
    await page.screenshot({ path: path.join(SCREENS, 'bulk-progress.png'), fullPage: true })

    // Filter by outcome.
    await page.getByRole('link', { name: /^Skipped/ }).click()
    await page.waitForURL(/outcome=skipped/)
    await expect.poll(() => results.locator('tbody tr[data-outcome]').count()).toBe(1)

    // The data and the audit log agree.
    const tags = await db.query<{ id: string; tags: string[] }>(`select "id", "tags" from "Order" where "id" = any($1)`, [picked.map((order) => order.id)])
    for (const row of tags.rows) expect(row.tags).toContain('priority')
    const audit = await db.query<{ action: string; entityType: string }>(
      `select "action", "entityType" from "AuditLog" where ("entityType" = 'bulk_operation' and "entityId" = $1) or ("entityType" = 'order' and "entityId" = any($2) and "action" like '%tag%')`,
      [operationId, picked.map((order) => order.id)],
    )
    expect(audit.rows.filter((row) => row.entityType === 'bulk_operation').map((row) => row.action)).toEqual(['bulk-tag:order'])
    // One entry per order actually changed (the skipped one had nothing to write).
    expect(audit.rows.filter((row) => row.entityType === 'order')).toHaveLength(2)
    expect(console.errors.filter((error) => !/favicon/.test(error))).toEqual([])
  } finally {
    await context.close()
  }
})

test('export: the progress page links to the finished CSV; its header and row count are right', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, operations.email)
    await selectPicked(page)
    await Promise.all([page.waitForURL(/\/orders\/bulk\/[^/]+$/), page.getByTestId('bulk-bar').getByRole('button', { name: 'Export CSV' }).click()])
    const link = page.getByTestId('export-download')
    await link.waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('bulk-processed').textContent()).toContain('3 of 3 rows written')
    await page.screenshot({ path: path.join(SCREENS, 'bulk-export.png'), fullPage: true })

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    expect(download.suggestedFilename()).toMatch(/^orders-\d{4}-\d{2}-\d{2}-.+\.csv$/)
    const text = await readFile((await download.path())!, 'utf8')
    const lines = text.split('\r\n').filter(Boolean)
    expect(lines[0]).toBe('number,placed_at,status,payment_status,fulfillment_status,channel,customer_name,customer_email,country,currency,total,tags,assignee_email,id')
    expect(lines).toHaveLength(4)
    expect(lines.slice(1).map((line) => line.split(',')[0]).sort()).toEqual(picked.map((order) => order.number).sort())

    // Someone else cannot download it (404, as for an unknown export).
    const other = await browser.newContext()
    try {
      const otherPage = await other.newPage()
      await signIn(otherPage, app!.url, DEMO_USERS.find((user) => user.role === 'support')!.email)
      const response = await otherPage.request.get(await link.evaluate((node) => (node as HTMLAnchorElement).href))
      expect(response.status()).toBe(404)
    } finally {
      await other.close()
    }
  } finally {
    await context.close()
  }
})

test('all matching, sorted by total: the export follows the view’s order; the history lists each operation with its counts', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, operations.email)
    // Two rows per page, so "all 3 matching" is more than the page.
    await page.goto(`${app!.url}/orders?tags=${MARK}&sort=totalAmount&dir=asc&limit=2`)
    await expect.poll(() => page.getByTestId('orders-table').locator('tbody tr[data-row-id]').count(), { timeout: 15_000 }).toBe(2)
    await page.getByLabel('Select every order on this page').check()
    await page.getByTestId('select-all-matching').click()
    await expect.poll(() => page.getByTestId('bulk-count').textContent()).toBe('All 3 matching')
    await Promise.all([page.waitForURL(/\/orders\/bulk\/[^/]+$/), page.getByTestId('bulk-bar').getByRole('button', { name: 'Export CSV' }).click()])
    const operationId = new URL(page.url()).pathname.split('/').at(-1)!
    const { rows: stored } = await db.query<{ selection: { query: Record<string, string> } }>(`select "selection" from "BulkOperation" where "id" = $1`, [operationId])
    expect(stored[0]!.selection.query).toEqual({ tags: MARK, sort: 'totalAmount', dir: 'asc' })

    const link = page.getByTestId('export-download')
    await link.waitFor({ timeout: 30_000 })
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    const ids = (await readFile((await download.path())!, 'utf8')).split('\r\n').filter(Boolean).slice(1).map((line) => line.split(',').at(-1))
    const { rows: expected } = await db.query<{ id: string }>(`select "id" from "Order" where "tags" @> array[$1] order by "totalAmount" asc, "id" asc`, [MARK])
    expect(ids).toEqual(expected.map((row) => row.id))

    // The history: from the orders list's header, every operation of this person, newest first, with its counts.
    await page.goto(`${app!.url}/orders`)
    await Promise.all([page.waitForURL(/\/orders\/bulk$/), page.getByTestId('bulk-history-nav').click()])
    const history = page.getByTestId('bulk-history-table')
    await expect.poll(() => history.locator('tbody tr').count()).toBeGreaterThanOrEqual(3)
    const first = history.locator('tbody tr').first()
    expect(await first.textContent()).toContain('Export to CSV')
    expect(await first.textContent()).toContain('3 rows')
    const scope = first.getByRole('link', { name: `tags: ${MARK} · sorted by total ↑` })
    expect(await scope.getAttribute('href')).toContain('sort=totalAmount')
    const tagRow = history.locator('tbody tr', { hasText: 'add priority' })
    expect(await tagRow.getByTestId('bulk-history-counts').textContent()).toContain('2 ✓ · 1 skipped · 0 failed')
    await page.screenshot({ path: path.join(SCREENS, 'bulk-history.png'), fullPage: true })
    await Promise.all([page.waitForURL(new RegExp(`/orders/bulk/${operationId}$`)), first.getByTestId('bulk-history-link').click()])
    expect(await page.getByTestId('bulk-status').getAttribute('data-status')).toBe('completed')
  } finally {
    await context.close()
  }
})

test('live: a new order matching the view shows "1 new order — Show"; a visible order changed elsewhere updates in place', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, operations.email)
    await page.goto(`${app!.url}/orders?tags=${MARK}`)
    const table = page.getByTestId('orders-table')
    await expect.poll(() => table.locator('tbody tr[data-row-id]').count(), { timeout: 15_000 }).toBe(3)
    // The tab's socket is live, then give the banner a moment to subscribe before anything changes.
    await page.locator('.live-indicator--live').waitFor({ timeout: 15_000 })
    await page.waitForTimeout(500)

    // An order matching the view arrives (as an import would: another process, straight into the database), and one
    // that does not match.
    const id = `e2e-live-${Date.now()}`
    await db.query(
      `insert into "Order" ("id", "number", "currency", "customerEmail", "customerName", "placedAt", "updatedAt", "tags")
       values ($1, $2, 'GBP', 'live@example.com', 'Live Customer', now(), now(), $3), ($4, $5, 'GBP', 'x@example.com', 'Other', now(), now(), '{}')`,
      [id, `#E2E${Date.now()}`, [MARK], `${id}-other`, `#E2F${Date.now()}`],
    )
    const banner = page.getByTestId('new-orders-banner')
    await expect.poll(() => banner.textContent().catch(() => ''), { timeout: 15_000 }).toContain('1 new order for this view')
    expect(await table.locator('tbody tr[data-row-id]').count()).toBe(3)
    await banner.getByRole('button', { name: 'Show' }).click()
    await expect.poll(() => table.locator('tbody tr[data-row-id]').count(), { timeout: 10_000 }).toBe(4)
    await expect.poll(() => banner.count()).toBe(0)

    // A visible order is changed by someone else: its row updates without a reload.
    const status = table.locator(`tbody tr[data-row-id="${picked[1]!.id}"] [data-testid="order-status"]`)
    expect(await status.getAttribute('data-status')).toBe('confirmed')
    await db.query(`update "Order" set "status" = 'on_hold', "version" = "version" + 1 where "id" = $1`, [picked[1]!.id])
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 15_000 }).toBe('on_hold')
  } finally {
    await context.close()
  }
})

test('saved views: save the current view shared with operations as my default; a bare /orders opens it; a teammate sees it read-only', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, operations.email)
    await page.goto(`${app!.url}/orders?tags=${MARK}&sort=totalAmount`)
    const menu = page.getByTestId('saved-views')
    await menu.locator('summary').click()
    const form = menu.getByTestId('save-view-form')
    await form.getByLabel('Save current view as…').fill('Picked by e2e')
    await form.getByLabel('Share with').selectOption('operations')
    await form.getByLabel('My default').check()
    await form.getByRole('button', { name: 'Save view' }).click()
    const saved = menu.locator('[data-testid="saved-view"][data-view-name="Picked by e2e"]')
    await saved.waitFor({ timeout: 10_000 })
    expect(await saved.textContent()).toContain('default')
    expect(await saved.textContent()).toContain('shared with operations')
    await page.screenshot({ path: path.join(SCREENS, 'saved-views.png') })

    // A bare /orders opens the default view.
    await page.goto(`${app!.url}/orders`)
    await page.waitForURL((url) => url.searchParams.get('tags') === MARK && url.searchParams.get('sort') === 'totalAmount')

    // A teammate with the role sees it, without the owner's tools.
    const { rows } = await db.query<{ id: string }>(`select "id" from "SavedView" where "name" = 'Picked by e2e'`)
    expect(rows).toHaveLength(1)
    await db.query(
      `insert into "User" ("id", "email", "name", "role", "passwordHash", "updatedAt") select 'e2e-teammate', 'teammate@opsdeck.test', 'Tess Teammate', 'operations', "passwordHash", now() from "User" where "email" = $1`,
      [operations.email],
    )
    const other = await browser.newContext()
    try {
      const teammate = await other.newPage()
      await signIn(teammate, app!.url, 'teammate@opsdeck.test')
      await teammate.goto(`${app!.url}/orders`)
      const theirs = teammate.getByTestId('saved-views')
      await theirs.locator('summary').click()
      const shared = theirs.locator('[data-testid="saved-view"][data-view-name="Picked by e2e"]')
      await shared.waitFor({ timeout: 10_000 })
      expect(await shared.textContent()).toContain('by Owen Operations')
      expect(await shared.getByRole('button', { name: /Delete/ }).count()).toBe(0)
      // Not their default: their bare /orders stays bare.
      expect(new URL(teammate.url()).search).toBe('')
    } finally {
      await other.close()
    }
  } finally {
    await context.close()
  }
})
