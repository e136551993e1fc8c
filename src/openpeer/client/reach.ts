import type { OpenPeerError } from '../errors.ts'
import { IceServers } from '../finder/ice.ts'
import { FinderPool, type FinderPoolOptions } from '../finder/pool.ts'
import type { ClientPorts } from '../ports.ts'
import type { LocalIdentity } from '../session/identify.ts'
import { Introducer } from '../session/introducer.ts'
import type { SessionManager } from '../session/manager.ts'
import { Rendezvous } from '../session/rendezvous.ts'
import type { SessionTimings } from '../session/session-types.ts'
import type { ReplayCache } from '../wire/replay.ts'
import type { ContactStates } from './contact-states.ts'
import type { Contacts } from './contacts.ts'
import { Ringer } from './ringer.ts'

export interface ReachDeps {
  ports: ClientPorts
  me: () => LocalIdentity
  home: string
  finder: Omit<FinderPoolOptions, 'ports' | 'me' | 'home' | 'now'>
  sessions: SessionManager
  contacts: Contacts
  states: ContactStates
  replay: ReplayCache
  relayOnly: boolean
  timings?: Partial<SessionTimings> | undefined
  retryEvery: number
  report(error: unknown, during: string, contactId?: string): void
  finderState(e: {
    domain: string
    state: 'connecting' | 'online' | 'offline'
    error?: OpenPeerError | undefined
  }): void
}

/**
 * Everything that reaches other locations, made on `start()` and undone on `stop()`: the
 * finders, the ICE servers, the find exchange, the ringing of offline contacts, and passing on
 * the finds of contacts who ask us to (introductions).
 */
export class Reach {
  readonly pool: FinderPool
  readonly ice: IceServers
  readonly rendezvous: Rendezvous
  readonly ringer: Ringer
  readonly introducer: Introducer

  constructor(deps: ReachDeps) {
    const pool = (this.pool = new FinderPool({
      ports: deps.ports,
      me: deps.me,
      home: deps.home,
      now: deps.replay.now,
      ...deps.finder,
    }))
    const ice = (this.ice = new IceServers({
      stun: () => pool.iceServers(),
      renew: () => pool.reregister(),
      relayOnly: deps.relayOnly,
    }))
    this.rendezvous = new Rendezvous({
      finders: pool,
      sessions: deps.sessions,
      me: deps.me,
      createPeer: deps.ports.createPeer,
      createSocket: deps.ports.createSocket,
      iceConfig: () => ice.config(),
      replay: deps.replay,
      known: (id) => deps.contacts.has(id),
      onError: (error, contactId) => deps.report(error, 'rendezvous', contactId),
      ...(deps.timings ? { timings: deps.timings } : {}),
    })
    this.introducer = new Introducer({ sessionsOf: (id) => deps.sessions.ofContact(id) })
    pool.on('state', (e) => {
      if (e.domain === deps.home) deps.finderState(e)
    })
    pool.on('registered', (e) => {
      if (e.domain === deps.home) ice.setGrant(e.turn)
    })
    this.ringer = new Ringer({
      contacts: deps.contacts,
      states: deps.states,
      finders: pool,
      sessions: deps.sessions,
      rendezvous: this.rendezvous,
      report: deps.report,
      every: deps.retryEvery,
    })
    pool.start()
  }

  stop(): void {
    this.ringer.stop()
    this.ice.stop()
    this.introducer.stop()
    this.rendezvous.stop()
    this.pool.stop()
  }
}
