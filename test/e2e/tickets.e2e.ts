import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { ALWAYS_OPEN } from '#app/models/sla/business-hours.ts'
import { createCustomer } from '#test/factories/customers.ts'
import { createOrder } from '#test/factories/orders.ts'
import { createTicket } from '#test/factories/tickets.ts'
import { createUser } from '#test/factories/users.ts'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, signIn, watchConsole } from '#test/helpers/browser.ts'

/**
 * An agent works a ticket end to end in a real browser against the real web process: finds it in "My open",
 * replies with a macro (placeholders filled, the macro's status and tag applied), adds an internal note (shown as a
 * note), starts a return from the ticket, solves it. Also: a ticket created from the UI, a manager who may read but
 * not act, and bad input answered with field errors. Screenshots go to /work/notes/screens (TICKETS_SCREENS_DIR).
 */

const SCREENS = process.env.TICKETS_SCREENS_DIR ?? '/work/notes/screens'

let app: AppProcess | undefined
let browser: Browser
let db: PrismaClient
await printLogsOnFailure(() => app)

let sam: { email: string; password: string; id: string }
let mia: { email: string; password: string; id: string }
let ticketId: string
let orderId: string
let orderNumber: string

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'none', label: 'e2etickets' }), launchBrowser()])
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: app.databaseUrl, max: 2 }) })
  mkdirSync(SCREENS, { recursive: true })
  const agent = await createUser(db, { role: 'support', name: 'Sam Agent', email: 'sam.agent@opsdeck.test' })
  const manager = await createUser(db, { role: 'manager', name: 'Mia Manager', email: 'mia.manager@opsdeck.test' })
  sam = { email: agent.user.email, password: agent.password, id: agent.user.id }
  mia = { email: manager.user.email, password: manager.password, id: manager.user.id }
  const customer = await createCustomer(db, { name: 'Grace Hopper', email: 'grace.hopper@example.com' })
  const now = new Date()
  const graph = await createOrder(db, { now, customer, number: '#700101', status: 'completed', paymentStatus: 'paid', fulfillmentStatus: 'delivered' })
  orderId = graph.order.id
  orderNumber = graph.order.number
  const { ticket } = await createTicket(db, {
    now,
    status: 'open',
    priority: 'high',
    requester: customer,
    order: { id: orderId, number: orderNumber },
    assigneeId: sam.id,
    // The subject does not name the order: the order-number search must find it through the link.
    subject: 'Lamp arrived broken',
    createdAt: new Date(now.getTime() - 3 * 3600_000),
  })
  ticketId = ticket.id
  await createTicket(db, { now, status: 'solved', requester: customer, subject: 'Earlier question about sizing', createdAt: new Date(now.getTime() - 30 * 86400_000) })
  // An SLA policy for every ticket (round the clock), so tickets created here get live countdowns.
  await db.slaPolicy.create({ data: { name: 'Standard', firstResponseMinutes: 120, nextResponseMinutes: 240, resolutionMinutes: 2880, calendar: ALWAYS_OPEN as object, position: 0 } })
  await db.macro.create({
    data: {
      name: 'Replacement on its way',
      body: 'Hi {{customer.first_name}}, sorry about that! A replacement for order {{order.number}} is on its way. — {{agent.first_name}}',
      setStatus: 'pending',
      addTags: ['replacement'],
    },
  })
})

afterAll(async () => {
  await db?.$disconnect()
  await browser?.close()
  await app?.stop()
})

test('an agent works a ticket: view, reply with a macro, note, start a return, solve', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  const console = watchConsole(page)
  await signIn(page, app!.url, sam.email, sam.password)

  // The queue: "My open" lists the ticket with its count.
  await page.goto(`${app!.url}/tickets?view=mine`)
  await page.getByTestId('queue-mine-count').waitFor()
  expect(await page.getByTestId('queue-mine-count').textContent()).toBe('1')
  const row = page.locator(`tr[data-row-id="${ticketId}"]`)
  await row.waitFor()
  await page.screenshot({ path: path.join(SCREENS, 'tickets-list.png') })

  // A custom view saved on the server shows in the queues with its own count.
  await page.goto(`${app!.url}/tickets?view=open&priority=high`)
  await page.getByTestId('saved-views').locator('summary').click()
  await page.getByLabel('Save current view as…').fill('High priority')
  await page.getByRole('button', { name: 'Save view' }).click()
  await page.getByTestId('saved-view').filter({ hasText: 'High priority' }).waitFor()
  const saved = await db.savedView.findFirstOrThrow({ where: { name: 'High priority' }, select: { id: true, area: true, ownerId: true } })
  expect(saved).toMatchObject({ area: 'tickets', ownerId: sam.id })
  await page.reload()
  await expect.poll(() => page.getByTestId(`queue-saved-${saved.id}-count`).textContent()).toBe('1')

  // Search by the order number finds it; by a word from the subject too.
  await page.goto(`${app!.url}/tickets?view=all&q=${encodeURIComponent(orderNumber)}`)
  await page.locator(`tr[data-row-id="${ticketId}"]`).waitFor()
  await page.goto(`${app!.url}/tickets?view=all&q=broken`)
  await page.locator(`tr[data-row-id="${ticketId}"]`).waitFor()
  await page.locator(`tr[data-row-id="${ticketId}"] [data-testid="ticket-link"]`).click()

  // The ticket page: conversation, customer sidebar with the order and the earlier ticket.
  await page.getByTestId('ticket-page').waitFor()
  await expect.poll(() => page.getByTestId('customer-tickets').textContent()).toContain('Earlier question about sizing')
  expect(await page.getByTestId('customer-orders').textContent()).toContain(orderNumber)
  expect(await page.getByTestId('start-return').getAttribute('href')).toBe(`/returns/new?orderId=${encodeURIComponent(orderId)}&ticketId=${encodeURIComponent(ticketId)}`)
  // Support may not refund (update:order): no refund link.
  expect(await page.getByTestId('issue-refund').count()).toBe(0)

  // Reply with the macro: placeholders filled in the composer, its status and tag applied on send.
  await page.getByTestId('macro-select').selectOption({ label: 'Replacement on its way' })
  await expect.poll(() => page.locator('#composer-body').inputValue()).toBe(`Hi Grace, sorry about that! A replacement for order ${orderNumber} is on its way. — Sam`)
  expect(await page.getByTestId('macro-effects').textContent()).toContain('Sets status to pending')
  await page.screenshot({ path: path.join(SCREENS, 'ticket-page.png'), fullPage: true })
  await page.getByTestId('send-reply').click()
  // A helpdesk ticket: the reply is mailed through the outbox, keyed by the message.
  await page.getByTestId('toast').filter({ hasText: 'Reply sent' }).waitFor()
  const reply = await db.ticketMessage.findFirstOrThrow({ where: { ticketId, authorId: sam.id, kind: 'public_reply' }, orderBy: { createdAt: 'desc' } })
  expect(await db.outboxMessage.count({ where: { idempotencyKey: `helpdesk-reply-${reply.id}`, topic: 'helpdesk.reply' } })).toBe(1)
  await expect.poll(() => page.locator('[data-testid="ticket-message"][data-kind="public_reply"]').last().textContent()).toContain('A replacement for order')
  expect(await page.locator('.ticket-header').textContent()).toContain('Pending')
  expect(await page.getByTestId('ticket-properties').textContent()).toContain('replacement')

  // An internal note is visibly a note.
  await page.getByText('Internal note', { exact: true }).click()
  await page.locator('#composer-body').fill('Checked with the warehouse: replacement shipped today.')
  await page.getByTestId('send-reply').click()
  await page.getByTestId('toast').filter({ hasText: 'Note added' }).waitFor()
  const note = page.locator('[data-testid="ticket-message"][data-kind="internal_note"]').filter({ hasText: 'Checked with the warehouse' })
  await note.waitFor()
  expect(await note.textContent()).toContain('Internal note · not sent to the customer')

  // Start a return from the ticket: the Returns desk's request form opens for this order and ticket.
  await page.getByTestId('start-return').click()
  await page.waitForURL((url) => url.pathname === '/returns/new' && url.searchParams.get('ticketId') === ticketId && url.searchParams.get('orderId') === orderId)
  await page.getByTestId('return-request-form').waitFor()
  await page.screenshot({ path: path.join(SCREENS, 'ticket-start-return.png') })
  await page.goBack()
  await page.getByTestId('ticket-page').waitFor()

  // Solve.
  await page.locator('#ticket-status').selectOption('solved')
  await page.getByTestId('set-status').click()
  await page.getByTestId('toast').filter({ hasText: 'Status: Solved' }).waitFor()
  expect(await page.locator('.ticket-header').textContent()).toContain('Solved')
  const stored = await db.ticket.findUniqueOrThrow({ where: { id: ticketId }, select: { status: true, tags: true, solvedAt: true, firstResponseAt: true } })
  expect(stored).toMatchObject({ status: 'solved', tags: expect.arrayContaining(['replacement']) })
  expect(stored.solvedAt).not.toBeNull()
  expect(console.errors).toEqual([])
  await context.close()
})

test('a ticket created from the UI; bad input gets field errors', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  await signIn(page, app!.url, sam.email, sam.password)
  await page.goto(`${app!.url}/tickets/new`)
  await page.getByLabel('Customer email').fill('not-an-email')
  await page.getByLabel('Subject').fill('Phone call: wants to change size')
  await page.getByLabel('Order number').fill('#999999999')
  await page.getByRole('button', { name: 'Create ticket' }).click()
  await page.getByText('Enter an email address like ana@example.com').waitFor()
  await page.getByText('Write what the customer asked').waitFor()
  await page.screenshot({ path: path.join(SCREENS, 'ticket-new-errors.png') })

  await page.getByLabel('Customer email').fill('grace.hopper@example.com')
  await page.getByLabel('What the customer asked').fill('Called to swap the lamp for the brass one.')
  await page.getByRole('button', { name: 'Create ticket' }).click()
  await page.getByText('There is no order #999999999.').waitFor()
  await page.getByLabel('Order number').fill(orderNumber)
  await Promise.all([page.waitForURL(/\/tickets\/[^/]+$/), page.getByRole('button', { name: 'Create ticket' }).click()])
  await page.getByTestId('toast').filter({ hasText: /Ticket #\d+ created/ }).waitFor()
  expect(await page.getByTestId('linked-order').textContent()).toContain(orderNumber)
  expect(await page.locator('.ticket-header').textContent()).toContain('assigned to Sam Agent')
  // The SLA engine started its clocks with the ticket: countdowns on the page.
  const clocks = page.getByTestId('ticket-sla-clocks')
  expect(await clocks.locator('[data-metric="first_response"]').textContent()).toMatch(/First response\s*1h 5\dm left/)
  expect(await clocks.locator('[data-metric="resolution"]').textContent()).toMatch(/Resolution\s*4[78]h \d+m left/)
  await page.screenshot({ path: path.join(SCREENS, 'ticket-created-sla.png'), fullPage: true })
  await context.close()
})

test('a manager reads tickets but cannot act on them', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await signIn(page, app!.url, mia.email, mia.password)
  await page.goto(`${app!.url}/tickets/${ticketId}`)
  await page.getByTestId('ticket-page').waitFor()
  expect(await page.getByTestId('ticket-composer').count()).toBe(0)
  expect(await page.getByTestId('issue-refund').count()).toBe(0)
  const response = await page.request.post(`${app!.url}/tickets/${ticketId}`, { form: { intent: 'priority', priority: 'low', expectedVersion: '1' }, headers: { origin: app!.url } })
  expect(response.status()).toBe(403)
  // Managers manage macros.
  await page.goto(`${app!.url}/tickets/macros`)
  await page.getByTestId('macro-form-create').waitFor()
  await page.screenshot({ path: path.join(SCREENS, 'ticket-macros.png') })
  await context.close()
})
