/**
 * Chromium inside a lab namespace, driving the real app. Playwright talks to the browser over a
 * pipe, which crosses namespaces, so a two-line wrapper that enters the namespace is its binary.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM_ARGS } from '../../scripts/chromium-args.ts'
import { contactItem, conversation } from '../../bench/browser-lib.ts'
import type { SelectedPair } from '../../src/openpeer/index.ts'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { findChromium } from '../../scripts/find-chromium.mjs'
// @ts-expect-error -- plain ESM helpers shared with the npm scripts
import { buildStaleReason, NPX } from '../../scripts/lib.mjs'

export { contactItem, conversation } from '../../bench/browser-lib.ts'
import { userIn } from '../../bench/browser-lib.ts'

/** dist/ as `npm start` builds it, but without Vitest's environment (no polyfills under VITEST). */
export function buildApp(): void {
  if (!buildStaleReason()) return
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_ENV'),
  )
  if (spawnSync(NPX as string, ['vite', 'build'], { env, stdio: 'inherit' }).status !== 0)
    throw new Error('vite build failed')
}

/** Chromium in namespace `ns`, treating the lab's http:// origin as secure (WebCrypto needs it). */
export async function launchIn(ns: string, origin: string): Promise<Browser> {
  const binary = (await findChromium()) as string | null
  if (!binary) throw new Error('No Chromium found: see `node scripts/find-chromium.mjs`')
  const dir = mkdtempSync(join(tmpdir(), 'opnat-chromium-'))
  const wrapper = join(dir, 'chromium')
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec '${ns}' '${binary}' "$@"\n`)
  chmodSync(wrapper, 0o755)
  try {
    return await chromium.launch({
      executablePath: wrapper,
      args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`],
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A new user of the app (its own context) in `browser`, online at the finder. */
export async function appUser(browser: Browser, origin: string, name: string): Promise<Page> {
  const context: BrowserContext = await browser.newContext({
    baseURL: origin,
    permissions: ['camera', 'microphone'],
    acceptDownloads: true,
  })
  await context.addInitScript(RECORD_PEER_CONNECTIONS)
  return userIn(context, name)
}

export async function inviteLink(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Invite', exact: true }).click()
  const box = page.getByRole('textbox', { name: 'Invite link', exact: true })
  await box.waitFor()
  return box.inputValue()
}

/** Keeps every RTCPeerConnection the page makes, so the test can read getStats like the app. */
export const RECORD_PEER_CONNECTIONS = `(() => {
  const Native = globalThis.RTCPeerConnection
  const all = (globalThis.__labPcs = [])
  const log = (globalThis.__labPcLog = [])
  const t0 = performance.now()
  globalThis.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args)
      const n = all.push(this)
      // What each connection went through, for a failure's message.
      const note = (what) => log.push(Math.round(performance.now() - t0) + ' ms pc ' + n + ' ' + what)
      this.addEventListener('iceconnectionstatechange', () => note('ice ' + this.iceConnectionState))
      this.addEventListener('connectionstatechange', () => note(this.connectionState))
    }
  }
})()`

// A string, not a function: transpilers add helpers (esbuild's __name) the page does not have.
const PAGE_PAIR = `(async () => {
  const pc = globalThis.__labPcs.filter((p) => p.connectionState === 'connected').at(-1)
  if (!pc) return undefined
  const report = new Map()
  ;(await pc.getStats()).forEach((s) => report.set(s.id, s))
  const transport = [...report.values()].find((s) => s.type === 'transport')
  const pair = report.get(transport && transport.selectedCandidatePairId)
  if (!pair) return undefined
  const end = (id) => {
    const c = report.get(id) || {}
    return { type: c.candidateType, address: c.address, port: c.port, relayProtocol: c.relayProtocol }
  }
  const local = end(pair.localCandidateId)
  const remote = end(pair.remoteCandidateId)
  return { path: [local.type, remote.type].includes('relay') ? 'relay' : 'direct', local, remote }
})()`

/** Every RTCPeerConnection the page made: its state and its local ICE username fragment. */
export async function pageConnections(
  page: Page,
): Promise<{ state: string; ufrag: string | undefined }[]> {
  return (await page.evaluate(`globalThis.__labPcs.map((pc) => ({
    state: pc.connectionState,
    ufrag: (/a=ice-ufrag:(\\S+)/.exec((pc.localDescription && pc.localDescription.sdp) || '') || [])[1],
  }))`)) as { state: string; ufrag: string | undefined }[]
}

/** What the page's RTCPeerConnections went through (states, with times). */
export async function pageConnectionLog(page: Page): Promise<string[]> {
  return (await page.evaluate('globalThis.__labPcLog')) as string[]
}

/** The selected candidate pair of the page's connected RTCPeerConnection (as path.ts reads it). */
export async function pagePair(page: Page): Promise<SelectedPair | undefined> {
  return (await page.evaluate(PAGE_PAIR)) as SelectedPair | undefined
}

/** Sends a chat message from `page` to contact `to` and waits until it shows as sent. */
export async function sendChat(page: Page, to: string, text: string): Promise<void> {
  await contactItem(page, to).click()
  const box = conversation(page).getByRole('textbox', { name: 'Message' })
  await box.fill(text)
  await box.press('Enter')
  await chatLine(page, text).waitFor()
}

export function chatLine(page: Page, text: string) {
  return conversation(page).getByRole('log').getByRole('listitem').filter({ hasText: text })
}

/** Shares the file at `path` in the conversation with `to`. */
export async function shareFile(page: Page, to: string, path: string, name: string): Promise<void> {
  await contactItem(page, to).click()
  await conversation(page).getByLabel('Share file').setInputFiles(path)
  await conversation(page).getByRole('listitem').filter({ hasText: name }).waitFor()
}

/** Downloads `name` from `from`'s conversation, saves it, and returns the saved bytes' sha256. */
export async function downloadFile(page: Page, from: string, name: string): Promise<string> {
  await contactItem(page, from).click()
  await conversation(page)
    .getByRole('button', { name: `Download ${name}` })
    .click()
  // Save appears once every piece is in and checked.
  const save = conversation(page).getByRole('button', { name: `Save ${name}` })
  await save.waitFor({ timeout: 120_000 })
  const saving = page.waitForEvent('download')
  await save.click()
  return sha256Of(await (await saving).path())
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
