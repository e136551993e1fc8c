import { OpenPeerError } from '../errors.ts'
import type { PeerConnectionLike, PeerLike, SocketLike } from '../ports.ts'
import { PeerEvents } from '../session/peer-events.ts'
import type { TunnelCipher } from './crypto.ts'
import { CONTROL_STREAM, FrameKind, decodeFrame, encodeFrame, frameText } from './frames.ts'
import { TunnelChannel } from './tunnel-channel.ts'

export interface TunnelPeerOptions {
  /** a socket to the relay; the peer sends its token once it opens */
  socket: SocketLike
  /** the single-use capability the finder issued for this side */
  token: string
  cipher: TunnelCipher
  /** the two tunnel keys' fingerprints: what identify binds the identities to */
  fingerprints: { local: string; remote: string }
  /** which side of the simple-peer pair this replaces (the offerer of the find exchange) */
  initiator: boolean
}

const OPEN = 1

/**
 * A PeerLike over the finder's relay (PROTOCOL §5.7), for when no ICE path exists: the session
 * protocol runs on it unchanged — its control channel is stream 0, bulk channels are streams —
 * and every frame is sealed end to end (tunnel/crypto.ts), so the relay forwards only ciphertext.
 */
export class TunnelPeer extends PeerEvents implements PeerLike {
  connected = false
  destroyed = false
  initiator: boolean
  offerOptions: Record<string, unknown> = {}
  readonly connection: PeerConnectionLike
  private readonly channels = new Map<number, TunnelChannel>()
  /** what arrived for streams whose end this side has not opened yet */
  private readonly early = new Map<number, (string | Uint8Array)[]>()
  private outbound: Promise<void> = Promise.resolve()
  private inbound: Promise<void> = Promise.resolve()
  private pendingBytes = 0

  constructor(private readonly opts: TunnelPeerOptions) {
    super()
    this.initiator = opts.initiator
    const sdp = (fp: string): { sdp: string } => ({ sdp: `a=fingerprint:${fp}\r\n` })
    this.connection = {
      localDescription: sdp(opts.fingerprints.local),
      remoteDescription: sdp(opts.fingerprints.remote),
      getStats: async () => tunnelStats(),
      createDataChannel: (label, init) => this.channel(label, init.id ?? -1),
    }
    const { socket } = opts
    ;(socket as { binaryType?: string }).binaryType = 'arraybuffer'
    socket.onopen = () => socket.send(JSON.stringify({ token: opts.token }))
    socket.onmessage = (ev) => this.onSocketData(ev.data)
    socket.onerror = () => {}
    // Frames that came before the close are still being opened: let them through first.
    socket.onclose = (ev) =>
      void this.inbound.then(() =>
        this.destroy(new Error(`the relay closed the tunnel (${ev.code} ${ev.reason})`)),
      )
  }

  /** Nothing to signal: the tunnel's keys went through the find exchange already. */
  signal(): void {}

  send(data: string | Uint8Array): void {
    if (!this.connected) throw new OpenPeerError('ERR_SESSION_CLOSED', 'the tunnel is not open')
    this.write(
      encodeFrame(
        typeof data === 'string' ? FrameKind.text : FrameKind.binary,
        CONTROL_STREAM,
        data,
      ),
    )
  }

  /**
   * Marks the end of the control stream: the path switch has moved the session to a new path
   * and says so in band, so the other side knows nothing more of the control stream will come
   * this way and can release what the new path already brought.
   */
  endControl(): void {
    if (this.connected) this.write(encodeFrame(FrameKind.close, CONTROL_STREAM))
  }

  /** Nothing to renegotiate over a relay; an ICE restart is the path switch's business. */
  negotiate(): void {
    setTimeout(() => this.emit('negotiated'), 0)
  }

  destroy(err?: Error): void {
    if (this.destroyed) return
    this.destroyed = true
    this.connected = false
    for (const c of this.channels.values()) c.closed()
    const { socket } = this.opts
    socket.onmessage = socket.onclose = null
    try {
      socket.close(1000, 'bye')
    } catch {
      // already closed
    }
    setTimeout(() => {
      if (err) this.emit('error', err)
      this.emit('close')
    }, 0)
  }

  private channel(label: string, id: number): RTCDataChannel {
    if (!Number.isInteger(id) || id <= CONTROL_STREAM || id > 0xffff) {
      throw new OpenPeerError('ERR_BAD_MESSAGE', 'tunnel channels are negotiated with an id')
    }
    const channel = new TunnelChannel(label, id, {
      send: (stream, data) =>
        this.write(
          encodeFrame(typeof data === 'string' ? FrameKind.text : FrameKind.binary, stream, data),
        ),
      close: (stream) => this.connected && this.write(encodeFrame(FrameKind.close, stream)),
      buffered: () => this.pendingBytes + (this.opts.socket.bufferedAmount ?? 0),
    })
    this.channels.set(id, channel)
    setTimeout(() => {
      channel.open()
      for (const m of this.early.get(id) ?? []) channel.receive(m)
      this.early.delete(id)
    }, 0)
    return channel as unknown as RTCDataChannel
  }

  /** Seals in call order and writes in call order, whatever each seal takes. */
  private write(frame: Uint8Array): void {
    const sealed = this.opts.cipher.seal(frame)
    this.pendingBytes += frame.byteLength
    this.outbound = this.outbound
      .then(async () => {
        const bytes = await sealed
        this.pendingBytes -= frame.byteLength
        if (this.opts.socket.readyState === OPEN && !this.destroyed) this.opts.socket.send(bytes)
      })
      .catch((err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))))
  }

  private onSocketData(data: unknown): void {
    if (typeof data === 'string') return this.onRelayText(data)
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : (data as Uint8Array)
    const opened = this.opts.cipher.open(bytes)
    this.inbound = this.inbound
      .then(async () => this.dispatch(decodeFrame(await opened)))
      .catch((err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))))
  }

  /** The relay speaks in text only before pairing: paired, or an error with its code. */
  private onRelayText(text: string): void {
    let message: { paired?: boolean; error?: { code: number; reason: string } }
    try {
      message = JSON.parse(text) as typeof message
    } catch {
      return this.destroy(new OpenPeerError('ERR_BAD_MESSAGE', 'the relay sent garbage'))
    }
    if (message.error) return this.destroy(OpenPeerError.fromWire(message.error))
    if (message.paired && !this.connected && !this.destroyed) {
      this.connected = true
      this.emit('connect')
    }
  }

  private dispatch(frame: ReturnType<typeof decodeFrame>): void {
    if (this.destroyed) return
    const data = frame.kind === FrameKind.text ? frameText(frame) : frame.payload
    if (frame.stream === CONTROL_STREAM) {
      this.emit(frame.kind === FrameKind.close ? 'control-end' : 'data', data)
      return
    }
    const channel = this.channels.get(frame.stream)
    if (frame.kind === FrameKind.close) return channel?.closed()
    if (channel) return channel.receive(data)
    const early = this.early.get(frame.stream) ?? []
    early.push(data)
    this.early.set(frame.stream, early)
  }
}

/** getStats of a tunnel: one selected pair whose candidates are of the relay tunnel's kind. */
function tunnelStats(): { forEach(fn: (stat: unknown) => void): void } {
  const all = [
    { type: 'transport', id: 't', selectedCandidatePairId: 'p' },
    { type: 'candidate-pair', id: 'p', localCandidateId: 'l', remoteCandidateId: 'r' },
    { type: 'local-candidate', id: 'l', candidateType: 'tunnel' },
    { type: 'remote-candidate', id: 'r', candidateType: 'tunnel' },
  ]
  return { forEach: (fn) => all.forEach((s) => fn(s)) }
}
