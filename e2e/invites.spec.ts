import { expect, test } from '@playwright/test'
import { connect, expectState, inviteLink, newUser, send, message, contactItem } from './helpers.ts'

test('a malformed invite shows a clear error, not a blank screen', async ({ browser, baseURL }) => {
  const bob = await newUser(browser, baseURL!, 'Bob')
  await bob.page.goto('/#/i/not a domain/xyz')
  await expect(bob.page.getByRole('alert')).toContainText(/invite/i)
  await expect(bob.page.getByRole('button', { name: 'Invite', exact: true })).toBeVisible()

  // Well formed, but nobody with that id ever registered at this finder.
  const host = new URL(baseURL!).host
  await bob.page.goto(`/#/i/${host}/${'ab'.repeat(32)}.AAAAAAAAAAAAAAAAAAAAAA`)
  await expect(bob.page.getByRole('alert')).toContainText(/nobody|not known|unknown/i)
  await bob.context.close()
})

test('an invite opened before choosing a name works after choosing one', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const link = await inviteLink(alice.page)
  const context = await browser.newContext({
    baseURL: baseURL!,
    permissions: ['camera', 'microphone'],
  })
  const page = await context.newPage()
  await page.goto(link)
  await page.getByRole('textbox', { name: 'Display name' }).fill('Newcomer')
  await page.getByRole('button', { name: 'Continue' }).click()
  await expectState(page, 'Alice', 'connected')
  await expectState(alice.page, 'Newcomer', 'connected')
  await alice.context.close()
  await context.close()
})

test('reset invite links: old links stop working, connected contacts keep reaching us', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  await connect(alice, bob)
  const oldLink = await inviteLink(alice.page)

  await alice.page.getByRole('button', { name: 'Reset invite links' }).click()
  await expect(
    alice.page.getByRole('textbox', { name: 'Invite link', exact: true }),
  ).not.toHaveValue(oldLink)

  const carol = await newUser(browser, baseURL!, 'Carol')
  await carol.page.goto(oldLink)
  await expect(carol.page.getByRole('alert')).toContainText(/reset|no longer/i)

  // Bob got the new find secret over the session: after a reload he still reaches Alice.
  await bob.page.reload()
  await expectState(bob.page, 'Alice', 'connected')
  await send(bob.page, 'Alice', 'still friends')
  await contactItem(alice.page, 'Bob').click()
  await expect(message(alice.page, 'still friends')).toBeVisible()
  for (const u of [alice, bob, carol]) await u.context.close()
})
