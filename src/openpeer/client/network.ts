import { raceSignal, withTimeout } from '../async.ts'
import { OpenPeerError } from '../errors.ts'
import type { Emitter } from '../events.ts'
import type { IceServers } from '../finder/ice.ts'
import type { ClientPorts, StoredIdentity } from '../ports.ts'
import type { SessionManager } from '../session/manager.ts'
import type { Contacts } from './contacts.ts'
import type { ClientParts } from './parts.ts'
import { Reach } from './reach.ts'
import type { ClientEvents, OpenPeerClientOptions } from './types.ts'

/*
 * The client's network: the reach a started client makes, waiting for the home finder, and
 * moving sessions onto a new path (renegotiation, ICE restarts, a changed network, a new B).
 */

/** What starting a client needs besides its parts. */
export interface StartHost {
  ports: ClientPorts
  opts: OpenPeerClientOptions
  /** our home finder's domain */
  home: string
  relayOnly: boolean
  emit: (event: 'finder:state', payload: ClientEvents['finder:state']) => void
  /** keeps the reach as the client's, before anything else starts */
  started: (reach: Reach) => void
}

/**
 * Starts a client: makes its reach (the finders, ICE, the find exchange and ringing; reach.ts),
 * then the sync with our other devices, which it rings once registered at home, and the
 * shared files.
 */
export function startClient(parts: ClientParts, host: StartHost): void {
  const { opts, home } = host
  const { own, report } = parts
  const reach = new Reach({
    ports: host.ports,
    me: () => parts.identity.local(),
    home,
    finder: { origin: opts.origin, ...opts.finder },
    sessions: parts.sessions,
    contacts: parts.contactBook,
    states: parts.states,
    replay: parts.replay,
    relayOnly: host.relayOnly,
    timings: opts.timings,
    retryEvery: opts.retryEvery ?? 30_000,
    report,
    finderState: (e) => host.emit('finder:state', e),
  })
  host.started(reach)
  own.start()
  reach.pool.on('registered', (e) => {
    if (e.domain === home) own.registered()
  })
  parts.torrents?.start().catch((err: unknown) => report(err, 'loading shared files'))
}

/** Resolves once the client's `finder:state` says online (at once when `state()` does). */
export function whenOnline(
  client: Emitter<ClientEvents>,
  state: () => 'connecting' | 'online' | 'offline',
  opts: { signal?: AbortSignal | undefined; timeout?: number },
): Promise<void> {
  if (state() === 'online') return Promise.resolve()
  const signal = withTimeout(opts.timeout ?? 20_000, opts.signal)
  return raceSignal<void>(
    signal,
    (resolve) =>
      client.on('finder:state', (e) => {
        if (e.state === 'online') resolve()
      }),
    { onTimeout: () => new OpenPeerError('ERR_FINDER_UNREACHABLE', 'the finder did not answer') },
  )
}

/** Renegotiates (or restarts ICE on) every session with a contact; `ice` while started. */
export async function renegotiate(
  sessions: SessionManager,
  ice: IceServers | undefined,
  contactId: string,
  opts: { iceRestart?: boolean; signal?: AbortSignal },
): Promise<void> {
  const open = sessions.ofContact(contactId)
  if (!open.length) throw new OpenPeerError('ERR_SESSION_CLOSED', 'not connected to this contact')
  // A restart gathers anew: with TURN credentials that outlive it, and the current policy.
  if (opts.iceRestart && ice) {
    await ice.fresh(opts)
    for (const s of open) ice.applyTo(s.connection)
  }
  await Promise.all(open.map((s) => s.renegotiate(opts)))
}

/** Restarts ICE with every contact we have a session with (the network changed). */
export function restartIceAll(
  contacts: Contacts,
  sessions: SessionManager,
  restart: (contactId: string) => Promise<void>,
): void {
  for (const c of contacts.list()) {
    if (!sessions.ofContact(c.contactId).length) continue
    restart(c.contactId).catch(() => {
      // the path is gone: keep-alives end the session and the ringer finds them again
    })
  }
}

/** Gives every session our new B (a rotated find secret). */
export function sendNewB(sessions: SessionManager, next: StoredIdentity): void {
  for (const s of sessions.all()) {
    try {
      s.notify('peer-file-update', { peer: { B: next.file.B } })
    } catch {
      // closed meanwhile: it gets the new B in its next peer-identify
    }
  }
}
