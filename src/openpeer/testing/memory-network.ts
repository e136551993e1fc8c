import type {
  MediaListener,
  MediaStreamLike,
  MediaTrackLike,
  PeerConnectionLike,
  PeerLike,
  PeerOptions,
  TrackEventLike,
} from '../ports.ts'
import { randomId } from '../identity/encoding.ts'
import { MemoryChannel } from './memory-channel.ts'
import { PeerEvents } from '../session/peer-events.ts'

/*
 * An in-memory WebRTC for tests (like libp2p's stream pairs): peers made by one network connect
 * to each other when their signals are exchanged, wherever those travel (through a finder, an
 * introducer, a tampering test socket). Everything above the wire — identify, threads, the
 * rendezvous, the client, the app's glue — then runs in one process, fast and deterministic,
 * without a browser or ICE. What it cannot show (real DTLS, real candidates, real throughput)
 * stays with the Node WebRTC tests and the e2e suite.
 */

interface MemorySignal {
  type: 'offer' | 'answer' | 'candidate' | 'renegotiate'
  sdp?: string
  candidate?: { candidate: string; sdpMid: string; sdpMLineIndex: number }
  renegotiate?: boolean
}

export interface MemoryNetworkOptions {
  /** the host candidate each peer trickles (an address the finder must never see) */
  address?: () => string
}

export interface MemoryNetwork {
  createPeer(opts: PeerOptions): PeerLike
  /**
   * No ICE path between any two peers while true (UDP blocked, no TURN): offers and answers
   * still cross, but nothing connects. Peers made once it is false again connect as usual.
   */
  blocked: boolean
  /** every peer made so far, in order */
  readonly peers: readonly MemoryPeer[]
}

export function createMemoryNetwork(opts: MemoryNetworkOptions = {}): MemoryNetwork {
  const byId = new Map<string, MemoryPeer>()
  const peers: MemoryPeer[] = []
  let n = 0
  const network: MemoryNetwork = {
    peers,
    blocked: false,
    createPeer(options) {
      n += 1
      const address = opts.address?.() ?? `192.0.2.${n % 250}`
      const peer = new MemoryPeer(
        options,
        address,
        (id) => byId.get(id),
        () => network.blocked,
      )
      byId.set(peer.id, peer)
      peers.push(peer)
      return peer
    },
  }
  return network
}

const sdpOf = (id: string, fingerprint: string, type: string): string =>
  [
    'v=0',
    `o=- ${id} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=x-memory-${type}:${id}`,
    `a=fingerprint:sha-256 ${fingerprint}`,
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    '',
  ].join('\r\n')

function randomFingerprint(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
    b.toString(16).padStart(2, '0').toUpperCase(),
  ).join(':')
}

/** One end: simple-peer's surface (PeerLike) over a direct in-memory link to its remote. */
interface MemorySender {
  track: MediaTrackLike
  stream: MediaStreamLike
}

export class MemoryPeer extends PeerEvents implements PeerLike {
  readonly id = randomId(8)
  connected = false
  destroyed = false
  initiator: boolean
  offerOptions: Record<string, unknown> = {}
  /** offers made with `offerOptions.iceRestart` (what a network change should cause) */
  iceRestarts = 0
  /** every signal this peer produced, for tests that look at what would cross the finder */
  readonly signals: MemorySignal[] = []
  /** every signal applied to this peer (the other side's offer or answer, its candidates) */
  readonly applied: MemorySignal[] = []
  private remote: MemoryPeer | undefined
  private readonly fingerprint = randomFingerprint()
  private readonly channels = new Map<number, MemoryChannel>()
  private local: { sdp: string } | null = null
  private remoteSdp: { sdp: string } | null = null
  private negotiating = false
  readonly connection: PeerConnectionLike
  readonly senders = new Set<MemorySender>()
  private readonly trackListeners = new Set<(ev: TrackEventLike) => void>()
  private readonly iceListeners = new Set<() => void>()
  private iceState = 'connected'
  private readonly announced = new WeakSet<MemorySender>()

  constructor(
    readonly options: PeerOptions,
    readonly address: string,
    private readonly find: (id: string) => MemoryPeer | undefined,
    private readonly blocked: () => boolean = () => false,
  ) {
    super()
    this.initiator = options.initiator
    const local = (): { sdp: string } | null => this.local
    const remote = (): { sdp: string } | null => this.remoteSdp
    const ice = (): string => this.iceState
    this.connection = {
      get localDescription() {
        return local()
      },
      get remoteDescription() {
        return remote()
      },
      getStats: async () => this.stats(),
      createDataChannel: (label, init) => this.channel(label, init),
      // Media with no bytes (calls' signalling tests): a track added here is announced to the
      // other side's 'track' listeners at the next offer or answer, as a real one would be.
      addTrack: (track, stream) => {
        const sender = { track, stream }
        this.senders.add(sender)
        return sender
      },
      removeTrack: (sender) => void this.senders.delete(sender as MemorySender),
      addTransceiver: () => ({ direction: 'recvonly' }),
      addEventListener: ((type: string, fn: (ev: TrackEventLike) => void) =>
        void (type === 'track' ? this.trackListeners : this.iceListeners).add(fn)) as MediaListener,
      removeEventListener: ((type: string, fn: (ev: TrackEventLike) => void) =>
        void (type === 'track' ? this.trackListeners : this.iceListeners).delete(
          fn,
        )) as MediaListener,
      get iceConnectionState() {
        return ice()
      },
    }
    if (this.initiator) this.later(() => this.offer())
  }

  signal(data: unknown): void {
    if (this.destroyed) throw new Error('cannot signal after peer is destroyed')
    const s = data as MemorySignal
    this.applied.push(s)
    if (s.type === 'renegotiate') return this.later(() => this.negotiate())
    if (s.type === 'candidate') return
    const id = /a=x-memory-(?:offer|answer):(\S+)/.exec(s.sdp ?? '')?.[1]
    const remote = id ? this.find(id) : undefined
    if (!remote) throw new Error('memory peer: unknown remote in SDP')
    this.remoteSdp = { sdp: s.sdp ?? '' }
    this.later(() => this.receiveTracks(remote))
    if (s.type === 'offer') {
      this.remote = remote
      this.local = { sdp: sdpOf(this.id, this.fingerprint, 'answer') }
      this.later(() => {
        this.emitSignal({ type: 'answer', sdp: this.local?.sdp ?? '' })
        // Both ends trickle their address, as real ones do: tests see both must stay hidden.
        this.trickle()
        if (this.connected) this.emit('negotiated')
      })
      return
    }
    // an answer: we offered
    this.remote = remote
    this.later(() => {
      if (this.connected) {
        this.negotiating = false
        return this.emit('negotiated')
      }
      if (this.blocked()) return
      this.connected = remote.connected = true
      this.emit('connect')
      remote.emit('connect')
    })
  }

  send(data: string | Uint8Array): void {
    if (!this.connected || !this.remote || this.destroyed)
      throw new Error('memory peer: not connected')
    const remote = this.remote
    const copy = typeof data === 'string' ? data : data.slice()
    this.later(() => remote.destroyed || remote.emit('data', copy))
  }

  negotiate(): void {
    if (this.destroyed) return
    if (!this.initiator) return this.emitSignal({ type: 'renegotiate', renegotiate: true })
    if (this.negotiating) return
    this.negotiating = true
    this.offer()
  }

  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.connected = false
    for (const c of this.channels.values()) c.close()
    this.later(() => this.emit('close'))
    // Only the peer we are paired with (both descriptions applied) sees us go: an answer to an
    // offer that another peer's answer took pairs nothing, as with real WebRTC.
    const remote = this.remote
    if (remote && !remote.destroyed && remote.remote === this) remote.later(() => remote.destroy())
  }

  /** What ICE would report when the path falters (`disconnected`) or recovers (`connected`). */
  setIceState(state: 'connected' | 'disconnected' | 'failed'): void {
    this.iceState = state
    for (const fn of [...this.iceListeners]) fn()
  }

  private receiveTracks(remote: MemoryPeer): void {
    for (const sender of remote.senders) {
      if (this.announced.has(sender)) continue
      this.announced.add(sender)
      for (const fn of [...this.trackListeners])
        fn({ track: sender.track, streams: [sender.stream] })
    }
  }

  /** The other end of a negotiated channel with the same id, once both sides opened it. */
  pairChannel(id: number): MemoryChannel | undefined {
    return this.channels.get(id)
  }

  private channel(label: string, init: RTCDataChannelInit): RTCDataChannel {
    const id = init.id ?? this.channels.size
    const channel = new MemoryChannel(label, id, () => this.remote?.pairChannel(id))
    this.channels.set(id, channel)
    this.later(() => {
      channel.open()
      this.remote?.pairChannel(id)?.flush()
    })
    return channel as unknown as RTCDataChannel
  }

  private offer(): void {
    if (this.destroyed) return
    if (this.offerOptions.iceRestart) this.iceRestarts += 1
    this.local = { sdp: sdpOf(this.id, this.fingerprint, 'offer') }
    this.emitSignal({ type: 'offer', sdp: this.local.sdp })
    this.trickle()
  }

  /** One host candidate, while not yet connected (a renegotiation gathers nothing new). */
  private trickle(): void {
    if (this.connected || !this.options.trickle) return
    this.emitSignal({
      type: 'candidate',
      candidate: {
        candidate: `candidate:1 1 udp 2122260223 ${this.address} 50000 typ host`,
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    })
  }

  private emitSignal(s: MemorySignal): void {
    this.signals.push(s)
    this.emit('signal', s)
  }

  private stats(): { forEach(fn: (stat: unknown) => void): void } {
    const all = [
      { type: 'transport', id: 't', selectedCandidatePairId: 'p' },
      { type: 'candidate-pair', id: 'p', localCandidateId: 'l', remoteCandidateId: 'r' },
      { type: 'local-candidate', id: 'l', candidateType: 'host' },
      { type: 'remote-candidate', id: 'r', candidateType: 'host' },
    ]
    return { forEach: (fn) => all.forEach((s) => fn(s)) }
  }

  /** Async like the real thing: no event fires inside the call that caused it. */
  later(fn: () => unknown): void {
    setTimeout(fn, 0)
  }
}
