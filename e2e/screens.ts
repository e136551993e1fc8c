import type { Browser, Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { contactItem, newUser, type User } from './helpers.ts'

/** The two screens issue 14 was tried on: a 360 px phone (touch, mobile viewport) and a desktop. */
export const SCREENS = {
  phone: { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1280, height: 720 } },
} as const
export type ScreenName = keyof typeof SCREENS

/** A fresh browser profile on that screen, still on the first-run screen. */
export async function freshPage(
  browser: Browser,
  baseURL: string,
  screen: ScreenName,
  colorScheme: 'light' | 'dark' = 'light',
) {
  const context = await browser.newContext({
    baseURL,
    permissions: ['camera', 'microphone'],
    colorScheme,
    ...SCREENS[screen],
  })
  const page = await context.newPage()
  return { context, page }
}

/** helpers.newUser on a given screen and colour scheme. */
export function userOn(
  browser: Browser,
  baseURL: string,
  name: string,
  screen: ScreenName,
  colorScheme: 'light' | 'dark' = 'light',
  init?: () => void,
): Promise<User> {
  return newUser(browser, baseURL, name, {
    context: { ...SCREENS[screen], colorScheme },
    init: init ? [init] : [],
  })
}

/** Opens the conversation with `name`; on a phone, back to the list first if one is open. */
export async function openChat(page: Page, name: string): Promise<void> {
  const back = page.getByRole('button', { name: 'Back to contacts' })
  if (await back.isVisible()) await back.click()
  await contactItem(page, name).click()
}

/** Serious and critical axe violations on the page as it is now (none expected). */
export async function axeProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .slice(0, 4)
          .map(
            (n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 2).join('')}`,
          )
          .join(' | ')}`,
    )
}
