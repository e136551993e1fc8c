import { expect, test } from '@playwright/test'
import jsQR from 'jsqr'
import { PNG } from 'pngjs'
import {
  closeAll,
  connect,
  expectState,
  finderStatus,
  inviteLink,
  newUser,
  send,
  message,
  contactItem,
} from './helpers.ts'

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

test('the invite carries its card: its QR code reads back as the link, and opening it asks the finder for no card', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const link = await inviteLink(alice.page)
  // The link holds Alice's section A now (link-card.ts): a denser code, still one a camera reads
  // at its smallest on screen (240 CSS px at a device scale of 1).
  const shot = PNG.sync.read(
    await alice.page.getByRole('img', { name: 'Invite QR code' }).screenshot(),
  )
  const read = jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height)
  expect(read?.data).toBe(link)

  const bob = await newUser(browser, baseURL!, 'Bob')
  const asked: string[] = []
  bob.page.on('websocket', (ws) =>
    ws.on('framesent', (f) => {
      const type = /"type":"([^"]+)"/.exec(String(f.payload))?.[1]
      if (type) asked.push(type)
    }),
  )
  // The finder socket from before the listener: a reload opens one it hears.
  await bob.page.reload()
  await expect(finderStatus(bob.page)).toContainText('online')
  // A card that is not Alice's: refused as a damaged link, nothing rung.
  const card = link.slice(link.lastIndexOf('.') + 1)
  const other = card.slice(0, 60) + (card[60] === 'A' ? 'B' : 'A') + card.slice(61)
  await bob.page.goto(link.replace(card, other))
  await expect(bob.page.getByRole('alert')).toContainText(/damaged/i)
  expect(asked).not.toContain('peer-location-find')

  await bob.page.goto(link)
  await expectState(bob.page, 'Alice', 'connected')
  await expectState(alice.page, 'Bob', 'connected')
  expect(asked).toContain('peer-location-find')
  expect(asked).not.toContain('peer-file-get')
  await closeAll(alice, bob)
})
