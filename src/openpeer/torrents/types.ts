import type { ErrorCode, OpenPeerError } from '../errors.ts'
import type { TorrentPorts } from '../ports.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { ChannelDuplexOptions } from './channel-duplex.ts'

/** A shared file as contacts see it: the file card of a `torrent-offer`. */
export interface TorrentInfo {
  /** BitTorrent v1 infohash, 40 lowercase hex digits */
  infoHash: string
  /** magnet link without trackers: a stock WebTorrent client can use it */
  magnet: string
  name: string
  size: number
  mime: string
}

/** A contact offered a file (`torrent:offer`). */
export interface TorrentOffer extends TorrentInfo {
  contactId: string
}

/**
 * checking: re-verifying stored pieces after a restart · downloading · seeding: complete and
 * served to contacts · complete: complete, seeding turned off · failed: stopped on an error
 * (see `error`; `download(infoHash)` tries again)
 */
export type TorrentState = 'checking' | 'downloading' | 'seeding' | 'complete' | 'failed'

export interface TorrentView extends TorrentInfo {
  origin: 'shared' | 'received'
  contactIds: string[]
  added: number
  state: TorrentState
  /** verified bytes we hold */
  downloaded: number
  uploaded: number
  /** 0..1 */
  progress: number
  /** bytes per second */
  downloadSpeed: number
  uploadSpeed: number
  /** open wires */
  peers: number
  /** seconds left at the current speed; 0 when done, null when unknown */
  eta: number | null
  done: boolean
  seeding: boolean
  /** served to stock BitTorrent clients on the host's BitTorrent port */
  public: boolean
  error?: ErrorCode | undefined
}

/** One torrent wire over one session datachannel. */
export interface WireStats {
  contactId: string
  locationId: string
  channel: number
  /** 'out': we asked for this wire; 'in': they did */
  direction: 'out' | 'in'
  /** bytes received and sent on the wire (pieces plus BitTorrent framing) */
  bytesIn: number
  bytesOut: number
}

export interface TorrentEvents {
  'torrent:offer': TorrentOffer
  /** at most a few per second per torrent, while something changes */
  'torrent:progress': TorrentView
  'torrent:done': TorrentView
  /**
   * fatal: the torrent stopped (storage failure …; state 'failed'). Not fatal: the transfer
   * goes on (a peer sent corrupt pieces and was dropped, a record could not be saved).
   */
  'torrent:error': { infoHash: string; error: OpenPeerError; fatal: boolean }
}

export interface TorrentServiceOptions {
  ports: TorrentPorts
  /** the open peer sessions: the service asks them for wires */
  sessions: () => PeerSession[]
  /** a failure with no torrent to blame (the WebTorrent client itself) */
  onError: (error: OpenPeerError) => void
  /** ms between progress events of one torrent (default 250: at most 4/s) */
  progressEvery?: number
  /** ms between asking contacts again for wires of unfinished downloads (default 10 s) */
  retryEvery?: number
  sendQueue?: ChannelDuplexOptions['sendQueue']
  now?: () => number
  /**
   * Classic BitTorrent for stock clients (a Node host, SUPeer's 6888): listen on this TCP port
   * and serve the files marked public there, and only those. Absent: no port at all.
   */
  bt?: { port: number } | undefined
  /**
   * false while fetching from web seeds must not happen ("Hide my IP address": a web seed is a
   * server the sharer chose, and it would see this device's address). Default: allowed.
   */
  webSeedsAllowed?: () => boolean
}
