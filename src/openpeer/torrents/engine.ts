import { OpenPeerError } from '../errors.ts'

/**
 * The slice of WebTorrent 3 the service uses, and its lazy loading. WebTorrent is ~75 kB gzip:
 * `import()` keeps it out of the app's first bundle until someone shares or receives a file.
 */

export interface EngineWire {
  peerId: string
  type: string
  destroy(): void
  on(event: 'piece', fn: (index: number, offset: number, block: Uint8Array) => void): void
}

/** The WebTorrent Peer behind a manual connection: private, but the only link conn ↔ wire. */
interface EnginePeer {
  conn: { id?: string } | null
  wire: EngineWire | null
}

export interface EngineTorrent {
  infoHash: string
  magnetURI: string
  /** the bencoded .torrent, once metadata is known */
  torrentFile: Uint8Array | undefined
  name: string
  length: number
  pieceLength: number
  downloaded: number
  uploaded: number
  received: number
  downloadSpeed: number
  uploadSpeed: number
  progress: number
  numPeers: number
  timeRemaining: number
  done: boolean
  ready: boolean
  destroyed: boolean
  wires: EngineWire[]
  /** verified pieces, once metadata is known */
  bitfield?: { get(index: number): boolean }
  files: {
    stream(range?: { start: number; end: number }): ReadableStream<Uint8Array>
    readonly streamURL: string
  }[]
  _peers?: Map<string, EnginePeer>
  addPeer(conn: object): boolean
  addWebSeed(url: string): void
  removePeer(id: string): void
  destroy(opts?: { destroyStore?: boolean }, cb?: (err?: Error | null) => void): void
  on(event: string, fn: (...args: never[]) => void): void
  once(event: string, fn: (...args: never[]) => void): void
  removeListener(event: string, fn: (...args: never[]) => void): void
}

export interface AddOptions {
  announce: string[]
  store: unknown
  strategy?: 'sequential' | 'rarest'
  name?: string
  pieceLength?: number
  /** web seeds (BEP 19) beside those the torrent or magnet names */
  urlList?: string[]
}

export interface Engine {
  torrents: EngineTorrent[]
  add(id: string | Uint8Array, opts: AddOptions, cb?: (t: EngineTorrent) => void): EngineTorrent
  seed(input: Blob | Uint8Array, opts: AddOptions, cb?: (t: EngineTorrent) => void): EngineTorrent
  destroy(cb?: (err?: Error | null) => void): void
  listening: boolean
  on(event: 'error', fn: (err: Error | string) => void): void
  once(event: 'listening', fn: () => void): void
  _connPool?: { destroy(cb?: () => void): void; _client: Engine } | null
  get(infoHash: string): Promise<EngineTorrent | null>
  _getByHash(infoHashHash: string): Promise<EngineTorrent | null>
  address(): { port: number } | null
  /** browser: serves files through a service worker (`controller`: its registration) */
  createServer(opts: { controller: unknown }, force: 'browser'): unknown
  _server?: unknown
}

/**
 * No tracker, DHT, local discovery, uTP, port mapping or peer exchange: every peer is a contact,
 * reached over a session datachannel (PROTOCOL §5.9). Web seeds (BEP 19) are on, but a torrent
 * has one only when its file card names it (`ws=`): the sharer chose that server.
 */
export const ENGINE_OPTIONS = {
  tracker: false,
  dht: false,
  lsd: false,
  webSeeds: true,
  utp: false,
  natUpnp: false,
  natPmp: false,
  utPex: false,
} as const

let loading: Promise<new (opts: object) => Engine> | undefined

export interface EngineOptions {
  /**
   * Classic BitTorrent (a Node host only): listen on this TCP port for stock clients, which
   * reach only the torrents `isPublic` names; 0 picks a free port.
   */
  bt?: { port: number; isPublic(infoHash: string): boolean } | undefined
}

/** Creates a WebTorrent client, importing the library on first use. */
export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  loading ??= import('webtorrent').then((m) => m.default as new (opts: object) => Engine)
  const WebTorrent = await loading
  // WebTorrent destroys the whole client when its port is taken: look first, and say so.
  if (opts.bt?.port) await portFree(opts.bt.port)
  const engine = new WebTorrent({ ...ENGINE_OPTIONS, torrentPort: opts.bt?.port ?? 0 })
  // In Node, WebTorrent listens on a TCP port for incoming BitTorrent peers. Without `bt`,
  // nothing should be reachable outside the sessions: close it (torrents wait for the client's
  // 'listening', so only after that).
  if (!engine.listening) await new Promise<void>((resolve) => engine.once('listening', resolve))
  const pool = engine._connPool
  if (pool && opts.bt) pool._client = publicOnly(engine, opts.bt.isPublic)
  else if (pool) {
    engine._connPool = null
    pool.destroy()
  }
  return engine
}

/**
 * The client as the connection pool sees it: an incoming peer's handshake finds a torrent only
 * when it is public, so a stock client that guesses a private file's infohash gets nothing.
 */
function publicOnly(engine: Engine, isPublic: (infoHash: string) => boolean): Engine {
  const allow = (t: EngineTorrent | null): EngineTorrent | null =>
    t && isPublic(t.infoHash) ? t : null
  return new Proxy(engine, {
    get(target, prop) {
      if (prop === 'get') return async (id: string) => allow(await target.get(id))
      if (prop === '_getByHash') return async (h: string) => allow(await target._getByHash(h))
      const v = Reflect.get(target, prop, target) as unknown
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

async function portFree(port: number): Promise<void> {
  // Only a Node host has a BitTorrent port: keep node:net out of the browser bundle's graph.
  const net = 'node:net'
  const { createServer } = (await import(/* @vite-ignore */ net)) as typeof import('node:net')
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new OpenPeerError(
          'ERR_UNAVAILABLE',
          err.code === 'EADDRINUSE'
            ? `the BitTorrent port ${port} is in use (choose another with --bt-port)`
            : `cannot listen on the BitTorrent port ${port}: ${err.message}`,
          { cause: err },
        ),
      ),
    )
    probe.listen(port, () => probe.close(() => resolve()))
  })
}

/** The WebTorrent wire that runs over a given duplex (by its unique id), if it has handshaken. */
export function wireOf(torrent: EngineTorrent, connId: string): EngineWire | undefined {
  return torrent._peers?.get(connId)?.wire ?? undefined
}

/** Resolves once the torrent knows its infohash (addPeer throws before that). */
export function whenInfoHash(torrent: EngineTorrent): Promise<void> {
  if (torrent.infoHash) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onHash = (): void => {
      torrent.removeListener('error', onError)
      resolve()
    }
    const onError = (err: Error): void => {
      torrent.removeListener('infoHash', onHash)
      reject(err)
    }
    torrent.once('infoHash', onHash)
    torrent.once('error', onError)
  })
}
