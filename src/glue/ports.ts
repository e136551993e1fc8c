import type {
  Calls,
  ClientPorts,
  OpenPeerClient,
  OpenPeerClientOptions,
  TorrentService,
} from '../openpeer/index.ts'
import type { HasConnection } from '../platform/network.ts'
import type { AppStores } from '../storage/index.ts'

/*
 * What the host gives createApp: the library's adapters, the opened storage and the few parts
 * of the page the glue listens to or reads. client.ts passes the real window, document, location,
 * history and navigator; tests pass fakes, so the glue runs in Node without a DOM.
 */

/** Something to listen on: `window` or `document`. */
export type Listenable = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>

export interface PagePorts {
  /** `online`, `hashchange` and `focus` are heard here */
  window: Listenable
  /** `visibilitychange` is heard here; read receipts need the page to be visible */
  document: Listenable & { readonly visibilityState: DocumentVisibilityState }
  location: Pick<Location, 'href' | 'hash' | 'host' | 'origin' | 'pathname' | 'search'>
  history: Pick<History, 'state' | 'replaceState'>
  navigator: HasConnection & {
    readonly userAgent: string
    readonly clipboard?: Pick<Clipboard, 'writeText'> | undefined
    share?: ((data: ShareData) => Promise<void>) | undefined
    readonly storage?:
      | {
          persist?: () => Promise<boolean>
          persisted?: () => Promise<boolean>
          estimate?: () => Promise<{ usage?: number; quota?: number }>
        }
      | undefined
    /** streams audio and video while they download, once a worker controls the page */
    readonly serviceWorker?:
      | ({ readonly controller: unknown; readonly ready: Promise<unknown> } & Partial<Listenable>)
      | undefined
    /** keeps the screen on while a file moves (Screen Wake Lock API) */
    readonly wakeLock?: { request(type: 'screen'): Promise<WakeLockSentinelLike> } | undefined
    /** the unread count on the installed app's icon (Badging API) */
    setAppBadge?: ((count?: number) => Promise<void>) | undefined
    clearAppBadge?: (() => Promise<void>) | undefined
    readonly standalone?: boolean | undefined
  }
  /** where the service worker stashes what the share sheet sent (Cache Storage) */
  caches?: Pick<CacheStorage, 'open' | 'delete'> | undefined
  /** `(display-mode: standalone)`: the installed app rather than a browser tab */
  standalone?: (() => boolean) | undefined
  /** system notifications (an incoming call while the tab is hidden); absent where unsupported */
  notifications?: SystemNotifications | undefined
}

/** The Notification API as the glue uses it (client.ts wraps the browser's). */
export interface SystemNotifications {
  readonly permission: NotificationPermission
  requestPermission(): Promise<NotificationPermission>
  /**
   * shows one (through the service worker where one controls the page, so a click can open
   * the conversation `contactId` names); `close` takes it away (the call was answered, ended)
   */
  show(title: string, opts: { body: string; tag: string; contactId?: string }): { close(): void }
}

/** A held screen wake lock (the browser drops it when the page is hidden). */
export interface WakeLockSentinelLike {
  readonly released: boolean
  release(): Promise<void>
  addEventListener(type: 'release', fn: () => void): void
}

/** The call controls the glue uses (a subset of the library's `Calls`). */
export type CallService = Pick<
  Calls,
  'start' | 'accept' | 'decline' | 'hangUp' | 'mute' | 'cameraOff' | 'localStream' | 'list'
>

/** The file-sharing calls the glue makes (a subset of the library's `TorrentService`). */
export type FileService = Pick<
  TorrentService,
  | 'start'
  | 'list'
  | 'get'
  | 'setServing'
  | 'share'
  | 'offer'
  | 'download'
  | 'stream'
  | 'streamUrl'
  | 'setSeeding'
  | 'remove'
  | 'addWebSeed'
>

/** The client calls the glue makes (a subset of `OpenPeerClient`, so tests can fake it). */
export type GlueClient = { readonly calls: CallService } & Pick<
  OpenPeerClient,
  | 'on'
  | 'load'
  | 'createIdentity'
  | 'start'
  | 'stop'
  | 'finderState'
  | 'retryNow'
  | 'inviteLink'
  | 'contacts'
  | 'acceptInvite'
  | 'prefetchInvite'
  | 'sendMessage'
  | 'markRead'
  | 'resetInvites'
  | 'setRelayOnly'
  | 'renegotiate'
  | 'introduce'
  | 'networkChanged'
  | 'setAcceptIntroductions'
  | 'safetyNumber'
  | 'setVerified'
  | 'linkDevice'
  | 'joinDevice'
  | 'devices'
  | 'removeDevice'
  | 'keepAvailable'
> & { readonly torrents: FileService | undefined }

export interface AppPorts extends Pick<
  ClientPorts,
  'createSocket' | 'createPeer' | 'fetch' | 'media'
> {
  /** the opened repositories (src/storage `openAppStores()`) */
  stores: AppStores
  page: PagePorts
  /** builds the client; the library's `createOpenPeerClient` unless a test passes a fake */
  createClient?: (ports: ClientPorts, opts: OpenPeerClientOptions) => GlueClient
}
