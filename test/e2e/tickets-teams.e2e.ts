import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { PrismaClient } from '#app/generated/prisma/client.ts'
import { createTicket } from '#test/factories/tickets.ts'
import { createUser } from '#test/factories/users.ts'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, signIn, watchConsole } from '#test/helpers/browser.ts'

/**
 * Teams, bulk on a whole view, and SLA policy admin in real browsers against the real web, worker and sandbox:
 * - a manager creates a team on /tickets/teams and a policy on /tickets/sla (a bad time zone is a field error; the
 *   page says what a change does to running clocks);
 * - an agent outside the team puts a ticket in the team from the ticket page while a member has the desk open: the
 *   ticket goes round-robin to that online member; it shows in the member's "My teams" queue with its count;
 * - an agent closes "all N matching" a view bigger than one page: a tracked job closes every one, its progress page
 *   follows it to the end.
 * Screenshots go to /work/notes/screens (TICKETS_SCREENS_DIR).
 */

const SCREENS = process.env.TICKETS_SCREENS_DIR ?? '/work/notes/screens'

let app: AppProcess | undefined
let browser: Browser
let db: PrismaClient
await printLogsOnFailure(() => app)

type Person = { email: string; password: string; id: string }
let sam: Person
let ana: Person
let mia: Person

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'none', label: 'e2eteams', worker: true }), launchBrowser()])
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: app.databaseUrl, max: 2 }) })
  mkdirSync(SCREENS, { recursive: true })
  const person = async (role: 'support' | 'manager', name: string, email: string) => {
    const made = await createUser(db, { role, name, email })
    return { email: made.user.email, password: made.password, id: made.user.id }
  }
  ;[sam, ana, mia] = [await person('support', 'Sam Agent', 'sam.teams@opsdeck.test'), await person('support', 'Ana Agent', 'ana.teams@opsdeck.test'), await person('manager', 'Mia Manager', 'mia.teams@opsdeck.test')]
})

afterAll(async () => {
  await db?.$disconnect()
  await browser?.close()
  await app?.stop()
})

test('a manager sets up a team and an SLA policy; a team ticket goes round-robin to the online member', async () => {
  const managerContext = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const manager = await managerContext.newPage()
  const managerConsole = watchConsole(manager)
  await signIn(manager, app!.url, mia.email, mia.password)

  // Team: Billing, with Sam.
  await manager.goto(`${app!.url}/tickets/teams`)
  const newTeam = manager.getByTestId('team-form-create')
  await newTeam.getByLabel('Name').fill('Billing')
  await newTeam.getByLabel(/Sam Agent/).check()
  await newTeam.getByRole('button', { name: 'Create team' }).click()
  await manager.getByTestId('toast').filter({ hasText: 'Team “Billing” created' }).waitFor()
  expect(await manager.getByTestId('team-row').filter({ hasText: 'Billing' }).textContent()).toContain('Sam Agent')
  await manager.screenshot({ path: path.join(SCREENS, 'tickets-teams.png'), fullPage: true })

  // SLA policy: a bad time zone is a field error; fixed, the policy is listed with its calendar.
  await manager.goto(`${app!.url}/tickets/sla`)
  const form = manager.getByTestId('sla-policy-form-create')
  await form.getByLabel('Name').fill('Urgent billing')
  await form.getByLabel('Priority').selectOption('urgent')
  await form.getByLabel('Tag (optional)').fill('billing')
  await form.getByLabel('First response').fill('30m')
  await form.getByLabel('Time zone').fill('Europe/Londres')
  await form.getByLabel('Holidays (closed all day)').fill('2026-12-25, 2026-12-26')
  await form.getByRole('button', { name: 'Create policy' }).click()
  await manager.getByText('Unknown time zone "Europe/Londres"').waitFor()
  // What was typed is still there.
  expect(await manager.getByTestId('sla-policy-form-create').getByLabel('Name').inputValue()).toBe('Urgent billing')
  await manager.getByTestId('sla-policy-form-create').getByLabel('Time zone').fill('Europe/London')
  await manager.getByTestId('sla-policy-form-create').getByRole('button', { name: 'Create policy' }).click()
  await manager.getByTestId('toast').filter({ hasText: 'Policy created' }).waitFor()
  const row = manager.getByTestId('sla-policy-row').filter({ hasText: 'Urgent billing' })
  expect(await row.textContent()).toContain('Mon–Fri 09:00-17:00 · Europe/London · 2 holidays')
  expect(await manager.getByTestId('sla-running-note').textContent()).toContain('Saved changes apply to SLA clocks started from now on')
  await manager.screenshot({ path: path.join(SCREENS, 'tickets-sla-policies.png'), fullPage: true })
  // Editing: the form opens under the policy with its values, and says what happens to running clocks.
  await manager.getByText('Edit “Urgent billing”').click()
  const edit = manager.getByTestId('sla-policy-form-update')
  expect(await edit.getByLabel('First response').inputValue()).toBe('30m')
  expect(await edit.textContent()).toContain('A running clock keeps the targets')
  await manager.screenshot({ path: path.join(SCREENS, 'tickets-sla-policy-edit.png'), fullPage: true })
  // The refused form is a 400 the browser logs; nothing else.
  expect(managerConsole.errors.filter((error) => !error.includes('status of 400'))).toEqual([])

  // Sam (a Billing member) has the desk open; Ana (not a member) puts a ticket in Billing.
  const samContext = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const samPage = await samContext.newPage()
  await signIn(samPage, app!.url, sam.email, sam.password)
  await samPage.goto(`${app!.url}/tickets?view=team`)
  await samPage.getByTestId('queue-team-count').waitFor()
  expect(await samPage.getByTestId('queue-team-count').textContent()).toBe('0')

  const { ticket } = await createTicket(db, { status: 'open', assigneeId: ana.id, subject: 'Charged twice for one order' })
  const anaContext = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const anaPage = await anaContext.newPage()
  await signIn(anaPage, app!.url, ana.email, ana.password)
  await anaPage.goto(`${app!.url}/tickets/${ticket.id}`)
  await anaPage.getByTestId('ticket-team-select').selectOption({ label: 'Billing' })
  await anaPage.getByTestId('set-team').click()
  await anaPage.getByTestId('toast').filter({ hasText: 'Team set' }).waitFor()
  expect(await anaPage.getByTestId('toast').filter({ hasText: 'Team set' }).textContent()).toContain('round-robin to a team member online')
  expect(await db.ticket.findUniqueOrThrow({ where: { id: ticket.id }, select: { teamId: true, assigneeId: true } })).toMatchObject({ assigneeId: sam.id })
  expect(await anaPage.locator('.ticket-header').textContent()).toContain('assigned to Sam Agent · team Billing')
  await anaPage.screenshot({ path: path.join(SCREENS, 'ticket-team.png'), fullPage: true })

  // Sam's "My teams" queue counts it, live.
  await expect.poll(() => samPage.getByTestId('queue-team-count').textContent(), { timeout: 15_000 }).toBe('1')
  await samPage.locator(`tr[data-row-id="${ticket.id}"] [data-testid="ticket-team"]`).waitFor()
  expect(await samPage.locator(`tr[data-row-id="${ticket.id}"]`).textContent()).toContain('Billing')
  await samPage.screenshot({ path: path.join(SCREENS, 'tickets-my-teams.png') })
  await Promise.all([managerContext.close(), samContext.close(), anaContext.close()])
})

test('an agent closes all N matching a view bigger than a page: a tracked job does every one', async () => {
  const tag = 'bulk-e2e'
  const ids: string[] = []
  for (let i = 0; i < 30; i++) {
    const { ticket } = await createTicket(db, { status: 'open', assigneeId: sam.id, subject: `Bulk ticket ${i + 1}` })
    await db.ticket.update({ where: { id: ticket.id }, data: { tags: [tag] } })
    ids.push(ticket.id)
  }
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  const console = watchConsole(page)
  await signIn(page, app!.url, sam.email, sam.password)
  await page.goto(`${app!.url}/tickets?view=open&tag=${tag}&limit=25`)
  await page.locator('tr[data-row-id]').nth(24).waitFor()
  // Selection is React state: a click before hydration is undone by it, so select until the bar shows.
  const selectPage = page.getByLabel('Select every ticket on this page')
  await expect
    .poll(async () => {
      if (!(await page.getByTestId('bulk-select-all').isVisible()) && !(await selectPage.isChecked())) await selectPage.check()
      return page.getByTestId('bulk-select-all').isVisible()
    }, { timeout: 15_000 })
    .toBe(true)
  expect(await page.getByTestId('bulk-scope').textContent()).toBe('25 selected')
  await page.getByTestId('bulk-select-all').click()
  expect(await page.getByTestId('bulk-scope').textContent()).toBe('All 30 matching this view')
  await page.screenshot({ path: path.join(SCREENS, 'tickets-bulk-all-matching.png') })
  await Promise.all([page.waitForURL(/\/tickets\/bulk\/[^/]+$/), page.getByTestId('bulk-close').click()])
  const operationId = page.url().split('/').at(-1)!
  await expect
    .poll(async () => (await db.bulkOperation.findUniqueOrThrow({ where: { id: operationId }, select: { status: true, error: true } })), { timeout: 30_000 })
    .toEqual({ status: 'completed', error: null })
  await page.locator('[data-testid="bulk-status"][data-status="completed"]').waitFor({ timeout: 15_000 })
  expect(await page.getByTestId('bulk-processed').textContent()).toContain('30 of 30 tickets processed')
  expect(await page.getByTestId('count-succeeded').textContent()).toContain('30')
  await page.reload()
  expect(await page.getByTestId('bulk-results').locator('tbody tr').count()).toBe(30)
  await page.screenshot({ path: path.join(SCREENS, 'tickets-bulk-progress.png'), fullPage: true })
  expect(await db.ticket.count({ where: { id: { in: ids }, status: 'closed' } })).toBe(30)

  // The history of their bulk actions, from the list's header: this one, completed, opens its page again.
  await page.goto(`${app!.url}/tickets`)
  await Promise.all([page.waitForURL(/\/tickets\/bulk$/), page.getByTestId('tickets-bulk-history').click()])
  const row = page.getByTestId('bulk-history-table').locator('tbody tr').filter({ has: page.locator(`a[href="/tickets/bulk/${operationId}"]`) })
  expect(await row.getByTestId('bulk-history-status').getAttribute('data-status')).toBe('completed')
  expect(await row.getByTestId('bulk-history-counts').textContent()).toContain('30 of 30 done')
  await page.screenshot({ path: path.join(SCREENS, 'tickets-bulk-history.png'), fullPage: true })
  await Promise.all([page.waitForURL(new RegExp(`/tickets/bulk/${operationId}$`)), row.getByTestId('bulk-history-link').click()])
  await page.getByTestId('bulk-results').waitFor()
  expect(console.errors).toEqual([])
  await context.close()
})
