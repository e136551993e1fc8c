import { OpenPeerError, abortError } from '../errors.ts'
import { checkDomain } from '../identity/uri.ts'
import { bootstrapSchema, type Bootstrap } from '../wire/schemas.ts'
import type { ClientPorts } from '../ports.ts'

export const BOOTSTRAP_TTL = 24 * 3600_000
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/

/**
 * https everywhere except on loopback, where a developer's finder has no certificate, and for
 * the app's own domain, fetched over the page's own scheme (an http:// LAN or lab address).
 */
export function bootstrapUrl(domain: string, origin?: string): string {
  const own = origin && /^https?:\/\/[^/]+$/.test(origin) ? new URL(origin) : undefined
  const scheme =
    own?.host === domain ? own.protocol.slice(0, -1) : LOOPBACK.test(domain) ? 'http' : 'https'
  return `${scheme}://${checkDomain(domain)}/.well-known/openpeer-services-get`
}

/**
 * Fetches and caches a domain's service list (PROTOCOL §5.1). A cached list keeps working for
 * 24 h when the bootstrapper is down, so a finder outage is not made worse by a web outage.
 */
export class Bootstrapper {
  private readonly cache = new Map<string, { at: number; value: Bootstrap }>()
  constructor(
    private readonly fetchFn: ClientPorts['fetch'],
    private readonly now: () => number = Date.now,
    /** the page's origin (`location.origin`), whose domain is bootstrapped over its scheme */
    private readonly origin?: string,
  ) {}

  cached(domain: string): Bootstrap | undefined {
    const hit = this.cache.get(domain)
    return hit && this.now() - hit.at < BOOTSTRAP_TTL ? hit.value : undefined
  }

  async get(
    domain: string,
    opts: { signal?: AbortSignal; fresh?: boolean } = {},
  ): Promise<Bootstrap> {
    const hit = this.cached(domain)
    if (hit && !opts.fresh) return hit
    try {
      const res = await this.fetchFn(
        bootstrapUrl(domain, this.origin),
        opts.signal ? { signal: opts.signal } : {},
      )
      if (!res.ok)
        throw new OpenPeerError(
          'ERR_FINDER_UNREACHABLE',
          `bootstrapper of ${domain} answered ${res.status}`,
        )
      const parsed = bootstrapSchema.safeParse(await res.json())
      if (!parsed.success)
        throw new OpenPeerError(
          'ERR_BAD_MESSAGE',
          `bootstrapper of ${domain} sent a malformed service list`,
        )
      this.cache.set(domain, { at: this.now(), value: parsed.data })
      return parsed.data
    } catch (cause) {
      if (opts.signal?.aborted) throw abortError(opts.signal)
      if (hit) return hit
      if (cause instanceof OpenPeerError) throw cause
      throw new OpenPeerError('ERR_FINDER_UNREACHABLE', `cannot reach ${domain}`, { cause })
    }
  }
}
