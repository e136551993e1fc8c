/**
 * Helpers for the benchmarks that drive the real app in Chromium (bench:connect,
 * bench:transfer:browser): a user per browser context, invites, the app's landmarks.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'

/** A fresh browser context (its own storage) whose user has chosen a display name and is online. */
export async function user(browser: Browser, base: string, name: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, permissions: ['camera', 'microphone'] })
  return userIn(context, name)
}

/** The first run (display name, Continue) in a page of `context`, until the finder is online. */
export async function userIn(context: BrowserContext, name: string): Promise<Page> {
  const page = context.pages()[0] ?? (await context.newPage())
  await page.goto('/')
  await page.getByRole('textbox', { name: 'Display name' }).fill(name)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByRole('status', { name: 'Finder status' }).filter({ hasText: 'online' }).waitFor()
  return page
}

/** A contact's row in the contact list; `state` also requires that word in its accessible name. */
export function contactItem(page: Page, name: string, state?: string): Locator {
  const label = state ? `^${name}\\b.*\\b${state}\\b` : `^${name}\\b`
  return page
    .getByRole('list', { name: 'Contacts' })
    .getByRole('button', { name: new RegExp(label) })
}

export function conversation(page: Page): Locator {
  return page.getByRole('region', { name: 'Conversation' })
}

/** Opens the inviter's link in the invitee's page and waits until both show each other connected. */
export async function connectUsers(
  inviter: Page,
  inviterName: string,
  invitee: Page,
  inviteeName: string,
  timeout = 30_000,
): Promise<void> {
  await inviter.getByRole('button', { name: 'Invite', exact: true }).click()
  const box = inviter.getByRole('textbox', { name: 'Invite link', exact: true })
  await box.waitFor()
  const link = await box.inputValue()
  await invitee.goto(link)
  await contactItem(invitee, inviterName, 'connected').waitFor({ timeout })
  await contactItem(inviter, inviteeName, 'connected').waitFor({ timeout })
}
