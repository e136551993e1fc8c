import { abortError } from '../errors.ts'
import type { IceServer, PeerConnectionLike, PeerOptions } from '../ports.ts'
import type { TurnGrant } from '../wire/schemas.ts'

export type IceConfig = PeerOptions['config']

/** Renew this long before the credentials expire (at most a sixth of their lifetime). */
const RENEW_BEFORE = 10 * 60_000
/** Credentials younger than this count as fresh for an ICE restart; also the retry pace. */
const FRESH = 60_000

export interface IceServersOptions {
  /** the home bootstrapper's servers (STUN): everyone gets those */
  stun: () => IceServer[]
  /** asks the home finder for new credentials (a new session-create); resolves when answered */
  renew: () => Promise<void>
  relayOnly?: boolean | undefined
  now?: () => number
}

/**
 * The ICE servers each new peer connection gets: STUN from the bootstrapper, and the TURN
 * credentials the home finder gave with the last session-create (only registered sessions get
 * any). They are renewed before they expire, since coturn refuses an expired username even to
 * refresh an allocation in use, and before an ICE restart. With `relayOnly` ("hide my IP
 * address") only relay candidates are gathered, so contacts never learn our addresses.
 */
export class IceServers {
  relayOnly: boolean
  private grant: TurnGrant | undefined
  private receivedAt = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false
  private readonly now: () => number

  constructor(private readonly opts: IceServersOptions) {
    this.relayOnly = opts.relayOnly ?? false
    this.now = opts.now ?? Date.now
  }

  /** What a session-create result carried; none keeps credentials that are still valid. */
  setGrant(grant: TurnGrant | undefined): void {
    if (!grant || this.stopped) return
    this.grant = grant
    this.receivedAt = this.now()
    this.schedule(this.renewAt())
  }

  /** The RTCPeerConnection configuration for a new connection (or an ICE restart). */
  config(): IceConfig {
    const turn = this.grant && this.grant.expires > this.now() ? this.grant.iceServers : []
    return {
      iceServers: [...this.opts.stun(), ...turn],
      iceTransportPolicy: this.relayOnly ? 'relay' : 'all',
    }
  }

  /** Valid TURN credentials until when (ms), or undefined without any. */
  expires(): number | undefined {
    return this.grant && this.grant.expires > this.now() ? this.grant.expires : undefined
  }

  /**
   * Fetches new credentials before an ICE restart, unless the last ones just arrived or the
   * finder never gave any (it has no TURN server: registering again would not change that).
   */
  async fresh(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.grant || this.now() - this.receivedAt < FRESH) return
    if (opts.signal?.aborted) throw abortError(opts.signal)
    await this.opts.renew()
  }

  /** Hands the current servers and policy to a live connection, for its next ICE restart. */
  applyTo(pc: PeerConnectionLike): void {
    try {
      pc.setConfiguration?.({ ...pc.getConfiguration?.(), ...this.config() })
    } catch {
      // A host that cannot reconfigure restarts with the servers it has.
    }
  }

  /** Stops renewing, for good: a restarted client makes a new one. Idempotent. */
  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }

  private renewAt(): number {
    if (!this.grant) return Infinity
    const life = this.grant.expires - this.receivedAt
    return this.grant.expires - Math.min(RENEW_BEFORE, life / 6)
  }

  private schedule(at: number): void {
    clearTimeout(this.timer)
    if (this.stopped || !Number.isFinite(at)) return
    // Never sooner than a minute: a grant that arrives nearly spent (a finder handing the same
    // one out again) must not make us ask in a loop.
    this.timer = setTimeout(() => void this.renew(), Math.max(at, this.now() + FRESH) - this.now())
  }

  private async renew(): Promise<void> {
    const before = this.receivedAt
    try {
      await this.opts.renew()
    } catch {
      // retried below
    }
    // No answer yet (finder offline, rate limited): try again while the old ones still work.
    const grant = this.grant
    if (this.receivedAt === before && grant && grant.expires > this.now() + FRESH)
      this.schedule(this.now())
  }
}
