import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type AppProcess, printLogsOnFailure, startApp } from '#test/helpers/app-process.ts'
import { type Browser, launchBrowser, SCREENSHOT_DIR, signIn } from '#test/helpers/browser.ts'
import { DEMO_USERS } from '../../prisma/demo-users.ts'

/** The users admin page in a real browser: create a user, then disable them while they are signed in elsewhere. */

let app: AppProcess | undefined
let browser: Browser

beforeAll(async () => {
  ;[app, browser] = await Promise.all([startApp({ seed: 'demo', worker: true, label: 'e2eusers' }), launchBrowser()])
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await app?.stop()
})

await printLogsOnFailure(() => app)

const admin = DEMO_USERS.find((user) => user.role === 'admin')!

test('an admin creates a user; disabling them ends their other browser session at once', async () => {
  const adminContext = await browser.newContext()
  const otherContext = await browser.newContext()
  try {
    const adminPage = await adminContext.newPage()
    await signIn(adminPage, app!.url, admin.email)
    await adminPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click()
    await adminPage.waitForURL(/\/admin\/users$/)

    // Field errors first (400), then a valid create.
    const form = adminPage.getByTestId('create-user-form')
    await form.getByLabel('Name').fill('Casey Contractor')
    await form.getByLabel('Email').fill('casey@opsdeck.test')
    await form.getByLabel('Initial password').fill('short')
    await form.getByRole('button', { name: 'Create user' }).click()
    await expect.poll(() => form.locator('#new-password-error').textContent()).toBe('Use at least 12 characters')
    await form.getByLabel('Initial password').fill('casey-initial-password')
    await form.getByRole('button', { name: 'Create user' }).click()
    await expect.poll(() => adminPage.getByTestId('toast').textContent()).toContain('User created')
    const row = adminPage.getByRole('row').filter({ hasText: 'casey@opsdeck.test' })
    await expect.poll(() => row.textContent()).toContain('Active')
    await adminPage.screenshot({ path: path.join(SCREENSHOT_DIR, 'users-admin.png'), fullPage: true })

    // Casey signs in elsewhere and goes live.
    const otherPage = await otherContext.newPage()
    await signIn(otherPage, app!.url, 'casey@opsdeck.test', 'casey-initial-password')
    await otherPage.locator('[data-testid="live-indicator"][data-status="live"]').waitFor({ timeout: 20_000 })

    // The admin disables Casey: Casey's tab is sent to sign-in without doing anything.
    await adminPage.getByTestId('disable-casey@opsdeck.test').click()
    await expect.poll(() => adminPage.getByTestId('toast').textContent()).toContain('User disabled')
    await otherPage.waitForURL(/\/login/, { timeout: 10_000 })
    expect(new URL(otherPage.url()).searchParams.get('reason')).toBe('revoked')
    await expect.poll(() => row.textContent()).toContain('Disabled')

    // And Casey cannot sign back in (same generic answer).
    await otherPage.getByLabel('Email').fill('casey@opsdeck.test')
    await otherPage.getByLabel('Password').fill('casey-initial-password')
    await otherPage.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => otherPage.getByTestId('login-error').textContent()).toBe('Email or password is incorrect')
  } finally {
    await adminContext.close()
    await otherContext.close()
  }
})

test('the shell collapses to icons on a tablet and stays keyboard reachable', async () => {
  const context = await browser.newContext({ viewport: { width: 768, height: 1024 } })
  try {
    const page = await context.newPage()
    await signIn(page, app!.url, admin.email)
    // The first Tab lands on the skip link, which moves focus to the main landmark.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    // Labels are hidden visually but remain the links' accessible names.
    const users = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })
    expect(await users.isVisible()).toBe(true)
    expect(await page.locator('.nav-label').first().boundingBox()).toMatchObject({ width: 1 })
    // The user menu opens from the keyboard.
    await page.getByTestId('user-menu-button').focus()
    await page.keyboard.press('Enter')
    expect(await page.getByTestId('sign-out').isVisible()).toBe(true)
    await page.keyboard.press('Escape')
    expect(await page.getByTestId('sign-out').isVisible()).toBe(false)
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'home-admin-tablet.png') })
  } finally {
    await context.close()
  }
})
