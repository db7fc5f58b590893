import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { addressSnapshot, buildAddress, createCustomer } from '#test/factories/customers.ts'
import { DAY, HOUR, testFaker } from '#test/factories/faker.ts'
import { createOrder } from '#test/factories/orders.ts'
import { buildReturn } from '#test/factories/returns.ts'
import { createTicket } from '#test/factories/tickets.ts'
import { createUser } from '#test/factories/users.ts'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, signIn, watchConsole } from '#test/helpers/browser.ts'

/**
 * The order page in a real browser against the real web process: a rich order's whole case file renders from
 * factory data; an illegal transition is refused with the rule's message; a stale edit from a second browser is
 * refused with the stale message (not applied); presence shows the other viewer live. Screenshots of the rich order
 * at 1280×800 and 1024 wide go to /work/notes/screens (or ORDER_PAGE_SCREENS_DIR).
 */

const SCREENS = process.env.ORDER_PAGE_SCREENS_DIR ?? '/work/notes/screens'

let app: AppProcess | undefined
let browser: Browser
let db: PrismaClient
await printLogsOnFailure(() => app)

type Person = { email: string; password: string; name: string }
let ana: Person
let olli: Person
let rich: { id: string; number: string; jobId: string; trackingNumber: string; returnNumber: string; ticketNumber: number }

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'none', label: 'e2eorderpage' }), launchBrowser()])
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: app.databaseUrl, max: 2 }) })
  mkdirSync(SCREENS, { recursive: true })

  const person = async (role: 'operations' | 'admin' | 'support', name: string) => {
    const { user, password } = await createUser(db, { role, name })
    return { email: user.email, password, name, id: user.id }
  }
  const anaUser = await person('operations', 'Ana Ortiz')
  const olliUser = await person('admin', 'Olli Admin')
  const sam = await person('support', 'Sam Support')
  ana = anaUser
  olli = olliUser

  // A delivered order with a partial refund, a return, a ticket, notes, audit entries, a sync job and a webhook.
  const now = new Date()
  const customer = await createCustomer(db, { name: 'Grace Hopper', phone: '+44 20 7946 0000' })
  const address = buildAddress(testFaker, customer, { name: 'Grace Hopper', line1: '12 Harbour Street', city: 'Bristol', postalCode: 'BS1 4RN', country: 'GB', region: 'Avon' })
  const graph = await createOrder(db, {
    now,
    placedAt: new Date(now.getTime() - 9 * DAY),
    status: 'completed',
    paymentStatus: 'partially_refunded',
    fulfillmentStatus: 'delivered',
    customer,
    shippingAddress: addressSnapshot(address),
    items: [
      { sku: `DESK-WAL-${Date.now()}`, title: 'Walnut standing desk', variantTitle: '140 × 70 cm', unitPriceAmount: 54_900 },
      { sku: `LAMP-BRS-${Date.now()}`, title: 'Brass desk lamp', unitPriceAmount: 8_900 },
      { sku: `MAT-FLT-${Date.now()}`, title: 'Felt desk mat', variantTitle: 'Charcoal', unitPriceAmount: 2_400 },
    ],
    quantities: [1, 2, 1],
    tags: ['vip', 'fragile'],
  })
  const orderId = graph.order.id
  await db.order.update({ where: { id: orderId }, data: { assigneeId: anaUser.id } })
  const ret = buildReturn(testFaker, graph, { status: 'requested', now })
  await db.return.create({ data: ret.ret })
  await db.returnLine.createMany({ data: ret.lines })
  const ticket = await createTicket(db, {
    order: { id: orderId, number: graph.order.number },
    requester: customer,
    status: 'open',
    assigneeId: sam.id,
    subject: `Lamp arrived scratched — order ${graph.order.number}`,
    createdAt: new Date(now.getTime() - 2 * DAY),
    now,
  })
  await db.orderNote.create({ data: { orderId, authorId: sam.id, body: 'Customer says the lamp shade is scratched; photos in the ticket.', createdAt: new Date(now.getTime() - 2 * DAY + HOUR) } })
  await db.orderNote.create({ data: { orderId, authorId: anaUser.id, body: 'Offered a partial refund for the lamp; customer accepted.', createdAt: new Date(now.getTime() - DAY) } })
  await db.auditLog.create({
    data: { actorId: anaUser.id, action: 'tag:order', entityType: 'order', entityId: orderId, before: { tags: ['vip'] }, after: { tags: ['vip', 'fragile'] }, createdAt: new Date(now.getTime() - 8 * DAY) },
  })
  const jobId = `import-order-${graph.order.externalId}`
  const placed = graph.order.placedAt.getTime()
  for (const [attempt, status, offset] of [
    [1, 'retrying', 5_000],
    [2, 'completed', 35_000],
  ] as const) {
    await db.jobRun.create({
      data: {
        integration: 'storefront',
        queue: 'sync-storefront',
        jobId,
        name: 'import-order',
        attempt,
        status,
        durationMs: 42,
        summary: status === 'completed' ? 'order created' : null,
        error: status === 'retrying' ? 'HTTP 503 from storefront (retrying)' : null,
        startedAt: new Date(placed + offset),
        finishedAt: new Date(placed + offset),
      },
    })
  }
  await db.recordLink.create({ data: { sourceType: 'job', sourceId: `sync-storefront/${jobId}`, entityType: 'order', entityId: orderId } })
  const webhook = await db.webhookEvent.create({
    data: { provider: 'carrier', eventId: `evt_delivered_${orderId}`, topic: 'shipment.delivered', payload: {}, status: 'processed', receivedAt: graph.fulfillments[0]!.deliveredAt as Date },
  })
  await db.recordLink.create({ data: { sourceType: 'webhook', sourceId: webhook.id, entityType: 'order', entityId: orderId } })
  // The integration rows the worker creates at start (no worker here): the job links open their pages.
  await db.integration.createMany({ data: [{ key: 'storefront', name: 'Storefront' }, { key: 'carrier', name: 'Shipping carrier' }], skipDuplicates: true })
  // The return's steps, audited as return.server.ts audits them: the order's case file shows each, with who did it.
  for (const [action, actorId, after, hoursAgo] of [
    ['request:return', sam.id, { status: 'requested', units: 1, note: 'Shade scratched' }, 40],
    ['approve:return', anaUser.id, { status: 'approved', buyLabel: true }, 30],
    ['label:return', null, { status: 'label_created', carrier: 'Sandbox carrier', trackingNumber: 'RT123456789GB' }, 29],
  ] as const) {
    await db.auditLog.create({ data: { actorId, action, entityType: 'return', entityId: ret.ret.id, after, createdAt: new Date(now.getTime() - hoursAgo * HOUR) } })
  }
  rich = {
    id: orderId,
    number: graph.order.number,
    jobId,
    trackingNumber: graph.fulfillments[0]!.trackingNumber as string,
    returnNumber: ret.ret.number,
    ticketNumber: ticket.ticket.number ?? (await db.ticket.findUniqueOrThrow({ where: { id: ticket.ticket.id }, select: { number: true } })).number,
  }
})

afterAll(async () => {
  await db?.$disconnect()
  await browser?.close()
  await app?.stop()
})

async function openOrder(page: Page, who: Person, orderId: string) {
  await signIn(page, app!.url, who.email, who.password)
  await page.goto(`${app!.url}/orders/${orderId}`)
  await page.getByTestId('order-number').waitFor()
}

test('a rich order’s whole case file: items, payment, fulfilment with tracking, notes, timeline, returns, tickets, sync', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  try {
    const page = await context.newPage()
    const console = watchConsole(page)
    await openOrder(page, ana, rich.id)

    expect(await page.getByTestId('order-number').textContent()).toBe(rich.number)
    expect(await page.getByTestId('order-status').getAttribute('data-status')).toBe('completed')
    expect(await page.getByTestId('payment-status').getAttribute('data-status')).toBe('partially_refunded')
    expect(await page.getByTestId('fulfillment-status').getAttribute('data-status')).toBe('delivered')

    const lines = page.getByTestId('order-lines').locator('tbody tr')
    expect(await lines.count()).toBe(3)
    expect(await lines.nth(1).textContent()).toContain('Brass desk lamp')
    expect(await lines.nth(1).locator('[data-counter="shipped"]').textContent()).toBe('2')

    expect(await page.getByTestId('order-refunds').locator('tbody tr').count()).toBe(1)
    expect(await page.getByTestId('tracking-number').first().textContent()).toBe(rich.trackingNumber)
    expect(await page.getByTestId('tracking-events').first().locator('li').count()).toBeGreaterThanOrEqual(3)

    const notes = await page.getByTestId('order-notes').textContent()
    expect(notes).toContain('Offered a partial refund for the lamp')
    expect(notes).toContain('Sam Support (support)')

    expect(await page.getByTestId('linked-return').textContent()).toContain(rich.returnNumber)
    expect(await page.getByTestId('linked-ticket').textContent()).toContain(`#${rich.ticketNumber}`)
    const jobLink = page.getByTestId('linked-job').getByRole('link')
    expect(await jobLink.getAttribute('href')).toBe(`/integrations/storefront?view=search&q=${encodeURIComponent(rich.jobId)}`)
    expect(await page.getByTestId('linked-job').textContent()).toContain('2 attempts')
    expect(await page.getByTestId('linked-webhook').textContent()).toContain('shipment.delivered')

    const timeline = page.getByTestId('order-timeline')
    const kinds = await timeline.locator('[data-kind]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-kind')))
    for (const kind of ['placed', 'audit', 'note', 'payment', 'refund', 'fulfilment', 'tracking', 'return', 'ticket', 'webhook', 'job']) expect(kinds).toContain(kind)
    expect(kinds.at(-1)).toBe('placed')
    expect(await timeline.textContent()).toContain('Ana Ortiz (operations)')
    // Every return step, with who did it (the carrier's label as the carrier integration).
    const steps = await timeline.locator('[data-kind="return"]').allTextContents()
    for (const [title, who] of [
      [`Return ${rich.returnNumber} requested`, 'Sam Support'],
      [`Return ${rich.returnNumber}: Approved`, 'Ana Ortiz'],
      [`Return ${rich.returnNumber} label created by the carrier`, 'Carrier integration'],
    ]) {
      expect(steps.find((text) => text.includes(title!))).toContain(who)
    }

    // A completed order offers no lifecycle action; a refund is still possible (money left to refund).
    expect(await page.getByTestId('order-actions').count()).toBe(0)
    expect(await page.getByTestId('action-refund').count()).toBe(1)

    await page.screenshot({ path: path.join(SCREENS, 'order-page.png') })
    await page.screenshot({ path: path.join(SCREENS, 'order-page-full.png'), fullPage: true })
    await page.setViewportSize({ width: 1024, height: 800 })
    // Nothing sticks out sideways at tablet width (tables scroll inside their panel if they must).
    const overflow = await page.evaluate(() => ({
      width: document.documentElement.scrollWidth,
      culprits: [...document.querySelectorAll('body *')]
        .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5)
        .map((node) => `${node.tagName.toLowerCase()}.${node.className}`),
    }))
    expect(overflow).toEqual({ width: 1024, culprits: [] })
    await page.screenshot({ path: path.join(SCREENS, 'order-page-1024.png'), fullPage: true })
    expect(console.errors.filter((error) => !/favicon/.test(error))).toEqual([])

    // The sync job's link opens its attempts on the integration page.
    await page.setViewportSize({ width: 1280, height: 800 })
    await Promise.all([page.waitForURL(/\/integrations\/storefront\?view=search/), page.getByTestId('linked-job').getByRole('link').click()])
    expect(await page.getByTestId('search-matched').textContent()).toBe('2 attempts matched by job id.')
    await page.screenshot({ path: path.join(SCREENS, 'order-sync-drilldown.png') })
  } finally {
    await context.close()
  }
})

test('an illegal transition is refused with the rule’s message: a shipped order offers no cancel, and posting one anyway is 422', async () => {
  const shipped = await createOrder(db, { status: 'processing', paymentStatus: 'paid', fulfillmentStatus: 'shipped' })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await openOrder(page, ana, shipped.order.id)
    expect(await page.getByTestId('action-cancel').count()).toBe(0)
    expect(await page.getByTestId('action-hold').count()).toBe(0)

    const answer = await page.evaluate(async (id) => {
      const response = await fetch(`/orders/${id}?_data=${encodeURIComponent('routes/orders.$id')}`, {
        method: 'POST',
        body: new URLSearchParams({ intent: 'cancel', expectedVersion: '1', reason: 'Customer changed their mind' }),
      })
      return { status: response.status, body: (await response.json()) as { formError?: string } }
    }, shipped.order.id)
    expect(answer).toEqual({ status: 422, body: { intent: 'cancel', formError: 'A shipped order cannot be cancelled — create a return instead' } })
    expect((await db.order.findUniqueOrThrow({ where: { id: shipped.order.id }, select: { status: true } })).status).toBe('processing')

    // An unknown order is a helpful 404, inside the shell.
    const missing = await page.goto(`${app!.url}/orders/c-no-such-order`)
    expect(missing?.status()).toBe(404)
    await page.getByRole('heading', { name: 'Page not found' }).waitFor()
    expect(await page.locator('main').textContent()).toContain('There is no order with id “c-no-such-order”')
  } finally {
    await context.close()
  }
})

// Two browsers and several live round trips: under a loaded CI machine this takes far longer than alone (~4 s).
test('two people on one order: each sees the other live; the second one’s edit on a stale page is refused, not applied', { timeout: 150_000 }, async () => {
  const pending = await createOrder(db, { status: 'pending', paymentStatus: 'authorized', fulfillmentStatus: 'unfulfilled' })
  const [contextA, contextB] = [await browser.newContext(), await browser.newContext()]
  try {
    const pageA = await contextA.newPage()
    const pageB = await contextB.newPage()
    await openOrder(pageA, ana, pending.order.id)
    await pageA.locator('[data-testid="order-presence"][data-known="true"]').waitFor()
    expect(await pageA.getByTestId('order-presence').textContent()).toContain('Only you')

    await openOrder(pageB, olli, pending.order.id)
    await expect.poll(() => pageA.getByTestId('order-presence').textContent(), { timeout: 10_000 }).toContain('Also viewing: Olli Admin (admin)')
    await expect.poll(() => pageB.getByTestId('order-presence').textContent(), { timeout: 10_000 }).toContain('Also viewing: Ana Ortiz (operations)')

    // Ana starts putting the order on hold; meanwhile Olli confirms it. Ana's page is not changed under her hand:
    // it says live that the order changed, and her submit anyway is refused as stale.
    await pageA.getByTestId('action-hold').locator('summary').click()
    await pageA.getByLabel('Why hold this order?').fill('Address looks wrong')
    await pageB.getByRole('button', { name: 'Confirm order' }).click()
    await expect.poll(() => pageB.getByTestId('toast').textContent()).toContain('Order confirmed')
    await pageA.getByTestId('order-changed').waitFor({ timeout: 10_000 })
    expect(await pageA.getByTestId('order-status').getAttribute('data-status')).toBe('pending')
    await pageA.getByRole('button', { name: 'Put on hold' }).click()

    const stale = pageA.getByTestId('stale-error')
    await stale.waitFor()
    expect(await stale.textContent()).toContain('Someone changed this order since you opened it — reload to see their change')
    // The hold form closes (the message is the page's, not the popover's); the page still shows what Ana saw.
    await pageA.locator('[data-testid="action-hold"]:not([open])').waitFor()
    expect(await pageA.getByTestId('order-status').getAttribute('data-status')).toBe('pending')
    await pageA.screenshot({ path: path.join(SCREENS, 'order-page-stale.png') })
    expect(await db.order.findUniqueOrThrow({ where: { id: pending.order.id }, select: { status: true, version: true } })).toEqual({ status: 'confirmed', version: 2 })

    // Reloading shows Olli's change; the hold is offered again on the fresh version.
    await pageA.getByTestId('reload').click()
    await expect.poll(() => pageA.getByTestId('order-status').getAttribute('data-status')).toBe('confirmed')
    expect(await pageA.getByTestId('stale-error').count()).toBe(0)

    // Without a form open, Olli's next change simply appears on Ana's page (the page follows the order live).
    await pageB.reload()
    await pageB.getByTestId('action-hold').locator('summary').click()
    await pageB.getByLabel('Why hold this order?').fill('Fraud check')
    await pageB.getByRole('button', { name: 'Put on hold' }).click()
    await expect.poll(() => pageA.getByTestId('order-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('on_hold')
    expect(await pageA.getByTestId('order-changed').count()).toBe(0)

    // Olli leaves: Ana is alone again.
    await pageB.close()
    await expect.poll(() => pageA.getByTestId('order-presence').textContent(), { timeout: 10_000 }).toContain('Only you')
  } finally {
    await contextA.close()
    await contextB.close()
  }
})

test('operations works an order through the page: partial fulfilment, ship with tracking, refund, note, tag', async () => {
  const order = await createOrder(db, {
    status: 'confirmed',
    paymentStatus: 'paid',
    fulfillmentStatus: 'unfulfilled',
    items: [
      { sku: `CHAIR-${Date.now()}`, title: 'Oak chair', unitPriceAmount: 12_000 },
      { sku: `CUSH-${Date.now()}`, title: 'Seat cushion', unitPriceAmount: 1_500 },
    ],
    quantities: [2, 1],
  })
  const [chair, cushion] = order.lines
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  try {
    const page = await context.newPage()
    const console = watchConsole(page)
    await openOrder(page, ana, order.order.id)
    const counter = (lineId: string, name: string) => page.locator(`[data-line-id="${lineId}"] [data-counter="${name}"]`).textContent()

    // Fulfil one chair only (the form defaults to everything left: 2 chairs, 1 cushion).
    await page.getByTestId('action-fulfil').locator('summary').click()
    expect(await page.getByLabel('Oak chair').inputValue()).toBe('2')
    await page.getByLabel('Oak chair').fill('1')
    await page.getByLabel('Seat cushion').fill('0')
    await page.screenshot({ path: path.join(SCREENS, 'order-page-fulfil.png') })
    await page.getByRole('button', { name: 'Create fulfilment' }).click()
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Fulfilment created')
    expect(await counter(chair!.id, 'fulfilled')).toBe('1')
    expect(await counter(cushion!.id, 'fulfilled')).toBe('0')
    expect(await page.getByTestId('fulfillment-status').getAttribute('data-status')).toBe('partially_fulfilled')

    // Ship that parcel by hand with a tracking number.
    await page.getByTestId('action-ship:' + (await db.fulfillment.findFirstOrThrow({ where: { orderId: order.order.id }, select: { id: true } })).id).locator('summary').click()
    await page.getByLabel('Carrier (optional)').fill('DPD')
    await page.getByLabel('Tracking number (optional)').fill('DPD0001234567GB')
    await page.getByRole('button', { name: 'Mark shipped' }).last().click()
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Marked as shipped')
    expect(await counter(chair!.id, 'shipped')).toBe('1')
    expect(await page.getByTestId('tracking-number').textContent()).toBe('DPD0001234567GB')

    // A partial refund.
    await page.getByTestId('action-refund').locator('summary').click()
    await page.getByLabel(/^Amount/).fill('15.00')
    await page.getByLabel('Reason').fill('Cushion out of stock')
    await page.getByRole('button', { name: 'Refund', exact: true }).last().click()
    await expect.poll(() => page.getByTestId('toast').textContent()).toContain('Refund requested')
    expect(await page.getByTestId('order-refunds').textContent()).toContain('Cushion out of stock')

    // A note and a tag.
    await page.getByLabel('Add a note').fill('Cushion back in stock next week; ship separately.')
    await page.getByRole('button', { name: 'Add note' }).click()
    await expect.poll(() => page.getByTestId('order-notes').textContent()).toContain('Cushion back in stock next week')
    await page.getByLabel('Add tags').fill('split-shipment')
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await expect.poll(() => page.getByTestId('order-tags').textContent()).toContain('split-shipment')
    expect(await page.getByLabel('Add tags').inputValue()).toBe('')
    expect(await page.getByLabel('Add a note').inputValue()).toBe('')

    // Her own changes came back as live signals too, but are not reported as someone else's.
    expect(await page.getByTestId('order-changed').count()).toBe(0)
    const timeline = await page.getByTestId('order-timeline').textContent()
    for (const text of ['Marked as shipped', 'Fulfilment 1 created', 'Refund requested', 'Changed the tags', 'Cushion back in stock']) expect(timeline).toContain(text)
    expect(timeline).toContain('Ana Ortiz (operations)')
    expect(await db.order.findUniqueOrThrow({ where: { id: order.order.id }, select: { status: true, fulfillmentStatus: true, tags: true } })).toEqual({
      status: 'processing',
      fulfillmentStatus: 'partially_shipped',
      tags: ['split-shipment'],
    })
    await page.evaluate(() => window.scrollTo(0, 0))
    await page.screenshot({ path: path.join(SCREENS, 'order-page-worked.png'), fullPage: true })
    expect(console.errors.filter((error) => !/favicon/.test(error))).toEqual([])
  } finally {
    await context.close()
  }
})
