import { expect, test, type Page } from '@playwright/test'
import { closeAll, connect, conversation, finderStatus, message } from './helpers.ts'
import { fileCard, randomFile } from './files.ts'
import { axeProblems, freshPage, openChat, SCREENS, userOn, type ScreenName } from './screens.ts'

/*
 * axe on every screen a person meets, light and dark, phone and desktop: no serious or critical
 * violation (colour contrast included, so both palettes in styles.css are checked).
 */
async function expectClean(page: Page, where: string): Promise<void> {
  expect(await axeProblems(page), `axe on ${where}`).toEqual([])
}

for (const screen of Object.keys(SCREENS) as ScreenName[]) {
  for (const scheme of ['light', 'dark'] as const) {
    test(`${screen}, ${scheme}: every screen passes axe`, async ({ browser, baseURL }) => {
      test.setTimeout(360_000)
      // Welcome (first run), with the alert of a garbage invite link on top.
      const { context, page } = await freshPage(browser, baseURL!, screen, scheme)
      await page.emulateMedia({ colorScheme: scheme })
      await page.goto('/#/i/garbage')
      await expect(page.getByRole('alert')).toBeVisible()
      await page.getByRole('alert').getByText('Details').click()
      await expectClean(page, 'the first-run screen with an alert')
      await page.getByRole('button', { name: 'Dismiss' }).click()
      await page.getByRole('textbox', { name: 'Display name' }).fill('Alice')
      await page.getByRole('button', { name: 'Continue' }).click()
      await expect(finderStatus(page)).toContainText('online')
      const alice = { name: 'Alice', context, page }
      await expectClean(page, 'home, no contacts')

      // Invite: the link, Copy/Share, the QR code; a notice toast.
      await page.getByRole('button', { name: 'Invite', exact: true }).click()
      await page.getByRole('button', { name: 'Reset invite links' }).click()
      await expect(page.getByText('Invite links reset')).toBeVisible()
      await expectClean(page, 'home with the invite link and a notice')

      const bob = await userOn(browser, baseURL!, 'Bob', screen, scheme)
      await connect(alice, bob)
      await expectClean(page, 'home with a connected contact')

      // Conversation: messages both ways, then a file card.
      await openChat(bob.page, 'Alice')
      const bobBox = conversation(bob.page).getByRole('textbox', { name: 'Message' })
      await bobBox.fill('hello Alice')
      await bobBox.press('Enter')
      await openChat(page, 'Bob')
      await expect(message(page, 'hello Alice')).toBeVisible()
      const box = conversation(page).getByRole('textbox', { name: 'Message' })
      await box.fill('hi Bob')
      await box.press('Enter')
      await expect(message(page, 'hi Bob')).toContainText(/(delivered|read)$/)
      await expectClean(page, 'a conversation')

      const file = await randomFile('a11y.txt', 2_000)
      // Bob's conversation with Alice is open already (on a phone the list is hidden now).
      await conversation(bob.page).getByLabel('Share file').setInputFiles(file.path)
      await expect(fileCard(page, file.name)).toBeVisible({ timeout: 30_000 })
      await expectClean(page, 'a conversation with a file card')
      await conversation(page)
        .getByRole('button', { name: `Download ${file.name}` })
        .click()
      await expect(
        conversation(page).getByRole('button', { name: `Save ${file.name}` }),
      ).toBeVisible({ timeout: 30_000 })
      await expectClean(page, 'a downloaded file card')

      // Dialogs: verify, introduce, an incoming call.
      await conversation(page).getByRole('button', { name: 'Verify' }).click()
      await expect(page.getByRole('dialog', { name: 'Verify Bob' })).toBeVisible()
      await expectClean(page, 'the verify dialog')
      await page.keyboard.press('Escape')
      await conversation(page).getByRole('button', { name: 'Introduce' }).click()
      await expect(page.getByRole('dialog')).toBeVisible()
      await expectClean(page, 'the introduce dialog')
      await page.keyboard.press('Escape')
      await expect(page.getByRole('dialog')).toHaveCount(0)

      await conversation(bob.page).getByRole('button', { name: 'Call', exact: true }).click()
      const ringing = page.getByRole('dialog', { name: 'Incoming call' })
      await expect(ringing).toBeVisible({ timeout: 30_000 })
      await expectClean(page, 'the incoming call dialog')
      await ringing.getByRole('button', { name: 'Decline' }).click()

      // Transfers and the profile (settings) in the sidebar: on a phone, back to the list.
      if (screen === 'phone') await page.getByRole('button', { name: 'Back to contacts' }).click()
      await page.getByRole('list', { name: 'Transfers' }).scrollIntoViewIfNeeded()
      await page.getByRole('combobox', { name: 'Theme' }).scrollIntoViewIfNeeded()
      await expectClean(page, 'the transfers and profile panels')
      await closeAll(alice, bob)
    })
  }
}
