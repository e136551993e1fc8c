import { expect, test } from '@playwright/test'
import {
  connect,
  contactItem,
  conversation,
  expectState,
  message,
  newUser,
  send,
} from './helpers.ts'

test('invite, connect and chat both ways with sent, delivered and read marks', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  await connect(alice, bob)

  await send(bob.page, 'Alice', 'Hello Alice, from Bob')
  await contactItem(alice.page, 'Bob').click()
  await expect(message(alice.page, 'Hello Alice, from Bob')).toBeVisible()
  // Alice has the conversation open, so Bob's message is read.
  await expect(message(bob.page, 'Hello Alice, from Bob')).toContainText('read')

  await send(alice.page, 'Bob', 'Hi Bob!')
  await expect(message(bob.page, 'Hi Bob!')).toBeVisible()
  await expect(message(alice.page, 'Hi Bob!')).toContainText(/delivered|read/)
  await alice.context.close()
  await bob.context.close()
})

test('a reload keeps identity, contacts and history, and reconnects by itself', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  await connect(alice, bob)
  await send(alice.page, 'Bob', 'before reload')
  await expect(message(alice.page, 'before reload')).toContainText(/delivered|read/)

  await bob.page.reload()
  await expectState(bob.page, 'Alice', 'connected')
  await expectState(alice.page, 'Bob', 'connected')
  await contactItem(bob.page, 'Alice').click()
  await expect(message(bob.page, 'before reload')).toBeVisible()
  await send(bob.page, 'Alice', 'after reload')
  await expect(message(alice.page, 'after reload')).toBeVisible()
  await expect(message(alice.page, 'before reload')).toBeVisible()
  await alice.context.close()
  await bob.context.close()
})

test('messages written while the contact is offline wait and leave when it is back', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  await connect(alice, bob)

  await bob.page.close()
  await expectState(alice.page, 'Bob', 'offline', 60_000)
  await send(alice.page, 'Bob', 'waiting in the outbox')
  await expect(message(alice.page, 'waiting in the outbox')).toContainText(/waiting$/)
  await expect(message(alice.page, 'waiting in the outbox')).not.toContainText('delivered')

  // Bob comes back in the same profile: the queued message leaves by itself.
  bob.page = await bob.context.newPage()
  await bob.page.goto('/')
  await expectState(bob.page, 'Alice', 'connected')
  await expect(message(alice.page, 'waiting in the outbox')).toContainText(/delivered|read/)
  await contactItem(bob.page, 'Alice').click()
  await expect(message(bob.page, 'waiting in the outbox')).toBeVisible()
  await alice.context.close()
  await bob.context.close()
})

test('three contacts at once', async ({ browser, baseURL }) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const others = await Promise.all(
    ['Bob', 'Carol', 'Dave'].map((n) => newUser(browser, baseURL!, n)),
  )
  for (const other of others) await connect(alice, other)
  for (const other of others) await expectState(alice.page, other.name, 'connected')
  for (const other of others) {
    await send(alice.page, other.name, `hello ${other.name}`)
    await contactItem(other.page, 'Alice').click()
    await expect(message(other.page, `hello ${other.name}`)).toBeVisible()
    await send(other.page, 'Alice', `reply from ${other.name}`)
  }
  for (const other of others) {
    await contactItem(alice.page, other.name).click()
    await expect(message(alice.page, `reply from ${other.name}`)).toBeVisible()
    await expect(conversation(alice.page).getByRole('log')).not.toContainText(
      others.filter((o) => o !== other).map((o) => `reply from ${o.name}`)[0]!,
    )
  }
  for (const u of [alice, ...others]) await u.context.close()
})
