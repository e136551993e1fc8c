/**
 * Chat round trip in the real app, measured in the sender's page: from the Enter keydown's
 * timestamp (so time the event waited for a busy main thread counts) to the message's mark
 * reading "delivered"/"read".
 */
import type { Page } from 'playwright-core'
import { stats } from './browser.ts'
import { conversation } from './browser-lib.ts'
import { sleep } from './units.ts'

const CHAT_EVERY_MS = 250

/** Installs the watcher in the sender's page (once per page), before `chat()`. */
export const CHAT_WATCH = `(() => {
  if (window.__chat) return
  const pending = new Map()
  const done = new Map()
  document.addEventListener('keydown', (e) => {
    const t = e.target
    if (e.key === 'Enter' && !e.shiftKey && t instanceof HTMLTextAreaElement && t.value.trim())
      pending.set(t.value, e.timeStamp)
  }, true)
  const check = () => {
    if (!pending.size) return
    const now = performance.now()
    const items = document.querySelectorAll('[aria-label="Conversation"] [role="log"] li')
    for (const li of items) {
      const text = li.firstElementChild && li.firstElementChild.textContent
      if (!pending.has(text)) continue
      const marks = [...li.querySelectorAll('span')].map((m) => m.textContent.trim())
      if (marks.includes('delivered') || marks.includes('read')) {
        done.set(text, [pending.get(text), now - pending.get(text)])
        pending.delete(text)
      }
    }
  }
  new MutationObserver(check).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
  })
  window.__chat = {
    results: (prefix) => ({
      ms: [...done].filter(([t]) => t.startsWith(prefix)).map(([, [, ms]]) => ms),
      at: [...done].filter(([t]) => t.startsWith(prefix)).map(([, [at]]) => at),
      pending: [...pending.keys()].filter((t) => t.startsWith(prefix)).length,
    }),
  }
})()`

export interface ChatResult {
  /** round trips, in the order sent */
  ms: number[]
  /** when each was sent (the Enter keydown), in the page's performance.now() time */
  at: number[]
  pending: number
}

/** Sends "<prefix> <n>" every ~250 ms until `stop()` (or `count` messages), then collects the RTTs. */
export async function chat(
  page: Page,
  prefix: string,
  until: { stop?: () => boolean; count?: number },
): Promise<ChatResult> {
  const box = conversation(page).getByRole('textbox', { name: 'Message' })
  for (let i = 0; until.stop ? !until.stop() : i < (until.count ?? 0); i++) {
    const t0 = Date.now()
    await box.fill(`${prefix} ${i}`)
    await box.press('Enter')
    await sleep(Math.max(0, CHAT_EVERY_MS - (Date.now() - t0)))
  }
  const deadline = Date.now() + 15_000
  for (;;) {
    const r = (await page.evaluate(
      `window.__chat.results(${JSON.stringify(prefix)})`,
    )) as ChatResult
    if (r.pending === 0 || Date.now() > deadline) return r
    await sleep(100)
  }
}

export function chatText(r: ChatResult): string {
  if (!r.ms.length) return `no message delivered (${r.pending} pending)`
  const s = stats(r.ms)
  const lost = r.pending ? `, ${r.pending} not delivered within 15 s` : ''
  return `median ${s.median.toFixed(0)} ms · p95 ${s.p95.toFixed(0)} · max ${s.max.toFixed(0)} ms (${r.ms.length} msgs${lost})`
}
