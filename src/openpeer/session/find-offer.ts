import { raceSignal } from '../async.ts'
import { OpenPeerError } from '../errors.ts'
import type { PeerLike } from '../ports.ts'
import { signalType } from './session-types.ts'

/** An offer that never comes (a WebRTC stack that hangs) does not hold a find forever. */
const OFFER_TIMEOUT = 10_000

/**
 * The initiator's peer made before its find leaves, so that the find carries the offer and the
 * reply the answer: half a round trip less than the target offering (docs/protocol.md, "Who
 * offers"). It belongs to the first location whose reply is accepted; a find that no location
 * answers ends with it destroyed. The signals it makes after the find was sealed wait here for
 * that location.
 */
export class FindOffer {
  private readonly held: unknown[] = []
  private taken = false
  private failed: OpenPeerError | undefined
  private readonly waiting = new Set<() => void>()
  private readonly abandon = (): void => this.destroy()

  /** `signal`: the caller gave up (an invite cancelled or timed out): the peer goes unless taken */
  constructor(
    readonly peer: PeerLike,
    private readonly signal?: AbortSignal,
  ) {
    signal?.addEventListener('abort', this.abandon, { once: true })
    // The listeners stay after `take` (PeerLike removes them only all at once) and do nothing then.
    peer.on('signal', (data) => {
      if (this.taken) return
      this.held.push(data)
      this.wake()
    })
    const end = (why: string): void => {
      if (this.taken || this.failed) return
      this.failed = new OpenPeerError('ERR_SESSION_CLOSED', `could not make an offer: ${why}`)
      this.wake()
    }
    peer.on('error', (err) => end(err.message))
    peer.on('close', () => end('the peer connection closed'))
  }

  /** Resolves once the offer is made; rejects if the peer fails first, the caller aborts, or none comes. */
  ready(): Promise<void> {
    const timeout = AbortSignal.timeout(OFFER_TIMEOUT)
    return raceSignal<void>(
      this.signal ? AbortSignal.any([this.signal, timeout]) : timeout,
      (resolve, reject) => {
        const check = (): void => {
          if (this.failed) return reject(this.failed)
          if (this.held.some((s) => signalType(s) === 'offer')) resolve()
        }
        this.waiting.add(check)
        check()
        return () => this.waiting.delete(check)
      },
      { onTimeout: () => new OpenPeerError('ERR_TIMEOUT', 'no offer was made in time') },
    )
  }

  /**
   * For the find: the offer alone, without any address its SDP lists. Every location of the
   * target reads the find, and one offer can be answered once: a location whose answer is not
   * taken must not learn where our peer is, or its ICE checks and DTLS handshake would reach the
   * peer another location is connecting to. The candidates wait for `early` (the find went
   * to one location) or `take`, and go to that location only.
   */
  forFind(): unknown[] {
    const at = this.held.findIndex((s) => signalType(s) === 'offer')
    const [offer] = this.held.splice(at, 1) as { type: string; sdp?: string }[]
    if (!offer) return []
    return [{ ...offer, sdp: withoutAddresses(offer.sdp ?? '') }]
  }

  /**
   * The finder says the find went to one location: the candidates gathered while the find
   * travelled (host and server-reflexive ones, by then) go to it now, not a finder crossing
   * later with its reply. Behind a NAT that filters by address the target must send to us
   * before our checks get through, and it can only once it knows where we are
   * (test/nat/scenarios.test.ts, "1. endpoint-independent NAT at both homes"). What comes after
   * waits for `take`, in one message with the session's next: sent as each came, Chromium's
   * spread-out candidates cost the finder four more signed messages per connect (bench:connect).
   */
  early(linger: number): Promise<unknown[]> {
    if (this.taken || this.failed) return Promise.resolve([])
    if (this.held.length) return Promise.resolve(this.held.splice(0))
    // Nothing gathered yet: a finder this near answers before gathering is done (loopback:
    // candidates 1–3 ms after the find result, 13 ms after the offer, bench:connect). The first
    // burst goes then, `linger` ms after its first candidate, unless a location took us first.
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const done = (signals: unknown[]): void => {
        clearTimeout(timer)
        this.waiting.delete(check)
        resolve(signals)
      }
      const check = (): void => {
        if (this.taken || this.failed) return done([])
        if (this.held.length && timer === undefined)
          timer = setTimeout(() => done(this.taken ? [] : this.held.splice(0)), linger)
      }
      this.waiting.add(check)
    })
  }

  /**
   * The peer and the signals it made since the find was sealed, for the first location that
   * answered; undefined once taken (a later location gets a fresh offer) or if it failed.
   */
  take(): { peer: PeerLike; later: unknown[] } | undefined {
    if (this.taken || this.failed || this.peer.destroyed) return undefined
    this.taken = true
    this.signal?.removeEventListener('abort', this.abandon)
    const later = this.held.splice(0)
    this.wake() // an early send still waiting for candidates sends nothing now
    return { peer: this.peer, later }
  }

  /** A find nobody answered (or one abandoned): the peer goes, unless a location took it. */
  destroy(): void {
    if (this.taken) return
    this.taken = true
    this.signal?.removeEventListener('abort', this.abandon)
    this.held.length = 0
    this.wake()
    this.peer.destroy()
  }

  private wake(): void {
    for (const check of [...this.waiting]) check()
  }
}

/** An SDP without its candidate lines (trickle sends each as a signal of its own anyway). */
function withoutAddresses(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') && line !== 'a=end-of-candidates')
    .join('\r\n')
}
