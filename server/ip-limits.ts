import { TokenBucket, type Limits } from './limits.ts'

interface PerIp {
  sockets: number
  bucket: TokenBucket
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
  admit(ip: string): TokenBucket | undefined {
    let entry = this.byIp.get(ip)
    if (entry && entry.sockets >= this.limits.socketsPerIp) return undefined
    if (!entry) {
      entry = { sockets: 0, bucket: new TokenBucket(this.limits.ipRate, this.limits.ipBurst) }
      this.byIp.set(ip, entry)
    }
    entry.sockets += 1
    return entry.bucket
  }

  release(ip: string): void {
    const entry = this.byIp.get(ip)
    if (!entry) return
    entry.sockets -= 1
    if (entry.sockets <= 0) this.byIp.delete(ip)
  }
}
