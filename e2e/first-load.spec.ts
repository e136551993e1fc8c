import { expect, test, type Page } from '@playwright/test'
import { finderStatus } from './helpers.ts'
import { freshPage } from './screens.ts'

/*
 * The first visit: index.html loads React and the app shell, and main.tsx fetches the Open Peer
 * client (the library, storage, zod) as a chunk of its own after the first render.
 */

/** Scripts index.html names itself (the entry and its modulepreloads); the rest load later. */
async function initialScripts(page: Page): Promise<Set<string>> {
  const html = await (await page.request.get('/')).text()
  return new Set(
    [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+\.js)"/g)].map((m) => m[1]!),
  )
}

test('a first visit on a phone: the name, then home', async ({ browser, baseURL }) => {
  const { context, page } = await freshPage(browser, baseURL!, 'phone')
  await page.goto('/')
  await page.getByRole('textbox', { name: 'Display name' }).fill('Alice')
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect(finderStatus(page)).toContainText('online')
  await expect(page.getByRole('button', { name: 'Invite', exact: true })).toBeVisible()
  await context.close()
})

test("when the app's code cannot be downloaded, an alert says so in words", async ({
  browser,
  baseURL,
}) => {
  const { context, page } = await freshPage(browser, baseURL!, 'phone')
  const initial = await initialScripts(page)
  // Offline (or a newer deploy) after index.html and its entry arrived: every later script fails.
  await page.route(
    (url) => url.pathname.startsWith('/assets/') && url.pathname.endsWith('.js'),
    (route) =>
      initial.has(new URL(route.request().url()).pathname) ? route.continue() : route.abort(),
  )
  await page.goto('/')
  const alert = page.getByRole('alert')
  await expect(alert).toContainText('Problem loading the app.')
  await expect(alert).toContainText('Check your connection and reload the page.')
  await alert.getByText('Details').click()
  await expect(alert).toContainText('ERR_APP_LOAD')
  // Not a blank page: the loading screen stays under the alert.
  await expect(page.getByText('Loading your profile…')).toBeVisible()
  await context.close()
})

/**
 * The loading screen as index.html paints it, before any of the app's code runs (every script
 * under /assets/ blocked, or only the later ones with `entry`): its background and scheme.
 */
async function loadingScreen(
  browser: Parameters<typeof freshPage>[0],
  baseURL: string,
  system: 'light' | 'dark',
  stored: 'light' | 'dark' | null,
  entry: 'blocked' | 'runs' = 'blocked',
): Promise<{ background: string; scheme: string }> {
  const { context, page } = await freshPage(browser, baseURL, 'phone', system)
  if (stored) {
    await context.addInitScript((theme) => {
      localStorage.setItem('opw-prefs', JSON.stringify({ theme }))
    }, stored)
  }
  const initial = await initialScripts(page)
  await page.route(
    (url) => url.pathname.startsWith('/assets/') && url.pathname.endsWith('.js'),
    (route) =>
      entry === 'runs' && initial.has(new URL(route.request().url()).pathname)
        ? route.continue()
        : route.abort(),
  )
  await page.goto('/')
  await expect(page.getByText('Loading your profile…')).toBeVisible()
  // With the entry running, React has drawn its own loading screen and the alert by now.
  if (entry === 'runs') await expect(page.getByRole('alert')).toContainText('ERR_APP_LOAD')
  const look = await page.evaluate(() => {
    const style = getComputedStyle(document.documentElement)
    return { background: style.backgroundColor, scheme: style.colorScheme }
  })
  await context.close()
  return look
}

test('a stored Theme shows from the first paint, before the app runs', async ({
  browser,
  baseURL,
}) => {
  const light = await loadingScreen(browser, baseURL!, 'light', null)
  const dark = await loadingScreen(browser, baseURL!, 'dark', null)
  expect(dark.background).not.toBe(light.background)
  // Dark chosen on a light phone: dark at once, and still dark once React has drawn the shell.
  expect(await loadingScreen(browser, baseURL!, 'light', 'dark')).toEqual({
    background: dark.background,
    scheme: 'dark',
  })
  expect((await loadingScreen(browser, baseURL!, 'light', 'dark', 'runs')).background).toBe(
    dark.background,
  )
  // Light chosen on a dark phone: light.
  expect(await loadingScreen(browser, baseURL!, 'dark', 'light')).toEqual({
    background: light.background,
    scheme: 'light',
  })
})
