import { OpenPeerError } from '../errors.ts'

/**
 * What checkProof needs of a replay cache. The finder's may be shared by a cluster (Redis), so
 * `check` may be async.
 */
export interface ReplayGuard {
  now(): number
  /** Records the nonce; throws ERR_REPLAY if it was already seen and has not expired. */
  check(nonce: string, expires: number): void | Promise<void>
  /** True when the nonce is live in the cache: a replay, refused before any crypto. */
  seen(nonce: string): boolean | Promise<boolean>
}

/**
 * Remembers every accepted nonce until its proof expires, so a captured proof cannot be played
 * again (401). Bounded without ever forgetting a live nonce: when full of unexpired ones it
 * refuses new proofs (429) instead — forgetting would let a flood of fresh proofs push a
 * captured nonce out and make it playable again.
 */
export class ReplayCache implements ReplayGuard {
  private readonly nonces = new Map<string, number>()
  private lastPrune = -Infinity

  constructor(
    private readonly max = 100_000,
    /** the clock that judges proofs: checkProof reads expiry from it too, so both agree */
    readonly now: () => number = Date.now,
  ) {}

  /** Records the nonce; throws ERR_REPLAY if it was already seen and has not expired. */
  check(nonce: string, expires: number): void {
    const now = this.now()
    const prev = this.nonces.get(nonce)
    if (prev !== undefined && prev >= now) {
      throw new OpenPeerError('ERR_REPLAY', 'this proof was already used')
    }
    if (prev === undefined && this.nonces.size >= this.max) {
      // A full sweep is O(size): at most one per second, whatever the load.
      if (now - this.lastPrune >= 1000 || now < this.lastPrune) this.prune(now)
      if (this.nonces.size >= this.max) {
        throw new OpenPeerError('ERR_RATE_LIMITED', 'too many recent proofs; try again shortly')
      }
    }
    this.nonces.set(nonce, expires)
  }

  /** True when the nonce is live in the cache: a replay, refused without checking anything else. */
  seen(nonce: string): boolean {
    const prev = this.nonces.get(nonce)
    return prev !== undefined && prev >= this.now()
  }

  get size(): number {
    return this.nonces.size
  }

  private prune(now: number): void {
    this.lastPrune = now
    for (const [n, exp] of this.nonces) if (exp < now) this.nonces.delete(n)
  }
}
