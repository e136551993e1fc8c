import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import type { TorrentRecord } from '../ports.ts'
import { wireOf, type EngineTorrent, type EngineWire } from './engine.ts'
import { PieceGuard } from './guard.ts'
import { magnetOf, sourcesOf } from './names.ts'
import type { TorrentInfo, TorrentState, TorrentView } from './types.ts'
import type { Wires } from './wires.ts'

/** One torrent the service holds: its persisted record and, while it runs, WebTorrent's torrent. */
export interface Entry {
  record: TorrentRecord
  torrent: EngineTorrent | undefined
  /** why it stopped (state 'failed') */
  error: OpenPeerError | undefined
  /** contacts to ask for wires; undefined = every connected contact */
  from: Set<string> | undefined
  /** the last progress event's content, so unchanged torrents stay quiet */
  lastSent: string
}

export function newEntry(record: TorrentRecord): Entry {
  return { record, torrent: undefined, error: undefined, from: undefined, lastSent: '' }
}

export function infoOf(record: TorrentRecord): TorrentInfo {
  const { infoHash, magnet, name, size, mime } = record
  return { infoHash, magnet, name, size, mime }
}

function stateOf(entry: Entry): TorrentState {
  const t = entry.torrent
  if (entry.error || !t) return 'failed'
  // With a .torrent file WebTorrent first re-hashes what the store holds; without one it is
  // still fetching metadata from peers, which is part of downloading.
  if (!t.ready) return entry.record.torrentFile ? 'checking' : 'downloading'
  if (t.done) return entry.record.seeding ? 'seeding' : 'complete'
  return 'downloading'
}

export function viewOf(entry: Entry, peers: number): TorrentView {
  const { record } = entry
  const t = entry.torrent
  const ready = !!t?.ready
  const size = ready && t ? t.length : record.size
  const downloaded = ready && t ? t.downloaded : 0
  const done = ready && !!t?.done
  const speed = t?.downloadSpeed ?? 0
  const left = t?.timeRemaining ?? Infinity
  return {
    ...infoOf(record),
    size,
    origin: record.origin,
    contactIds: [...record.contactIds],
    added: record.added,
    state: stateOf(entry),
    downloaded,
    uploaded: t?.uploaded ?? 0,
    progress: size > 0 ? Math.min(1, downloaded / size) : 0,
    downloadSpeed: Math.round(speed),
    uploadSpeed: Math.round(t?.uploadSpeed ?? 0),
    peers,
    eta: done ? 0 : speed > 0 && Number.isFinite(left) ? Math.ceil(left / 1000) : null,
    done,
    seeding: record.seeding,
    public: record.public ?? false,
    error: entry.error?.code,
  }
}

export interface WatchHooks {
  wires: Wires
  /** metadata arrived or the torrent completed: the record changed */
  changed(entry: Entry): void
  /** stored pieces are verified (state leaves 'checking') */
  ready(entry: Entry): void
  done(entry: Entry): void
  failed(entry: Entry, error: OpenPeerError): void
  /** a peer sent corrupt data and was dropped */
  dropped(entry: Entry, error: OpenPeerError): void
}

/** Follows one WebTorrent torrent: record updates, completion, failure, corrupt peers. */
export function watchTorrent(entry: Entry, torrent: EngineTorrent, hooks: WatchHooks): void {
  const current = (): boolean => entry.torrent === torrent
  const dropped = new WeakSet<EngineWire>()
  const guard = new PieceGuard<EngineWire>(
    (wire, reason) => {
      // A wire convicted twice (a failed piece, then a block diff) is reported once.
      if (!current() || dropped.has(wire)) return
      dropped.add(wire)
      const connId = hooks.wires
        .connIds(torrent.infoHash)
        .find((id) => wireOf(torrent, id) === wire)
      const who = connId ? hooks.wires.ban(torrent.infoHash, connId) : undefined
      if (!connId) wire.destroy() // a peer outside the sessions (serveStockPeer)
      const peer = who ? `contact ${who.contactId.slice(0, 8)}` : 'a peer'
      hooks.dropped(entry, new OpenPeerError('ERR_BAD_PIECE', `dropped ${peer}: ${reason}`))
    },
    (index) => torrent.bitfield?.get(index) ?? false,
  )
  torrent.on('wire', (wire: EngineWire) => {
    wire.on('piece', (index, offset, block) => guard.onBlock(wire, index, offset, block))
  })
  torrent.on('verified', (index: number) => guard.onVerified(index))
  torrent.on('warning', (err: Error) => {
    const failed = /^Piece (\d+) failed verification/.exec(err.message)
    if (failed) guard.onFailed(Number(failed[1]))
  })
  torrent.on('metadata', () => {
    if (!current() || entry.record.torrentFile) return
    const { record } = entry
    record.torrentFile = torrent.torrentFile
    record.size = torrent.length
    if (record.name === record.infoHash) record.name = torrent.name
    record.magnet = magnetOf(record.infoHash, record.name, record.size, sourcesOf(record.magnet))
    hooks.changed(entry)
  })
  torrent.on('ready', () => {
    if (current()) hooks.ready(entry)
  })
  torrent.on('done', () => {
    if (current()) hooks.done(entry)
  })
  torrent.on('error', (err: Error) => {
    if (!current()) return
    hooks.failed(entry, asOpenPeerError(err, `the transfer stopped: ${err.message}`))
  })
}
