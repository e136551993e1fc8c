import { TokenBucket, type Limits } from './limits.ts'

interface PerIp {
  sockets: number
  bucket: TokenBucket
  verify: TokenBucket
}

/** What an admitted socket shares with the other sockets of its address. */
export interface IpBudgets {
  /** messages */
  bucket: TokenBucket
  /** signature checks while untrusted (verify-gate.ts) */
  verify: TokenBucket
}

/**
 * Per-address bounds: how many finder sockets one IP may hold, and one message budget its
 * sockets share, so opening more sockets buys no more throughput. Entries vanish with the
 * address's last socket, keeping memory proportional to live connections.
 */
export class IpLimits {
  private readonly byIp = new Map<string, PerIp>()
  constructor(private readonly limits: Limits) {}

  /** Counts a new socket for `ip`; undefined when the address is at its limit. */
  admit(ip: string): IpBudgets | undefined {
    let entry = this.byIp.get(ip)
    if (entry && entry.sockets >= this.limits.socketsPerIp) return undefined
    if (!entry) {
      const { ipRate, ipBurst, verifyRate, verifyBurst } = this.limits
      entry = {
        sockets: 0,
        bucket: new TokenBucket(ipRate, ipBurst),
        verify: new TokenBucket(verifyRate, verifyBurst),
      }
      this.byIp.set(ip, entry)
    }
    entry.sockets += 1
    return entry
  }

  release(ip: string): void {
    const entry = this.byIp.get(ip)
    if (!entry) return
    entry.sockets -= 1
    if (entry.sockets <= 0) this.byIp.delete(ip)
  }
}
