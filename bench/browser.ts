import { chromium, type Browser, type BrowserContext } from 'playwright-core'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { findChromium } from '../scripts/find-chromium.mjs'
import { CHROMIUM_ARGS } from '../scripts/chromium-args.ts'

async function chromiumPath(): Promise<string> {
  const executablePath = (await findChromium()) as string | null
  if (!executablePath) throw new Error('No Chromium found: see `node scripts/find-chromium.mjs`')
  return executablePath
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumPath(), args: [...CHROMIUM_ARGS] })
}

/**
 * A browser with an on-disk profile in `dir` (its own process). Playwright's `newContext()`
 * contexts are off the record, and there Chromium keeps OPFS in memory: file storage measured
 * that way is not what people's browsers do.
 */
export async function launchOnDisk(dir: string, baseURL: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    executablePath: await chromiumPath(),
    args: [...CHROMIUM_ARGS],
    baseURL,
    permissions: ['camera', 'microphone'],
  })
}

export function stats(samples: number[]): {
  median: number
  p95: number
  min: number
  max: number
} {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q: number): number => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN
  return { median: at(0.5), p95: at(0.95), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN }
}
