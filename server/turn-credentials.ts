import { createHmac } from 'node:crypto'
import type { Bootstrap, TurnGrant } from '../src/openpeer/wire/index.ts'
import { TokenBucket, type Limits } from './limits.ts'

type IceServer = Bootstrap['iceServers'][number]

/** A TURN/STUN server the finder hands out: coturn as its child, or an external one. */
export interface TurnService {
  /** coturn's `static-auth-secret` (TURN REST credentials, `use-auth-secret`) */
  readonly secret: string
  /** URLs for a client that reached the finder at `hostname` (no port; IPv6 in brackets) */
  urls(hostname: string): { stun: string[]; turn: string[] }
}

/**
 * TURN REST credentials as coturn checks them: username `<unix expiry>:<id>`, password
 * base64(HMAC-SHA1(secret, username)). coturn refuses the username once the expiry has passed.
 */
export function turnCredentials(
  secret: string,
  id: string,
  expires: number,
): { username: string; credential: string } {
  const username = `${Math.floor(expires / 1000)}:${id}`
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') }
}

/** The hostname of a Host header value (`host[:port]`, `[v6][:port]`), kept in brackets. */
export function hostnameOf(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '')
}

interface Holder {
  ip: string
  hostname: string
  last?: { grant: TurnGrant; at: number }
}

/**
 * Hands out TURN credentials to registered sessions only, from the host each socket used.
 * A socket asking again soon gets the same credentials; an address gets a bounded number per
 * hour (its bucket outlives its sockets, so reconnecting buys nothing).
 */
export class TurnIssuer {
  private readonly sockets = new Map<string, Holder>()
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly service: TurnService,
    private readonly limits: Limits,
    private readonly now: () => number = Date.now,
  ) {}

  /** STUN servers for everyone, anonymous bootstrap requests included. */
  stun(host: string): IceServer[] {
    const { stun } = this.service.urls(hostnameOf(host))
    return stun.length ? [{ urls: stun }] : []
  }

  attach(session: string, from: { ip: string; host: string }): void {
    this.sockets.set(session, { ip: from.ip, hostname: hostnameOf(from.host) })
  }

  detach(session: string): void {
    this.sockets.delete(session)
  }

  /** Credentials for a socket that has just registered; undefined when its address is over budget. */
  grant(session: string): TurnGrant | undefined {
    const holder = this.sockets.get(session)
    if (!holder) return undefined
    const now = this.now()
    const last = holder.last
    if (last && now - last.at < this.limits.turnReuseWithin && last.grant.expires > now)
      return last.grant
    const { turn } = this.service.urls(holder.hostname)
    if (!turn.length) return undefined
    if (!this.bucketOf(holder.ip).take())
      return last && last.grant.expires > now ? last.grant : undefined
    const expires = now + this.limits.turnTtl
    const grant: TurnGrant = {
      iceServers: [{ urls: turn, ...turnCredentials(this.service.secret, session, expires) }],
      // Whole seconds, as coturn reads the username: the client must not count on more.
      expires: Math.floor(expires / 1000) * 1000,
    }
    holder.last = { grant, at: now }
    return grant
  }

  /** Forgets addresses whose budget has refilled (run with the registry sweep). */
  sweep(): void {
    for (const [ip, bucket] of this.buckets) if (bucket.full()) this.buckets.delete(ip)
  }

  private bucketOf(ip: string): TokenBucket {
    let bucket = this.buckets.get(ip)
    if (!bucket) {
      const rate = this.limits.turnGrantsPerHour / 3600
      bucket = new TokenBucket(rate, this.limits.turnGrantBurst, this.now)
      this.buckets.set(ip, bucket)
    }
    return bucket
  }
}
