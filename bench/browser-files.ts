/**
 * Files through the real app in bench:transfer:browser: random test files on disk, Alice shares,
 * Bob downloads (timed in his page) and saves, and the saved bytes are compared by sha256.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { conversation } from './browser-lib.ts'
import { MiB } from './units.ts'

export interface TestFile {
  name: string
  path: string
  size: number
  sha256: string
}

/** A file of random bytes written 1 MiB at a time (never whole in memory), hashed on the way. */
export async function randomFile(dir: string, name: string, mb: number): Promise<TestFile> {
  const path = join(dir, name)
  const out = createWriteStream(path)
  const hash = createHash('sha256')
  for (let i = 0; i < mb; i++) {
    const chunk = randomBytes(MiB)
    hash.update(chunk)
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject)
    out.end(() => resolve())
  })
  return { name, path, size: mb * MiB, sha256: hash.digest('hex') }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Watches, in the downloader's page, for the click on "Download <name>" and the progressbar
 * reaching 100; resolves to ms from the click's timestamp to 100 %, and to the first progress.
 */
const DOWNLOAD_WATCH = (name: string): string => `(() => {
  const label = ${JSON.stringify(`Download ${name}`)}
  const bar = '[role="progressbar"][aria-label=' + ${JSON.stringify(JSON.stringify(`${name} progress`))} + ']'
  window.__download = new Promise((resolve) => {
    let t0 = null
    let first = null
    document.addEventListener('click', (e) => {
      const b = e.target instanceof Element && e.target.closest('button')
      if (b && b.textContent.trim() === label && t0 === null) t0 = e.timeStamp
    }, true)
    const observer = new MutationObserver(() => {
      const el = document.querySelector(bar)
      if (t0 === null || !el) return
      const pct = Number(el.getAttribute('aria-valuenow'))
      const now = performance.now()
      if (first === null && pct > 0) first = now - t0
      if (pct >= 100) {
        observer.disconnect()
        resolve({ ms: now - t0, firstProgressMs: first ?? now - t0, clickAt: t0 })
      }
    })
    observer.observe(document.body, { subtree: true, childList: true, attributes: true })
  })
})()`

export async function share(
  alice: Page,
  bob: Page,
  file: TestFile,
  timeout: number,
): Promise<number> {
  const t0 = performance.now()
  await conversation(alice).getByLabel('Share file').setInputFiles(file.path)
  await conversation(bob)
    .getByRole('button', { name: `Download ${file.name}` })
    .waitFor({ timeout })
  return performance.now() - t0
}

export interface Downloaded {
  ms: number
  /** ms from the click to the bar first above 0 (its steps are whole percents) */
  firstProgressMs: number
  /** the click's timestamp in the page's performance.now() time */
  clickAt: number
}

/** Clicks Download and resolves when the bar reads 100 (both times measured in Bob's page). */
export async function download(bob: Page, file: TestFile, timeout: number): Promise<Downloaded> {
  await bob.evaluate(DOWNLOAD_WATCH(file.name))
  const done = bob.evaluate('window.__download') as Promise<Downloaded>
  done.catch(() => {}) // raced below; a page closed after a timeout rejects it later
  await conversation(bob)
    .getByRole('button', { name: `Download ${file.name}` })
    .click()
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${file.name}: not at 100 % in ${timeout} ms`)),
      timeout,
    )
  })
  try {
    return await Promise.race([done, late])
  } finally {
    clearTimeout(timer)
  }
}

/** Clicks "Save <name>", waits for the download and returns whether its sha256 is the original's. */
export async function saveMatches(bob: Page, file: TestFile, timeout: number): Promise<boolean> {
  const saving = bob.waitForEvent('download', { timeout })
  saving.catch(() => {}) // awaited below, unless the click fails first
  await conversation(bob)
    .getByRole('button', { name: `Save ${file.name}` })
    .click()
  const dl = await saving
  const path = await dl.path()
  try {
    return (await sha256Of(path)) === file.sha256
  } finally {
    await dl.delete()
  }
}
