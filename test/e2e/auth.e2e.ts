import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, SCREENSHOT_DIR, signIn, signOut, watchConsole } from '#test/helpers/browser.ts'
import { DEMO_USERS } from '../../prisma/demo-users.ts'

/** Sign-in per role, role-based navigation, the 403 page, sign-out and the live indicator — one server for the file. */

let app: AppProcess | undefined
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([
    startApp({ seed: 'demo', worker: true, label: 'e2eauth', env: { HEARTBEAT_SECONDS: '2' } }),
    launchBrowser(),
  ])
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

await printLogsOnFailure(() => app)

const demo = (role: string) => DEMO_USERS.find((user) => user.role === role)!

describe('sign-in and the shell', () => {
  test.each(DEMO_USERS.map((user) => [user.role, user] as const))('%s signs in, lands on home and sees their name', async (_role, user) => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await signIn(page, app!.url, user.email)
      expect(new URL(page.url()).pathname).toBe('/')
      await expect.poll(() => page.getByTestId('user-name').textContent()).toBe(user.name)
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Welcome, ${user.name}`)
      expect(await page.locator('[data-figure]').count()).toBeGreaterThan(0)
    } finally {
      await context.close()
    }
  })

  test('navigation follows the role: admins see Users, support does not', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      const console = watchConsole(page)
      await signIn(page, app!.url, demo('admin').email)
      const nav = page.getByRole('navigation', { name: 'Main' })
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Home', 'Orders', 'Inventory', 'Returns', 'Tickets', 'Integrations', 'Live', 'Alerts', 'Users'])
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'home-admin.png'), fullPage: true })
      await signOut(page)

      await signIn(page, app!.url, demo('support').email)
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Home', 'Orders', 'Tickets'])
      const figures = await page.locator('[data-figure]').evaluateAll((items) => items.map((item) => item.getAttribute('data-figure')))
      // Support reads orders and tickets; revenue, returns and stock are other roles' figures.
      expect(figures).toEqual(expect.arrayContaining(['ordersToday', 'openTickets']))
      for (const hidden of ['revenueToday', 'returnsWaiting', 'lowStock']) expect(figures).not.toContain(hidden)
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'home-support.png'), fullPage: true })
      // No CSP violation, hydration mismatch or script error along the way.
      expect(console.errors).toEqual([])
    } finally {
      await context.close()
    }
  })

  test('a forbidden page answers 403 with a helpful page', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await signIn(page, app!.url, demo('support').email)
      const response = await page.goto(`${app!.url}/admin/users`)
      expect(response?.status()).toBe(403)
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe("You don't have access to this page")
      expect(await page.getByTestId('required-permission').textContent()).toBe('manage:user')
      expect(await page.getByRole('link', { name: 'Go to the home page' }).getAttribute('href')).toBe('/')
      // Still inside the shell: the person can carry on.
      expect(await page.getByTestId('user-name').textContent()).toBe(demo('support').name)
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'forbidden-support.png') })
    } finally {
      await context.close()
    }
  })

  test('an unknown address answers 404 inside the shell', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await signIn(page, app!.url, demo('operations').email)
      const response = await page.goto(`${app!.url}/no-such-page`)
      expect(response?.status()).toBe(404)
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found')
      expect(await page.getByTestId('user-name').textContent()).toBe(demo('operations').name)
    } finally {
      await context.close()
    }
  })

  test('a wrong password shows the generic error', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await page.goto(`${app!.url}/login`)
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'login.png') })
      await page.getByLabel('Email').fill(demo('manager').email)
      await page.getByLabel('Password').fill('definitely not it')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('Email or password is incorrect')
      expect(new URL(page.url()).pathname).toBe('/login')
      expect((await context.cookies()).some((cookie) => cookie.name === 'opsdeck_session')).toBe(false)
    } finally {
      await context.close()
    }
  })

  test('sign-out removes the cookie and / goes back to sign-in', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await signIn(page, app!.url, demo('operations').email)
      expect((await context.cookies()).some((cookie) => cookie.name === 'opsdeck_session')).toBe(true)
      await signOut(page)
      expect((await context.cookies()).some((cookie) => cookie.name === 'opsdeck_session')).toBe(false)
      await page.goto(`${app!.url}/`)
      expect(new URL(page.url()).pathname).toBe('/login')
    } finally {
      await context.close()
    }
  })

  test('the live indicator connects and counts the running worker', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    try {
      await signIn(page, app!.url, demo('manager').email)
      const indicator = page.getByTestId('live-indicator')
      await page.locator('[data-testid="live-indicator"][data-status="live"]').waitFor({ timeout: 20_000 })
      await expect
        .poll(async () => Number((/workers: (\d+) alive/.exec((await indicator.textContent()) ?? '') ?? [])[1] ?? 0), { timeout: 30_000 })
        .toBeGreaterThanOrEqual(1)
    } finally {
      await context.close()
    }
  })
})
