import { readFile } from 'node:fs/promises'
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test'
import {
  expectComplete,
  expectSavedEqual,
  fileCard,
  percentOf,
  progressOf,
  randomFile,
  shareWith,
  startDownload,
  type TestFile,
} from './files.ts'
import {
  connect,
  contactItem,
  conversation,
  expectState,
  finderStatus,
  message,
  OwnFinder,
  send,
  type User,
} from './helpers.ts'
import { SCREENS, userOn, type ScreenName } from './screens.ts'

/** A fresh profile with a display name, at the given screen (screens.ts, shared with ux.spec). */
function user(
  browser: Browser,
  baseURL: string,
  name: string,
  screen: ScreenName,
  init?: () => void,
): Promise<User> {
  return userOn(browser, baseURL, name, screen, 'light', init)
}

/**
 * What the phone's share sheet does: a POST of multipart/form-data to the manifest's
 * share_target action, as a navigation, which the service worker answers.
 */
const ELSEWHERE = 'Open Peer Web is open in another tab'

/** Another tab of the same profile, opened while one already owns the client: it says so. */
async function waitingTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await page.goto('/')
  await expect(page.getByText(ELSEWHERE)).toBeVisible()
  return page
}

async function shareSheet(page: Page, file: TestFile, text: string): Promise<void> {
  // The worker controls the page once it activated (clientsClaim).
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
  const manifest = await page.evaluate(async () => (await fetch('/manifest.webmanifest')).json())
  expect(manifest.share_target).toMatchObject({ method: 'POST', enctype: 'multipart/form-data' })
  await postShare(page, manifest.share_target.action as string, file, text)
}

/** The share sheet's POST itself: a form with `files` and `text`, submitted as a navigation. */
async function postShare(page: Page, action: string, file: TestFile, text: string) {
  const bytes = [...(await readFile(file.path))]
  await page.evaluate(
    ({ action, name, bytes, text }) => {
      const form = document.createElement('form')
      form.method = 'post'
      form.action = action
      form.enctype = 'multipart/form-data'
      const files = document.createElement('input')
      files.type = 'file'
      files.name = 'files'
      const picked = new DataTransfer()
      picked.items.add(new File([new Uint8Array(bytes)], name, { type: 'text/plain' }))
      files.files = picked.files
      const words = document.createElement('input')
      words.name = 'text'
      words.value = text
      form.append(files, words)
      document.body.append(form)
      form.submit()
    },
    { action, name: file.name, bytes, text },
  )
}

for (const screen of ['phone', 'desktop'] as const) {
  test(`${screen}: a file and words shared into the app go to the chosen contact, who receives the file`, async ({
    browser,
    baseURL,
  }) => {
    const alice = await user(browser, baseURL!, 'Alice', screen)
    const bob = await user(browser, baseURL!, 'Bob', screen)
    await connect(alice, bob)
    const file = await randomFile('shared-in.txt', 40_000)

    await shareSheet(alice.page, file, 'look at this')
    const dialog = alice.page.getByRole('dialog', { name: 'Share with…' })
    await expect(dialog).toBeVisible()
    await expect(dialog).toContainText(file.name)
    await dialog.getByRole('button', { name: 'Bob' }).click()
    await expect(dialog).toBeHidden()
    // The marker left the address bar: a reload does not ask again.
    expect(new URL(alice.page.url()).search).toBe('')
    await expect(fileCard(alice.page, file.name)).toBeVisible({ timeout: 30_000 })
    await expect(conversation(alice.page).getByRole('textbox', { name: 'Message' })).toHaveValue(
      'look at this',
    )

    await startDownload(bob.page, 'Alice', file.name)
    await expectSavedEqual(bob.page, file)
    await alice.context.close()
    await bob.context.close()
  })
}

test('a share that reaches the server before the service worker is ready asks to share again', async ({
  browser,
  baseURL,
}) => {
  // No worker, as on the app's first launch: the share sheet's POST goes to the server.
  const context = await browser.newContext({ ...SCREENS.phone, baseURL, serviceWorkers: 'block' })
  const page = await context.newPage()
  await page.goto('/')
  const file = await randomFile('too-early.txt', 20_000)
  const toast = page.getByText('The share arrived before the app was ready — please share again.')
  // Before any profile: said once the profile is made.
  await postShare(page, '/share-target', file, 'look at this')
  await page.getByRole('textbox', { name: 'Display name' }).fill('Alice')
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect(toast).toBeVisible()
  expect(new URL(page.url()).search).toBe('')
  await page.getByRole('button', { name: 'Close' }).click()
  await expect(toast).toBeHidden()
  // With a profile: said at once; the marker leaves the address bar, nothing waits to be shared.
  expect(await page.evaluate(() => navigator.serviceWorker?.controller ?? null)).toBeNull()
  await postShare(page, '/share-target', file, 'look at this')
  await expect(toast).toBeVisible()
  expect(new URL(page.url()).search).toBe('')
  await expect(page.getByRole('dialog', { name: 'Share with…' })).toHaveCount(0)
  await context.close()
})

test('a second tab says the app is open elsewhere; "Use here" takes over mid-chat and nothing is lost', async ({
  browser,
  baseURL,
}) => {
  const alice = await user(browser, baseURL!, 'Alice', 'desktop')
  const bob = await user(browser, baseURL!, 'Bob', 'desktop')
  await connect(alice, bob)
  await send(alice.page, 'Bob', 'from the first tab')
  await send(bob.page, 'Alice', 'before the takeover')
  await contactItem(alice.page, 'Bob').click()
  await expect(message(alice.page, 'before the takeover')).toBeVisible()

  const second = await waitingTab(alice.context)
  await expect(finderStatus(second)).toHaveCount(0)

  await second.getByRole('button', { name: 'Use here' }).click()
  // Bob writes while the client moves from one tab to the other.
  const box = conversation(bob.page).getByRole('textbox', { name: 'Message' })
  await box.fill('during the takeover')
  await box.press('Enter')
  await expect(alice.page.getByText(ELSEWHERE)).toBeVisible()
  await expect(finderStatus(second)).toContainText('online')
  await expectState(second, 'Bob', 'connected')
  await send(bob.page, 'Alice', 'after the takeover')

  await contactItem(second, 'Bob').click()
  for (const text of [
    'from the first tab',
    'before the takeover',
    'during the takeover',
    'after the takeover',
  ]) {
    await expect(message(second, text)).toBeVisible()
  }
  await send(second, 'Bob', 'from the second tab')
  await expect(message(bob.page, 'from the second tab')).toBeVisible()
  // Bob's messages all reached Alice: each shows delivered on his side.
  await expect(message(bob.page, 'during the takeover')).toContainText(/delivered|read/)
  await alice.context.close()
  await bob.context.close()
})

test('the owning tab closes: a waiting tab becomes the app by itself; a reloaded owner takes it back; nothing is lost', async ({
  browser,
  baseURL,
}) => {
  const alice = await user(browser, baseURL!, 'Alice', 'desktop')
  const bob = await user(browser, baseURL!, 'Bob', 'desktop')
  await connect(alice, bob)
  await send(alice.page, 'Bob', 'from the first tab')
  await contactItem(bob.page, 'Alice').click()
  await expect(message(bob.page, 'from the first tab')).toBeVisible()

  const second = await waitingTab(alice.context)
  await alice.page.close()
  // Bob writes while no tab of Alice's runs the client.
  const box = conversation(bob.page).getByRole('textbox', { name: 'Message' })
  await box.fill('while the tab closes')
  await box.press('Enter')
  // Nobody pressed anything in the second tab.
  await expect(finderStatus(second)).toContainText('online')
  await expectState(second, 'Bob', 'connected')
  await contactItem(second, 'Bob').click()
  for (const text of ['from the first tab', 'while the tab closes']) {
    await expect(message(second, text)).toBeVisible()
  }
  await expect(message(bob.page, 'while the tab closes')).toContainText(/delivered|read/)
  await send(second, 'Bob', 'from the second tab')
  await expect(message(bob.page, 'from the second tab')).toBeVisible()

  // A third tab waits; the owner reloads and keeps the client (the third may hold it a moment).
  const third = await waitingTab(alice.context)
  await second.reload()
  await box.fill('during the reload')
  await box.press('Enter')
  await expect(finderStatus(second)).toContainText('online')
  await expect(third.getByText(ELSEWHERE)).toBeVisible()
  await expectState(second, 'Bob', 'connected')
  await contactItem(second, 'Bob').click()
  await expect(message(second, 'during the reload')).toBeVisible()
  await expect(message(bob.page, 'during the reload')).toContainText(/delivered|read/)
  await send(second, 'Bob', 'after the reload')
  await expect(message(bob.page, 'after the reload')).toBeVisible()
  await alice.context.close()
  await bob.context.close()
})

test('notification permission is not asked on load; "Notify me of new messages" asks once a contact connected', async ({
  browser,
  baseURL,
}) => {
  // Headless Chromium answers every permission prompt with "denied" at once: this stand-in
  // keeps the question open ("default"), counts the asks and says yes.
  const alice = await user(browser, baseURL!, 'Alice', 'phone', () => {
    const w = window as unknown as { asked: number }
    w.asked = 0
    let permission: NotificationPermission = 'default'
    Object.defineProperty(Notification, 'permission', { get: () => permission })
    Notification.requestPermission = async () => {
      w.asked++
      return (permission = 'granted')
    }
  })
  const bob = await user(browser, baseURL!, 'Bob', 'phone')
  const notify = alice.page.getByRole('button', { name: 'Notify me of new messages' })
  await expect(notify).toHaveCount(0)
  await connect(alice, bob)
  await contactItem(alice.page, 'Bob').click()
  await alice.page.getByRole('button', { name: 'Back to contacts' }).click()
  await expect(notify).toBeVisible()
  expect(await alice.page.evaluate(() => (window as unknown as { asked: number }).asked)).toBe(0)
  await notify.click()
  await expect(notify).toBeHidden()
  expect(await alice.page.evaluate(() => (window as unknown as { asked: number }).asked)).toBe(1)
  await alice.context.close()
  await bob.context.close()
})

test.describe('lifecycle', () => {
  // Its own finder (serving the app too), killed and restarted; beside E2E_PORT like
  // finder-outage.spec.ts, so parallel runs with different ports never meet.
  const finder = new OwnFinder(
    Number(process.env.E2E_OUTAGE_PORT ?? Number(process.env.E2E_PORT ?? 10543) + 1),
  )
  test.afterAll(() => finder.kill())

  test('back online, shown again or back from the page cache: the finder is reached at once, not at the next retry', async ({
    browser,
  }) => {
    await finder.start()
    const alice = await user(browser, finder.url, 'Alice', 'phone')
    const page = alice.page
    await page.clock.install()
    const wakeUps: [string, () => Promise<void>][] = [
      // A network drop: Chromium fires `offline`, then `online`.
      [
        'online',
        async () => {
          await alice.context.setOffline(true)
          await alice.context.setOffline(false)
        },
      ],
      [
        'visibilitychange',
        () => page.evaluate(() => void document.dispatchEvent(new Event('visibilitychange'))),
      ],
      [
        'pageshow',
        () =>
          page.evaluate(
            () =>
              void window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })),
          ),
      ],
      ['resume', () => page.evaluate(() => void document.dispatchEvent(new Event('resume')))],
    ]
    for (const [event, wake] of wakeUps) {
      await finder.kill()
      await expect(finderStatus(page), event).toContainText('offline')
      // Time stands still in the page: no backoff timer can fire, only the event can reconnect.
      await page.clock.pauseAt(Date.now() + 60 * 60_000)
      await finder.start()
      await wake()
      await expect(finderStatus(page), event).toContainText('online')
      await page.clock.resume()
    }
    await alice.context.close()
  })
})

test('"Use here" during a download: the new tab finishes it, byte for byte', async ({
  browser,
  baseURL,
}) => {
  // Transfers on a loaded 2-core machine can crawl: room for a slow one.
  test.setTimeout(300_000)
  const alice = await user(browser, baseURL!, 'Alice', 'desktop')
  const bob = await user(browser, baseURL!, 'Bob', 'desktop')
  await connect(alice, bob)
  const file = await randomFile('moving.bin', 24 * 1024 * 1024)
  await shareWith(bob.page, 'Alice', file)
  await startDownload(alice.page, 'Bob', file.name)
  await expect.poll(() => percentOf(alice.page, file.name), { timeout: 60_000 }).toBeGreaterThan(0)
  // Bob stops serving it for a moment, so the takeover surely happens half-way.
  const seed = bob.page
    .getByRole('list', { name: 'Transfers' })
    .getByRole('checkbox', { name: `Seed ${file.name}` })
  await seed.uncheck()
  expect(await percentOf(alice.page, file.name)).toBeLessThan(100)

  const second = await alice.context.newPage()
  await second.goto('/')
  await second.getByRole('button', { name: 'Use here' }).click()
  await expect(alice.page.getByText(ELSEWHERE)).toBeVisible()
  await expectState(second, 'Bob', 'connected')
  await contactItem(second, 'Bob').click()
  await expect(progressOf(second, file.name)).toBeVisible()
  await seed.check()
  await expectComplete(second, file.name, 240_000)
  await expectSavedEqual(second, file)
  await alice.context.close()
  await bob.context.close()
})
