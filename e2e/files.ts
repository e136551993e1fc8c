import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, type Page } from '@playwright/test'
import { contactItem, conversation } from './helpers.ts'

export interface TestFile {
  name: string
  path: string
  size: number
  sha256: string
}

/** A file of random bytes on disk (so Playwright streams it rather than holding a buffer). */
export async function randomFile(name: string, size: number): Promise<TestFile> {
  const dir = await mkdtemp(join(tmpdir(), 'opw-e2e-'))
  const path = join(dir, name)
  const bytes = randomBytes(size)
  await writeFile(path, bytes)
  return { name, path, size, sha256: createHash('sha256').update(bytes).digest('hex') }
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Opens the conversation with `to` and shares the file there. */
export async function shareWith(page: Page, to: string, file: TestFile): Promise<void> {
  await contactItem(page, to).click()
  await conversation(page).getByLabel('Share file').setInputFiles(file.path)
  await expect(fileCard(page, file.name)).toBeVisible({ timeout: 30_000 })
}

/** Opens the conversation with `from` and clicks "Download <name>" on its card. */
export async function startDownload(page: Page, from: string, name: string): Promise<void> {
  await contactItem(page, from).click()
  await conversation(page)
    .getByRole('button', { name: `Download ${name}` })
    .click()
}

/** Waits for the card's progressbar to read 100 %. */
export async function expectComplete(page: Page, name: string, timeout = 120_000): Promise<void> {
  await expect(progressOf(page, name)).toHaveAttribute('aria-valuenow', '100', { timeout })
}

export function fileCard(page: Page, name: string) {
  return conversation(page).getByRole('listitem').filter({ hasText: name })
}

export function progressOf(page: Page, name: string) {
  return conversation(page).getByRole('progressbar', { name: `${name} progress` })
}

export async function percentOf(page: Page, name: string): Promise<number> {
  return Number((await progressOf(page, name).getAttribute('aria-valuenow')) ?? 0)
}

/** Clicks "Save <name>", waits for the download and checks its bytes against the original. */
export async function expectSavedEqual(page: Page, file: TestFile): Promise<void> {
  const saving = page.waitForEvent('download')
  await conversation(page)
    .getByRole('button', { name: `Save ${file.name}` })
    .click()
  const download = await saving
  expect(download.suggestedFilename()).toBe(file.name)
  expect(await sha256Of(await download.path())).toBe(file.sha256)
}

/** The "sent" figure of a shared file in the Transfers panel, in bytes. */
export async function sentBytes(page: Page, name: string): Promise<number> {
  const row = page.getByRole('list', { name: 'Transfers' }).getByRole('listitem', { name })
  const text = (await row.textContent()) ?? ''
  const m = /([\d.]+) (B|KB|MB|GB) sent/.exec(text)
  if (!m) return 0
  const unit = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B' | 'KB' | 'MB' | 'GB']
  return Number(m[1]) * unit
}
