import { expect, test, type Page } from '@playwright/test'
import {
  closeAll,
  connect,
  contactItem,
  conversation,
  expectState,
  finderStatus,
  message,
  newUser,
  OwnFinder,
  send,
  type User,
} from './helpers.ts'

// The finder-dead case runs a finder of its own (serving the app too) so it can kill it.
const finder = new OwnFinder(
  Number(process.env.E2E_INTRO_PORT ?? Number(process.env.E2E_PORT ?? 10543) + 2),
)
test.afterAll(async () => {
  await finder.kill()
})

/** Carol opens her conversation with `a` and introduces `a` to `b` from the dialog. */
async function introduce(carol: Page, a: string, b: string): Promise<void> {
  await contactItem(carol, a).click()
  await conversation(carol).getByRole('button', { name: 'Introduce' }).click()
  const dialog = carol.getByRole('dialog', { name: `Introduce ${a} to…` })
  await dialog.getByRole('button', { name: b, exact: true }).click()
  await expect(dialog).toBeHidden()
}

async function triangle(baseURL: string, browser: Parameters<typeof newUser>[0]) {
  const alice = await newUser(browser, baseURL, 'Alice')
  const bob = await newUser(browser, baseURL, 'Bob')
  const carol = await newUser(browser, baseURL, 'Carol')
  await connect(carol, alice)
  await connect(carol, bob)
  return { alice, bob, carol }
}

async function chatsBothWays(alice: User, bob: User, words: string): Promise<void> {
  await send(alice.page, 'Bob', words)
  await contactItem(bob.page, 'Alice').click()
  await expect(message(bob.page, words)).toBeVisible()
  await send(bob.page, 'Alice', `re: ${words}`)
  await expect(message(alice.page, `re: ${words}`)).toBeVisible()
}

test('Carol introduces Alice and Bob: both hear it from her, they connect and chat', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob, carol } = await triangle(baseURL!, browser)
  await introduce(carol.page, 'Alice', 'Bob')
  await expect(carol.page.getByText('Introduced Alice and Bob to each other.')).toBeVisible()
  await expect(alice.page.getByText('Carol introduced you to Bob.')).toBeVisible()
  await expect(bob.page.getByText('Carol introduced you to Alice.')).toBeVisible()
  await expectState(alice.page, 'Bob', 'connected')
  await expectState(bob.page, 'Alice', 'connected')
  await chatsBothWays(alice, bob, 'Carol says hi')
  await closeAll(alice, bob, carol)
})

test('with the finder dead, Alice and Bob meet through Carol alone', async ({ browser }) => {
  await finder.start()
  const { alice, bob, carol } = await triangle(finder.url, browser)
  await finder.kill()
  for (const u of [alice, bob, carol]) await expect(finderStatus(u.page)).toContainText('offline')
  await introduce(carol.page, 'Alice', 'Bob')
  await expectState(alice.page, 'Bob', 'connected', 30_000)
  await expectState(bob.page, 'Alice', 'connected', 30_000)
  await chatsBothWays(alice, bob, 'no finder, only Carol')
  await closeAll(alice, bob, carol)
})

test('"Accept introductions" off: Carol is told, and nobody is added', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob, carol } = await triangle(baseURL!, browser)
  const accept = bob.page.getByRole('checkbox', { name: 'Accept introductions' })
  await expect(accept).toBeChecked()
  await accept.uncheck()
  await contactItem(carol.page, 'Alice').click()
  await conversation(carol.page).getByRole('button', { name: 'Introduce' }).click()
  await carol.page
    .getByRole('dialog', { name: 'Introduce Alice to…' })
    .getByRole('button', { name: 'Bob', exact: true })
    .click()
  await expect(carol.page.getByRole('alert')).toContainText('Bob does not accept introductions')
  await expect(contactItem(alice.page, 'Bob')).toHaveCount(0)
  await expect(contactItem(bob.page, 'Alice')).toHaveCount(0)
  await closeAll(alice, bob, carol)
})
