import type { RelayLimits } from './relay.ts'

/**
 * Every bound the finder enforces, in one place so tests can shrink them and docs/finder.md can
 * list them. The wire limits (frame size, proof lifetime) come from the shared wire code.
 */
export interface Limits extends RelayLimits {
  /** how long a registration lives without a keep-alive (ms) */
  registrationTtl: number
  /** live locations one contact may register at once (PROTOCOL §8) */
  locationsPerContact: number
  /** per-socket token bucket: sustained messages per second, and burst */
  socketRate: number
  socketBurst: number
  /** per-IP token bucket shared by all sockets of that address */
  ipRate: number
  ipBurst: number
  /**
   * signature checks an address's untrusted sockets (not registered, or caught with a bad
   * signature) may ask for: per second and burst, shared by its sockets (see verify-gate.ts)
   */
  verifyRate: number
  verifyBurst: number
  /** crypto jobs running at once; untrusted ones that may wait, in all and per address */
  verifyConcurrency: number
  verifyQueue: number
  verifyQueuePerIp: number
  /** untrusted crypto jobs started per second, all addresses together */
  verifyUntrustedRate: number
  /** concurrent finder sockets per IP address; more are refused with HTTP 429 */
  socketsPerIp: number
  /**
   * bytes of frames one socket may have waiting to be handled (behind one whose signature is in
   * line); more are refused with 429
   */
  queuedBytesPerSocket: number
  /**
   * frames no honest client sends (undecodable, or a forged signature) a socket may send before
   * it is closed 1008 and its address refused new sockets for `strikePenalty` ms: junk then
   * costs a flooder a TCP and WebSocket handshake per few frames, not one frame each
   */
  strikes: number
  strikePenalty: number
  /** refused frames (refilling at refusalRate/s) a socket may send before it is closed 1008 */
  refusalsBeforeClose: number
  refusalRate: number
  /** ws ping interval; a socket that has not answered the previous ping is terminated */
  heartbeatInterval: number
  /** how often expired registrations and routes are swept (ms) */
  sweepInterval: number
  /** peer files remembered for peer-file-get (LRU) */
  knownPeerFiles: number
  /** open find routes one socket may hold; the oldest goes first */
  routesPerSocket: number
  /** bytes queued to a socket before it is treated as dead (slow reader) */
  maxBufferedBytes: number
  /** how long close() waits for clients to answer the close frame before terminating (ms) */
  closeGrace: number
  /** lifetime of the TURN credentials handed out in session-create results (ms) */
  turnTtl: number
  /** TURN credentials one IP address may be given at once, and how many more per hour */
  turnGrantBurst: number
  turnGrantsPerHour: number
  /** a socket asking again within this (ms) gets the same credentials, not new ones */
  turnReuseWithin: number
}

export const DEFAULT_LIMITS: Limits = {
  registrationTtl: 10 * 60_000,
  locationsPerContact: 16,
  socketRate: 20,
  socketBurst: 50,
  ipRate: 200,
  ipBurst: 400,
  // A carrier NAT's users register through one address: ten a second is many reconnects.
  verifyRate: 10,
  verifyBurst: 40,
  // libuv runs crypto on 4 threads: more at once would only queue there, out of our hands.
  verifyConcurrency: 4,
  verifyQueue: 256,
  verifyQueuePerIp: 4,
  // Each job is up to 3 ECDSA checks (~0.5 ms): strangers get at most ~10% of a core.
  verifyUntrustedRate: 200,
  socketsPerIp: 64,
  // A burst of small frames fits; sixteen of the largest do.
  queuedBytesPerSocket: 256 * 1024,
  strikes: 3,
  strikePenalty: 10_000,
  refusalsBeforeClose: 200,
  refusalRate: 5,
  heartbeatInterval: 30_000,
  sweepInterval: 30_000,
  knownPeerFiles: 10_000,
  routesPerSocket: 64,
  maxBufferedBytes: 1024 * 1024,
  closeGrace: 1000,
  relayTokenTtl: 60_000,
  relayHelloTimeout: 10_000,
  relayBytes: 1024 * 1024 * 1024,
  relayRate: 8 * 1024 * 1024,
  relaysPerSocket: 4,
  turnTtl: 3600_000,
  // A carrier NAT puts many users behind one address; each needs about one grant an hour.
  turnGrantBurst: 64,
  turnGrantsPerHour: 240,
  turnReuseWithin: 60_000,
}

export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS }
  for (const [key, value] of Object.entries(overrides) as [keyof Limits, unknown][]) {
    // A typo'd or NaN limit would silently disable a protection; refuse it loudly instead.
    if (!(key in DEFAULT_LIMITS) || typeof value !== 'number' || !(value >= 0)) {
      throw new TypeError(`limits.${String(key)} must be a non-negative number`)
    }
    limits[key] = value
  }
  return limits
}

/** Classic token bucket: `rate` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number
  private last: number
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst
    this.last = now()
  }

  private refill(): void {
    const now = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
  }

  /** True when a token is available, without spending it. */
  has(): boolean {
    this.refill()
    return this.tokens >= 1
  }

  /** Spends up to `amount` tokens; returns what it could not cover (0 when all were there). */
  spend(amount: number): number {
    this.refill()
    const covered = Math.min(amount, Math.max(0, this.tokens))
    this.tokens -= amount
    return amount - covered
  }

  /** True when the bucket has refilled completely (it remembers nothing worth keeping). */
  full(): boolean {
    this.refill()
    return this.tokens >= this.burst
  }

  /** Spends a token if there is one. */
  take(): boolean {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
