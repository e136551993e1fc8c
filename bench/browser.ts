import { chromium, type Browser } from 'playwright-core'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { findChromium } from '../scripts/find-chromium.mjs'

/** Same flags as the e2e suite (docs/tooling.md explains each). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
]

export async function launch(): Promise<Browser> {
  const executablePath = (await findChromium()) as string | null
  if (!executablePath) throw new Error('No Chromium found: see `node scripts/find-chromium.mjs`')
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS })
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
