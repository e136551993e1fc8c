import { expect, test } from '@playwright/test'
import { connect, contactItem, conversation, message, newUser, send } from './helpers.ts'

// The e2e finder runs on loopback without coturn: with "Hide my IP address" on there is no
// relay candidate at all, so ICE cannot connect and the session takes the finder's relay tunnel.
test('"Hide my IP address": remembered, and the contact is reached through the relay tunnel, chat both ways', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  const hide = alice.page.getByRole('checkbox', { name: 'Hide my IP address' })
  await expect(hide).not.toBeChecked()
  await expect(hide).toHaveAccessibleDescription(/contacts never learn your IP address/)
  await hide.check()
  await alice.page.reload()
  await expect(alice.page.getByRole('checkbox', { name: 'Hide my IP address' })).toBeChecked()

  await connect(alice, bob)
  // The row names the path in its text and its accessible name, and explains it on hover.
  for (const [page, name] of [
    [alice.page, 'Bob'],
    [bob.page, 'Alice'],
  ] as const) {
    await expect(contactItem(page, name)).toHaveAccessibleName(/connected, tunnel/, {
      timeout: 30_000,
    })
    await expect(contactItem(page, name).locator('.path')).toHaveAttribute('title', /relay tunnel/)
  }

  await send(bob.page, 'Alice', 'through the tunnel')
  await contactItem(alice.page, 'Bob').click()
  await expect(message(alice.page, 'through the tunnel')).toBeVisible()
  await send(alice.page, 'Bob', 'and back')
  await expect(message(bob.page, 'and back')).toBeVisible()
  await expect(message(alice.page, 'and back')).toContainText(/delivered|read/)
  await expect(conversation(alice.page).locator('.path')).toHaveText('tunnel')
  await alice.context.close()
  await bob.context.close()
})
