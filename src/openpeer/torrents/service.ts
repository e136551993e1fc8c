import { OpenPeerError, throwIfAborted } from '../errors.ts'
import { Emitter } from '../events.ts'
import type { ChunkStoreFactory } from '../ports.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { RequestBody, NotifyBody } from '../wire/messages.ts'
import { createEngine, whenInfoHash, type Engine, type EngineTorrent } from './engine.ts'
import { infoOf, newEntry, watchTorrent, type Entry } from './entry.ts'
import { Offers, parseTarget } from './offers.ts'
import { Ticker } from './progress.ts'
import { cleanWebSeed, magnetOf, sourcesOf, withSources, type MagnetSources } from './names.ts'
import { engineError, seedFile, type ShareOptions } from './seed.ts'
import { guardStore, storageError } from './store-guard.ts'
import type {
  TorrentEvents,
  TorrentInfo,
  TorrentServiceOptions,
  TorrentView,
  WireStats,
} from './types.ts'
import { Wires } from './wires.ts'

export type { TorrentServiceOptions } from './types.ts'

/**
 * File sharing over peer sessions (PROTOCOL §5.9): files become standard BitTorrent v1 torrents
 * in a lazily loaded WebTorrent, and every wire runs over a datachannel of a session. Start it,
 * `share`/`offer`/`download`, follow `torrent:*` events; `stop()` keeps all data for next time.
 */
/** File sharing over the client's sessions; reports through its own typed events. */
export class TorrentService extends Emitter<TorrentEvents> {
  private engine: Promise<Engine> | undefined
  private readonly entries = new Map<string, Entry>()
  private readonly wires: Wires
  private readonly offers: Offers
  private readonly store: ChunkStoreFactory
  private starting: Promise<void> | undefined
  private running = false
  private readonly ticker: Ticker
  private sharing: Promise<unknown> = Promise.resolve()
  /** false while the host pauses all seeding (on mobile data, say) */
  private serving = true

  constructor(private readonly opts: TorrentServiceOptions) {
    super()
    this.wires = new Wires(opts.sendQueue)
    this.store = guardStore(opts.ports.store)
    this.offers = new Offers({
      entries: this.entries,
      sessions: opts.sessions,
      save: (e) => this.save(e),
      emit: (event, payload) => this.emit(event, payload),
      ask: (s, e) => this.ask(s, e),
      // a card with more web seeds than a magnet link holds keeps the ones we have
      merge: (e, sources) => void this.merge(e, sources).catch(() => undefined),
    })
    this.ticker = new Ticker({
      entries: this.entries,
      peers: (infoHash) => this.wires.stats(infoHash).length,
      sessions: opts.sessions,
      ask: (s, e) => this.ask(s, e),
      emit: (event, payload) => this.emit(event, payload),
      every: opts.progressEvery ?? 250,
      retryEvery: opts.retryEvery ?? 10_000,
      now: () => this.now(),
    })
  }

  /** Re-adds every stored torrent on the same chunk store: pieces are re-verified, not refetched. */
  start(opts: { signal?: AbortSignal } = {}): Promise<void> {
    this.starting ??= this.load(opts.signal).catch((err: unknown) => {
      // A failed start (records unreadable, aborted) may be tried again.
      this.ticker.stop()
      this.running = false
      this.starting = undefined
      throw err
    })
    return this.starting
  }

  /** Closes wires and WebTorrent; stored pieces and records stay. May be repeated. */
  async stop(): Promise<void> {
    if (!this.running && !this.starting) return
    this.running = false
    this.starting = undefined
    this.ticker.stop()
    this.wires.closeAll()
    for (const entry of this.entries.values()) entry.torrent = undefined
    this.entries.clear()
    const engine = await this.engine?.catch(() => undefined)
    this.engine = undefined
    await new Promise<void>((resolve) => (engine ? engine.destroy(() => resolve()) : resolve()))
  }

  /** Seeds a file. The same file (same name and bytes) twice gives back the first torrent. */
  share(file: Blob | Uint8Array, opts: ShareOptions): Promise<TorrentInfo> {
    // One at a time: a second share of the same file must see the first one's torrent.
    const run = this.sharing.then(() => this.doShare(file, opts))
    this.sharing = run.catch(() => undefined)
    return run
  }

  /** Sends the file card to a contact; to one offline, it goes out when they next connect. */
  offer(contactId: string, infoHash: string): Promise<{ sent: boolean }> {
    return this.offers.offer(contactId, this.require(infoHash))
  }

  /**
   * Starts (or resumes, or retries) a download by infohash, magnet or offer. Wires are asked of
   * `from` contacts, or of every connected contact; progress comes as `torrent:*` events.
   */
  async download(
    target: string | TorrentInfo,
    opts: { from?: string[]; signal?: AbortSignal } = {},
  ): Promise<TorrentInfo> {
    const parsed = parseTarget(target)
    // A card clicked in the conversation may be older than the last one its sharer sent.
    const info = {
      ...parsed,
      magnet: withSources(parsed, this.offers.latestSources(parsed.infoHash)),
    }
    await this.start()
    throwIfAborted(opts.signal)
    let entry = this.entries.get(info.infoHash)
    if (entry) await this.merge(entry, sourcesOf(info.magnet)).catch(() => undefined)
    if (entry?.torrent) return infoOf(entry.record)
    if (!entry) {
      entry = newEntry({
        ...info,
        origin: 'received',
        seeding: true,
        contactIds: [...(opts.from ?? [])],
        added: this.now(),
      })
      this.entries.set(info.infoHash, entry)
      await this.save(entry)
    }
    entry.from = opts.from ? new Set(opts.from) : undefined
    entry.error = undefined
    await this.run(entry)
    if (entry.error) throw entry.error
    for (const session of this.opts.sessions()) void this.ask(session, entry)
    return infoOf(entry.record)
  }

  /**
   * Names a web seed for a file (BEP 19): an HTTP(S) server with the same bytes — a gateway, a
   * server of one's own — that downloads use when no contact has a piece. The file card's
   * magnet link carries it from now on; gives back the new card.
   */
  async addWebSeed(infoHash: string, url: string): Promise<TorrentInfo> {
    const entry = this.require(infoHash)
    await this.merge(entry, { webSeeds: [cleanWebSeed(url)] })
    // Those who have the card get it again with the web seed (those offline, when they are back).
    for (const contactId of entry.record.contactIds) {
      await this.offers.offer(contactId, entry).catch(() => undefined)
    }
    return infoOf(entry.record)
  }

  /**
   * Serves a file to stock BitTorrent clients on the host's BitTorrent port (`bt`), or stops.
   * Everything else stays reachable only through sessions.
   */
  async setPublic(infoHash: string, on: boolean): Promise<void> {
    if (!this.opts.bt) {
      throw new OpenPeerError('ERR_UNAVAILABLE', 'this device has no BitTorrent port to serve on')
    }
    const entry = this.require(infoHash)
    entry.record.public = on
    await this.save(entry)
  }

  /**
   * A public file's magnet link for stock clients: it names this host's BitTorrent port
   * (`x.pe=host:port`), since there is no tracker or DHT to find it by.
   */
  async publicMagnet(
    infoHash: string,
    host: string,
    opts: { webSeedBase?: string } = {},
  ): Promise<string> {
    const { record } = this.require(infoHash)
    if (!record.public) throw new OpenPeerError('ERR_FORBIDDEN', 'this file is not public')
    const address = (await this.getEngine()).address()
    if (!address) throw new OpenPeerError('ERR_UNAVAILABLE', 'the BitTorrent port is not open')
    const peer = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
    const sources = sourcesOf(record.magnet)
    // The host's own HTTP endpoint (superpeer/webseed.ts) as a web seed and .torrent source.
    const base = opts.webSeedBase?.replace(/\/$/, '')
    return magnetOf(record.infoHash, record.name, record.size, {
      webSeeds: [
        ...(sources.webSeeds ?? []),
        ...(base ? [`${base}/files/${infoHash}/${encodeURIComponent(record.name)}`] : []),
      ],
      exactSources: [
        ...(sources.exactSources ?? []),
        ...(base ? [`${base}/torrents/${infoHash}.torrent`] : []),
      ],
      peers: [`${peer}:${address.port}`],
    })
  }

  /**
   * An always-on device of ours keeps a file another device of ours asked it to (`device-pin`):
   * fetched from whoever has it (that device, a contact), seeded from then on, and
   * offered to the contacts it went to — those online now, the others when they next connect.
   */
  async keep(
    file: TorrentInfo,
    opts: { offerTo: readonly string[]; public?: boolean | undefined },
  ): Promise<void> {
    await this.download(file)
    const entry = this.require(file.infoHash)
    entry.record.seeding = true
    // Public only where there is a BitTorrent port to serve it on.
    if (opts.public !== undefined && this.opts.bt) await this.setPublic(file.infoHash, opts.public)
    for (const contactId of opts.offerTo) {
      await this.offers.offer(contactId, entry).catch(() => undefined)
    }
  }

  /** Turns serving a file on or off; off closes its wires once it is complete. */
  async setSeeding(infoHash: string, on: boolean): Promise<void> {
    const entry = this.require(infoHash)
    entry.record.seeding = on
    if (!on && entry.torrent?.done) this.wires.close(infoHash)
    await this.save(entry)
    this.ticker.report(entry, true)
  }

  /**
   * Pauses or resumes serving every complete file at once, without touching the per-file
   * choice (the host's "seed on mobile data" switch). Downloads go on either way, and an
   * unfinished download keeps giving what it has to the swarm.
   */
  setServing(allowed: boolean): void {
    if (this.serving === allowed) return
    this.serving = allowed
    for (const entry of this.entries.values()) {
      if (!allowed && entry.torrent?.done) this.wires.close(entry.record.infoHash)
      this.ticker.report(entry, true)
    }
  }

  /** True unless `setServing(false)` paused seeding. */
  get isServing(): boolean {
    return this.serving
  }

  /** Stops sharing or downloading a file and forgets it; `deleteData` (default) frees its pieces. */
  async remove(infoHash: string, opts: { deleteData?: boolean } = {}): Promise<void> {
    const entry = this.require(infoHash)
    this.entries.delete(infoHash)
    this.wires.close(infoHash)
    const t = entry.torrent
    entry.torrent = undefined
    if (t && !t.destroyed) {
      await new Promise<void>((resolve) =>
        t.destroy({ destroyStore: opts.deleteData ?? true }, () => resolve()),
      )
    }
    await this.opts.ports.records.delete(infoHash).catch((err: unknown) => {
      throw storageError(err)
    })
  }

  list(): TorrentView[] {
    return [...this.entries.values()].map((e) => this.ticker.view(e))
  }

  get(infoHash: string): TorrentView | undefined {
    const entry = this.entries.get(infoHash)
    return entry && this.ticker.view(entry)
  }

  /** Per-wire byte counters of a torrent (which contact sent us what). */
  wireStats(infoHash: string): WireStats[] {
    return this.wires.stats(infoHash)
  }

  /** The file's bytes, streamed from the chunk store (pieces still missing are waited for). */
  stream(infoHash: string, range?: { start: number; end: number }): ReadableStream<Uint8Array> {
    const file = this.require(infoHash).torrent?.files[0]
    if (!file) throw new OpenPeerError('ERR_NOT_FOUND', 'this file has no data yet')
    return file.stream(range)
  }

  /** The bencoded .torrent of a file whose metadata is known (what `xs=` links serve). */
  torrentFile(infoHash: string): Uint8Array | undefined {
    return this.require(infoHash).record.torrentFile
  }

  /**
   * A same-origin URL that streams the file with range requests, pieces fetched first where the
   * player reads (audio and video play while they download). Browser only: `worker` is a
   * ServiceWorkerRegistration whose worker runs WebTorrent's handler (`webtorrent/dist/sw.min.js`).
   */
  async streamUrl(infoHash: string, worker: unknown): Promise<string> {
    const entry = this.require(infoHash)
    const engine = await this.getEngine()
    const file = entry.torrent?.files[0]
    if (!file) throw new OpenPeerError('ERR_NOT_FOUND', 'this file has no data yet')
    if (!engine._server) engine.createServer({ controller: worker }, 'browser')
    return file.streamURL
  }

  /**
   * Serves a torrent to a peer outside the sessions: any simple-peer-like duplex (a plain
   * simple-peer connection to a stock WebTorrent client, say). False if WebTorrent refused it.
   */
  serveStockPeer(infoHash: string, conn: object): boolean {
    const t = this.require(infoHash).torrent
    if (!t) throw new OpenPeerError('ERR_UNAVAILABLE', 'this file is not available now')
    // WebTorrent keys manual peers by `id`: without one, a second peer would be dropped.
    const peer = conn as { id?: string }
    peer.id ??= `stock:${Math.random().toString(36).slice(2)}`
    return t.addPeer(peer)
  }

  /** Session hooks, called by the client. */
  attach(session: PeerSession): void {
    this.offers.flush(session)
    for (const entry of this.entries.values()) void this.ask(session, entry)
  }

  async onWireRequest(session: PeerSession, body: RequestBody<'torrent-wire'>): Promise<object> {
    const entry = this.entries.get(body.infoHash)
    const t = entry?.torrent
    if (!entry || !t?.infoHash) throw new OpenPeerError('ERR_NOT_FOUND', 'no such file here')
    if (t.done && (!entry.record.seeding || !this.serving))
      throw new OpenPeerError('ERR_UNAVAILABLE', 'this file is not shared now')
    this.wires.accept(session, t, body.channel)
    this.offers.remember(entry, session.remoteContactId)
    return {}
  }

  onOffer(session: PeerSession, body: NotifyBody<'torrent-offer'>): void {
    this.offers.received(session, body)
  }

  /** The WebTorrent client, for diagnostics and tests. */
  get engineForTests(): Promise<Engine> | undefined {
    return this.engine
  }

  private async load(signal: AbortSignal | undefined): Promise<void> {
    this.running = true
    this.ticker.start()
    const records = await this.opts.ports.records.list().catch((err: unknown) => {
      throw storageError(err)
    })
    throwIfAborted(signal)
    for (const record of records) {
      if (this.entries.has(record.infoHash)) continue
      this.entries.set(record.infoHash, newEntry(record))
    }
    // Only a profile that holds files pays for loading WebTorrent at start.
    await Promise.all([...this.entries.values()].map((e) => this.run(e).catch(() => undefined)))
  }

  private async doShare(file: Blob | Uint8Array, opts: ShareOptions): Promise<TorrentInfo> {
    await this.start()
    const engine = await this.getEngine()
    const { torrent, record } = await seedFile(engine, this.store, file, opts)
    const existing = this.entries.get(torrent.infoHash)
    if (existing?.torrent === torrent) return infoOf(existing.record)
    // A stored entry that had failed is whole again with this share.
    if (existing) existing.record.torrentFile ??= torrent.torrentFile
    const entry = existing ?? newEntry({ ...record, added: this.now(), completed: this.now() })
    entry.error = undefined
    this.entries.set(record.infoHash, entry)
    this.adopt(entry, torrent)
    await this.save(entry)
    return infoOf(entry.record)
  }

  /** Adds a stored or wanted torrent to WebTorrent (from its .torrent if known). */
  private async run(entry: Entry): Promise<void> {
    const engine = await this.getEngine()
    const { record } = entry
    if (entry.torrent || !this.running) return
    // The magnet brings its web seeds and .torrent sources; a .torrent known already, with its
    // web seeds beside it. With web seeds not allowed, neither.
    const sources = this.webSeedsAllowed() ? sourcesOf(record.magnet) : {}
    const t = engine.add(
      record.torrentFile ?? magnetOf(record.infoHash, record.name, record.size, sources),
      {
        announce: [],
        store: this.store,
        strategy: 'sequential',
        ...(record.torrentFile && sources.webSeeds?.length
          ? { urlList: [...sources.webSeeds] }
          : {}),
      },
    )
    this.adopt(entry, t)
    await whenInfoHash(t).catch((err: unknown) => this.fail(entry, engineError(err as Error)))
  }

  private adopt(entry: Entry, torrent: EngineTorrent): void {
    entry.torrent = torrent
    watchTorrent(entry, torrent, {
      wires: this.wires,
      changed: (e) => void this.save(e),
      ready: (e) => this.ticker.report(e, true),
      done: (e) => {
        if (!e.record.seeding) this.wires.close(e.record.infoHash)
        if (!e.record.completed) {
          e.record.completed = this.now()
          void this.save(e)
          this.emit('torrent:done', this.ticker.view(e))
        }
        this.ticker.report(e, true)
      },
      failed: (e, error) => this.fail(e, error),
      dropped: (e, error) =>
        this.emit('torrent:error', { infoHash: e.record.infoHash, error, fatal: false }),
    })
  }

  private fail(entry: Entry, error: OpenPeerError): void {
    const t = entry.torrent
    entry.torrent = undefined
    entry.error = error
    this.wires.close(entry.record.infoHash)
    if (t && !t.destroyed) t.destroy()
    this.emit('torrent:error', { infoHash: entry.record.infoHash, error, fatal: true })
    this.ticker.report(entry, true)
  }

  /** Asks a session's peer for a wire of an unfinished download. */
  private async ask(session: PeerSession, entry: Entry): Promise<void> {
    const t = entry.torrent
    if (!t || t.done || !t.infoHash || !this.running || session.state !== 'open') return
    if (entry.from && !entry.from.has(session.remoteContactId)) return
    await this.wires.open(session, t).catch(() => undefined) // a peer that fails is asked again later
  }

  private async save(entry: Entry): Promise<void> {
    if (this.entries.get(entry.record.infoHash) !== entry) return
    try {
      await this.opts.ports.records.put(entry.record)
    } catch (err) {
      const error = storageError(err)
      this.emit('torrent:error', { infoHash: entry.record.infoHash, error, fatal: false })
    }
  }

  private getEngine(): Promise<Engine> {
    const bt = this.opts.bt
    this.engine ??= createEngine({
      bt: bt && {
        port: bt.port,
        isPublic: (infoHash) => !!this.entries.get(infoHash)?.record.public,
      },
    }).then((engine) => {
      engine.on('error', (err) => this.opts.onError(engineError(err)))
      return engine
    })
    return this.engine
  }

  private require(infoHash: string): Entry {
    const entry = this.entries.get(infoHash)
    if (!entry) throw new OpenPeerError('ERR_NOT_FOUND', 'no such file here')
    return entry
  }

  /** Adds web seeds and .torrent sources to a file's magnet link (and its running torrent). */
  private async merge(entry: Entry, sources: MagnetSources): Promise<void> {
    const { record } = entry
    const before = sourcesOf(record.magnet)
    const magnet = withSources(record, sources)
    if (magnet === record.magnet) return
    record.magnet = magnet
    const known = new Set(before.webSeeds)
    if (entry.torrent && this.webSeedsAllowed()) {
      for (const url of sources.webSeeds ?? []) if (!known.has(url)) entry.torrent.addWebSeed(url)
    }
    await this.save(entry)
  }

  private webSeedsAllowed(): boolean {
    return this.opts.webSeedsAllowed?.() ?? true
  }

  private now(): number {
    return (this.opts.now ?? Date.now)()
  }
}
