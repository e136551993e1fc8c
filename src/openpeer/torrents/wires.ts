import { OpenPeerError, isOpenPeerError, type ErrorCode } from '../errors.ts'
import type { PeerSession } from '../session/peer-session.ts'
import { ChannelDuplex, type ChannelDuplexOptions } from './channel-duplex.ts'
import type { EngineTorrent } from './engine.ts'
import type { WireStats } from './types.ts'

interface Wire {
  infoHash: string
  session: PeerSession
  channel: number
  direction: 'out' | 'in'
  duplex: ChannelDuplex
}

/** Answers to a wire request that mean "not from this peer", not "something broke". */
const DECLINED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_NOT_FOUND',
  'ERR_CONFLICT',
  'ERR_UNAVAILABLE',
  'ERR_FORBIDDEN',
  'ERR_SESSION_CLOSED',
])

let counter = 0

/**
 * Torrent wires over session datachannels (PROTOCOL §5.9): at most one per torrent and session.
 * The side that wants a wire picks a channel id of its parity and asks with `torrent-wire`; the
 * other side opens that id and waits to be spoken to; on the answer the asker opens its end
 * and sends the BitTorrent handshake. So no byte reaches a stream the other side has not
 * opened (the stream would be reset), and a declined id was never opened: it is reused.
 */
export class Wires {
  private readonly wires = new Map<string, Map<PeerSession, Wire>>()
  /** asks in flight: infohash → session → whether the other side's ask superseded ours */
  private readonly asking = new Map<string, Map<PeerSession, { superseded: boolean }>>()
  /** channel ids allocated for asks that were declined: never opened, so free to reuse */
  private readonly spare = new WeakMap<PeerSession, number[]>()
  /** infohash → contactId/locationId of peers dropped for corrupt data, for this run */
  private readonly banned = new Map<string, Set<string>>()

  constructor(private readonly sendQueue?: ChannelDuplexOptions['sendQueue']) {}

  /** Asks the session's peer for a wire; resolves false when they decline (they lack the file …). */
  async open(
    session: PeerSession,
    torrent: EngineTorrent,
    opts: { signal?: AbortSignal } = {},
  ): Promise<boolean> {
    const { infoHash } = torrent
    if (this.get(infoHash, session) || this.isBanned(infoHash, session)) return false
    let asks = this.asking.get(infoHash)
    if (asks?.has(session)) return false
    if (!asks) this.asking.set(infoHash, (asks = new Map()))
    const ask = { superseded: false }
    asks.set(session, ask)
    const spare = this.spare.get(session) ?? []
    this.spare.set(session, spare)
    const channel = spare.pop() ?? session.allocateChannelId()
    try {
      await session.request('torrent-wire', { infoHash, channel }, opts)
    } catch (err) {
      if (isOpenPeerError(err) && DECLINED.has(err.code)) {
        spare.push(channel)
        return false
      }
      // The other side may have opened its end after all: open and close ours to reset it.
      reset(session, channel)
      throw err
    } finally {
      asks.delete(session)
      if (!asks.size) this.asking.delete(infoHash)
    }
    if (ask.superseded || this.get(infoHash, session)) {
      reset(session, channel)
      return false
    }
    return !!this.add(session, torrent, channel, 'out')
  }

  /** Our end of a wire the session's peer asked for. Throws the coded refusal to answer with. */
  accept(session: PeerSession, torrent: EngineTorrent, channel: number): void {
    const { infoHash } = torrent
    if (this.isBanned(infoHash, session))
      throw new OpenPeerError('ERR_FORBIDDEN', 'you sent corrupt pieces of this file')
    // Ids come from the asker's half (even for the session initiator), so both can ask at once.
    if (channel % 2 !== (session.role === 'initiator' ? 1 : 0))
      throw new OpenPeerError('ERR_BAD_MESSAGE', `channel ${channel} is from our half of the ids`)
    if (this.get(infoHash, session))
      throw new OpenPeerError('ERR_CONFLICT', 'a wire for this file is open already')
    const ours = this.asking.get(infoHash)?.get(session)
    if (ours) {
      // Both asked at once: the session initiator's ask wins on both sides.
      if (session.role === 'initiator')
        throw new OpenPeerError('ERR_CONFLICT', 'we are asking for this wire ourselves')
      ours.superseded = true
    }
    if (!this.add(session, torrent, channel, 'in'))
      throw new OpenPeerError('ERR_CONFLICT', 'cannot open a wire for this file now')
  }

  get(infoHash: string, session: PeerSession): Wire | undefined {
    return this.wires.get(infoHash)?.get(session)
  }

  stats(infoHash: string): WireStats[] {
    return [...(this.wires.get(infoHash)?.values() ?? [])].map((w) => ({
      contactId: w.session.remoteContactId,
      locationId: w.session.remoteLocationId,
      channel: w.channel,
      direction: w.direction,
      bytesIn: w.duplex.bytesIn,
      bytesOut: w.duplex.bytesOut,
    }))
  }

  /** Duplex ids of a torrent's wires (WebTorrent's peer ids for them). */
  connIds(infoHash: string): string[] {
    return [...(this.wires.get(infoHash)?.values() ?? [])].map((w) => w.duplex.id)
  }

  /** Drops the wire with this duplex id and refuses its peer for this torrent from now on. */
  ban(infoHash: string, connId: string): { contactId: string } | undefined {
    const wire = [...(this.wires.get(infoHash)?.values() ?? [])].find((w) => w.duplex.id === connId)
    if (!wire) return undefined
    let set = this.banned.get(infoHash)
    if (!set) this.banned.set(infoHash, (set = new Set()))
    set.add(peerKey(wire.session))
    wire.duplex.destroy()
    this.remove(wire)
    return { contactId: wire.session.remoteContactId }
  }

  /** Closes every wire of a torrent (seeding paused, removed, failed). */
  close(infoHash: string): void {
    for (const wire of [...(this.wires.get(infoHash)?.values() ?? [])]) wire.duplex.destroy()
    this.wires.delete(infoHash)
  }

  closeAll(): void {
    for (const infoHash of [...this.wires.keys()]) this.close(infoHash)
    this.banned.clear()
  }

  private isBanned(infoHash: string, session: PeerSession): boolean {
    return this.banned.get(infoHash)?.has(peerKey(session)) ?? false
  }

  private add(
    session: PeerSession,
    torrent: EngineTorrent,
    channel: number,
    direction: 'out' | 'in',
  ): Wire | undefined {
    let dc: RTCDataChannel
    try {
      dc = session.openChannel(channel, `torrent:${torrent.infoHash.slice(0, 8)}`)
    } catch {
      return undefined // the session closed, or the id is taken
    }
    const id = `${session.remoteContactId.slice(0, 8)}:${channel}:${++counter}`
    const duplex = new ChannelDuplex(dc, {
      id,
      connect: direction === 'in' ? 'first-message' : 'open',
      ...(this.sendQueue ? { sendQueue: this.sendQueue } : {}),
    })
    const wire: Wire = { infoHash: torrent.infoHash, session, channel, direction, duplex }
    let map = this.wires.get(torrent.infoHash)
    if (!map) this.wires.set(torrent.infoHash, (map = new Map()))
    map.set(session, wire)
    duplex.on('close', () => this.remove(wire))
    if (!torrent.addPeer(duplex)) {
      duplex.destroy()
      this.remove(wire)
      return undefined
    }
    return wire
  }

  private remove(wire: Wire): void {
    const map = this.wires.get(wire.infoHash)
    if (map?.get(wire.session) !== wire) return
    map.delete(wire.session)
    if (!map.size) this.wires.delete(wire.infoHash)
  }
}

function reset(session: PeerSession, channel: number): void {
  try {
    session.openChannel(channel, 'torrent:reset').close()
  } catch {
    // the session closed: nothing to reset
  }
}

function peerKey(session: PeerSession): string {
  return `${session.remoteContactId}/${session.remoteLocationId}`
}
