import { watchCellular } from '../platform/network.ts'
import { prefsActions } from '../state/prefs.ts'
import { uiActions } from '../state/ui.ts'
import type { GlueContext } from './context.ts'
import type { PagePorts } from './ports.ts'

/** This device's facts: its network (back online, mobile data) into the client and stores. */
export function attachDevice(ctx: GlueContext): void {
  // Back online, shown again, out of a freeze or the back/forward cache: lifecycle.ts.
  // A new link (Wi-Fi to mobile data, another network): sessions move with an ICE restart.
  let first = true
  ctx.lifetime.defer(
    watchCellular(ctx.page.navigator, (cellular) => {
      prefsActions.setCellular(cellular)
      if (!first) ctx.client.networkChanged()
      first = false
    }),
  )
}

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
]
// Order matters: Android reports Linux, iPadOS reports Mac OS X.
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
]

/** "Chrome on Linux": what a contact sees for this device among their sessions. */
export function deviceLabel(userAgent: string): string {
  const browser = BROWSERS.find(([re]) => re.test(userAgent))?.[1] ?? 'Browser'
  const system = SYSTEMS.find(([re]) => re.test(userAgent))?.[1] ?? 'unknown system'
  return `${browser} on ${system}`
}

/** Copies a link and says so; a missing or refused clipboard is ERR_CLIPBOARD. */
export async function copyText(
  page: PagePorts,
  text: string,
  words: { done: string; during: string },
): Promise<void> {
  try {
    if (!page.navigator.clipboard) throw new Error('no clipboard')
    await page.navigator.clipboard.writeText(text)
    uiActions.notify(words.done)
  } catch {
    uiActions.showError({ code: 'ERR_CLIPBOARD', during: words.during })
  }
}

/** Asks the browser not to evict our data under storage pressure (it may still say no). */
export async function requestPersistence(page: PagePorts): Promise<boolean> {
  try {
    return (await page.navigator.storage?.persist?.()) ?? false
  } catch {
    return false
  }
}
