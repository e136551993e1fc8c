import Peer from '@thaunknown/simple-peer/lite.js'
import { createApp, type App as OpenPeerApp, type AppActions } from './glue/app.ts'
import { showError } from './glue/errors.ts'
import type { SystemNotifications } from './glue/ports.ts'
import { ownClient, type TabOwnership, type TabStatus } from './glue/tabs.ts'
import { compileParsers, setTracing, simplePeerFactory, type SocketLike } from './openpeer/index.ts'
import { closePieceStore, openAppStores, type AppStores } from './storage/index.ts'

/** What main.tsx renders: which tab owns the client, its actions, and "Use here". */
export interface ClientView {
  tab: TabStatus
  actions: AppActions | null
  useHere: () => void
}

/**
 * The Open Peer client wiring: the library, the storage, the browser adapters and the tab's
 * ownership. main.tsx imports this module dynamically, after the first render, so the first
 * screen does not wait for it (bench:first-paint; docs/app.md).
 */
export function startClient(show: (view: ClientView) => void): void {
  let tab: TabStatus = 'waiting'
  let actions: AppActions | null = null
  const update = (): void => show({ tab, actions, useHere: () => ownership.takeOver() })

  // A page meets each message type's first frame on a connect path: no parser compiling there.
  compileParsers(false)
  // The connect path's debug marks (bench:connect turns them on; docs/performance.md).
  try {
    setTracing(localStorage.getItem('opw:trace') === '1')
  } catch {
    // storage refused (a private mode): no trace
  }

  let app: OpenPeerApp | undefined
  /** Created outside React: StrictMode runs effects twice, and there must be one client. */
  async function startApp(): Promise<void> {
    warmUpWebRtc()
    let stores: AppStores
    try {
      stores = await openAppStores()
    } catch (err) {
      showError(err, 'loading')
      return
    }
    app = createApp({
      stores,
      // Browser WebSocket/RTCPeerConnection event types are richer than the ports' minimal ones.
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      createPeer: simplePeerFactory(Peer),
      fetch: (url, init) => fetch(url, init),
      media: {
        // The library's MediaStreamLike is the part of MediaStream it touches.
        getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
      },
      page: {
        window,
        document,
        location,
        history,
        navigator,
        notifications: systemNotifications(),
        caches: typeof caches === 'undefined' ? undefined : caches,
        standalone: () => matchMedia('(display-mode: standalone)').matches,
      },
    })
    actions = app.actions
    update()
  }

  // Another tab asked for the client ("Use here"): this one stops its client cleanly, frees the
  // file pieces and shows the notice itself.
  async function stopApp(): Promise<void> {
    const was = app
    app = undefined
    await was?.stop()
    closePieceStore()
  }

  // "Use here" in a tab that ran the client before: start over from a clean page (the stores are
  // module singletons), which takes the client over as soon as it loads (src/glue/tabs.ts).
  const navigation = performance.getEntriesByType('navigation')[0] as
    PerformanceNavigationTiming | undefined
  const ownership: TabOwnership = ownClient(
    {
      locks: navigator.locks,
      openChannel:
        typeof BroadcastChannel === 'undefined' ? undefined : (name) => new BroadcastChannel(name),
      session: sessionStorage,
      reloaded: navigation?.type === 'reload',
    },
    {
      start: startApp,
      stop: stopApp,
      restart: () => location.reload(),
    },
    (status) => {
      tab = status
      update()
    },
  )
}

/**
 * A page's first RTCPeerConnection costs Chromium its WebRTC set-up (factory, threads): a made
 * and answered offer took 9.0 ms in a fresh page and 5.6 ms after one peer was made and closed
 * (10 fresh contexts each). Done once as the client starts, the invite opened from the address
 * bar and the first find answered do not pay it on the connect path. It gathers nothing (no
 * description is set), so it tells no address, relay-only or not.
 */
function warmUpWebRtc(): void {
  if (typeof RTCPeerConnection === 'undefined') return
  try {
    new RTCPeerConnection().close()
  } catch {
    // WebRTC refused here: the session that needs it reports that in words
  }
}

/**
 * The Notification API where the browser has one (iOS Safari outside a home-screen app has
 * not). Shown through the service worker when one controls the page: its notificationclick
 * opens the conversation (src/sw.ts); otherwise a page notification whose click focuses the tab.
 */
function systemNotifications(): SystemNotifications | undefined {
  if (typeof Notification === 'undefined') return undefined
  return {
    get permission() {
      return Notification.permission
    },
    requestPermission: () => Notification.requestPermission(),
    show(title, { contactId, ...opts }) {
      if (navigator.serviceWorker?.controller) {
        const ready = navigator.serviceWorker.ready
        void ready
          .then((reg) => reg.showNotification(title, { ...opts, data: { contactId } }))
          .catch(() => undefined)
        return {
          close: () =>
            void ready
              .then(async (reg) => {
                for (const n of await reg.getNotifications({ tag: opts.tag })) n.close()
              })
              .catch(() => undefined),
        }
      }
      const shown = new Notification(title, opts)
      // A click brings the tab forward, where the call or the conversation is.
      shown.onclick = () => window.focus()
      return shown
    },
  }
}
