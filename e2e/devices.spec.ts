import { expect, test, type Browser, type Page } from '@playwright/test'
import {
  closeAll,
  connect,
  connectedPair,
  contactItem,
  expectState,
  newUser,
  finderStatus,
  message,
  send,
  type User,
} from './helpers.ts'

/**
 * Alice links a second browser to her profile: the device link from Profile, opened in a fresh
 * browser context, the same code on both screens, "Approve Laptop". Returns the laptop's page.
 */
async function linkLaptop(
  alice: User,
  baseURL: string,
): Promise<{ page: Page; close(): Promise<void> }> {
  await alice.page.getByRole('button', { name: 'Link a device' }).click()
  const box = alice.page.getByRole('textbox', { name: 'Device link' })
  await expect(box).toHaveValue(/#\/d\//)
  const link = await box.inputValue()

  const context = await alice.page.context().browser()!.newContext({ baseURL })
  const page = await context.newPage()
  await page.goto(link)
  await page.getByRole('textbox', { name: 'Device name' }).fill('Laptop')
  await page.getByRole('button', { name: 'Link this device' }).click()
  const code = page.getByRole('status', { name: 'Device code' })
  await expect(code).toContainText(/\d{3} \d{3}/, { timeout: 20_000 })
  const shown = /\d{3} \d{3}/.exec((await code.textContent()) ?? '')?.[0] ?? ''

  const devices = alice.page.getByRole('list', { name: 'Devices' })
  await expect(devices).toContainText(shown)
  await devices.getByRole('button', { name: 'Approve Laptop' }).click()
  await expect(finderStatus(page)).toContainText('online', { timeout: 20_000 })
  // The two browsers of one identity find each other.
  await expect(devices.getByRole('listitem').filter({ hasText: 'Laptop' })).toContainText(
    'online',
    { timeout: 20_000 },
  )
  return { page, close: () => context.close() }
}

test('two browsers of one identity: a message from Bob shows on both, and one Alice sends from either shows on the other', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  const laptop = await linkLaptop(alice, baseURL!)
  // The laptop has Alice's contacts.
  await expect(contactItem(laptop.page, 'Bob')).toBeVisible()

  await send(bob.page, 'Alice', 'hello to all of Alice')
  await contactItem(alice.page, 'Bob').click()
  await expect(message(alice.page, 'hello to all of Alice')).toBeVisible()
  await contactItem(laptop.page, 'Bob').click()
  await expect(message(laptop.page, 'hello to all of Alice')).toBeVisible()

  await send(laptop.page, 'Bob', 'written on the laptop')
  await expect(message(alice.page, 'written on the laptop')).toBeVisible()
  await expect(message(bob.page, 'written on the laptop')).toBeVisible()

  await send(alice.page, 'Bob', 'written on the first browser')
  await expect(message(laptop.page, 'written on the first browser')).toBeVisible()

  await laptop.close()
  await closeAll(alice, bob)
})

test("Bob opens Alice's invite while both her browsers are online: both connect with him, and his message shows on each", async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const laptop = await linkLaptop(alice, baseURL!)
  const bob = await newUser(browser, baseURL!, 'Bob')
  // Bob's one find reaches both of Alice's browsers (docs/protocol.md, "Who offers").
  await connect(alice, bob)
  await expectState(laptop.page, 'Bob', 'connected')

  await send(bob.page, 'Alice', 'hello to both of you')
  await contactItem(alice.page, 'Bob').click()
  await expect(message(alice.page, 'hello to both of you')).toBeVisible()
  await contactItem(laptop.page, 'Bob').click()
  await expect(message(laptop.page, 'hello to both of you')).toBeVisible()

  await laptop.close()
  await closeAll(alice, bob)
})

test('"Remove Laptop": the laptop deletes its copy of the profile and shows the first-run screen', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  const laptop = await linkLaptop(alice, baseURL!)
  const devices = alice.page.getByRole('list', { name: 'Devices' })
  await devices.getByRole('button', { name: 'Remove Laptop' }).click()
  await expect(devices.getByRole('listitem').filter({ hasText: 'Laptop' })).toHaveCount(0)
  await expect(laptop.page.getByRole('textbox', { name: 'Display name' })).toBeVisible({
    timeout: 20_000,
  })
  // Nothing of the profile survives a reload there.
  await laptop.page.reload()
  await expect(laptop.page.getByRole('textbox', { name: 'Display name' })).toBeVisible()
  await laptop.close()
  await closeAll(alice, bob)
})

test('bad device links: one opened where a profile exists, and a used one, each say so and change nothing', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  await alice.page.getByRole('button', { name: 'Link a device' }).click()
  const link = await alice.page.getByRole('textbox', { name: 'Device link' }).inputValue()

  // Bob has a profile of his own: the link is refused and Bob stays Bob.
  await bob.page.goto(link)
  await expect(bob.page.getByRole('alert')).toContainText(/profile exists already/i)
  await expect(bob.page.getByRole('region', { name: 'Your profile' })).toContainText('Bob')
  await expect(contactItem(bob.page, 'Alice')).toBeVisible()

  // A browser links with it; a third one then finds it used.
  const laptop = await alice.page.context().browser()!.newContext({ baseURL })
  const laptopPage = await laptop.newPage()
  await laptopPage.goto(link)
  await laptopPage.getByRole('textbox', { name: 'Device name' }).fill('Laptop')
  await laptopPage.getByRole('button', { name: 'Link this device' }).click()
  await alice.page
    .getByRole('list', { name: 'Devices' })
    .getByRole('button', { name: 'Approve Laptop' })
    .click()
  await expect(finderStatus(laptopPage)).toContainText('online', { timeout: 20_000 })

  const late = await newUserWithoutProfile(browser, baseURL!)
  await late.goto(link)
  await late.getByRole('textbox', { name: 'Device name' }).fill('Tablet')
  await late.getByRole('button', { name: 'Link this device' }).click()
  await expect(late.getByRole('alert')).toContainText(/used already/i, { timeout: 20_000 })
  await expect(late.getByRole('textbox', { name: 'Display name' })).toBeVisible()

  await laptop.close()
  await late.context().close()
  await closeAll(alice, bob)
})

/** A fresh browser profile that has not chosen a name (no profile at all). */
async function newUserWithoutProfile(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL })
  return context.newPage()
}
