import { expect, test } from '@playwright/test'
import { connect, contactItem, conversation, newUser } from './helpers.ts'
import {
  expectSavedEqual,
  fileCard,
  percentOf,
  progressOf,
  randomFile,
  sentBytes,
  shareWith,
} from './files.ts'

const MB = 1024 * 1024

test.describe.configure({ timeout: 240_000 })

test('a 20 MB file goes from Alice to Bob over their connection, byte for byte', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  await connect(alice, bob)
  const file = await randomFile('twenty.bin', 20 * MB)

  await shareWith(alice.page, 'Bob', file)
  await contactItem(bob.page, 'Alice').click()
  await expect(fileCard(bob.page, file.name)).toContainText('21.0 MB')
  await conversation(bob.page)
    .getByRole('button', { name: `Download ${file.name}` })
    .click()
  await expect(progressOf(bob.page, file.name)).toHaveAttribute('aria-valuenow', '100', {
    timeout: 120_000,
  })
  await expectSavedEqual(bob.page, file)
  await alice.context.close()
  await bob.context.close()
})

test('a download interrupted by a reload resumes where it stopped, with equal bytes', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  await connect(alice, bob)
  const file = await randomFile('resume.bin', 30 * MB)
  await shareWith(alice.page, 'Bob', file)
  // Alice's sent figure shows in her Transfers panel: it tells whether bytes were sent twice.
  await contactItem(bob.page, 'Alice').click()
  await conversation(bob.page)
    .getByRole('button', { name: `Download ${file.name}` })
    .click()
  // Past 40 %: a download that restarted from zero would send ≥ 1.4× the file (checked below).
  await expect
    .poll(() => percentOf(bob.page, file.name), { timeout: 60_000, intervals: [50] })
    .toBeGreaterThan(40)
  const before = await percentOf(bob.page, file.name)
  expect(before).toBeLessThan(100)

  await bob.page.reload()
  await contactItem(bob.page, 'Alice').click()
  // Resumed, not restarted: what was verified before the reload is still there.
  await expect
    .poll(() => percentOf(bob.page, file.name), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(Math.min(before, 99) - 5)
  await expect(progressOf(bob.page, file.name)).toHaveAttribute('aria-valuenow', '100', {
    timeout: 120_000,
  })
  await expectSavedEqual(bob.page, file)
  // A piece in flight at the reload may be fetched again; the file as a whole is not.
  expect(await sentBytes(alice.page, file.name)).toBeLessThan(file.size * 1.25)
  await alice.context.close()
  await bob.context.close()
})
