import { OpenPeerError } from '../src/openpeer/errors.ts'
import { randomId, type SectionA } from '../src/openpeer/identity/index.ts'
import { connectRedis } from './redis-connection.ts'
import {
  ADD_ROUTE,
  DROP_ROUTES,
  KEEP_ALIVE,
  LOCATIONS,
  REGISTER,
  UNREGISTER,
} from './redis-scripts.ts'
import type { Registration, Registry, Route } from './registry.ts'

/*
 * The Registry of a finder cluster, in one Redis (a single instance or a primary, not Redis
 * Cluster: the scripts touch keys they find as they go). Every finder node shares it:
 *
 *   <p>reg:<session>     hash { c: contactId, l: locationId, j: registration JSON, e: expires },
 *                        PEXPIRE = registration TTL, renewed by each keep-alive
 *   <p>loc:<contactId>   hash locationId → session, living as long as its longest registration
 *   <p>route:<context>   hash { s: initiator session, j: route JSON }, until the route expires
 *   <p>routes:<session>  zset of the contexts a session opened (oldest dropped past the bound)
 *   <p>pf:<contactId>    section A JSON for peer-file-get, knownPeerFileTtl after its last use
 *   <p>nonce:<nonce>     the replay cache: SET NX PX until the proof expires
 *   channel <p>node:<node>  "<session>\n<frame>": frames for sockets that node holds
 *
 * Redis's TTLs do the sweeping. Writes that must be atomic across nodes (a contact's location
 * count, who holds a location, who owns a find context) are Lua scripts.
 */

export interface RedisRegistryOptions {
  /** redis://[user:password@]host:port[/db] (rediss:// for TLS) */
  url: string
  /** key and channel prefix, so several clusters (or tests) can share one Redis; 'openpeer:' */
  prefix?: string
  /** how long an unused section A stays known for peer-file-get (ms); default 30 days */
  knownPeerFileTtl?: number
  /** how long the first connection may take before start fails (ms); default 3000 */
  connectTimeout?: number
  /**
   * how long one registry call may wait for Redis before it fails with ERR_UNAVAILABLE (ms);
   * default 2000. A Redis that hangs without closing its connection must not stall the sockets
   * whose frames wait behind that call.
   */
  commandTimeout?: number
  log?: (line: string) => void
}

/**
 * Connects to Redis and subscribes this node's channel (server/redis-connection.ts): rejects with
 * ERR_UNAVAILABLE within `connectTimeout` when Redis cannot be reached. Every method may fail
 * with ERR_UNAVAILABLE while Redis is away; the registry's own refusals keep their codes.
 */
export async function createRedisRegistry(opts: RedisRegistryOptions): Promise<Registry> {
  const prefix = opts.prefix ?? 'openpeer:'
  const pfTtl = opts.knownPeerFileTtl ?? 30 * 24 * 3600_000
  const log = opts.log ?? ((line: string) => console.error(line))
  const node = randomId()
  const key = {
    reg: `${prefix}reg:`,
    loc: `${prefix}loc:`,
    route: `${prefix}route:`,
    routes: `${prefix}routes:`,
    pf: `${prefix}pf:`,
    nonce: `${prefix}nonce:`,
  }
  const channel = (n: string) => `${prefix}node:${n}`
  const handlers = new Set<(session: string, text: string) => void>()
  const link = await connectRedis({
    url: opts.url,
    connectTimeout: opts.connectTimeout ?? 3000,
    commandTimeout: opts.commandTimeout ?? 2000,
    log,
    channel: channel(node),
    onMessage(message) {
      const cut = message.indexOf('\n')
      if (cut < 0) return
      const session = message.slice(0, cut)
      const text = message.slice(cut + 1)
      for (const handler of handlers) handler(session, text)
    },
  })
  const { command } = link
  let closed = false

  const ttlUntil = (expires: number) => String(Math.max(1, Math.ceil(expires - Date.now())))

  /** A registration as stored (its JSON) with the expiry Redis holds now. */
  function parseReg(json: string, expires: string | number): Registration {
    const { B, ...reg } = JSON.parse(json) as Registration & { B?: { findSecret: string } }
    // Written by a node from before registrations kept only the find secret (a rolling
    // upgrade of the cluster): still findable.
    if (B && reg.findSecret === undefined) reg.findSecret = B.findSecret
    return { ...reg, expires: Number(expires) }
  }
  const live = (reg: Registration | undefined) =>
    reg && reg.expires >= Date.now() ? reg : undefined

  return {
    node,

    async register(reg, { maxLocations }) {
      const replaced = await link.run<number | string[]>(
        REGISTER,
        [key.loc + reg.contactId, key.reg + reg.session],
        [
          reg.session,
          reg.contactId,
          reg.locationId,
          JSON.stringify(reg),
          reg.expires,
          ttlUntil(reg.expires),
          maxLocations,
          key.reg,
          key.loc,
        ],
      )
      if (typeof replaced === 'number') {
        throw new OpenPeerError(
          'ERR_CONFLICT',
          `a contact may be online at ${maxLocations} locations at most`,
        )
      }
      return replaced.map((json) => JSON.parse(json) as Registration)
    },

    async unregister(session) {
      const got = await link.run<[string, string] | null>(
        UNREGISTER,
        [key.reg + session],
        [session, key.loc],
      )
      return got ? parseReg(got[0], got[1]) : undefined
    },

    async get(session) {
      const [json, expires] = await command<(string | null)[]>([
        'HMGET',
        key.reg + session,
        'j',
        'e',
      ])
      return json && expires ? live(parseReg(json, expires)) : undefined
    },

    async keepAlive(session, expires) {
      const got = await link.run<string | null>(
        KEEP_ALIVE,
        [key.reg + session],
        [expires, ttlUntil(expires), key.loc],
      )
      const until = got ? Number(got) : undefined
      return until !== undefined && until >= Date.now() ? until : undefined
    },

    async locations(contactId) {
      const flat = await link.run<string[]>(LOCATIONS, [key.loc + contactId], [key.reg])
      const out: Registration[] = []
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const reg = live(parseReg(flat[i] as string, flat[i + 1] as string))
        if (reg) out.push(reg)
      }
      return out
    },

    async rememberPeerFile(contactId, A) {
      await command(['SET', key.pf + contactId, JSON.stringify(A), 'PX', String(pfTtl)])
    },

    async knownPeerFile(contactId) {
      const json = await command<string | null>(['GETEX', key.pf + contactId, 'PX', String(pfTtl)])
      return json ? (JSON.parse(json) as SectionA) : undefined
    },

    async addRoute(route, { maxPerSession }) {
      const ok = await link.run<number>(
        ADD_ROUTE,
        [key.route + route.context, key.routes + route.initiatorSession],
        [
          route.initiatorSession,
          JSON.stringify(route),
          ttlUntil(route.expires),
          route.context,
          maxPerSession,
          key.route,
          Date.now(),
        ],
      )
      if (ok !== 1) {
        throw new OpenPeerError('ERR_CONFLICT', 'this find context is in use by another initiator')
      }
    },

    async route(context) {
      const json = await command<string | null>(['HGET', key.route + context, 'j'])
      const route = json ? (JSON.parse(json) as Route) : undefined
      return route && route.expires >= Date.now() ? route : undefined
    },

    async dropRoutes(session) {
      await link.run(DROP_ROUTES, [key.routes + session], [session, key.route])
    },

    // Redis expires registrations, routes and nonces by itself.
    sweep: async () => [],

    async checkNonce(nonce, expires) {
      const set = await command<string | null>([
        'SET',
        key.nonce + nonce,
        '1',
        'NX',
        'PX',
        ttlUntil(expires),
      ])
      if (set === null) throw new OpenPeerError('ERR_REPLAY', 'this proof was already used')
    },

    async seenNonce(nonce) {
      return (await command<number>(['EXISTS', key.nonce + nonce])) === 1
    },

    async forward(to, session, text) {
      // PUBLISH counts the subscribers that got it: 0 means that node is gone.
      const receivers = await command<number>(['PUBLISH', channel(to), `${session}\n${text}`])
      return receivers > 0
    },

    onForward(handler) {
      handlers.add(handler)
      return () => void handlers.delete(handler)
    },

    async close() {
      if (closed) return
      closed = true
      handlers.clear()
      // The finder's sockets are closed by now: nothing waits for an answer.
      link.close()
    },
  }
}
