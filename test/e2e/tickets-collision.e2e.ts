import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { createCustomer } from '#test/factories/customers.ts'
import { createTicket } from '#test/factories/tickets.ts'
import { createUser } from '#test/factories/users.ts'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, signIn } from '#test/helpers/browser.ts'

/**
 * Two agents in two browsers at once against the real web process:
 * - collision detection: each sees the other viewing, then typing; a reply sent while the other replied meanwhile is
 *   stopped with the other's message and goes out only with "Send anyway";
 * - live counts: a ticket created, and tickets closed in bulk, in one browser change the queue counts in the other
 *   without a reload; the new ticket is assigned round-robin to one of the two online agents.
 */

const SCREENS = process.env.TICKETS_SCREENS_DIR ?? '/work/notes/screens'

let app: AppProcess | undefined
let browser: Browser
let db: PrismaClient
await printLogsOnFailure(() => app)

type Agent = { email: string; password: string; id: string }
let sam: Agent
let ana: Agent
let ticketId: string

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'none', label: 'e2eticketcollide' }), launchBrowser()])
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: app.databaseUrl, max: 2 }) })
  const make = async (name: string, email: string) => {
    const { user, password } = await createUser(db, { role: 'support', name, email })
    return { email: user.email, password, id: user.id }
  }
  sam = await make('Sam Agent', 'sam.collide@opsdeck.test')
  ana = await make('Ana Agent', 'ana.collide@opsdeck.test')
  const customer = await createCustomer(db, { name: 'Lin Customer', email: 'lin.customer@example.com' })
  // Manual tickets (no mail thread): replies are recorded, nothing is mailed.
  const { ticket } = await createTicket(db, { status: 'open', requester: customer, assigneeId: sam.id, subject: 'Two agents, one ticket' })
  await db.ticket.update({ where: { id: ticket.id }, data: { source: 'manual', externalId: null } })
  ticketId = ticket.id
  for (let i = 0; i < 3; i++) await createTicket(db, { status: 'open', requester: customer, assigneeId: ana.id, subject: `Bulk target ${i + 1}` })
})

afterAll(async () => {
  await db?.$disconnect()
  await browser?.close()
  await app?.stop()
})

async function agentPage(agent: Agent): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  await signIn(page, app!.url, agent.email, agent.password)
  return page
}

test('collision: each sees the other viewing and typing; a reply that crossed another is held until "Send anyway"', async () => {
  const [samPage, anaPage] = await Promise.all([agentPage(sam), agentPage(ana)])
  await Promise.all([samPage.goto(`${app!.url}/tickets/${ticketId}`), anaPage.goto(`${app!.url}/tickets/${ticketId}`)])
  await samPage.getByTestId('ticket-viewers').filter({ hasText: 'Also viewing: Ana Agent (support)' }).waitFor({ timeout: 20_000 })
  await anaPage.getByTestId('ticket-viewers').filter({ hasText: 'Also viewing: Sam Agent (support)' }).waitFor({ timeout: 20_000 })

  // Sam starts writing: Ana sees it.
  await samPage.locator('#composer-body').pressSequentially('Hi Lin, I am looking into it', { delay: 5 })
  await anaPage.getByTestId('ticket-typing').filter({ hasText: 'Sam Agent is typing a reply' }).waitFor({ timeout: 20_000 })
  await anaPage.screenshot({ path: path.join(SCREENS, 'ticket-collision-typing.png') })

  // Ana replies first (her composer also warns that Sam is writing).
  await anaPage.locator('#composer-body').fill('Hi Lin, refund issued today.')
  await anaPage.getByTestId('composer-typing-warning').waitFor({ timeout: 20_000 })
  await anaPage.getByTestId('send-reply').click()
  await anaPage.getByTestId('toast').filter({ hasText: 'Reply recorded' }).waitFor()

  // Sam's page shows Ana's reply live, but Sam started writing before it: sending is held with Ana's message.
  await samPage.locator('[data-testid="ticket-message"]').filter({ hasText: 'refund issued today' }).waitFor({ timeout: 20_000 })
  await samPage.getByTestId('send-reply').click()
  const conflict = samPage.getByTestId('reply-conflict')
  await conflict.waitFor()
  expect(await conflict.textContent()).toContain('Ana Agent replied while you were writing')
  expect(await conflict.textContent()).toContain('Hi Lin, refund issued today.')
  expect(await db.ticketMessage.count({ where: { ticketId, body: 'Hi Lin, I am looking into it' } })).toBe(0)
  // The text is kept; "Send anyway" sends it.
  expect(await samPage.locator('#composer-body').inputValue()).toBe('Hi Lin, I am looking into it')
  await samPage.screenshot({ path: path.join(SCREENS, 'ticket-collision-conflict.png'), fullPage: true })
  await samPage.getByTestId('send-anyway').click()
  await samPage.getByTestId('toast').filter({ hasText: 'Reply recorded' }).waitFor()
  expect(await db.ticketMessage.count({ where: { ticketId, body: 'Hi Lin, I am looking into it' } })).toBe(1)
  await anaPage.locator('[data-testid="ticket-message"]').filter({ hasText: 'I am looking into it' }).waitFor({ timeout: 20_000 })
  await Promise.all([samPage.context().close(), anaPage.context().close()])
})

test('live counts: a ticket created and tickets closed in one browser move the counts in the other; round-robin to an online agent', async () => {
  const [samPage, anaPage] = await Promise.all([agentPage(sam), agentPage(ana)])
  await samPage.goto(`${app!.url}/tickets?view=open`)
  const openCount = samPage.getByTestId('queue-open-count')
  await openCount.waitFor()
  const before = Number(await openCount.textContent())
  expect(before).toBe(4)

  // Ana creates a ticket (not for herself): Sam's "All open" count moves without a reload.
  await anaPage.goto(`${app!.url}/tickets/new`)
  await anaPage.getByLabel('Customer email').fill('lin.customer@example.com')
  await anaPage.getByLabel('Subject').fill('Created while Sam watches')
  await anaPage.getByLabel('What the customer asked').fill('Please call back.')
  await anaPage.getByLabel('Assign to me').uncheck()
  await Promise.all([anaPage.waitForURL(/\/tickets\/[^/]+$/), anaPage.getByRole('button', { name: 'Create ticket' }).click()])
  await expect.poll(async () => Number(await openCount.textContent()), { timeout: 20_000 }).toBe(before + 1)
  const created = await db.ticket.findFirstOrThrow({ where: { subject: 'Created while Sam watches' }, select: { id: true } })
  // Both agents are online: the new ticket went to one of them.
  await expect.poll(async () => (await db.ticket.findUniqueOrThrow({ where: { id: created.id } })).assigneeId, { timeout: 20_000 }).toMatch(new RegExp(`^(${sam.id}|${ana.id})$`))

  // Sam closes Ana's three tickets in bulk from the list: Ana's list counts drop live.
  await anaPage.goto(`${app!.url}/tickets?view=mine`)
  const anaMine = anaPage.getByTestId('queue-mine-count')
  await anaMine.waitFor()
  const anaBefore = Number(await anaMine.textContent())
  await samPage.goto(`${app!.url}/tickets?view=open&q=${encodeURIComponent('Bulk target')}`)
  await samPage.locator('tr[data-row-id]').nth(2).waitFor()
  await samPage.getByLabel('Select every ticket on this page').check()
  await samPage.getByTestId('ticket-bulk-bar').waitFor()
  await samPage.screenshot({ path: path.join(SCREENS, 'tickets-bulk.png') })
  await samPage.getByTestId('bulk-close').click()
  await samPage.getByTestId('toast').filter({ hasText: '3 tickets updated' }).waitFor()
  await expect.poll(async () => Number(await anaMine.textContent()), { timeout: 20_000 }).toBe(anaBefore - 3)
  await expect.poll(async () => Number(await anaPage.getByTestId('queue-open-count').textContent()), { timeout: 20_000 }).toBe(before + 1 - 3)
  await Promise.all([samPage.context().close(), anaPage.context().close()])
})
