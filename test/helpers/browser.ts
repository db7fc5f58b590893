import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
// No alias covers prisma/ (package.json "imports"), hence the relative path.
import { DEMO_PASSWORD } from '../../prisma/demo-users.ts'

/**
 * Browser-test helpers: Debian's Chromium driven by playwright-core (platform-facts: `npx playwright install` cannot
 * download here). Each launch gets a fresh user-data directory, removed on close.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export type Browser = {
  /** A new isolated browser context (its own cookies), like a second person's browser. */
  newContext: (options?: { viewport?: { width: number; height: number } }) => Promise<BrowserContext>
  close: () => Promise<void>
}

export async function launchBrowser(): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'opsdeck-chromium-'))
  // A persistent context is the only way to choose the user-data dir; extra contexts come from its browser.
  const persistent = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: ARGS,
    headless: true,
    viewport: { width: 1280, height: 800 },
  })
  const browser = persistent.browser()
  return {
    newContext: async (options) => {
      if (!browser) throw new Error('Chromium exposed no browser for new contexts')
      return browser.newContext({ viewport: options?.viewport ?? { width: 1280, height: 800 } })
    },
    close: async () => {
      await persistent.close().catch(() => {})
      rmSync(userDataDir, { recursive: true, force: true })
    },
  }
}

/** Signs in through the real form and waits for the signed-in shell. */
export async function signIn(page: Page, baseUrl: string, email: string, password = DEMO_PASSWORD) {
  await page.goto(`${baseUrl}/login`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.getByRole('button', { name: 'Sign in' }).click()])
  await page.getByTestId('user-name').waitFor()
}

/** Opens the user menu and signs out; resolves on the sign-in page. */
export async function signOut(page: Page) {
  await page.getByTestId('user-menu-button').click()
  await Promise.all([page.waitForURL(/\/login/), page.getByTestId('sign-out').click()])
}

export const SCREENSHOT_DIR = path.resolve('screenshots')

/**
 * Console errors and failed requests a page logs (CSP violations, hydration errors, 404 assets). Start before
 * navigating; read `.errors` at the end.
 */
export function watchConsole(page: Page) {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return { errors }
}
