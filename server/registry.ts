import { OpenPeerError } from '../src/openpeer/errors.ts'
import { randomId, type SectionA } from '../src/openpeer/identity/index.ts'
import { ReplayCache } from '../src/openpeer/wire/index.ts'

/**
 * The finder's state as plain data. Sockets never enter it: a registration names the socket by
 * its `session` id and the `node` (finder process) holding it, which maps them to a live socket,
 * so the shared Redis registry (server/redis-registry.ts) replaces the in-memory one without
 * touching the protocol code. Every method is async for that reason: with Redis each one is a
 * round trip, and each may fail with ERR_UNAVAILABLE while Redis is away.
 */
export interface Registration {
  /** per-socket session id (random, never sent to clients) */
  session: string
  /** the finder node holding that socket (Registry.node of the node that registered it) */
  node: string
  contactId: string
  locationId: string
  label: string
  A: SectionA
  /**
   * Section B's find secret, when the location registered a B (it is then findable). The rest
   * of B was checked at session-create and is never needed again: ~280 bytes a client less.
   */
  findSecret?: string | undefined
  expires: number
}

/** Where replies and signals for one find `context` go. */
export interface Route {
  context: string
  initiatorSession: string
  /** the node holding the initiator's socket */
  initiatorNode: string
  initiatorLocation: string
  initiatorContactId: string
  targetContactId: string
  expires: number
}

export interface Registry {
  /** This finder node's id (random per process): what it stamps on registrations and routes. */
  readonly node: string
  /**
   * Records `reg`, replacing the session's own earlier registration and any registration of the
   * same (contact, location) held by another session (a reloaded page). Throws ERR_CONFLICT when
   * the contact would exceed `maxLocations`. Returns what was replaced.
   */
  register(reg: Registration, opts: { maxLocations: number }): Promise<Registration[]>
  /** Drops the session's registration, if any, and returns it. */
  unregister(session: string): Promise<Registration | undefined>
  /** The session's live registration. */
  get(session: string): Promise<Registration | undefined>
  /**
   * Moves the session's registration expiry and returns the new one; undefined if it has none.
   * Only the expiry comes back: this is every client's heartbeat, and with Redis a whole
   * registration would be a peer file parsed per beat (bench:finder, two nodes).
   */
  keepAlive(session: string, expires: number): Promise<number | undefined>
  /** Live registrations of a contact. */
  locations(contactId: string): Promise<Registration[]>
  /** Remembers a verified section A for peer-file-get. */
  rememberPeerFile(contactId: string, A: SectionA): Promise<void>
  knownPeerFile(contactId: string): Promise<SectionA | undefined>
  /** Adds or refreshes a route; ERR_CONFLICT if the context belongs to another initiator. */
  addRoute(route: Route, opts: { maxPerSession: number }): Promise<void>
  route(context: string): Promise<Route | undefined>
  /** Drops every route the session initiated. */
  dropRoutes(session: string): Promise<void>
  /** Removes what expired before `now`; returns the registrations removed. */
  sweep(now: number): Promise<Registration[]>
  /**
   * The proof replay cache: records `nonce` until `expires`, ERR_REPLAY if it was already used
   * (on any node: a proof replayed to another finder of the cluster is refused too).
   */
  checkNonce(nonce: string, expires: number): Promise<void>
  /** True when the nonce is live in the replay cache: a replay, refused before any crypto. */
  seenNonce(nonce: string): Promise<boolean>
  /**
   * Hands an encoded frame to `session` on another node. Resolves false when no node took it (that
   * node is gone); true means the node received it, not that the socket was still there.
   */
  forward(node: string, session: string, text: string): Promise<boolean>
  /** Frames other nodes forward to this node's sessions. Returns the unsubscribe. */
  onForward(handler: (session: string, text: string) => void): () => void
  /** Lets go of what the registry holds open (Redis connections). Idempotent. */
  close(): Promise<void>
}

export function createMemoryRegistry(opts: { knownPeerFiles?: number } = {}): Registry {
  const knownMax = opts.knownPeerFiles ?? 10_000
  const bySession = new Map<string, Registration>()
  // contactId → the sessions registered for it: an array, not a Map per contact (most have one
  // location, and an empty Map costs ~300 bytes: 6 MiB at 19 000 clients, bench:finder)
  const byContact = new Map<string, string[]>()
  const known = new Map<string, SectionA>()
  const routes = new Map<string, Route>()
  const routesBySession = new Map<string, Set<string>>()
  const replay = new ReplayCache()

  function remove(session: string): Registration | undefined {
    const reg = bySession.get(session)
    if (!reg) return undefined
    bySession.delete(session)
    const sessions = byContact.get(reg.contactId)?.filter((s) => s !== session) ?? []
    if (sessions.length) byContact.set(reg.contactId, sessions)
    else byContact.delete(reg.contactId)
    return reg
  }

  /** The session holding (contact, location), if any. */
  function holderOf(contactId: string, locationId: string): string | undefined {
    return byContact.get(contactId)?.find((s) => bySession.get(s)?.locationId === locationId)
  }

  function live(reg: Registration | undefined): Registration | undefined {
    return reg && reg.expires >= Date.now() ? reg : undefined
  }

  function removeRoute(context: string): void {
    const route = routes.get(context)
    if (!route) return
    routes.delete(context)
    const set = routesBySession.get(route.initiatorSession)
    set?.delete(context)
    if (set?.size === 0) routesBySession.delete(route.initiatorSession)
  }

  return {
    // One process, one node: nothing is ever forwarded between nodes.
    node: randomId(),

    async register(reg, { maxLocations }) {
      const holder = holderOf(reg.contactId, reg.locationId)
      const own = bySession.get(reg.session)
      // Count the contact's locations as they will be once this session's old entry is gone.
      let count = byContact.get(reg.contactId)?.length ?? 0
      if (holder === undefined) count += 1
      if (own && own.contactId === reg.contactId && own.locationId !== reg.locationId) count -= 1
      if (count > maxLocations) {
        throw new OpenPeerError(
          'ERR_CONFLICT',
          `a contact may be online at ${maxLocations} locations at most`,
        )
      }
      const replaced: Registration[] = []
      const mine = remove(reg.session)
      if (mine) replaced.push(mine)
      if (holder !== undefined && holder !== reg.session) {
        const theirs = remove(holder)
        if (theirs) replaced.push(theirs)
      }
      bySession.set(reg.session, reg)
      byContact.set(reg.contactId, [...(byContact.get(reg.contactId) ?? []), reg.session])
      return replaced
    },

    async unregister(session) {
      return remove(session)
    },

    async get(session) {
      return live(bySession.get(session))
    },

    async keepAlive(session, expires) {
      const reg = live(bySession.get(session))
      if (reg) reg.expires = Math.max(reg.expires, expires)
      return reg?.expires
    },

    async locations(contactId) {
      const out: Registration[] = []
      for (const session of byContact.get(contactId) ?? []) {
        const reg = live(bySession.get(session))
        if (reg) out.push(reg)
      }
      return out
    },

    async rememberPeerFile(contactId, A) {
      // Map order is insertion order: re-inserting marks it most recently used.
      known.delete(contactId)
      known.set(contactId, A)
      while (known.size > knownMax) known.delete(known.keys().next().value as string)
    },

    async knownPeerFile(contactId) {
      const A = known.get(contactId)
      if (A) {
        known.delete(contactId)
        known.set(contactId, A)
      }
      return A
    },

    async addRoute(route, { maxPerSession }) {
      const existing = routes.get(route.context)
      if (existing && existing.initiatorSession !== route.initiatorSession) {
        throw new OpenPeerError('ERR_CONFLICT', 'this find context is in use by another initiator')
      }
      removeRoute(route.context)
      routes.set(route.context, route)
      let set = routesBySession.get(route.initiatorSession)
      if (!set) routesBySession.set(route.initiatorSession, (set = new Set()))
      set.add(route.context)
      while (set.size > maxPerSession) removeRoute(set.values().next().value as string)
    },

    async route(context) {
      const route = routes.get(context)
      return route && route.expires >= Date.now() ? route : undefined
    },

    async dropRoutes(session) {
      for (const context of [...(routesBySession.get(session) ?? [])]) removeRoute(context)
    },

    async sweep(now) {
      const removed: Registration[] = []
      for (const [session, reg] of bySession) {
        if (reg.expires < now) {
          remove(session)
          removed.push(reg)
        }
      }
      for (const [context, route] of routes) if (route.expires < now) removeRoute(context)
      return removed
    },

    async checkNonce(nonce, expires) {
      replay.check(nonce, expires)
    },

    async seenNonce(nonce) {
      return replay.seen(nonce)
    },

    async forward() {
      return false
    },

    onForward() {
      return () => {}
    },

    async close() {},
  }
}
