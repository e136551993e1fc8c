import {
  isOpenPeerError,
  type OpenPeerClient,
  type TorrentInfo,
  type TorrentService,
} from '../openpeer/index.ts'
import { watchCellular } from '../platform/network.ts'
import { blobUrl, saveStream } from '../platform/save.ts'
import { fileCardId, type ChatMessage } from '../model/chat.ts'
import { prefsActions, seedingPaused, usePrefs } from '../state/prefs.ts'
import { transfersActions, useTransfers } from '../state/transfers.ts'
import { uiActions, type AppError } from '../state/ui.ts'
import { loadPrefs, savePrefs } from '../storage/prefs.ts'
import { sweepOrphanPieces } from '../storage/torrents.ts'

/*
 * The file-sharing half of the glue (split from connect.ts for size; ARCHITECTURE rule 8 still
 * holds: connect.ts owns the client and hands it here, and only these two modules feed stores).
 */

interface FilesGlue {
  client: OpenPeerClient
  /** adds a file card to a conversation (and its history) */
  record: (message: ChatMessage) => void
  appError: (err: unknown, during: string) => AppError
}

let glue: FilesGlue | undefined
/** settles once stored files are loaded and orphaned pieces swept; shares wait for it */
let started: Promise<void> = Promise.resolve()

function service(): TorrentService | undefined {
  return glue?.client.torrents
}

/** Subscribes to the client's torrent events and starts following the network type. */
export function attachFiles(g: FilesGlue, persistent: boolean): void {
  glue = g
  const c = g.client
  transfersActions.setPersistent(persistent)
  c.on('torrent:progress', transfersActions.upsert)
  c.on('torrent:done', (view) => {
    transfersActions.upsert(view)
    if (view.origin === 'received') uiActions.notify(`${view.name} is ready`)
  })
  c.on('torrent:offer', (offer) => {
    const { contactId, ...file } = offer
    g.record({
      msgId: fileCardId(file.infoHash),
      contactId,
      direction: 'in',
      body: file.name,
      sent: Date.now(),
      received: Date.now(),
      state: 'delivered',
      file,
    })
  })
  c.on('torrent:error', ({ infoHash, error, fatal }) => {
    const name = useTransfers.getState().byHash[infoHash]?.name ?? 'a file'
    if (fatal) uiActions.showError(g.appError(error, `transferring ${name}`))
    else uiActions.notify(`${name}: ${error.message}`)
  })
  const prefs = loadPrefs()
  prefsActions.setSeedOnMobileData(prefs.seedOnMobileData)
  watchCellular((cellular) => {
    prefsActions.setCellular(cellular)
    applyServing()
  })
}

/** After the client started: the stored files as they are now, and orphaned pieces freed. */
export function filesStarted(): Promise<void> {
  started = loadFiles()
  return started
}

async function loadFiles(): Promise<void> {
  const t = service()
  if (!t) return
  try {
    await t.start()
    transfersActions.setAll(t.list())
    applyServing()
    await sweep(t)
  } catch (err) {
    uiActions.showError(glue!.appError(err, 'loading your shared files'))
  }
}

/** Frees pieces no record owns (never while a share is writing its own: callers serialise). */
async function sweep(t: TorrentService): Promise<void> {
  const swept = await sweepOrphanPieces(new Set(t.list().map((v) => v.infoHash)))
  if (swept) console.info(`[openpeer] freed the pieces of ${swept} unfinished share(s)`)
}

function applyServing(): void {
  service()?.setServing(!seedingPaused(usePrefs.getState()))
}

/** Shares each picked file with a contact: seeded here, its card sent (or kept until they are back). */
export async function shareFiles(contactId: string, files: readonly File[]): Promise<void> {
  const t = service()
  if (!t || !glue) return
  await started
  for (const file of files) {
    const during = `sharing ${file.name || 'the file'}`
    try {
      const info = await t.share(file, { name: file.name, mime: file.type })
      transfersActions.upsert(t.get(info.infoHash)!)
      glue.record({
        msgId: fileCardId(info.infoHash),
        contactId,
        direction: 'out',
        body: info.name,
        sent: Date.now(),
        state: 'sent',
        file: info,
      })
      await t.offer(contactId, info.infoHash)
    } catch (err) {
      uiActions.showError(glue.appError(err, during))
      // A share that failed half-way (disk full) leaves pieces with no record: free them.
      if (isOpenPeerError(err, 'ERR_STORAGE')) await sweep(t)
    }
  }
}

/** Starts, resumes or retries a download; every connected contact holding it is a source. */
export async function downloadFile(file: TorrentInfo): Promise<void> {
  const t = service()
  if (!t || !glue) return
  transfersActions.setBusy(file.infoHash, true)
  try {
    await t.download(file)
    const view = t.get(file.infoHash)
    if (view) transfersActions.upsert(view)
  } catch (err) {
    uiActions.showError(glue.appError(err, `downloading ${file.name}`))
  } finally {
    transfersActions.setBusy(file.infoHash, false)
  }
}

export async function saveFile(infoHash: string): Promise<void> {
  const t = service()
  const view = useTransfers.getState().byHash[infoHash]
  if (!t || !glue || !view) return
  try {
    await saveStream(t.stream(infoHash), view.name, view.mime)
  } catch (err) {
    uiActions.showError(glue.appError(err, `saving ${view.name}`))
  }
}

/** A blob URL for an image, audio or video preview (the caller revokes it). */
export async function previewFile(infoHash: string): Promise<string | undefined> {
  const t = service()
  const view = useTransfers.getState().byHash[infoHash]
  if (!t || !view) return undefined
  return blobUrl(t.stream(infoHash), view.mime)
}

/**
 * A URL that plays audio or video while it downloads (through the app's service worker), or
 * undefined where no worker controls the page (dev server, first load before it activates).
 */
export async function streamFile(infoHash: string): Promise<string | undefined> {
  const t = service()
  if (!t || !('serviceWorker' in navigator) || !navigator.serviceWorker.controller) return undefined
  try {
    return await t.streamUrl(infoHash, await navigator.serviceWorker.ready)
  } catch (err) {
    console.warn('[openpeer] no streaming for this file:', err)
    return undefined
  }
}

export async function setFileSeeding(infoHash: string, on: boolean): Promise<void> {
  const t = service()
  const before = useTransfers.getState().byHash[infoHash]
  if (!t || !glue || !before) return
  // Shown at once: the switch must not spring back while the choice is being saved.
  transfersActions.upsert({ ...before, seeding: on })
  try {
    await t.setSeeding(infoHash, on)
    const view = t.get(infoHash)
    if (view) transfersActions.upsert(view)
  } catch (err) {
    const now = t.get(infoHash)
    if (now) transfersActions.upsert(now)
    uiActions.showError(glue.appError(err, on ? 'turning seeding on' : 'turning seeding off'))
  }
}

export async function removeFile(infoHash: string): Promise<void> {
  const t = service()
  if (!t || !glue) return
  try {
    await t.remove(infoHash)
    transfersActions.remove(infoHash)
  } catch (err) {
    uiActions.showError(glue.appError(err, 'removing the file'))
  }
}

export async function copyMagnet(infoHash: string): Promise<void> {
  const view = useTransfers.getState().byHash[infoHash]
  if (!view) return
  try {
    await navigator.clipboard.writeText(view.magnet)
    uiActions.notify('Magnet link copied')
  } catch {
    uiActions.showError({ code: 'ERR_CLIPBOARD', during: 'copying the magnet link' })
  }
}

export function setSeedOnMobileData(on: boolean): void {
  prefsActions.setSeedOnMobileData(on)
  savePrefs({ seedOnMobileData: on })
  applyServing()
}
