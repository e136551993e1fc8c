import { expect, test } from '@playwright/test'
import {
  connect,
  contactItem,
  expectState,
  finderStatus,
  message,
  newUser,
  OwnFinder,
  send,
} from './helpers.ts'

// This test runs its own finder (serving the app too) so it can kill and restart it.
// Beside the suite's own finder (E2E_PORT), so parallel runs with different E2E_PORTs never meet.
const finder = new OwnFinder(
  Number(process.env.E2E_OUTAGE_PORT ?? Number(process.env.E2E_PORT ?? 10543) + 1),
)

test.afterAll(async () => {
  await finder.kill()
})

test('the finder dies mid-session: chat goes on; it comes back: a new invite works', async ({
  browser,
}) => {
  await finder.start()
  const alice = await newUser(browser, finder.url, 'Alice')
  const bob = await newUser(browser, finder.url, 'Bob')
  await connect(alice, bob)

  await finder.kill()
  await expect(finderStatus(alice.page)).toContainText('offline')
  await expect(finderStatus(bob.page)).toContainText('offline')

  await send(alice.page, 'Bob', 'no server needed')
  await contactItem(bob.page, 'Alice').click()
  await expect(message(bob.page, 'no server needed')).toBeVisible()
  await send(bob.page, 'Alice', 'indeed')
  await expect(message(alice.page, 'indeed')).toBeVisible()
  await expectState(alice.page, 'Bob', 'connected')

  await finder.start()
  await expect(finderStatus(alice.page)).toContainText('online', { timeout: 45_000 })
  const carol = await newUser(browser, finder.url, 'Carol')
  await connect(alice, carol)
  for (const u of [alice, bob, carol]) await u.context.close()
})
