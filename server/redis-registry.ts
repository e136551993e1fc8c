import { createHash } from 'node:crypto'
import { ErrorReply, createClient } from '@redis/client'
import { OpenPeerError, isOpenPeerError } from '../src/openpeer/errors.ts'
import { randomId, type SectionA } from '../src/openpeer/identity/index.ts'
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

interface Script {
  lua: string
  sha: string
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') }
}

/** KEYS loc, reg; ARGV session contact location json expires ttl max regPrefix locPrefix */
const REGISTER = script(`
local locKey, regKey = KEYS[1], KEYS[2]
local session, contact, location = ARGV[1], ARGV[2], ARGV[3]
local ttl, max, regPrefix, locPrefix = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], ARGV[9]
local count, holder = 0, false
local fields = redis.call('HGETALL', locKey)
for i = 1, #fields, 2 do
  if redis.call('EXISTS', regPrefix .. fields[i + 1]) == 0 then
    redis.call('HDEL', locKey, fields[i])
  else
    count = count + 1
    if fields[i] == location then holder = fields[i + 1] end
  end
end
local own = redis.call('HMGET', regKey, 'c', 'l', 'j')
if not holder then count = count + 1 end
if own[1] == contact and own[2] ~= location then count = count - 1 end
if count > max then return -1 end
local replaced = {}
if own[1] then
  table.insert(replaced, own[3])
  redis.call('DEL', regKey)
  local ownLoc = locPrefix .. own[1]
  if redis.call('HGET', ownLoc, own[2]) == session then redis.call('HDEL', ownLoc, own[2]) end
end
if holder and holder ~= session then
  local theirs = redis.call('HGET', regPrefix .. holder, 'j')
  if theirs then table.insert(replaced, theirs) end
  redis.call('DEL', regPrefix .. holder)
end
redis.call('HSET', regKey, 'c', contact, 'l', location, 'j', ARGV[4], 'e', ARGV[5])
redis.call('PEXPIRE', regKey, ttl)
redis.call('HSET', locKey, location, session)
if redis.call('PTTL', locKey) < ttl then redis.call('PEXPIRE', locKey, ttl) end
return replaced
`)

/** KEYS reg; ARGV expires ttl locPrefix → { json, expires } or nil */
const KEEP_ALIVE = script(`
local cur = redis.call('HMGET', KEYS[1], 'j', 'e', 'c')
if not cur[1] then return false end
local e = cur[2]
if tonumber(ARGV[1]) > tonumber(e) then
  e = ARGV[1]
  local ttl = tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'e', e)
  redis.call('PEXPIRE', KEYS[1], ttl)
  local locKey = ARGV[3] .. cur[3]
  if redis.call('PTTL', locKey) < ttl then redis.call('PEXPIRE', locKey, ttl) end
end
return { cur[1], e }
`)

/** KEYS reg; ARGV session locPrefix → { json, expires } or nil */
const UNREGISTER = script(`
local cur = redis.call('HMGET', KEYS[1], 'j', 'e', 'c', 'l')
if not cur[1] then return false end
redis.call('DEL', KEYS[1])
local locKey = ARGV[2] .. cur[3]
if redis.call('HGET', locKey, cur[4]) == ARGV[1] then redis.call('HDEL', locKey, cur[4]) end
return { cur[1], cur[2] }
`)

/** KEYS loc; ARGV regPrefix → json, expires, json, expires, … (dangling entries dropped) */
const LOCATIONS = script(`
local out = {}
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local r = redis.call('HMGET', ARGV[1] .. fields[i + 1], 'j', 'e')
  if r[1] then
    table.insert(out, r[1])
    table.insert(out, r[2])
  else
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
return out
`)

/** KEYS route, routes; ARGV session json ttl context max routePrefix score → 1, or -1 (taken) */
const ADD_ROUTE = script(`
local holder = redis.call('HGET', KEYS[1], 's')
if holder and holder ~= ARGV[1] then return -1 end
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 's', ARGV[1], 'j', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[4])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  local old = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #old, 2 do
    local k = ARGV[6] .. old[i]
    if redis.call('HGET', k, 's') == ARGV[1] then redis.call('DEL', k) end
  end
end
return 1
`)

/** KEYS routes; ARGV session routePrefix */
const DROP_ROUTES = script(`
local all = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, c in ipairs(all) do
  local k = ARGV[2] .. c
  if redis.call('HGET', k, 's') == ARGV[1] then redis.call('DEL', k) end
end
redis.call('DEL', KEYS[1])
return #all
`)

/** A URL fit for a log line: the password is not. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.href
  } catch {
    return '(a malformed REDIS_URL)'
  }
}

function reason(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return reason(e.errors[0])
  const err = e as { code?: unknown; message?: unknown }
  return String(err?.code ?? err?.message ?? e)
}

/**
 * Connects to Redis and subscribes this node's channel. Rejects with ERR_UNAVAILABLE within
 * `connectTimeout` when Redis cannot be reached, rather than retrying forever: a finder that
 * cannot reach its registry must not look up and answer nothing.
 */
export async function createRedisRegistry(opts: RedisRegistryOptions): Promise<Registry> {
  const prefix = opts.prefix ?? 'openpeer:'
  const pfTtl = opts.knownPeerFileTtl ?? 30 * 24 * 3600_000
  const connectTimeout = opts.connectTimeout ?? 3000
  const commandTimeout = opts.commandTimeout ?? 2000
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
  let started = false
  let closed = false
  let down = false

  const client = createClient({
    url: opts.url,
    // While Redis is away a request fails at once (ERR_UNAVAILABLE) instead of queueing without
    // bound; the clients' keep-alives re-register once it is back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout,
      // Before the first connection, failing is the answer; after it, reconnect for ever.
      reconnectStrategy: (retries: number) =>
        started && !closed ? Math.min(50 * 2 ** retries, 2000) : false,
    },
  })
  const sub = client.duplicate()
  for (const [name, c] of [
    ['commands', client],
    ['pub/sub', sub],
  ] as const) {
    c.on('error', (e: unknown) => {
      if (!started || closed || down) return
      down = true
      log(`finder: Redis ${name} connection lost (${reason(e)}); reconnecting`)
    })
    c.on('ready', () => {
      if (!down || !client.isReady || !sub.isReady) return
      down = false
      log('finder: Redis is back')
    })
  }

  const handlers = new Set<(session: string, text: string) => void>()
  const onMessage = (message: string): void => {
    const cut = message.indexOf('\n')
    if (cut < 0) return
    const session = message.slice(0, cut)
    const text = message.slice(cut + 1)
    for (const handler of handlers) handler(session, text)
  }

  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      (async () => {
        await Promise.all([client.connect(), sub.connect()])
        await client.ping()
        await sub.subscribe(channel(node), onMessage)
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${connectTimeout} ms`)),
          connectTimeout,
        )
      }),
    ])
  } catch (e) {
    closed = true
    for (const c of [client, sub]) {
      try {
        c.destroy()
      } catch {
        // never opened
      }
    }
    throw new OpenPeerError(
      'ERR_UNAVAILABLE',
      `cannot reach Redis at ${safeUrl(opts.url)}: ${reason(e)}`,
      { cause: e },
    )
  } finally {
    clearTimeout(timer)
  }
  started = true

  // Redis answering with an error (out of memory, a read-only replica, a script bug) is logged:
  // unlike a lost connection, nothing else would say so. At most one line per 10 s.
  let lastReplyLog = -Infinity
  function logReply(e: ErrorReply): void {
    if (Date.now() - lastReplyLog < 10_000) return
    lastReplyLog = Date.now()
    log(`finder: Redis answered ${e.message}`)
  }

  /** Redis trouble becomes one coded error the client retries; our own codes pass through. */
  async function guarded<T>(run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer')), commandTimeout)
        }),
      ])
    } catch (e) {
      if (isOpenPeerError(e)) throw e
      if (e instanceof ErrorReply) logReply(e)
      throw new OpenPeerError('ERR_UNAVAILABLE', 'the finder cannot reach its registry', {
        cause: e,
      })
    } finally {
      clearTimeout(timer)
    }
  }

  const command = <T>(args: string[]) => client.sendCommand<T>(args)

  async function evalScript<T>(s: Script, keys: string[], args: (string | number)[]) {
    const rest = [String(keys.length), ...keys, ...args.map(String)]
    try {
      return await command<T>(['EVALSHA', s.sha, ...rest])
    } catch (e) {
      // A restarted Redis has forgotten its scripts: send this one whole, once.
      if (!String((e as Error)?.message).startsWith('NOSCRIPT')) throw e
      return command<T>(['EVAL', s.lua, ...rest])
    }
  }

  const ttlUntil = (expires: number) => String(Math.max(1, Math.ceil(expires - Date.now())))

  /** A registration as stored (its JSON) with the expiry Redis holds now. */
  function parseReg(json: string, expires: string | number): Registration {
    return { ...(JSON.parse(json) as Registration), expires: Number(expires) }
  }
  const live = (reg: Registration | undefined) =>
    reg && reg.expires >= Date.now() ? reg : undefined

  return {
    node,

    register: (reg, { maxLocations }) =>
      guarded(async () => {
        const replaced = await evalScript<number | string[]>(
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
      }),

    unregister: (session) =>
      guarded(async () => {
        const got = await evalScript<[string, string] | null>(
          UNREGISTER,
          [key.reg + session],
          [session, key.loc],
        )
        return got ? parseReg(got[0], got[1]) : undefined
      }),

    get: (session) =>
      guarded(async () => {
        const [json, expires] = await command<(string | null)[]>([
          'HMGET',
          key.reg + session,
          'j',
          'e',
        ])
        return json && expires ? live(parseReg(json, expires)) : undefined
      }),

    keepAlive: (session, expires) =>
      guarded(async () => {
        const got = await evalScript<[string, string] | null>(
          KEEP_ALIVE,
          [key.reg + session],
          [expires, ttlUntil(expires), key.loc],
        )
        return got ? live(parseReg(got[0], got[1])) : undefined
      }),

    locations: (contactId) =>
      guarded(async () => {
        const flat = await evalScript<string[]>(LOCATIONS, [key.loc + contactId], [key.reg])
        const out: Registration[] = []
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const reg = live(parseReg(flat[i] as string, flat[i + 1] as string))
          if (reg) out.push(reg)
        }
        return out
      }),

    rememberPeerFile: (contactId, A) =>
      guarded(async () => {
        await command(['SET', key.pf + contactId, JSON.stringify(A), 'PX', String(pfTtl)])
      }),

    knownPeerFile: (contactId) =>
      guarded(async () => {
        const json = await command<string | null>([
          'GETEX',
          key.pf + contactId,
          'PX',
          String(pfTtl),
        ])
        return json ? (JSON.parse(json) as SectionA) : undefined
      }),

    addRoute: (route, { maxPerSession }) =>
      guarded(async () => {
        const ok = await evalScript<number>(
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
          throw new OpenPeerError(
            'ERR_CONFLICT',
            'this find context is in use by another initiator',
          )
        }
      }),

    route: (context) =>
      guarded(async () => {
        const json = await command<string | null>(['HGET', key.route + context, 'j'])
        const route = json ? (JSON.parse(json) as Route) : undefined
        return route && route.expires >= Date.now() ? route : undefined
      }),

    dropRoutes: (session) =>
      guarded(async () => {
        await evalScript(DROP_ROUTES, [key.routes + session], [session, key.route])
      }),

    // Redis expires registrations, routes and nonces by itself.
    sweep: async () => [],

    checkNonce: (nonce, expires) =>
      guarded(async () => {
        const set = await command<string | null>([
          'SET',
          key.nonce + nonce,
          '1',
          'NX',
          'PX',
          ttlUntil(expires),
        ])
        if (set === null) throw new OpenPeerError('ERR_REPLAY', 'this proof was already used')
      }),

    seenNonce: (nonce) =>
      guarded(async () => (await command<number>(['EXISTS', key.nonce + nonce])) === 1),

    forward: (to, session, text) =>
      guarded(async () => {
        // PUBLISH counts the subscribers that got it: 0 means that node is gone.
        const receivers = await command<number>(['PUBLISH', channel(to), `${session}\n${text}`])
        return receivers > 0
      }),

    onForward(handler) {
      handlers.add(handler)
      return () => void handlers.delete(handler)
    },

    async close() {
      if (closed) return
      closed = true
      handlers.clear()
      // Not close(): it waits for replies that never come while Redis is away. The finder's
      // sockets are closed by now, so nothing is waiting for an answer.
      for (const c of [client, sub]) {
        try {
          c.destroy()
        } catch {
          // already closed
        }
      }
    },
  }
}
