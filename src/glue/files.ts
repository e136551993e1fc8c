import { isOpenPeerError, type TorrentInfo } from '../openpeer/index.ts'
import { fileCardId } from '../model/chat.ts'
import { blobUrl, saveStream } from '../platform/save.ts'
import { prefsActions, seedingPaused, usePrefs } from '../state/prefs.ts'
import { transfersActions, useTransfers } from '../state/transfers.ts'
import { uiActions } from '../state/ui.ts'
import { onClient, type GlueContext } from './context.ts'
import { copyText } from './device.ts'
import { showError } from './errors.ts'
import type { FileService } from './ports.ts'

export interface FileActions {
  /** shares each picked file with a contact: seeded here, its card sent (or kept until they are back) */
  shareFiles(contactId: string, files: readonly File[]): Promise<void>
  /** starts, resumes or retries a download; every connected contact holding it is a source */
  downloadFile(file: TorrentInfo): Promise<void>
  saveFile(infoHash: string): Promise<void>
  /** a blob URL for an image, audio or video preview (the caller revokes it) */
  previewFile(infoHash: string): Promise<string | undefined>
  /**
   * a URL that plays audio or video while it downloads (through the app's service worker), or
   * undefined where no worker controls the page (dev server, first load before it activates)
   */
  streamFile(infoHash: string): Promise<string | undefined>
  setFileSeeding(infoHash: string, on: boolean): Promise<void>
  removeFile(infoHash: string): Promise<void>
  copyMagnet(infoHash: string): Promise<void>
  /**
   * names a web seed (an HTTP(S) server or gateway with the same bytes) in the file's card and
   * magnet link; true once added, false with the reason shown
   */
  addWebSeed(infoHash: string, url: string): Promise<boolean>
  /**
   * "Keep available <name>": the user's always-on devices (a super-peer) fetch and seed it;
   * `public`: and serve it to any BitTorrent client on their BitTorrent port ("Make public")
   */
  keepAvailable(infoHash: string, opts?: { public?: boolean }): Promise<void>
  setSeedOnMobileData(on: boolean): void
}

export interface FilesGlue {
  actions: FileActions
  /** after the client started: the stored files as they are now, and orphaned pieces freed */
  loadStored(): Promise<void>
}

/** File sharing: torrent events into the transfers store and conversations, file actions out. */
export function attachFiles(ctx: GlueContext): FilesGlue {
  const { client, stores, page, log } = ctx
  const t: FileService | undefined = client.torrents
  /** settles once stored files are loaded and orphaned pieces swept; shares wait for it */
  let loaded: Promise<void> = Promise.resolve()

  transfersActions.setPersistent(stores.filesPersistent)
  onClient(ctx, 'torrent:progress', transfersActions.upsert)
  onClient(ctx, 'torrent:done', (view) => {
    transfersActions.upsert(view)
    if (view.origin === 'received') uiActions.notify(`${view.name} is ready`)
  })
  onClient(ctx, 'torrent:offer', ({ contactId, ...file }) =>
    log.record({
      msgId: fileCardId(file.infoHash),
      contactId,
      direction: 'in',
      body: file.name,
      sent: Date.now(),
      received: Date.now(),
      state: 'delivered',
      file,
    }),
  )
  onClient(ctx, 'torrent:error', ({ infoHash, error, fatal }) => {
    const name = useTransfers.getState().byHash[infoHash]?.name ?? 'a file'
    if (fatal) showError(error, `transferring ${name}`)
    else uiActions.notify(`${name}: ${error.message}`)
  })

  // Seeding pauses on mobile data unless allowed: device.ts reports the link, the switch is here.
  const applyServing = (): void => t?.setServing(!seedingPaused(usePrefs.getState()))
  ctx.lifetime.defer(usePrefs.subscribe(applyServing))
  prefsActions.setSeedOnMobileData(stores.prefs.load().seedOnMobileData)

  /** Frees pieces no record owns (never while a share is writing its own: callers serialise). */
  const sweep = async (t: FileService): Promise<void> => {
    const swept = await stores.sweepOrphanPieces(new Set(t.list().map((v) => v.infoHash)))
    if (swept) console.info(`[openpeer] freed the pieces of ${swept} unfinished share(s)`)
  }

  const load = async (): Promise<void> => {
    if (!t) return
    try {
      await t.start()
      transfersActions.setAll(t.list())
      applyServing()
      await sweep(t)
    } catch (err) {
      showError(err, 'loading your shared files')
    }
  }

  return {
    loadStored: () => (loaded = load()),
    actions: {
      async shareFiles(contactId, files) {
        if (!t) return
        await loaded
        for (const file of files) {
          const during = `sharing ${file.name || 'the file'}`
          try {
            const info = await t.share(file, { name: file.name, mime: file.type })
            transfersActions.upsert(t.get(info.infoHash)!)
            log.record({
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
            showError(err, during)
            // A share that failed half-way (disk full) leaves pieces with no record: free them.
            if (isOpenPeerError(err, 'ERR_STORAGE')) await sweep(t)
          }
        }
      },
      async downloadFile(file) {
        if (!t) return
        transfersActions.setBusy(file.infoHash, true)
        try {
          await t.download(file)
          const view = t.get(file.infoHash)
          if (view) transfersActions.upsert(view)
        } catch (err) {
          showError(err, `downloading ${file.name}`)
        } finally {
          transfersActions.setBusy(file.infoHash, false)
        }
      },
      async saveFile(infoHash) {
        const view = useTransfers.getState().byHash[infoHash]
        if (!t || !view) return
        try {
          await saveStream(t.stream(infoHash), view.name, view.mime)
        } catch (err) {
          showError(err, `saving ${view.name}`)
        }
      },
      async previewFile(infoHash) {
        const view = useTransfers.getState().byHash[infoHash]
        if (!t || !view) return undefined
        return blobUrl(t.stream(infoHash), view.mime)
      },
      async streamFile(infoHash) {
        const worker = page.navigator.serviceWorker
        if (!t || !worker?.controller) return undefined
        try {
          return await t.streamUrl(infoHash, await worker.ready)
        } catch (err) {
          console.warn('[openpeer] no streaming for this file:', err)
          return undefined
        }
      },
      async setFileSeeding(infoHash, on) {
        const before = useTransfers.getState().byHash[infoHash]
        if (!t || !before) return
        // Shown at once: the switch must not spring back while the choice is being saved.
        transfersActions.upsert({ ...before, seeding: on })
        try {
          await t.setSeeding(infoHash, on)
          const view = t.get(infoHash)
          if (view) transfersActions.upsert(view)
        } catch (err) {
          const now = t.get(infoHash)
          if (now) transfersActions.upsert(now)
          showError(err, on ? 'turning seeding on' : 'turning seeding off')
        }
      },
      async removeFile(infoHash) {
        if (!t) return
        try {
          await t.remove(infoHash)
          transfersActions.remove(infoHash)
        } catch (err) {
          showError(err, 'removing the file')
        }
      },
      async copyMagnet(infoHash) {
        const view = useTransfers.getState().byHash[infoHash]
        if (!view) return
        await copyText(page, view.magnet, {
          done: 'Magnet link copied',
          during: 'copying the magnet link',
        })
      },
      async addWebSeed(infoHash, url) {
        if (!t) return false
        try {
          await t.addWebSeed(infoHash, url)
          const view = t.get(infoHash)
          if (view) transfersActions.upsert(view)
          uiActions.notify(`Web seed added to ${view?.name ?? 'the file'}`)
          return true
        } catch (err) {
          showError(err, 'adding the web seed')
          return false
        }
      },
      async keepAvailable(infoHash, opts = {}) {
        const name = useTransfers.getState().byHash[infoHash]?.name ?? 'the file'
        try {
          const { kept } = await client.keepAvailable(infoHash, opts)
          const how = opts.public ? 'available to anyone with its link' : 'available'
          uiActions.notify(
            kept > 1
              ? `${kept} of your always-on devices keep ${name} ${how}`
              : `Your always-on device keeps ${name} ${how}`,
          )
        } catch (err) {
          showError(err, `keeping ${name} available`)
        }
      },
      setSeedOnMobileData(on) {
        prefsActions.setSeedOnMobileData(on)
        stores.prefs.save({ seedOnMobileData: on })
      },
    },
  }
}
