import { OpenPeerError } from '../errors.ts'
import { verifyPeerFile, type VerifiedPeerFile } from '../identity/peer-file.ts'
import { sessionChannel } from '../session/find-channel.ts'
import type { LocalIdentity } from '../session/identify.ts'
import type { SessionManager } from '../session/manager.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { Threads } from '../threads/threads.ts'
import type { TorrentService } from '../torrents/service.ts'
import type { ContactStates } from './contact-states.ts'
import type { Introductions } from './introductions.ts'
import type { Reach } from './reach.ts'
import type { ClientEvents } from './types.ts'
import type { DeviceHandler } from '../devices/types.ts'
import type { Mirror } from '../devices/mirror.ts'

export interface RoutingDeps {
  threads: Threads
  torrents: TorrentService | undefined
  introductions: Introductions
  states: ContactStates
  /** finders, the find exchange, ringing and passing finds on: present while started */
  reach(): Reach | undefined
  me: () => LocalIdentity
  /** adds or updates a verified contact (its new B or C, or who opened a session) */
  upsert(peer: VerifiedPeerFile): Promise<void>
  emit<K extends 'session:open' | 'session:closed'>(event: K, payload: ClientEvents[K]): void
  report(error: unknown, during: string, contactId?: string): void
  now: () => number
  /** a device link's throwaway client serves `device-*` here (docs/devices.md) */
  device: () => DeviceHandler | undefined
  /** our other devices' sessions: device-sync goes here (present while started) */
  mirror: () => Mirror | undefined
  /** another device of ours removed this one */
  removedHere: (session: PeerSession) => void
  /** a device of ours connected or left */
  deviceSeen: (location: { id: string; label: string }, state: 'online' | 'offline') => void
  /** this location has no screen (a super-peer): it keeps files its owner pins */
  alwaysOn: () => boolean
}

/**
 * The one place an identified session meets the rest of the client: its contact is saved,
 * its messages are routed, its outbox flushed and its files attached; when it closes, the
 * contact is rung again soon (they may only have reloaded).
 */
export function attachSessions(sessions: SessionManager, deps: RoutingDeps): void {
  sessions.on('open', (session) => {
    const contactId = session.remoteContactId
    // Another device of ours: not a contact; it only syncs (devices/mirror.ts).
    if (contactId === deps.me().contactId) {
      routeOwnSession(session, deps)
      deps.deviceSeen(
        session.remoteLocation ?? { id: session.remoteLocationId, label: '' },
        'online',
      )
      return
    }
    // In the book before anything else hears of the session: its messages need the contact.
    if (session.remotePeer) {
      deps.upsert(session.remotePeer).catch((err: unknown) => deps.report(err, 'saving a contact'))
    }
    routeSession(session, deps)
    deps.states.found(contactId)
    deps.emit('session:open', {
      contactId,
      locationId: session.remoteLocationId,
      role: session.role,
    })
    void deps.states.refreshPath(session)
    session.on('path', () => void deps.states.refreshPath(session))
    void deps.threads.flush(contactId)
    deps.torrents?.attach(session)
  })
  sessions.on('closed', ({ session, error }) => {
    const contactId = session.remoteContactId
    if (contactId === deps.me().contactId) {
      deps.deviceSeen(
        session.remoteLocation ?? { id: session.remoteLocationId, label: '' },
        'offline',
      )
      return
    }
    deps.emit('session:closed', { contactId, locationId: session.remoteLocationId, error })
    deps.reach()?.introducer.forget(session)
    deps.reach()?.ringer.ringSoon(contactId)
  })
  sessions.on('ended', ({ session, error }) => {
    if (error?.security) deps.report(error, 'peer session', session.remoteContactId)
  })
}

/** Which module answers which request and notify of an open session (PROTOCOL §5.5). */
function routeSession(session: PeerSession, deps: RoutingDeps): void {
  const reach = deps.reach()
  session.serve(async (m) => {
    if (m.type === 'thread-message') return deps.threads.onRequest(session, m)
    if (m.type === 'torrent-wire' && deps.torrents) return deps.torrents.onWireRequest(session, m)
    if (m.type === 'introduce') return deps.introductions.receive(session, m)
    const device = deps.device()
    if (device && (m.type === 'device-hello' || m.type === 'device-transfer'))
      return device.request(session, m)
    if (m.type === 'peer-location-find') {
      // For us: this contact introduces a caller. For another: we are asked to introduce.
      if (m.proof.to === deps.me().uri && reach) {
        const name = session.remotePeer?.file.C?.name ?? 'a contact'
        return reach.rendezvous.receiveFind(sessionChannel(session, `through ${name}`), m)
      }
      if (reach) return reach.introducer.forward(session, m)
    }
    throw new OpenPeerError('ERR_NOT_FOUND', `${m.type} is not served here`)
  })
  session.on('notify', (m) => {
    if (m.type === 'peer-location-find' || m.type === 'peer-location-signal') {
      if (!reach?.introducer.route(session, m)) reach?.rendezvous.receiveNotify(m)
      return
    }
    if (deps.threads.onNotify(session, m)) return
    if (m.type === 'device-decline') return deps.device()?.notify(session, m)
    if (m.type === 'torrent-offer') return deps.torrents?.onOffer(session, m)
    if (m.type === 'peer-file-update' && session.remotePeer) {
      const A = session.remotePeer.file.A
      verifyPeerFile({ A, ...m.peer }, session.remoteContactId, deps.now())
        .then((p) => deps.upsert(p))
        .catch((err: unknown) => deps.report(err, 'peer-file-update', session.remoteContactId))
    }
  })
}

/**
 * A session with another location of our own identity carries device sync, and the files one
 * device asks our always-on devices to keep: it is not a contact (no messages, offers or
 * introductions over it; docs/devices.md).
 */
function routeOwnSession(session: PeerSession, deps: RoutingDeps): void {
  session.serve(async (m) => {
    const mirror = deps.mirror()
    if (m.type === 'device-sync' && mirror) return mirror.onRequest(session, m)
    // The always-on device fetching a pinned file asks the device that has it for wires.
    if (m.type === 'torrent-wire' && deps.torrents) return deps.torrents.onWireRequest(session, m)
    if (m.type === 'device-pin') {
      const torrents = deps.torrents
      if (!deps.alwaysOn() || !torrents) return { kept: false }
      const { file, offerTo } = m
      // Answered at once: the fetch takes as long as the file does, and is reported as usual.
      torrents
        .keep(file, { offerTo, public: m.public })
        .catch((err: unknown) => deps.report(err, `keeping ${file.name} available`))
      return { kept: true }
    }
    throw new OpenPeerError('ERR_NOT_FOUND', `${m.type} is not served between our own devices`)
  })
  session.on('notify', (m) => {
    if (m.type === 'device-remove') deps.removedHere(session)
  })
}
