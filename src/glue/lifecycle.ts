import type { TorrentView } from '../openpeer/index.ts'
import { mobileActions, useMobile } from '../state/mobile.ts'
import { useTransfers } from '../state/transfers.ts'
import { onPage, type GlueContext } from './context.ts'
import { requestPersistence } from './device.ts'
import type { WakeLockSentinelLike } from './ports.ts'

export interface LifecycleActions {
  /** "Keep the screen on during transfers" */
  setKeepScreenOn(on: boolean): void
  /** reads the used and available storage again (the Transfers panel shows it) */
  refreshStorage(): Promise<void>
}

/** A file is moving: bytes come in, or go out to a contact. */
export const moving = (t: TorrentView): boolean =>
  t.state === 'downloading' || t.state === 'checking' || (t.seeding && t.uploadSpeed > 0)

/**
 * The page's life on a phone: it is hidden, frozen, put in the back/forward cache, loses the
 * network. Whenever it comes back, the finder registration and the sessions are checked at
 * once rather than at the next backoff tick; while a file moves, the screen stays on (a phone
 * that locks itself suspends the page and the transfer with it); the first kept file asks the
 * browser to keep our storage.
 */
export function attachLifecycle(ctx: GlueContext): LifecycleActions {
  const { client, page, stores } = ctx

  // Shown again: test what claims to be online and reconnect what is not. Coming out of the
  // back/forward cache or a freeze, or back online, the old paths may be gone: ICE restarts too.
  onPage(ctx, page.document, 'visibilitychange', () => {
    if (page.document.visibilityState === 'visible') client.retryNow()
  })
  onPage(ctx, page.document, 'resume', () => client.networkChanged())
  onPage(ctx, page.window, 'online', () => client.networkChanged())
  const onPageShow = (e: Event): void => {
    if ((e as PageTransitionEvent).persisted) client.networkChanged()
  }
  page.window.addEventListener('pageshow', onPageShow)
  ctx.lifetime.defer(() => page.window.removeEventListener('pageshow', onPageShow))

  mobileActions.setKeepAwake(stores.prefs.load().keepScreenOn !== false)

  // Screen wake lock while a transfer runs (the browser drops it whenever the page is hidden).
  let lock: WakeLockSentinelLike | undefined
  let asking = false
  const wanted = (): boolean =>
    useMobile.getState().keepAwake &&
    page.document.visibilityState === 'visible' &&
    Object.values(useTransfers.getState().byHash).some(moving)
  const updateLock = async (): Promise<void> => {
    const held = lock !== undefined && !lock.released
    if (wanted() && !held && !asking && page.navigator.wakeLock && !ctx.lifetime.stopped) {
      asking = true
      try {
        const got = await page.navigator.wakeLock.request('screen')
        got.addEventListener('release', () => {
          if (lock === got) lock = undefined
          mobileActions.setAwake(false)
        })
        lock = got
        mobileActions.setAwake(true)
        // Things changed while we asked (the transfer ended, the app stopped).
        if (!wanted() || ctx.lifetime.stopped) await release()
      } catch {
        // refused (battery saver, no user activation yet): the transfer goes on anyway
      } finally {
        asking = false
      }
    } else if (!wanted() && held) await release()
  }
  const release = async (): Promise<void> => {
    const held = lock
    lock = undefined
    mobileActions.setAwake(false)
    await held?.release().catch(() => undefined)
  }
  ctx.lifetime.defer(useTransfers.subscribe(() => void updateLock()))
  ctx.lifetime.defer(
    useMobile.subscribe((s, was) => s.keepAwake !== was.keepAwake && void updateLock()),
  )
  onPage(ctx, page.document, 'visibilitychange', () => void updateLock())
  ctx.lifetime.defer(() => void release())

  // Storage: ask the browser to keep it once a file is kept, and show how much is used.
  let asked = false
  const refreshStorage = async (): Promise<void> => {
    try {
      const est = await page.navigator.storage?.estimate?.()
      if (est && !ctx.lifetime.stopped) {
        mobileActions.setStorage({ usage: est.usage ?? 0, quota: est.quota ?? 0 })
      }
    } catch {
      // no estimate here: the panel shows nothing
    }
  }
  let count = -1
  ctx.lifetime.defer(
    useTransfers.subscribe((s) => {
      const files = Object.keys(s.byHash).length
      if (files === count) return
      count = files
      void refreshStorage()
      if (files > 0 && !asked) {
        asked = true
        void requestPersistence(page)
      }
    }),
  )
  void refreshStorage()

  return {
    setKeepScreenOn(on) {
      stores.prefs.save({ keepScreenOn: on })
      mobileActions.setKeepAwake(on)
    },
    refreshStorage,
  }
}
