import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { createStockedOrder } from '#test/factories/orders.ts'
import { createUser } from '#test/factories/users.ts'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, signIn, watchConsole } from '#test/helpers/browser.ts'
import { TEST_REDIS_URL } from '#test/setup/test-db.ts'

/**
 * A return from request to refund in a real browser, against the real web process, worker and sandbox: support
 * requests it from the order page; operations finds it in the queue, approves it (the carrier integration buys the
 * return label from the sandbox carrier; the carrier's tracking webhook moves it to in transit), receives 2 units
 * (1 damaged), restocks the good one to
 * the warehouse, and refunds through the payment integration (the sandbox gateway confirms). The restock is then on
 * the SKU's inventory page: on hand +1 and a `restock` ledger row linked to the return. Screenshots of the queue, the
 * return page, the request form and the insights go to /work/notes/screens (or RETURNS_SCREENS_DIR).
 */

const SCREENS = process.env.RETURNS_SCREENS_DIR ?? '/work/notes/screens'
const WAIT = 60_000

let app: AppProcess | undefined
let browser: Browser
let db: PrismaClient
await printLogsOnFailure(() => app)

type Person = { email: string; password: string }
let ops: Person
let sam: Person
let order: { id: string; number: string; lineSku: string; variantId: string; locationId: string; locationCode: string; onHand: number }

async function sandboxCall(pathname: string, body: unknown, key: string) {
  const response = await fetch(`${app!.env.SANDBOX_URL}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': app!.env.PROVIDER_API_KEY!, 'idempotency-key': key },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`sandbox ${pathname}: ${response.status} ${await response.text()}`)
  return (await response.json()) as { id: string }
}

async function control(pathname: string, body: unknown) {
  const response = await fetch(`${app!.env.SANDBOX_URL}/control${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!response.ok) throw new Error(`sandbox control ${pathname}: ${response.status} ${await response.text()}`)
}

/** The sandbox carrier's return label for a return (found by its reference = the return id). */
async function returnLabelOf(returnId: string) {
  const response = await fetch(`${app!.env.SANDBOX_URL}/carrier/return-labels?limit=100`, { headers: { 'x-api-key': app!.env.PROVIDER_API_KEY! } })
  const list = (await response.json()) as { data: Array<{ id: string; reference: string }> }
  return list.data.find((label) => label.reference === returnId)!
}

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({
      seed: 'none',
      worker: true,
      sandbox: true,
      label: 'e2ereturns',
      // Queues on Redis (fewer PostgreSQL connections on a shared server); no demo order stream from the sandbox.
      env: { REDIS_URL: TEST_REDIS_URL, SANDBOX_ORDERS_PER_MINUTE: '0' },
    }), launchBrowser()])
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: app.databaseUrl, max: 2 }) })
  mkdirSync(SCREENS, { recursive: true })
  const person = async (role: 'operations' | 'support', name: string) => {
    const { user, password } = await createUser(db, { role, name })
    return { email: user.email, password }
  }
  // Carrier tracking moves only when the test says so (POST /control/carrier/advance).
  await control('/carrier', { stepSeconds: 0 })
  ops = await person('operations', 'Olga Operations')
  sam = await person('support', 'Sam Support')

  // A delivered, paid order of 3 units of one stocked SKU, whose payment is real at the sandbox gateway.
  const graph = await createStockedOrder(db, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', lineCount: 1, spare: 5, currency: 'GBP' })
  const payment = graph.payments.find((p) => (p.capturedAmount ?? 0) > 0)!
  const authorized = await sandboxCall('/payments/authorizations', { order_reference: graph.order.id, amount: payment.amount, currency: 'GBP', method: 'card' }, `auth-${graph.order.id}`)
  await sandboxCall(`/payments/payments/${authorized.id}/capture`, { reference: graph.order.id, amount: payment.capturedAmount }, `capture-${graph.order.id}`)
  await db.payment.update({ where: { id: payment.id }, data: { provider: 'payments', externalId: authorized.id } })
  const level = graph.levels[0]!
  order = {
    id: graph.order.id,
    number: graph.order.number,
    lineSku: graph.lines[0]!.sku,
    variantId: graph.variants[0]!.id,
    locationId: graph.location.id,
    locationCode: graph.location.code,
    onHand: level.onHand,
  }
})

afterAll(async () => {
  await db?.$disconnect()
  await browser?.close()
  await app?.stop()
})

/** Marks the open page: a reload (or a full navigation) would lose the mark, a live re-read keeps it. */
async function markPage(page: Page) {
  await page.evaluate(() => Object.assign(window, { __opsdeckLoadedOnce: true }))
}
async function stillSamePage(page: Page) {
  return page.evaluate(() => (window as unknown as { __opsdeckLoadedOnce?: boolean }).__opsdeckLoadedOnce === true)
}

/**
 * Waits — without reloading — until the open return page shows `status`: a step taken elsewhere (the worker, an
 * integration, another person) reaches the page through its socket (`returns.changed`).
 */
async function waitForStatus(page: Page, status: string) {
  await expect.poll(() => page.getByTestId('return-status').getAttribute('data-status'), { timeout: WAIT, interval: 250 }).toBe(status)
  expect(await stillSamePage(page), 'the page was reloaded').toBe(true)
}

test('a return from request to refund, with the restock on the SKU’s stock and ledger', async () => {
  const supportContext = await browser.newContext()
  const opsContext = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    // 1. Support requests the return from the order page (support cannot read the returns queue).
    const support = await supportContext.newPage()
    const supportConsole = watchConsole(support)
    await signIn(support, app!.url, sam.email, sam.password)
    await support.goto(`${app!.url}/orders/${order.id}`)
    await support.getByTestId('start-return').click()
    await support.getByTestId('return-request-form').waitFor()
    const row = support.locator(`[data-testid="request-line"][data-sku="${order.lineSku}"]`)
    // Asking for more than shipped is a field error, nothing is created.
    await row.getByLabel(`Units of ${order.lineSku} to return`).fill('9')
    await row.getByLabel(`Reason for ${order.lineSku}`).selectOption('size_fit')
    await support.evaluate(() => document.querySelectorAll('input[type=number]').forEach((input) => input.removeAttribute('max')))
    await support.getByRole('button', { name: 'Request return' }).click()
    await expect.poll(() => row.locator('.field-error').textContent()).toBe('At most 3 can be returned')
    await support.screenshot({ path: path.join(SCREENS, 'returns-new.png'), fullPage: true })
    await row.getByLabel(`Units of ${order.lineSku} to return`).fill('2')
    await support.getByLabel('What the customer said (optional)').fill('Too small, please refund')
    await Promise.all([support.waitForURL(`${app!.url}/orders/${order.id}`), support.getByRole('button', { name: 'Request return' }).click()])
    await expect.poll(() => support.getByTestId('toast').textContent()).toMatch(/Return RMA-\d+ requested/)
    const linked = support.getByTestId('linked-return')
    expect(await linked.textContent()).toContain('requested')
    const rmaNumber = (await linked.locator('.cell-strong').textContent())!.trim()
    expect(rmaNumber).toMatch(/^RMA-\d+$/)
    // The one 400 is the refused request above (field errors are a 400 response).
    expect(supportConsole.errors.filter((e) => !/favicon/.test(e) && !/status of 400/.test(e))).toEqual([])
    const forbidden = await support.goto(`${app!.url}/returns`)
    expect(forbidden?.status()).toBe(403)

    // 2. Operations finds it in the queue and opens it.
    const page = await opsContext.newPage()
    const console = watchConsole(page)
    await signIn(page, app!.url, ops.email, ops.password)
    await page.goto(`${app!.url}/returns?status=requested`)
    const queueRow = page.getByTestId('returns-table').locator('tbody tr', { hasText: rmaNumber })
    await queueRow.waitFor()
    expect(await queueRow.textContent()).toContain('Size or fit')
    await page.screenshot({ path: path.join(SCREENS, 'returns-queue.png'), fullPage: true })
    await queueRow.getByTestId('return-link').click()
    await page.getByTestId('return-number').waitFor()
    expect(await page.getByTestId('return-number').textContent()).toBe(rmaNumber)

    // 3. Approve: the carrier integration buys the return label (outbox → worker → sandbox carrier); the open page
    //    shows it when it arrives, without a reload.
    await page.getByTestId('action-approve').locator('summary').click()
    await page.getByTestId('approve-form').getByRole('button', { name: 'Approve return' }).click()
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Return approved')
    await markPage(page)
    await waitForStatus(page, 'label_created')
    expect(await page.getByTestId('return-tracking').textContent()).toMatch(/^OD\d{10}GB$/)

    // 4. The customer hands the parcel in: the carrier's tracking (webhook) moves the return to in transit.
    const returnId = new URL(page.url()).pathname.split('/').at(-1)!
    await control('/carrier/advance', { id: (await returnLabelOf(returnId)).id })
    await waitForStatus(page, 'in_transit')
    // Received: 2 back, 1 damaged.
    await page.getByTestId('action-receive').locator('summary').click()
    const receive = page.getByTestId('receive-form')
    await receive.getByLabel(`Received of ${order.lineSku}`).fill('2')
    await receive.getByLabel(`Damaged of ${order.lineSku}`).fill('1')
    await receive.getByRole('button', { name: 'Receive' }).click()
    await expect.poll(() => page.getByTestId('return-status').getAttribute('data-status'), { timeout: WAIT }).toBe('received')
    expect(await page.getByTestId('return-sla').getAttribute('data-overdue')).toBe('false')

    // 5. Restock the undamaged unit to the warehouse.
    const dispose = page.getByTestId('dispose-form')
    await dispose.waitFor()
    await page.screenshot({ path: path.join(SCREENS, 'returns-page-received.png'), fullPage: true })
    await dispose.getByLabel(`Decision for ${order.lineSku}`).selectOption('restock')
    await dispose.getByLabel(`Restock location for ${order.lineSku}`).selectOption(order.locationId)
    await dispose.getByRole('button', { name: 'Save decisions' }).click()
    await expect.poll(() => page.getByTestId('line-disposition').textContent(), { timeout: WAIT }).toContain('Restocked 1 to')
    expect(await page.getByTestId('return-stock').textContent()).toContain(`+1 at ${order.locationCode}`)

    // 6. Refund the suggested amount through the payment integration; the sandbox gateway confirms it.
    const resolve = page.getByTestId('resolve-form')
    await resolve.waitFor()
    await page.screenshot({ path: path.join(SCREENS, 'returns-page-resolve.png'), fullPage: true })
    await resolve.getByRole('button', { name: 'Resolve return' }).click()
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Refund requested, return resolved')
    expect(await page.getByTestId('return-status').getAttribute('data-status')).toBe('resolved')
    // The gateway's confirmation reaches the open page by itself.
    await markPage(page)
    await expect.poll(() => page.getByTestId('return-refunds').textContent(), { timeout: WAIT, interval: 250 }).toContain('succeeded')
    expect(await stillSamePage(page), 'the page was reloaded').toBe(true)
    const timeline = await page.getByTestId('order-timeline').textContent()
    for (const step of ['Return requested', 'Approved', 'Return label created by the carrier', 'In transit (carrier tracking)', 'Received', 'Items dealt with', 'Resolved', 'Refund confirmed by the payment gateway']) {
      expect(timeline).toContain(step)
    }
    expect(timeline).toContain('Sam Support (support)')
    expect(timeline).toContain('Olga Operations (operations)')
    await page.screenshot({ path: path.join(SCREENS, 'returns-page.png'), fullPage: true })
    // Nothing sticks out sideways at tablet width (tables scroll inside their panel if they must).
    await page.setViewportSize({ width: 1024, height: 800 })
    const overflow = await page.evaluate(() => ({
      width: document.documentElement.scrollWidth,
      culprits: [...document.querySelectorAll('body *')]
        .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5)
        .map((node) => `${node.tagName.toLowerCase()}.${node.className}`),
    }))
    expect(overflow).toEqual({ width: 1024, culprits: [] })
    await page.screenshot({ path: path.join(SCREENS, 'returns-page-1024.png'), fullPage: true })
    await page.setViewportSize({ width: 1280, height: 900 })

    // 7. The restock on the SKU's inventory page: on hand +1, and a restock ledger row linked to the return.
    await page.goto(`${app!.url}/inventory/${order.variantId}`)
    await page.getByTestId('levels-table').waitFor()
    const levelRow = page.getByTestId('levels-table').locator(`tr[data-location="${order.locationCode}"]`)
    expect((await levelRow.getByTestId('on-hand').textContent())!.trim()).toBe(String(order.onHand + 1))
    const restockRow = page.getByTestId('ledger-table').locator('tr[data-kind="restock"]', { hasText: rmaNumber })
    expect(await restockRow.count()).toBe(1)
    expect(await restockRow.textContent()).toContain('Olga Operations')
    await page.screenshot({ path: path.join(SCREENS, 'returns-inventory-sku.png'), fullPage: true })

    // 8. Insights show the return under its reason.
    await page.goto(`${app!.url}/returns/insights`)
    await page.getByTestId('reasons-chart').waitFor()
    await page.screenshot({ path: path.join(SCREENS, 'returns-insights.png'), fullPage: true })
    expect(console.errors.filter((e) => !/favicon/.test(e))).toEqual([])
  } finally {
    await supportContext.close()
    await opsContext.close()
  }
})

test('a return page stays live: another person’s step and a model call elsewhere show up without a reload; an open form is not changed under the person', async () => {
  const graph = await createStockedOrder(db, { status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered', lineCount: 1, spare: 2, currency: 'GBP' })
  const line = graph.lines[0]!
  const number = `RMA-${Date.now()}`
  const created = await db.return.create({
    data: { number, orderId: graph.order.id, status: 'requested', requestedAt: new Date(), lines: { create: [{ orderLineId: line.id, quantityRequested: 1, reasonCode: 'defective' }] } },
    select: { id: true },
  })
  const first = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const second = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    const watcher = await first.newPage()
    const console = watchConsole(watcher)
    await signIn(watcher, app!.url, ops.email, ops.password)
    await watcher.goto(`${app!.url}/returns/${created.id}`)
    await watcher.getByTestId('return-number').waitFor()
    expect(await watcher.getByTestId('return-status').getAttribute('data-status')).toBe('requested')
    await markPage(watcher)

    // Another person (their own session) approves it without a label: the watcher's page follows.
    const other = await second.newPage()
    const { user: colleague, password } = await createUser(db, { role: 'operations', name: 'Colin Colleague' })
    await signIn(other, app!.url, colleague.email, password)
    await other.goto(`${app!.url}/returns/${created.id}`)
    await other.getByTestId('action-approve').locator('summary').click()
    await other.getByTestId('approve-form').getByLabel(/label/i).uncheck()
    await other.getByTestId('approve-form').getByRole('button', { name: 'Approve return' }).click()
    await expect.poll(() => other.getByTestId('toast').textContent()).toContain('Return approved')
    await waitForStatus(watcher, 'approved')
    await expect.poll(() => watcher.getByTestId('order-timeline').textContent(), { timeout: WAIT }).toContain('Colin Colleague (operations)')

    // A write that is not a person's step on a page (a script, another process): the page follows it too.
    await db.return.update({ where: { id: created.id }, data: { status: 'in_transit', carrier: 'Parcelforce', trackingNumber: 'PF123456789GB', inTransitAt: new Date(), version: { increment: 1 } } })
    await waitForStatus(watcher, 'in_transit')
    expect(await watcher.getByTestId('return-tracking').textContent()).toBe('PF123456789GB')
    await watcher.screenshot({ path: path.join(SCREENS, 'returns-page-live.png'), fullPage: true })

    // The watcher opens the Receive form; a change meanwhile is announced, not swapped in under them.
    await watcher.getByTestId('action-receive').locator('summary').click()
    await watcher.getByTestId('receive-form').getByLabel(`Received of ${line.sku}`).fill('1')
    await db.return.update({ where: { id: created.id }, data: { note: 'Customer called: parcel posted Monday', version: { increment: 1 } } })
    await watcher.getByTestId('return-changed').waitFor({ timeout: WAIT })
    expect(await watcher.getByTestId('receive-form').getByLabel(`Received of ${line.sku}`).inputValue()).toBe('1')
    await watcher.screenshot({ path: path.join(SCREENS, 'returns-page-live-notice.png'), fullPage: true })
    await watcher.getByTestId('return-changed').getByRole('button', { name: 'Show the latest' }).click()
    await expect.poll(() => watcher.getByTestId('return-items').textContent(), { timeout: WAIT }).toContain('Customer called: parcel posted Monday')
    expect(await stillSamePage(watcher), 'the page was reloaded').toBe(true)
    expect(console.errors.filter((e) => !/favicon/.test(e))).toEqual([])
  } finally {
    await first.close()
    await second.close()
  }
})
