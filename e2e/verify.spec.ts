import { expect, test, type Page } from '@playwright/test'
import { closeAll, connectedPair, contactItem, conversation } from './helpers.ts'

const NUMBER = /^\d{5}( \d{5}){11}$/

/** Opens the conversation with `name` and its "Verify" dialog. */
async function openVerify(page: Page, name: string) {
  await contactItem(page, name).click()
  await conversation(page).getByRole('button', { name: 'Verify' }).click()
  const dialog = page.getByRole('dialog', { name: `Verify ${name}` })
  await expect(dialog).toBeVisible()
  return dialog
}

test('both see the same safety number; the one who marks it sees verified, after a reload too', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)

  const aliceDialog = await openVerify(alice.page, 'Bob')
  const aliceNumber = aliceDialog.getByLabel('Safety number')
  await expect(aliceNumber).toHaveText(NUMBER)
  await expect(aliceDialog.getByRole('img', { name: 'Safety number QR code' })).toBeVisible()
  const number = (await aliceNumber.textContent())!.trim()

  const bobDialog = await openVerify(bob.page, 'Alice')
  await expect(bobDialog.getByLabel('Safety number')).toHaveText(number)

  // Met through a pasted link: nobody is verified yet.
  await expect(contactItem(alice.page, 'Bob')).not.toContainText('verified')
  await aliceDialog.getByRole('button', { name: 'Mark as verified' }).click()
  await expect(aliceDialog).toBeHidden()
  await expect(contactItem(alice.page, 'Bob')).toContainText('verified')
  await expect(contactItem(alice.page, 'Bob')).toHaveAccessibleName(/\bverified\b/)

  // The mark is Alice's alone: Bob has compared nothing.
  await bobDialog.getByRole('button', { name: 'Close' }).click()
  await expect(contactItem(bob.page, 'Alice')).not.toContainText('verified')
  await expect(bob.page.getByRole('list', { name: 'Contacts' })).not.toContainText('verified')

  await alice.page.reload()
  await expect(contactItem(alice.page, 'Bob')).toContainText('verified')
  await bob.page.reload()
  await expect(contactItem(bob.page, 'Alice')).toBeVisible()
  await expect(contactItem(bob.page, 'Alice')).not.toContainText('verified')

  // The same number after the reload, and the mark can be taken back.
  const again = await openVerify(alice.page, 'Bob')
  await expect(again.getByLabel('Safety number')).toHaveText(number)
  await again.getByRole('button', { name: 'Mark as not verified' }).click()
  await expect(again).toBeHidden()
  await expect(contactItem(alice.page, 'Bob')).not.toContainText('verified')

  await closeAll(alice, bob)
})
