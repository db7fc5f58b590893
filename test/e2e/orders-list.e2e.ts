import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, signIn, watchConsole } from '#test/helpers/browser.ts'
import { DEMO_USERS } from '../../prisma/demo-users.ts'

/**
 * The orders list in a real browser on the demo store (1,500 orders): filters go into the URL and survive a reload
 * and a copied link in another person's browser; keyset pages; a hidden column stays hidden; a search too short
 * to be selective is refused with a message. Also the screenshot of /orders for the notes.
 */

const SCREENS = process.env.ORDERS_SCREENSHOT_DIR ?? '/work/notes/screens'

let app: AppProcess | undefined
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'demo', label: 'e2eorderslist' }), launchBrowser()])
  mkdirSync(SCREENS, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

await printLogsOnFailure(() => app)

const operations = DEMO_USERS.find((user) => user.role === 'operations')!
const manager = DEMO_USERS.find((user) => user.role === 'manager')!

/** Resolves once the page renders the view of its current URL (client navigations update the URL first). */
async function settled(page: Page) {
  const search = new URL(page.url()).search
  await page.waitForFunction((expected) => document.querySelector('[data-testid="orders-view"]')?.getAttribute('data-search') === expected, search)
}

/** Runs `action` (a click that navigates), waits for the URL to match and the page to show that view. */
async function navigate(page: Page, url: RegExp, action: () => Promise<unknown>) {
  await Promise.all([page.waitForURL(url), action()])
  await settled(page)
}

const rowIds = (page: Page) => page.locator('[data-testid="orders-table"] tbody tr[data-row-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-row-id')!))
const cellStatuses = (page: Page, testId: string) =>
  page.locator(`[data-testid="orders-table"] tbody [data-testid="${testId}"]`).evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-status')))
const placedTimes = (page: Page) =>
  page.locator('[data-testid="orders-table"] tbody td.col-placedAt time[datetime]').evaluateAll((nodes) => [...new Set(nodes.map((node) => node.getAttribute('datetime')!))])

test('filters live in the URL: reload and a copied link show the same rows; keyset pages; hidden columns stay hidden', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const other = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  try {
    const page = await context.newPage()
    const console = watchConsole(page)
    await signIn(page, app!.url, operations.email)
    await page.goto(`${app!.url}/orders`)
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor()
    expect(await page.getByTestId('orders-count').textContent()).toContain('1,500 orders')
    expect(await rowIds(page)).toHaveLength(50)
    await page.screenshot({ path: path.join(SCREENS, 'orders-list.png') })

    // ── Filter: status confirmed or processing, payment paid ──
    await page.getByTestId('filter-status').locator('summary').click()
    await page.getByTestId('filter-status').getByLabel('confirmed').check()
    await page.getByTestId('filter-status').getByLabel('processing').check()
    await page.getByTestId('filter-payment').locator('summary').click()
    await page.getByTestId('filter-payment').getByLabel('paid', { exact: true }).check()
    await navigate(page, /status=confirmed/, () => page.getByTestId('apply-filters').click())
    const url = new URL(page.url())
    expect(url.searchParams.getAll('status')).toEqual(['confirmed', 'processing'])
    expect(url.searchParams.getAll('payment')).toEqual(['paid'])
    const filtered = await rowIds(page)
    expect(filtered.length).toBeGreaterThan(0)
    expect(new Set(await cellStatuses(page, 'order-status'))).toEqual(new Set(['confirmed', 'processing']))
    expect(new Set(await cellStatuses(page, 'payment-status'))).toEqual(new Set(['paid']))
    const countText = await page.getByTestId('orders-count').textContent()
    expect(countText).not.toContain('1,500 orders')

    await page.reload()
    await settled(page)
    expect(await rowIds(page)).toEqual(filtered)
    expect(await page.getByTestId('orders-count').textContent()).toBe(countText)
    expect(await page.getByTestId('filter-status').getByLabel('confirmed').isChecked()).toBe(true)

    // A copied link, opened by someone else in their own browser, shows the same view.
    const colleague = await other.newPage()
    await signIn(colleague, app!.url, manager.email)
    await colleague.goto(page.url())
    await settled(colleague)
    expect(await rowIds(colleague)).toEqual(filtered)

    // The active filters show as chips; removing one drops just that value from the URL.
    const chipTexts = () => colleague.getByTestId('filter-chips').locator('.filter-chip').allTextContents()
    expect((await chipTexts()).map((text) => text.replace(/\s*×$/, ''))).toEqual(['Status: confirmed', 'Status: processing', 'Payment: paid'])
    await colleague.screenshot({ path: path.join(SCREENS, 'orders-list-chips.png') })
    await navigate(colleague, /^(?!.*payment=)/, () => colleague.getByRole('link', { name: 'Remove filter Payment: paid' }).click())
    expect(new URL(colleague.url()).searchParams.getAll('status')).toEqual(['confirmed', 'processing'])
    expect(new Set(await cellStatuses(colleague, 'payment-status')).size).toBeGreaterThan(1)
    await navigate(colleague, /^(?!.*status=confirmed).*status=processing/, () => colleague.getByRole('link', { name: 'Remove filter Status: confirmed' }).click())
    await navigate(colleague, /^(?!.*status=)/, () => colleague.getByRole('link', { name: 'Remove filter Status: processing' }).click())
    expect(await colleague.getByTestId('filter-chips').count()).toBe(0)
    expect(await colleague.getByTestId('orders-count').textContent()).toContain('1,500 orders')

    // ── Keyset pages: 10 a page over the filtered view, next then previous ──
    await page.goto(`${app!.url}/orders${url.search}&limit=10`)
    await settled(page)
    const first = await rowIds(page)
    expect(first).toHaveLength(10)
    const firstTimes = await placedTimes(page)
    await navigate(page, /after=/, () => page.getByTestId('next-page').click())
    const second = await rowIds(page)
    expect(second.length).toBeGreaterThan(0)
    expect(second.filter((id) => first.includes(id))).toEqual([])
    // Newest first across the page boundary.
    expect(Date.parse((await placedTimes(page))[0]!)).toBeLessThanOrEqual(Date.parse(firstTimes.at(-1)!))
    expect(new Set(await cellStatuses(page, 'order-status')).size).toBeGreaterThan(0)
    await navigate(page, /before=/, () => page.getByTestId('prev-page').click())
    expect(await rowIds(page)).toEqual(first)

    // ── Hide a column: the choice is in the URL and survives a reload ──
    await page.getByTestId('columns-menu').locator('summary').click()
    await navigate(page, /cols=/, () => page.getByRole('link', { name: 'Hide Channel' }).click())
    expect(new URL(page.url()).searchParams.get('cols')).not.toContain('channel')
    expect(await page.locator('[data-testid="orders-table"] th[data-column="channel"]').count()).toBe(0)
    expect(await page.locator('[data-testid="orders-table"] th[data-column="total"]').count()).toBe(1)
    await page.reload()
    await settled(page)
    expect(await page.locator('[data-testid="orders-table"] th[data-column="channel"]').count()).toBe(0)
    expect(await rowIds(page)).toEqual(first)
    await navigate(page, /density=compact/, () => page.getByRole('link', { name: 'Compact' }).click())
    expect(await rowIds(page)).toEqual(first)
    await page.screenshot({ path: path.join(SCREENS, 'orders-list-compact.png') })

    // ── Selection: the page, then "all N matching" (the selection becomes the filter) ──
    await page.getByLabel('Select every order on this page').check()
    expect(await page.getByTestId('bulk-count').textContent()).toContain('10 selected')
    await page.getByTestId('select-all-matching').click()
    expect(await page.getByTestId('selection-summary').textContent()).toContain(`All ${countText!.match(/[\d,]+ orders/)![0]} matching`)
    expect(await page.getByTestId('bulk-count').textContent()).toMatch(/All ~?[\d,]+ matching/)
    await page.screenshot({ path: path.join(SCREENS, 'orders-list-selected.png') })

    expect(console.errors.filter((error) => !/favicon/.test(error))).toEqual([])
  } finally {
    await context.close()
    await other.close()
  }
})

test('a search too short to be selective is refused with a message, and a number prefix finds the order', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, operations.email)
    await page.goto(`${app!.url}/orders`)
    const someNumber = (await page.locator('[data-testid="orders-table"] tbody td.col-number a').first().textContent())!.trim()

    await page.getByLabel('Search orders').fill('ab')
    await navigate(page, /q=ab/, () => page.getByTestId('apply-filters').click())
    expect(await page.getByTestId('q-error').textContent()).toBe('Type at least 3 characters of a name or email, or an order number like #1001')
    expect(await page.getByTestId('orders-errors').textContent()).toContain('Search: Type at least 3 characters')
    expect(await page.getByLabel('Search orders').getAttribute('aria-invalid')).toBe('true')
    expect(await rowIds(page)).toEqual([])
    await page.screenshot({ path: path.join(SCREENS, 'orders-list-short-search.png') })

    await page.getByLabel('Search orders').fill(someNumber)
    await navigate(page, /q=%23/, () => page.getByTestId('apply-filters').click())
    expect(await page.getByTestId('orders-errors').count()).toBe(0)
    const numbers = await page.locator('[data-testid="orders-table"] tbody td.col-number a').allTextContents()
    expect(numbers).toEqual([someNumber])
    expect(await page.getByTestId('orders-count').textContent()).toContain('1 order')
  } finally {
    await context.close()
  }
})
