import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import { Emitter } from '../events.ts'
import type { VerifiedPeerFile } from '../identity/peer-file.ts'
import type { PeerConnectionLike } from '../ports.ts'
import type {
  NotifyBody,
  NotifyType,
  RequestBody,
  RequestType,
  ResultBody,
} from '../wire/messages.ts'
import { liveFingerprints } from './fingerprint.ts'
import {
  answerIdentify,
  identifyAhead,
  identifyAsInitiator,
  type EarlyIdentify,
  type IdentifyProof,
} from './identify.ts'
import { Endpoint, type IncomingNotify, type IncomingRequest } from '../wire/endpoint.ts'
import { BulkChannels } from './channels.ts'
import { renegotiate } from './renegotiate.ts'
import { pathOf, type ConnectionPath } from './path.ts'
import {
  DEFAULT_TIMINGS,
  signalType,
  type PeerSessionEvents,
  type PeerSessionOptions,
  type SessionState,
  type SessionTimings,
} from './session-types.ts'
import { trace } from '../trace.ts'

/**
 * One authenticated connection to one remote location (PROTOCOL §5.4–5.5). Nothing but
 * peer-identify passes before both sides have proven who they are over this very DTLS link;
 * after that, renegotiation and ICE restarts travel the control channel, never the finder.
 */
export class PeerSession extends Emitter<PeerSessionEvents> {
  state: SessionState = 'signalling'
  readonly startedAt: number
  remotePeer: VerifiedPeerFile | undefined
  remoteLocation: { id: string; label: string } | undefined
  private readonly rpc: Endpoint
  private readonly timings: SessionTimings
  private timers: ReturnType<typeof setTimeout>[] = []
  private lastSeen: number
  private requestHandler: ((m: IncomingRequest) => Promise<object>) | undefined
  /** why identify failed on our side: the close reports it, whatever closes the link first */
  private failure: OpenPeerError | undefined
  /** the initiator's identify request, signed once both descriptions were set */
  private earlyIdentify: EarlyIdentify | undefined
  /** the target's admission, run once its identify result is on the wire */
  private admitOnAnswer: (() => void) | undefined
  private readonly bulk: BulkChannels
  private markConnected: () => void = () => {}
  private markAdmitted: () => void = () => {}
  /** settles when we admitted the remote (or the session closed before) */
  private readonly admitted = new Promise<void>((resolve) => (this.markAdmitted = resolve))
  /** settles when the connection is up (or the session closed before) */
  private readonly connected = new Promise<void>((resolve) => (this.markConnected = resolve))

  constructor(private readonly opts: PeerSessionOptions) {
    super()
    this.timings = { ...DEFAULT_TIMINGS, ...opts.timings }
    this.startedAt = this.lastSeen = this.now()
    this.bulk = new BulkChannels(() => opts.peer.connection, opts.role)
    this.rpc = new Endpoint({
      channel: 'peer',
      send: (text) => opts.peer.send(text),
      handlers: {
        request: (m) => this.handleRequest(m),
        notify: (m) => this.onNotify(m),
        malformed: (error) => {
          // Before identify any garbage is an attack on the gate; after it, a bug to report.
          if (this.state !== 'open') this.close(error)
        },
        answered: (m) => {
          if (m.type !== 'peer-identify') return
          const admit = this.admitOnAnswer
          this.admitOnAnswer = undefined
          admit?.()
        },
      },
    })
    const { peer } = opts
    peer.on('signal', (data) => this.onLocalSignal(data))
    peer.on('connect', () => void this.onConnect())
    peer.on('data', (data) => {
      this.lastSeen = this.now()
      void this.rpc.receive(data)
    })
    peer.on('path', () => this.state === 'open' && this.emit('path', undefined))
    peer.on('close', () =>
      this.close(new OpenPeerError('ERR_SESSION_CLOSED', 'the peer connection closed')),
    )
    peer.on('error', (err) =>
      this.close(
        // A coded error (no path at all, say) says more than "the connection failed".
        err instanceof OpenPeerError
          ? err
          : new OpenPeerError(
              'ERR_SESSION_CLOSED',
              `peer connection failed: ${err.code ?? err.message}`,
              { cause: err },
            ),
      ),
    )
    this.after(this.timings.connectTimeout, () => {
      if (this.state === 'signalling')
        this.close(new OpenPeerError('ERR_TIMEOUT', 'the peer connection did not open in time'))
    })
  }

  get context(): string {
    return this.opts.context
  }
  get role(): 'initiator' | 'target' {
    return this.opts.role
  }
  get remoteContactId(): string {
    return this.opts.remote.contactId
  }
  get remoteLocationId(): string {
    return this.opts.remote.locationId
  }
  /** Signal data that arrived through the finder (answer, offer, trickled candidates). */
  signal(data: unknown): void {
    if (this.state === 'closed') return
    const type = signalType(data)
    trace(`peer:signal:${type}`)
    if (this.opts.role === 'initiator' && this.state === 'signalling' && type === 'answer') {
      // We offered: both descriptions are set once this answer is ('negotiated').
      this.opts.peer.once('negotiated', () => this.state === 'signalling' && this.signAhead())
    }
    try {
      this.opts.peer.signal(data)
    } catch (cause) {
      this.close(new OpenPeerError('ERR_SESSION_CLOSED', 'cannot apply signal', { cause }))
    }
  }

  /** Serves the requests an open session receives beyond the session's own (threads, …). */
  serve(handler: (m: IncomingRequest) => Promise<object>): void {
    this.requestHandler = handler
  }

  request<T extends RequestType>(
    type: T,
    body: RequestBody<T>,
    opts: { signal?: AbortSignal; timeout?: number } = {},
  ): Promise<ResultBody<T>> {
    if (this.state !== 'open')
      return Promise.reject(new OpenPeerError('ERR_SESSION_CLOSED', 'the session is not open'))
    return this.rpc.request(type, body, opts)
  }

  notify<T extends NotifyType>(type: T, body: NotifyBody<T>): void {
    if (this.state !== 'open')
      throw new OpenPeerError('ERR_SESSION_CLOSED', 'the session is not open')
    this.rpc.notify(type, body)
  }

  /** Renegotiates over the control channel; resolves once the new offer/answer settled. */
  renegotiate(opts: { signal?: AbortSignal; iceRestart?: boolean } = {}): Promise<void> {
    if (this.state !== 'open') {
      return Promise.reject(new OpenPeerError('ERR_SESSION_CLOSED', 'the session is not open'))
    }
    return renegotiate(
      this.opts.peer,
      (iceRestart) =>
        this.rpc.notify('session-signal', {
          signal: { type: 'renegotiate', renegotiate: true, ...(iceRestart ? { iceRestart } : {}) },
        }),
      opts,
    )
  }

  /** This side makes the offers (simple-peer's initiator): only offers add m-lines (calls). */
  get makesOffers(): boolean {
    return this.opts.peer.initiator
  }

  /** A datachannel id for a new bulk channel (see BulkChannels). */
  allocateChannelId(): number {
    return this.bulk.allocate()
  }

  /** Our end of a negotiated bulk datachannel with an id both sides agreed on. */
  openChannel(id: number, label: string): RTCDataChannel {
    if (this.state !== 'open') {
      throw new OpenPeerError('ERR_SESSION_CLOSED', 'the session is not open')
    }
    return this.bulk.open(id, label)
  }

  /** The live connection's surface: ICE settings before a restart, stats, descriptions. */
  get connection(): PeerConnectionLike {
    return this.opts.peer.connection
  }

  async path(): Promise<ConnectionPath> {
    return pathOf(this.opts.peer.connection)
  }

  close(error?: OpenPeerError): void {
    if (this.state === 'closed') return
    this.markConnected()
    this.markAdmitted()
    error = this.failure ?? error
    const wasOpen = this.state === 'open'
    this.state = 'closed'
    for (const t of this.timers) clearTimeout(t)
    this.timers = []
    if (wasOpen && !error) {
      try {
        this.rpc.notify('session-close', { reason: 'closed' })
      } catch {
        // best effort
      }
    }
    this.rpc.close(error ?? new OpenPeerError('ERR_SESSION_CLOSED', 'the session was closed'))
    this.bulk.closeAll()
    const { peer } = this.opts
    peer.removeAllListeners('data')
    peer.removeAllListeners('signal')
    // Let the session-close frame leave before the channel goes.
    setTimeout(() => peer.destroy(), wasOpen ? 50 : 0)
    this.emit('closed', { error })
  }

  /** the replay cache's clock: the one that judges proofs judges silence too */
  private now(): number {
    return this.opts.replay.now()
  }

  private after(ms: number, fn: () => void): void {
    this.timers.push(setTimeout(fn, ms))
  }

  private onLocalSignal(data: unknown): void {
    if (this.state === 'closed') return
    const type = signalType(data)
    trace(`signal:local:${type}`)
    if (this.opts.role === 'initiator' && this.state === 'signalling' && type === 'answer') {
      this.signAhead()
    }
    if (this.state === 'open') {
      this.rpc.notify('session-signal', { signal: data as NotifyBody<'session-signal'>['signal'] })
    } else this.opts.sendSignal(data)
  }

  /**
   * Both descriptions are set (our answer made, or the answer to our offer applied): the
   * identify request is signed now, while ICE and DTLS run (identifyAhead), instead of after
   * `connect`.
   */
  private signAhead(): void {
    if (this.earlyIdentify) return
    try {
      this.earlyIdentify = identifyAhead(this.opts, liveFingerprints(this.opts.peer.connection))
    } catch {
      // no fingerprints to sign yet (another path): signed at connect as before
    }
  }

  private async onConnect(): Promise<void> {
    if (this.state !== 'signalling') return
    this.state = 'identifying'
    trace('connect')
    this.markConnected()
    this.after(this.timings.identifyTimeout, () => {
      if (this.state === 'identifying')
        this.close(new OpenPeerError('ERR_TIMEOUT', 'peer-identify did not complete in time'))
    })
    if (this.opts.role !== 'initiator') return
    try {
      const live = liveFingerprints(this.opts.peer.connection)
      const { peer, location } = await identifyAsInitiator(
        this.opts,
        live,
        async (proof) => {
          trace('identify:sent')
          const result = await this.rpc.request(
            'peer-identify',
            { proof },
            { timeout: this.timings.identifyTimeout },
          )
          trace('identify:result')
          return result
        },
        this.earlyIdentify,
      )
      this.admit(peer, location)
    } catch (err) {
      this.close(asOpenPeerError(err, 'peer-identify failed'))
    }
  }

  /**
   * The target admits us as soon as it has sent its identify result, so its next frames can
   * arrive while we still check that result: they wait for our verdict instead of being refused.
   */
  private awaitingAdmission(): boolean {
    return this.state === 'identifying' && this.opts.role === 'initiator'
  }

  private admit(peer: VerifiedPeerFile, location: { id: string; label: string }): void {
    if (this.state !== 'identifying') return
    this.remotePeer = peer
    this.remoteLocation = location
    this.state = 'open'
    this.markAdmitted()
    trace('identified')
    this.lastSeen = this.now()
    this.keepAlive()
    this.emit('identified', { peer, location })
  }

  private keepAlive(): void {
    const tick = (): void => {
      if (this.state !== 'open') return
      if (this.now() - this.lastSeen > this.timings.deadAfter) {
        return this.close(new OpenPeerError('ERR_TIMEOUT', 'the peer went silent'))
      }
      this.rpc.request('peer-keep-alive', {}, { timeout: this.timings.deadAfter }).catch(() => {
        // silence is judged by lastSeen above, not by one lost keep-alive
      })
      this.after(this.timings.keepAlive, tick)
    }
    this.after(this.timings.keepAlive, tick)
  }

  private async handleRequest(message: IncomingRequest): Promise<object> {
    if (message.type === 'peer-identify') return this.onIdentify(message.proof)
    if (this.awaitingAdmission()) await this.admitted
    if (this.state !== 'open') {
      const error = new OpenPeerError('ERR_NOT_IDENTIFIED', `${message.type} before peer-identify`)
      queueMicrotask(() => this.close(error))
      throw error
    }
    if (message.type === 'peer-keep-alive') return {}
    if (!this.requestHandler)
      throw new OpenPeerError('ERR_NOT_FOUND', `${message.type} is not served here`)
    return this.requestHandler(message)
  }

  private async onIdentify(proof: IdentifyProof): Promise<object> {
    // The other end may see the channel open (and speak) before simple-peer tells us 'connect'.
    if (this.state === 'signalling') await this.connected
    if (this.opts.role !== 'target' || this.state !== 'identifying') {
      throw new OpenPeerError('ERR_CONFLICT', 'unexpected peer-identify')
    }
    trace('identify:in')
    const live = liveFingerprints(this.opts.peer.connection)
    try {
      const { peer, location, result } = await answerIdentify(this.opts, live, proof)
      // Admitted once the result is on the wire (the endpoint's `answered`): what the admission
      // sets going (the outbox, the files' asks) follows it and cannot overtake it, and the
      // result does not wait for that work either (it did: ~5 ms in bench:connect's timeline).
      trace('identify:answered')
      this.admitOnAnswer = () => this.admit(peer, location)
      return { proof: result }
    } catch (err) {
      const error = asOpenPeerError(err, 'peer-identify failed')
      this.failure = error
      // Closed a little later so the coded error result reaches the other side first.
      setTimeout(() => this.close(error), 50)
      throw error
    }
  }

  private onNotify(message: IncomingNotify): void {
    if (this.awaitingAdmission()) {
      void this.admitted.then(() => this.onNotify(message))
      return
    }
    if (this.state !== 'open') {
      return this.close(
        new OpenPeerError('ERR_NOT_IDENTIFIED', `${message.type} before peer-identify`),
      )
    }
    if (message.type === 'session-signal') {
      // The answerer's network changed and it asks us, the offerer, for an ICE restart.
      if (message.signal.iceRestart && this.opts.peer.initiator) {
        this.renegotiate({ iceRestart: true }).catch(() => {
          // a restart that fails leaves the session to its keep-alive and ICE's own verdict
        })
        return
      }
      return this.signal(message.signal)
    }
    if (message.type === 'session-close')
      return this.close(new OpenPeerError('ERR_SESSION_CLOSED', `remote closed: ${message.reason}`))
    this.emit('notify', message)
  }
}
