import { OpenPeerError } from '../errors.ts'

/**
 * Remembers every accepted nonce until its proof expires, so a captured proof cannot be played
 * again (401). Bounded: when full, the soonest-expiring nonces go first — they are the least
 * useful to an attacker, as they expire soonest anyway.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>()
  constructor(
    private readonly max = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records the nonce; throws ERR_REPLAY if it was already seen and has not expired. */
  check(nonce: string, expires: number): void {
    const now = this.now()
    const prev = this.seen.get(nonce)
    if (prev !== undefined && prev >= now)
      throw new OpenPeerError('ERR_REPLAY', 'this proof was already used')
    if (this.seen.size >= this.max) this.prune(now)
    this.seen.set(nonce, expires)
  }

  get size(): number {
    return this.seen.size
  }

  private prune(now: number): void {
    for (const [n, exp] of this.seen) if (exp < now) this.seen.delete(n)
    if (this.seen.size < this.max) return
    const sorted = [...this.seen].sort((a, b) => a[1] - b[1])
    for (const [n] of sorted.slice(0, Math.ceil(this.max / 10))) this.seen.delete(n)
  }
}
