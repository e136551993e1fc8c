import { OpenPeerError } from '../errors.ts'
import type { PeerConnectionLike, PeerLike, PeerOptions, SocketLike } from '../ports.ts'
import { PeerEvents } from '../session/peer-events.ts'
import { newTunnelKey, tunnelCipher, tunnelFingerprint, type TunnelKeyPair } from './crypto.ts'
import { TunnelPeer } from './tunnel-peer.ts'

export interface PathSwitchOptions {
  /** the WebRTC options of the session (simple-peer's `initiator` makes the offers) */
  peer: PeerOptions
  createPeer(opts: PeerOptions): PeerLike
  createSocket(url: string): SocketLike
  /** the find exchange this session came from: binds the tunnel's keys */
  context: string
  /** the find's initiator opens the relay; the target follows its lead */
  role: 'initiator' | 'target'
  /**
   * The relay tunnel beside what carried the find (its finder); absent through an introducer,
   * and then ICE is the only path.
   */
  relay?: {
    url: string
    /** the domain's every relay (a finder cluster): where an initiator may ask us to join */
    urls?: readonly string[]
    open(context: string): Promise<{ token: string; peerToken: string }>
  }
  /** ms to wait for ICE before falling back to the tunnel */
  iceTimeout: number
  /** ms between attempts to move a tunnelled session onto an ICE path */
  upgradeEvery: number
}

interface TunnelSignal {
  type: 'tunnel'
  tunnel: { key: string; token?: string; relay?: string }
}

const isTunnelSignal = (s: unknown): s is TunnelSignal =>
  typeof s === 'object' && s !== null && (s as { type?: unknown }).type === 'tunnel'

/**
 * Silences and destroys a path we are done with. Its 'error' keeps a listener: simple-peer
 * emits one a tick after a failure it is already handling (a datachannel that died with its
 * SCTP association), and an EventEmitter with no 'error' listener throws it — in Node, out of
 * a timer, which ends the process.
 */
function discard(peer: PeerLike | undefined): void {
  if (!peer) return
  peer.removeAllListeners()
  peer.on('error', () => {})
  peer.destroy()
}

/**
 * The session's PeerLike, which picks the path (PROTOCOL §5.7). It starts on WebRTC; when ICE
 * has not connected within `iceTimeout` (no UDP, no TURN) the find's two sides set up the relay
 * tunnel through the finder's signalling and the session runs on that. From the tunnel it keeps
 * trying ICE, signalled over the tunnel's own control channel, and moves onto the first path
 * that connects. The move is in band: the old path's control stream ends with a marker, and what
 * the new path brings first waits for it, so no message is lost or overtaken.
 */
export class PathSwitch extends PeerEvents implements PeerLike {
  connected = false
  destroyed = false
  private ice: PeerLike | undefined
  private tunnel: TunnelPeer | undefined
  private active: PeerLike | undefined
  /** an ICE attempt made while on the tunnel */
  private upgrade: PeerLike | undefined
  /** what a new path brought before the other side's end marker came by the tunnel */
  private readonly held: (string | Uint8Array)[] = []
  /** the other side's control stream on the tunnel has ended: it moved to the new path */
  private tunnelEnded = false
  private tunnelKey: Promise<TunnelKeyPair> | undefined
  private token: string | undefined
  /** the relay holding our token: the initiator's node in a finder cluster */
  private relayUrl: string | undefined
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()

  constructor(private readonly opts: PathSwitchOptions) {
    super()
    this.ice = this.attempt(opts.peer.initiator)
    this.active = this.ice
    this.after(opts.iceTimeout, () => {
      if (this.connected || opts.role !== 'initiator' || !opts.relay) return
      this.fallBack().catch((cause: unknown) =>
        this.fail(
          new OpenPeerError('ERR_NO_PATH', 'no path: ICE failed and no relay could be opened', {
            cause,
          }),
        ),
      )
    })
  }

  get initiator(): boolean {
    return this.active?.initiator ?? this.opts.peer.initiator
  }
  set initiator(value: boolean) {
    if (this.active) this.active.initiator = value
  }
  get offerOptions(): Record<string, unknown> {
    return this.active?.offerOptions ?? {}
  }
  set offerOptions(value: Record<string, unknown>) {
    if (this.active) this.active.offerOptions = value
  }
  get connection(): PeerConnectionLike {
    const active = this.active ?? this.ice ?? this.tunnel
    if (!active) throw new OpenPeerError('ERR_SESSION_CLOSED', 'no path')
    return active.connection
  }
  /** 'tunnel' while the relay carries the session */
  get path(): 'ice' | 'tunnel' {
    return this.active === this.tunnel && this.tunnel ? 'tunnel' : 'ice'
  }

  signal(data: unknown): void {
    if (this.destroyed) return
    if (isTunnelSignal(data))
      return void this.onTunnelSignal(data).catch((e: unknown) => this.fail(e))
    if (this.active === this.ice && this.ice) return this.ice.signal(data)
    // On the tunnel: WebRTC signals belong to an attempt to move off it.
    if (!this.upgrade && (data as { type?: string }).type === 'offer') {
      this.upgrade = this.attempt(false)
    }
    this.upgrade?.signal(data)
  }

  send(data: string | Uint8Array): void {
    if (!this.active) throw new OpenPeerError('ERR_SESSION_CLOSED', 'no path')
    this.active.send(data)
  }

  negotiate(): void {
    if (this.active !== this.tunnel) return this.active?.negotiate()
    // An ICE restart asked for on the tunnel is a chance to look for a path now.
    this.tryUpgrade()
    this.tunnel?.negotiate()
  }

  destroy(err?: Error): void {
    if (this.destroyed) return
    this.destroyed = true
    this.connected = false
    for (const t of this.timers) clearTimeout(t)
    for (const p of [this.ice, this.tunnel, this.upgrade]) discard(p)
    setTimeout(() => {
      if (err) this.emit('error', err)
      this.emit('close')
    }, 0)
  }

  /** A WebRTC peer whose events speak for the session while it is the active path. */
  private attempt(initiator: boolean): PeerLike {
    const peer = this.opts.createPeer({ ...this.opts.peer, initiator })
    peer.on('signal', (data) => this.emit('signal', data))
    peer.on('connect', () => this.onIceConnect(peer))
    peer.on('data', (data) => this.onData(peer, data))
    peer.on('negotiated', () => peer === this.active && this.emit('negotiated'))
    peer.on('error', (err) => this.onPathEnd(peer, err))
    peer.on('close', () => this.onPathEnd(peer))
    if (peer !== this.ice) {
      // An upgrade attempt that has not connected by now will not.
      this.after(this.opts.iceTimeout, () => peer === this.upgrade && this.dropUpgrade())
    }
    return peer
  }

  private onIceConnect(peer: PeerLike): void {
    if (peer === this.ice && !this.connected) {
      this.connected = true
      return this.emit('connect')
    }
    if (peer !== this.upgrade || this.active !== this.tunnel) return
    // The move: end our control stream on the tunnel, then speak on the new path. What the
    // other side sends on the new path waits until its own end marker arrives by the tunnel.
    this.tunnel?.endControl()
    this.ice = peer
    this.upgrade = undefined
    this.active = peer
    this.emit('path')
    this.retireTunnel()
  }

  /**
   * The new path can outrun the tunnel: what it brings waits until the other side's end marker
   * has come by the tunnel, so every message arrives in the order it was sent.
   */
  private onData(peer: PeerLike, data: string | Uint8Array): void {
    if (peer === this.tunnel || !this.tunnel || this.tunnelEnded) return this.emit('data', data)
    this.held.push(data)
  }

  /** The other side moved to the new path: release what it sent there since. */
  private onControlEnd(): void {
    this.tunnelEnded = true
    for (const d of this.held.splice(0)) this.emit('data', d)
    this.retireTunnel()
  }

  /** Once both sides have moved, the tunnel goes. */
  private retireTunnel(): void {
    if (!this.tunnelEnded || this.active === this.tunnel) return
    const tunnel = this.tunnel
    this.tunnel = undefined
    discard(tunnel)
  }

  private onPathEnd(peer: PeerLike, err?: Error): void {
    if (peer === this.upgrade) return this.dropUpgrade()
    if (peer !== this.active || this.destroyed) return
    // ICE that never connected is what the tunnel is for: not the session's end.
    if (peer === this.ice && !this.connected) return
    this.destroy(err)
  }

  private dropUpgrade(): void {
    const peer = this.upgrade
    this.upgrade = undefined
    discard(peer)
  }

  private tryUpgrade(): void {
    if (this.destroyed || this.upgrade || this.active !== this.tunnel) return
    // The offerer side drives the attempts; the other answers the offers that come.
    if (this.opts.peer.initiator) this.upgrade = this.attempt(true)
  }

  /** The find's initiator: ICE did not connect, so ask for a relay and invite the target. */
  private async fallBack(): Promise<void> {
    if (this.tunnelKey || this.destroyed) return
    const key = (this.tunnelKey = newTunnelKey())
    const relay = this.opts.relay
    if (!relay) throw new OpenPeerError('ERR_NO_PATH', 'no relay beside this find')
    // The relay that issues the tokens is the one beside our finder socket now; in a cluster
    // the target's socket may be on another node, so we name it (only there: a single finder's
    // signal stays as it was, for older clients).
    const url = relay.url
    const tokens = await relay.open(this.opts.context)
    this.token = tokens.token
    this.relayUrl = url
    const named = (relay.urls?.length ?? 0) > 1 ? { relay: url } : {}
    this.emit('signal', {
      type: 'tunnel',
      tunnel: { key: (await key).publicKey, token: tokens.peerToken, ...named },
    })
  }

  private async onTunnelSignal(s: TunnelSignal): Promise<void> {
    if (this.connected && this.active !== this.ice) return
    if (this.opts.role === 'target') {
      // The initiator gave up on ICE: answer with our key, take our token.
      if (!s.tunnel.token || this.tunnelKey) return
      this.tunnelKey = newTunnelKey()
      this.token = s.tunnel.token
      // Only a relay of our own finder's domain: the initiator cannot send us anywhere else.
      const named = s.tunnel.relay
      if (named && this.opts.relay?.urls?.includes(named)) this.relayUrl = named
      this.emit('signal', { type: 'tunnel', tunnel: { key: (await this.tunnelKey).publicKey } })
    } else if (!this.token) return
    await this.openTunnel(await (this.tunnelKey as Promise<TunnelKeyPair>), s.tunnel.key)
  }

  private async openTunnel(mine: TunnelKeyPair, theirs: string): Promise<void> {
    if (this.destroyed || this.tunnel) return
    const cipher = await tunnelCipher(mine, theirs, this.opts.context, this.opts.role)
    const fingerprints = {
      local: await tunnelFingerprint(mine.publicKey),
      remote: await tunnelFingerprint(theirs),
    }
    if (this.destroyed || this.tunnel || !this.opts.relay) return
    // The socket is made last, with nothing awaited after: its open must find its handler set.
    const tunnel = new TunnelPeer({
      socket: this.opts.createSocket(this.relayUrl ?? this.opts.relay.url),
      token: this.token ?? '',
      cipher,
      fingerprints,
      initiator: this.opts.peer.initiator,
    })
    // ICE is given up: its late events must not speak for the session.
    discard(this.ice)
    this.ice = undefined
    this.tunnel = tunnel
    this.active = tunnel
    tunnel.on('connect', () => {
      if (this.connected) return
      this.connected = true
      this.emit('connect')
      this.emit('path')
      this.every(this.opts.upgradeEvery, () => this.tryUpgrade())
    })
    tunnel.on('data', (data) => this.onData(tunnel, data))
    tunnel.on('control-end', () => this.onControlEnd())
    tunnel.on('negotiated', () => tunnel === this.active && this.emit('negotiated'))
    tunnel.on('error', (err) => this.onPathEnd(tunnel, err))
    tunnel.on('close', () => this.onPathEnd(tunnel))
  }

  private fail(err: unknown): void {
    this.destroy(err instanceof Error ? err : new Error(String(err)))
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private every(ms: number, fn: () => void): void {
    this.after(ms, () => {
      if (this.destroyed) return
      fn()
      this.every(ms, fn)
    })
  }
}
