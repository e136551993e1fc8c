import { expect, test } from '@playwright/test'
import {
  contactItem,
  expectState,
  finderStatus,
  inviteLink,
  message,
  newUser,
  OwnFinder,
  send,
} from './helpers.ts'

// A second domain: its own finder (serving the app too) beside the suite's, on its own port —
// two ports are two domains (`host:port`), as two host names would be.
const other = new OwnFinder(
  Number(process.env.E2E_FEDERATION_PORT ?? Number(process.env.E2E_PORT ?? 10543) + 3),
)

test.afterAll(async () => {
  await other.kill()
})

test('two domains: Bob pastes the invite of Alice at another finder, they chat; later she finds him at his', async ({
  browser,
  baseURL,
}) => {
  await other.start()
  // Alice's home is the other finder (so the test can take it away), Bob's the suite's.
  const alice = await newUser(browser, other.url, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  const link = await inviteLink(alice.page)
  expect(new URL(link).port).toBe(new URL(other.url).port)

  // Bob stays in his own app and pastes the link there: his client rings her domain's finder.
  await bob.page.getByRole('textbox', { name: 'Paste invite link' }).fill(link)
  await bob.page.getByRole('button', { name: 'Open invite' }).click()
  await expectState(bob.page, 'Alice', 'connected')
  await expectState(alice.page, 'Bob', 'connected')
  await send(bob.page, 'Alice', 'hello from another domain')
  await contactItem(alice.page, 'Bob').click()
  await expect(message(alice.page, 'hello from another domain')).toBeVisible()

  // Her finder dies and Bob closes his app. When he opens it again he cannot reach her domain;
  // the session that comes back is hers, found at his domain's finder.
  await other.kill()
  await expect(finderStatus(alice.page)).toContainText('offline')
  await bob.page.close()
  await expectState(alice.page, 'Bob', 'offline', 60_000)
  const page = await bob.context.newPage()
  await page.goto(baseURL!)
  await expect(finderStatus(page)).toContainText('online')
  await expectState(alice.page, 'Bob', 'connected', 90_000)
  await send(alice.page, 'Bob', 'found you at your domain')
  await contactItem(page, 'Alice').click()
  await expect(message(page, 'found you at your domain')).toBeVisible()
  await bob.context.close()
  await alice.context.close()
})
