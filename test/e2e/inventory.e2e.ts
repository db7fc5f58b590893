import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { createLocation, createStockedVariant } from '#test/factories/catalogue.ts'
import { createOrder } from '#test/factories/orders.ts'
import { createUser } from '#test/factories/users.ts'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, signIn, watchConsole } from '#test/helpers/browser.ts'

/**
 * The inventory pages in a real browser against the real web process: the list finds a SKU by search and by the
 * out-of-stock filter (state in the URL); the SKU page shows its levels and ledger (with the order behind a
 * reservation); an adjustment asking to remove more than is free is refused with a field error, then a valid one
 * succeeds and its ledger row appears; a stock count shows the difference before it is confirmed. Screenshots go
 * to /work/notes/screens (or INVENTORY_SCREENS_DIR).
 */

const SCREENS = process.env.INVENTORY_SCREENS_DIR ?? '/work/notes/screens'

let app: AppProcess | undefined
let browser: Browser
let db: PrismaClient
await printLogsOnFailure(() => app)

let ops: { email: string; password: string }
let desk: Awaited<ReturnType<typeof createStockedVariant>>
let gone: Awaited<ReturnType<typeof createStockedVariant>>
let orderNumber: string

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'none', worker: false, sandbox: false, label: 'e2einventory' }), launchBrowser()])
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: app.databaseUrl, max: 2 }) })
  mkdirSync(SCREENS, { recursive: true })
  const { user, password } = await createUser(db, { role: 'operations', name: 'Ines Inventory' })
  ops = { email: user.email, password }
  const leeds = await createLocation(db, { code: 'LDS', name: 'Leeds warehouse' })
  const bristol = await createLocation(db, { code: 'BRS', name: 'Bristol store' })
  desk = await createStockedVariant(db, {
    sku: 'E2E-DESK-OAK',
    title: 'Oak writing desk',
    stock: [
      { locationId: leeds.id, onHand: 12, lowStockThreshold: 3 },
      { locationId: bristol.id, onHand: 2, lowStockThreshold: 3 },
    ],
  })
  gone = await createStockedVariant(db, { sku: 'E2E-LAMP-GONE', title: 'Sold-out lamp', stock: [{ locationId: leeds.id, onHand: 0 }] })
  // An order holding 4 desks at Leeds: reserved through the real reservation statement, so its ledger row links to it.
  const graph = await createOrder(db, {
    status: 'pending',
    paymentStatus: 'authorized',
    items: [{ variantId: desk.variant.id, sku: desk.variant.sku, title: 'Oak writing desk', unitPriceAmount: 24_900 }],
    quantities: [4],
  })
  orderNumber = graph.order.number
  await db.$queryRaw`select o_ok from "inventory_reserve_order"(${graph.order.id}, ${null}::text)`
})

afterAll(async () => {
  await db?.$disconnect()
  await browser?.close()
  await app?.stop()
})

test('inventory list: search and the out-of-stock filter are in the URL', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const consoleWatch = watchConsole(page)
    await signIn(page, app!.url, ops.email, ops.password)
    await page.goto(`${app!.url}/inventory`)
    const table = page.getByTestId('inventory-table')
    await table.getByText('E2E-DESK-OAK').first().waitFor()
    expect(await table.locator('tbody tr').count()).toBe(3)
    await page.screenshot({ path: path.join(SCREENS, 'inventory-list.png'), fullPage: true })

    await page.getByLabel('Search').fill('Sold-out')
    await Promise.all([page.waitForURL(/q=Sold-out/), page.getByRole('button', { name: 'Apply' }).click()])
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="inventory-table"] tbody tr').length === 1, undefined, { timeout: 15_000 })
    await expect(table.locator('tbody tr').first().innerText()).resolves.toContain('E2E-LAMP-GONE')

    await page.goto(`${app!.url}/inventory?state=out`)
    await table.getByText(gone.variant.sku).waitFor()
    expect(await table.locator('tbody tr').count()).toBe(1)
    await expect(page.getByTestId('state-oversold').innerText()).resolves.toBe('Oversold 0')
    expect(consoleWatch.errors).toEqual([])
  } finally {
    await context.close()
  }
})

test('SKU page: levels and ledger; an adjustment with a field error, then one that succeeds and shows in the ledger', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const consoleWatch = watchConsole(page)
    await signIn(page, app!.url, ops.email, ops.password)
    await page.goto(`${app!.url}/inventory`)
    await Promise.all([page.waitForURL(/\/inventory\/.+/), page.getByTestId('inventory-table').getByRole('link', { name: 'E2E-DESK-OAK' }).first().click()])
    await page.getByTestId('levels-table').waitFor()
    const leedsRow = page.locator('[data-testid="levels-table"] tr[data-location="LDS"]')
    await expect(leedsRow.innerText()).resolves.toMatch(/12\s+4\s+8/)
    // The reservation's ledger row links to its order.
    const ledger = page.getByTestId('ledger-table')
    await ledger.getByRole('link', { name: `Order ${orderNumber}` }).waitFor()

    // 12 on hand, 4 reserved: removing 10 damaged units is refused on the quantity field.
    const adjust = page.getByTestId('adjust-form')
    await adjust.getByLabel('Location').selectOption({ label: 'LDS — 12 on hand, 8 available' })
    await adjust.getByLabel('Reason').selectOption('damage')
    await adjust.getByLabel('Units').fill('10')
    await adjust.getByLabel('Note').fill('Forklift accident')
    await adjust.getByRole('button', { name: 'Record adjustment' }).click()
    const fieldError = adjust.locator('#adjust-quantity-error')
    await fieldError.waitFor({ timeout: 15_000 })
    await expect(fieldError.innerText()).resolves.toBe('Only 8 can be removed: 12 on hand, 4 reserved for orders — you asked to remove 10')
    await expect(adjust.getByLabel('Units').getAttribute('aria-invalid')).resolves.toBe('true')
    await page.screenshot({ path: path.join(SCREENS, 'inventory-sku-field-error.png'), fullPage: true })

    // A valid adjustment: 2 damaged units.
    await adjust.getByLabel('Units').fill('2')
    await adjust.getByRole('button', { name: 'Record adjustment' }).click()
    await page.locator('.toast').getByText('Stock adjusted').waitFor({ timeout: 15_000 })
    await expect(leedsRow.innerText()).resolves.toMatch(/10\s+4\s+6/)
    const row = ledger.locator('tbody tr[data-kind="adjust"]', { hasText: 'damage: Forklift accident' })
    await row.waitFor()
    await expect(row.innerText()).resolves.toMatch(/Adjusted\s+LDS\s+−2/)
    await expect(row.innerText()).resolves.toContain('Ines Inventory')

    // A stock count shows the difference before it is confirmed.
    const count = page.getByTestId('count-form')
    await count.getByLabel('Location').selectOption({ label: 'BRS — 2 on hand, 2 available' })
    await count.getByLabel('Counted on the shelf').fill('5')
    await expect(page.getByTestId('count-difference').innerText()).resolves.toBe('Recorded 2 · counted 5 · difference +3')
    await count.getByRole('button', { name: 'Confirm count' }).click()
    await page.locator('.toast').getByText('Count confirmed').waitFor({ timeout: 15_000 })
    await expect(page.locator('[data-testid="levels-table"] tr[data-location="BRS"]').innerText()).resolves.toMatch(/5\s+0\s+5/)
    await page.screenshot({ path: path.join(SCREENS, 'inventory-sku.png'), fullPage: true })

    const stored = await db.inventoryLevel.findMany({ where: { variantId: desk.variant.id }, select: { onHand: true, reserved: true }, orderBy: { onHand: 'asc' } })
    expect(stored).toEqual([
      { onHand: 5, reserved: 0 },
      { onHand: 10, reserved: 4 },
    ])
    expect(await db.auditLog.count({ where: { entityType: 'inventory_level', action: { in: ['adjust:inventory', 'count:inventory'] } } })).toBe(2)
    // The refused adjustment's 400 is the browser's own log line; nothing else may be logged.
    expect(consoleWatch.errors.filter((e) => !e.includes('status of 400 (Bad Request)'))).toEqual([])
  } finally {
    await context.close()
  }
})
