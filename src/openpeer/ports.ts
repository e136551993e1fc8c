import type { IdentityKeys } from './identity/keys.ts'
import type { PeerFile } from './identity/peer-file.ts'

/**
 * What the host injects (ARCHITECTURE rule 2). The browser glue passes IndexedDB repositories,
 * the global WebSocket and simple-peer over the browser's RTCPeerConnection; Node tests and the
 * super-peer pass in-memory stores, `ws` and simple-peer over node-datachannel.
 */

/**
 * The minimal WebSocket surface the finder client and the relay tunnel use (browser WebSocket
 * and `ws` both fit). The tunnel sends binary frames and reads them as ArrayBuffers.
 */
export interface SocketLike {
  readonly readyState: number
  /** bytes queued and not yet written (the tunnel's backpressure) */
  readonly bufferedAmount?: number
  binaryType?: string
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}

/** simple-peer's options that we use. */
export interface PeerOptions {
  initiator: boolean
  trickle: boolean
  config: { iceServers: IceServer[]; iceTransportPolicy?: 'all' | 'relay' }
  channelName?: string
  objectMode?: boolean
}

export interface IceServer {
  urls: string | string[]
  username?: string | undefined
  credential?: string | undefined
}

/**
 * The RTCPeerConnection surface a session reads beside simple-peer: the descriptions (their DTLS
 * fingerprints bind identify to this very link), the stats (which path the bytes take) and the
 * negotiated bulk channels.
 */
export interface PeerConnectionLike {
  readonly localDescription: { readonly sdp: string } | null
  readonly remoteDescription: { readonly sdp: string } | null
  getStats(): Promise<{ forEach(fn: (stat: unknown) => void): void }>
  createDataChannel(label: string, init: RTCDataChannelInit): RTCDataChannel
  /** new ICE servers or policy before an ICE restart (absent on a relay tunnel) */
  getConfiguration?(): RTCConfiguration
  setConfiguration?(config: RTCConfiguration): void
  /**
   * Media on the same connection (calls, calls/calls.ts). Absent on a relay tunnel, which
   * carries bytes only: a call there fails ERR_NO_MEDIA_PATH.
   */
  addTrack?(track: MediaTrackLike, stream: MediaStreamLike): unknown
  removeTrack?(sender: unknown): void
  addTransceiver?(
    kind: 'audio' | 'video',
    init: { direction: 'recvonly' },
  ): {
    direction: string
  }
  addEventListener?: MediaListener
  removeEventListener?: MediaListener
  /** ICE's view of the path: a call restarts ICE when it reads `disconnected` */
  readonly iceConnectionState?: string
}

/** The RTCPeerConnection events calls listen to. */
export interface MediaListener {
  (type: 'track', fn: (ev: TrackEventLike) => void): void
  (type: 'iceconnectionstatechange', fn: () => void): void
}

/** A MediaStreamTrack as the library handles it (it never makes one: the host does). */
export interface MediaTrackLike {
  readonly kind: string
  enabled: boolean
  stop(): void
}

/** A MediaStream as the library handles it. */
export interface MediaStreamLike {
  getTracks(): MediaTrackLike[]
}

/** RTCPeerConnection's `track` event, as far as calls read it. */
export interface TrackEventLike {
  readonly track: MediaTrackLike
  readonly streams: readonly MediaStreamLike[]
}

/**
 * Camera and microphone (`navigator.mediaDevices` in a browser). It rejects with the
 * platform's error (a DOMException named NotAllowedError, NotFoundError, …); calls turn that
 * into ERR_MEDIA_DENIED or ERR_NO_DEVICE.
 */
export interface MediaPorts {
  getUserMedia(constraints: { audio: boolean; video: boolean }): Promise<MediaStreamLike>
}

/**
 * The surface of a simple-peer instance (`@thaunknown/simple-peer`) the session relies on, plus
 * its RTCPeerConnection as `connection` (simplePeerFactory in session/simple-peer.ts adds it).
 */
export interface PeerLike {
  readonly connected: boolean
  readonly destroyed: boolean
  initiator: boolean
  offerOptions: Record<string, unknown>
  readonly connection: PeerConnectionLike
  signal(data: unknown): void
  send(data: string | Uint8Array): void
  negotiate(): void
  destroy(err?: Error): void
  on(event: 'signal', fn: (data: unknown) => void): this
  on(event: 'connect' | 'close' | 'negotiated' | 'path', fn: () => void): this
  on(event: 'data', fn: (data: Uint8Array | string) => void): this
  on(event: 'error', fn: (err: Error & { code?: string }) => void): this
  once(event: 'negotiated', fn: () => void): this
  removeListener(event: 'negotiated', fn: () => void): this
  removeAllListeners(event?: string): this
}

export interface StoredIdentity {
  keys: IdentityKeys
  file: Required<PeerFile>
  contactId: string
  uri: string
  /** this running client's location id: stable across reloads of the same profile */
  locationId: string
  locationLabel: string
  /**
   * The other locations of this identity that we know of (device linking, docs/devices.md):
   * the device that linked us, and the devices we linked. Absent before device linking.
   */
  devices?: DeviceRecord[] | undefined
  /** devices the user removed: each is told to delete its copy whenever it connects */
  removed?: string[] | undefined
}

/** Another location (device) of our own identity. */
export interface DeviceRecord {
  locationId: string
  /** the name the user gave that device ("Alice's laptop") */
  label: string
  added: number
}

/**
 * The host's message history, which the library does not keep (the app's lives in IndexedDB,
 * src/storage): a device transfer takes a copy along (docs/devices.md). Opaque to the library.
 */
export interface HistoryPort {
  /** what a newly linked device should get (recent history), as JSON */
  export(): Promise<unknown>
  /** a newly linked device stores what the linking device exported */
  import(data: unknown): Promise<void>
  /**
   * The last `limit` chat messages, oldest first: after a reload, what this device hands on to
   * a device of ours that comes back (devices/mirror.ts). Without it, only messages that
   * passed since the start are.
   */
  recent?(limit: number): Promise<HistoryMessage[]>
}

/** A chat message as the host's history knows it (ours: `out`; a contact's: `in`). */
export interface HistoryMessage {
  dir: 'in' | 'out'
  contactId: string
  msgId: string
  body: string
  sent: number
}

export interface KeyStore {
  load(): Promise<StoredIdentity | undefined>
  save(identity: StoredIdentity): Promise<void>
  /** deletes the identity (this device was removed from its identity's devices) */
  clear?(): Promise<void>
}

export interface ContactRecord {
  contactId: string
  uri: string
  /** A always; B when we may find them; C when we know who they are */
  file: PeerFile
  /** the secret that lets us ring them: from their signed B, or from the invite link they gave */
  findSecret?: string | undefined
  added: number
  /** the contact who introduced them (PROTOCOL §5.6), when that is how we met */
  introducedBy?: string | undefined
  /**
   * When the user compared safety numbers and marked them verified (docs/safety-numbers.md);
   * absent when never, or when their section A (their keys) changed since.
   */
  verified?: number | undefined
}

export interface ContactStore {
  list(): Promise<ContactRecord[]>
  get(contactId: string): Promise<ContactRecord | undefined>
  put(contact: ContactRecord): Promise<void>
}

export interface OutboxItem {
  contactId: string
  thread: string
  msgId: string
  body: string
  sent: number
}

/** Outgoing messages stay here until the delivered receipt (PROTOCOL §5.8). */
export interface OutboxStore {
  list(): Promise<OutboxItem[]>
  put(item: OutboxItem): Promise<void>
  delete(msgId: string): Promise<void>
}

/** Remembers received message ids so a resent message is acknowledged but not shown twice. */
export interface InboxStore {
  /** true when msgId was not seen before (and is now recorded) */
  markSeen(msgId: string): Promise<boolean>
}

/**
 * An abstract-chunk-store constructor (memory-chunk-store, fs-chunk-store, fsa-chunk-store for
 * OPFS, idb-chunk-store …): WebTorrent creates one per torrent with the torrent's piece length.
 * The host picks it; a store that keeps chunks across `close()` lets downloads resume.
 */
export type ChunkStoreFactory = new (chunkLength: number, opts: ChunkStoreOptions) => ChunkStore

export interface ChunkStoreOptions {
  /** total bytes of the torrent */
  length: number
  /** "<torrent name> - <infohash prefix>", unique per torrent */
  name: string
  torrent: { infoHash: string }
  [more: string]: unknown
}

type StoreCallback<T = void> = (err: (Error & { notFound?: boolean }) | null, value?: T) => void

export interface ChunkStore {
  readonly chunkLength: number
  put(index: number, chunk: Uint8Array, cb?: StoreCallback): void
  get(
    index: number,
    opts: { offset?: number; length?: number } | null | undefined,
    cb: StoreCallback<Uint8Array>,
  ): void
  /** keeps the data (a later add of the same torrent resumes from it) */
  close(cb?: StoreCallback): void
  /** deletes the data */
  destroy(cb?: StoreCallback): void
}

/** What a restart needs to re-add a torrent on the same chunk store. */
export interface TorrentRecord {
  infoHash: string
  magnet: string
  name: string
  size: number
  mime: string
  /** the bencoded .torrent (`torrent.torrentFile`); absent until a download got metadata */
  torrentFile?: Uint8Array | undefined
  origin: 'shared' | 'received'
  /** serve it to contacts once complete */
  seeding: boolean
  /** contacts it was offered to, or came from */
  contactIds: string[]
  /** contacts offered it while offline: the offer goes out when they connect */
  pendingOffers?: string[] | undefined
  added: number
  /** when it first completed (so a reload does not announce it again) */
  completed?: number | undefined
  /** served to stock BitTorrent clients on the host's BitTorrent port (a Node host only) */
  public?: boolean | undefined
}

export interface TorrentRecordStore {
  list(): Promise<TorrentRecord[]>
  put(record: TorrentRecord): Promise<void>
  delete(infoHash: string): Promise<void>
}

/** File sharing: where pieces live and what survives a reload. */
export interface TorrentPorts {
  store: ChunkStoreFactory
  records: TorrentRecordStore
}

export interface ClientPorts {
  keys: KeyStore
  contacts: ContactStore
  outbox: OutboxStore
  inbox: InboxStore
  createSocket(url: string): SocketLike
  createPeer(opts: PeerOptions): PeerLike
  fetch(
    url: string,
    init?: { signal?: AbortSignal },
  ): Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>
  /** camera and microphone for calls (client.calls); without it a call fails ERR_NO_DEVICE */
  media?: MediaPorts
  now?: () => number
  /** enables file sharing (client.torrents) */
  torrents?: TorrentPorts
  /** the host's message history, carried along when a device is linked */
  history?: HistoryPort
}
