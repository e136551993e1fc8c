import { Calls } from '../calls/calls.ts'
import type { DeviceHandler } from '../devices/types.ts'
import type { VerifiedPeerFile } from '../identity/peer-file.ts'
import type { ClientPorts } from '../ports.ts'
import type { LocalIdentity } from '../session/identify.ts'
import { SessionManager } from '../session/manager.ts'
import { Threads } from '../threads/threads.ts'
import { TorrentService } from '../torrents/service.ts'
import { ReplayCache } from '../wire/replay.ts'
import { ContactStates } from './contact-states.ts'
import { Contacts } from './contacts.ts'
import * as identities from './identity.ts'
import { Introductions } from './introductions.ts'
import { reportError, upsertContact, type NoticeDeps } from './notices.ts'
import { OwnDevices } from './own-devices.ts'
import { OwnIdentity } from './own-identity.ts'
import type { Reach } from './reach.ts'
import { attachSessions } from './routing.ts'
import { TORRENT_EVENTS, type ClientEvents, type OpenPeerClientOptions } from './types.ts'

/** What the parts need from the client that holds them (its settings and reach live there). */
export interface PartsHost {
  stop: () => Promise<void>
  /** finders, ICE, the find exchange and ringing: present while started */
  reach: () => Reach | undefined
  relayOnly: () => boolean
  acceptingIntroductions: () => boolean
  /** a device link's throwaway client serves `device-*` here (docs/devices.md) */
  device: () => DeviceHandler | undefined
  emit: <K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]) => void
  renegotiate: (contactId: string, opts: { iceRestart?: boolean }) => Promise<void>
}

/** Everything a client is made of, made once with it; `reach` alone comes and goes. */
export interface ClientParts {
  /** this device's identity, once loaded, created or joined */
  identity: OwnIdentity
  replay: ReplayCache
  contactBook: Contacts
  sessions: SessionManager
  states: ContactStates
  own: OwnDevices
  threads: Threads
  torrents: TorrentService | undefined
  calls: Calls
  introductions: Introductions
  /** what telling the app of a changed contact or a failure needs (notices.ts) */
  notices: NoticeDeps
  /** adds or updates a verified contact, telling the app (notices.ts) */
  upsert(
    peer: VerifiedPeerFile,
    extra?: { findSecret?: string; introducedBy?: string },
  ): Promise<void>
  /** a failure as the app hears it (notices.ts) */
  report(error: unknown, during: string, contactId?: string): void
}

/**
 * Makes a client's parts and wires them to each other and to the client's events: what the
 * constructor does. The order is the order their listeners hear the sessions in.
 */
export function makeParts(
  ports: ClientPorts,
  opts: OpenPeerClientOptions,
  host: PartsHost,
): ClientParts {
  const identity = new OwnIdentity(ports.keys)
  const me = (): LocalIdentity => identity.local()
  // One clock judges every proof, expiry and silence: the host's, when it gives one.
  const replay = new ReplayCache(undefined, ports.now ?? Date.now)
  const contactBook = new Contacts(ports.contacts)
  const sessions = new SessionManager(me)
  const states = new ContactStates(sessions, contactBook, (view) =>
    host.emit('contact:state', view),
  )
  const notices: NoticeDeps = { contacts: contactBook, states, emit: host.emit }
  const upsert: ClientParts['upsert'] = (peer, extra = {}) => upsertContact(notices, peer, extra)
  const report: ClientParts['report'] = (error, during, contactId) =>
    reportError(notices, error, during, contactId)
  const own = new OwnDevices({
    ports,
    sessions,
    contacts: contactBook,
    now: replay.now,
    every: opts.retryEvery ?? 30_000,
    stored: () => identity.stored,
    save: async (next) => {
      await identities.save(ports.keys, next)
      identity.stored = next
    },
    me,
    reach: host.reach,
    upsert: (peer, findSecret) => upsert(peer, findSecret ? { findSecret } : {}),
    emit: host.emit,
    report: (err, during) => report(err, during),
    forget: async () => {
      await host.stop()
      try {
        await ports.keys.clear?.()
      } catch (err) {
        report(err, 'deleting this device’s copy of the identity')
      }
      identity.forget()
    },
  })
  const threads = new Threads({
    me,
    outbox: ports.outbox,
    inbox: ports.inbox,
    sessionsOf: (id) => sessions.ofContact(id),
    uriOf: (id) => contactBook.get(id)?.uri,
    onReceived: (m) => {
      host.emit('message:received', m)
      own.receivedHere(m)
    },
    onWritten: (item) => own.written(item),
    screen: opts.screen ?? true,
    onState: (s) => {
      host.emit('message:state', s)
      own.marked({
        dir: 'out',
        contactId: s.contactId,
        msgIds: [s.msgId],
        state: s.state,
      })
    },
    onError: (error) => report(error, 'message delivery'),
  })
  const torrents = ports.torrents
    ? new TorrentService({
        ports: ports.torrents,
        sessions: () => sessions.all().filter((s) => s.state === 'open'),
        onError: (error) => report(error, 'file sharing'),
        webSeedsAllowed: () => !host.relayOnly(),
        ...opts.torrents,
      })
    : undefined
  if (torrents) {
    for (const name of TORRENT_EVENTS) torrents.on(name, (payload) => host.emit(name, payload))
  }
  const calls = new Calls({
    sessions,
    media: ports.media,
    now: replay.now,
    emit: (event, payload) => host.emit(event, payload as ClientEvents[typeof event]),
    // With the finder down there are no fresh TURN credentials: restart with the ones we hold.
    restartIce: (contactId) =>
      host.renegotiate(contactId, { iceRestart: true }).catch(async () => {
        await Promise.all(
          sessions.ofContact(contactId).map((s) => s.renegotiate({ iceRestart: true })),
        )
      }),
    ringTimeout: opts.ringTimeout,
  })
  const introductions = new Introductions({
    sessions,
    contacts: contactBook,
    accepting: host.acceptingIntroductions,
    upsert: (peer, introducedBy) => upsert(peer, { introducedBy }),
    introduced: (contactId, by) => {
      const record = contactBook.get(contactId)
      if (record) host.emit('contact:introduced', { contact: states.view(record), by })
    },
    ring: (contactId) => host.reach()?.ringer.ringSoon(contactId, 0),
    now: replay.now,
    me,
  })
  attachSessions(sessions, {
    threads,
    torrents,
    introductions,
    states,
    reach: host.reach,
    me,
    upsert: (peer) => upsert(peer),
    emit: host.emit,
    now: replay.now,
    report,
    device: host.device,
    mirror: () => own.mirror,
    deviceSeen: (location, state) => own.seen(location, state),
    removedHere: (session) => void own.removedBy(session),
    alwaysOn: () => opts.screen === false,
  })
  return {
    identity,
    replay,
    contactBook,
    sessions,
    states,
    own,
    threads,
    torrents,
    calls,
    introductions,
    notices,
    upsert,
    report,
  }
}
