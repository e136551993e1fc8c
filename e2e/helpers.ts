import { spawn, type ChildProcess } from 'node:child_process'
import {
  expect,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from '@playwright/test'

export type State = 'offline' | 'connecting' | 'connected'

export interface User {
  name: string
  context: BrowserContext
  page: Page
}

/**
 * A fresh browser profile (its own IndexedDB) that has chosen a display name. `init` scripts run
 * in every page before the app's (a test's own instruments or stand-ins, e.g. calls.spec.ts).
 */
export async function newUser(
  browser: Browser,
  baseURL: string,
  name: string,
  opts: { init?: (() => void)[]; context?: BrowserContextOptions } = {},
): Promise<User> {
  const context = await browser.newContext({
    ...opts.context,
    baseURL,
    permissions: ['camera', 'microphone'],
  })
  for (const script of opts.init ?? []) await context.addInitScript(script)
  const page = await context.newPage()
  await page.goto('/')
  await page.getByRole('textbox', { name: 'Display name' }).fill(name)
  await page.getByRole('button', { name: 'Continue' }).click()
  await expect(finderStatus(page)).toContainText('online')
  return { name, context, page }
}

export function finderStatus(page: Page) {
  return page.getByRole('status', { name: 'Finder status' })
}

export async function inviteLink(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Invite', exact: true }).click()
  const box = page.getByRole('textbox', { name: 'Invite link', exact: true })
  await expect(box).toHaveValue(/#\/i\//)
  return box.inputValue()
}

export function contactItem(page: Page, name: string) {
  return page
    .getByRole('list', { name: 'Contacts' })
    .getByRole('button', { name: new RegExp(`^${name}\\b`) })
}

export async function expectState(
  page: Page,
  name: string,
  state: State,
  timeout = 20_000,
): Promise<void> {
  await expect(contactItem(page, name)).toHaveAccessibleName(new RegExp(`\\b${state}\\b`), {
    timeout,
  })
}

/** Opens `inviter`'s link in `invitee` and waits until both see each other connected. */
export async function connect(inviter: User, invitee: User): Promise<void> {
  const link = await inviteLink(inviter.page)
  await invitee.page.goto(link)
  await expectState(invitee.page, inviter.name, 'connected')
  await expectState(inviter.page, invitee.name, 'connected')
}

export function conversation(page: Page) {
  return page.getByRole('region', { name: 'Conversation' })
}

export async function send(page: Page, to: string, text: string): Promise<void> {
  await contactItem(page, to).click()
  const box = conversation(page).getByRole('textbox', { name: 'Message' })
  await box.fill(text)
  await box.press('Enter')
  await expect(message(page, text)).toBeVisible()
}

export function message(page: Page, text: string) {
  return conversation(page).getByRole('log').getByRole('listitem').filter({ hasText: text })
}

/** A finder of the test's own, which the test may kill and restart (on the same port). */
export class OwnFinder {
  private child: ChildProcess | undefined
  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`${this.url}/.well-known/openpeer-services-get`)
        if (res.ok) return
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`finder on ${this.port} did not start`)
  }

  /** SIGKILL: the finder dies without a goodbye, as a crashed server would. */
  async kill(): Promise<void> {
    const child = this.child
    // A killed child has a signalCode and no exitCode: either means it is gone already.
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }
}

/** Alice and Bob, each in a fresh browser profile, connected through an invite. */
export async function connectedPair(
  browser: Browser,
  baseURL: string,
): Promise<{ alice: User; bob: User }> {
  const alice = await newUser(browser, baseURL, 'Alice')
  const bob = await newUser(browser, baseURL, 'Bob')
  await connect(alice, bob)
  return { alice, bob }
}

export async function closeAll(...users: User[]): Promise<void> {
  for (const u of users) await u.context.close()
}
