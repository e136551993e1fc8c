import { TokenBucket, type Limits } from './limits.ts'

interface PerIp extends IpBudgets {
  sockets: number
}

/** What an admitted socket shares with the other sockets of its address. */
export interface IpBudgets {
  /** messages */
  bucket: TokenBucket
  /** signature checks while untrusted (verify-gate.ts) */
  verify: TokenBucket
  /** keeps the address out for `limits.strikePenalty` ms (it sent junk or forgeries) */
  penalize(): void
}

/**
 * Per-address bounds: how many finder sockets one IP may hold, and one message budget its
 * sockets share, so opening more sockets buys no more throughput. Entries vanish with the
 * address's last socket, keeping memory proportional to live connections.
 */
export class IpLimits {
  private readonly byIp = new Map<string, PerIp>()
  /** addresses kept out, until when (ms); expired ones go as the map is looked at */
  private readonly penalties = new Map<string, number>()
  constructor(
    private readonly limits: Limits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a new socket for `ip`; undefined when the address is at its limit or kept out. */
  admit(ip: string): IpBudgets | undefined {
    const until = this.penalties.get(ip)
    if (until !== undefined) {
      if (until > this.now()) return undefined
      this.penalties.delete(ip)
    }
    let entry = this.byIp.get(ip)
    if (entry && entry.sockets >= this.limits.socketsPerIp) return undefined
    if (!entry) {
      const { ipRate, ipBurst, verifyRate, verifyBurst } = this.limits
      // One object per address, shared by its sockets (a copy per socket cost ~200 bytes each).
      entry = {
        sockets: 0,
        bucket: new TokenBucket(ipRate, ipBurst),
        verify: new TokenBucket(verifyRate, verifyBurst),
        penalize: () => this.penalize(ip),
      }
      this.byIp.set(ip, entry)
    }
    entry.sockets += 1
    return entry
  }

  private penalize(ip: string): void {
    const now = this.now()
    // Bounded by the addresses that misbehaved within one penalty: drop the expired first.
    if (this.penalties.size > 10_000) {
      for (const [addr, until] of this.penalties) if (until <= now) this.penalties.delete(addr)
    }
    this.penalties.set(ip, now + this.limits.strikePenalty)
  }

  release(ip: string): void {
    const entry = this.byIp.get(ip)
    if (!entry) return
    entry.sockets -= 1
    if (entry.sockets <= 0) this.byIp.delete(ip)
  }
}
