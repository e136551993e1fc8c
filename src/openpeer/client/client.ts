import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { formatInvite } from '../identity/invite.ts'
import type { VerifiedPeerFile } from '../identity/peer-file.ts'
import { safetyNumber } from '../identity/safety-number.ts'
import type { ClientPorts, OutboxItem, StoredIdentity } from '../ports.ts'
import { SessionManager } from '../session/manager.ts'
import { Threads } from '../threads/threads.ts'
import { TorrentService } from '../torrents/service.ts'
import { Calls } from '../calls/calls.ts'
import { ReplayCache } from '../wire/replay.ts'
import { Contacts, displayNameOf } from './contacts.ts'
import { Introductions } from './introductions.ts'
import { Reach } from './reach.ts'
import { attachSessions } from './routing.ts'
import { acceptInvite } from './invites.ts'
import * as identities from './identity.ts'
import { ContactStates } from './contact-states.ts'
import {
  TORRENT_EVENTS,
  type ClientEvents,
  type ContactView,
  type IdentityInfo,
  type OpenPeerClientOptions,
} from './types.ts'

export type { OpenPeerClientOptions } from './types.ts'

/**
 * The Open Peer client (the facade the app and the super-peer use). Create it with host ports,
 * `load()` or `createIdentity()`, then `start()`; `stop()` undoes everything and may be repeated.
 */
export class OpenPeerClient extends Emitter<ClientEvents> {
  private stored: StoredIdentity | undefined
  private info: IdentityInfo | undefined
  private readonly contactBook: Contacts
  private readonly replay: ReplayCache
  private readonly sessions: SessionManager
  /** audio and video calls on the contacts' sessions (camera and microphone: `ports.media`) */
  readonly calls: Calls
  /** finders, ICE, the find exchange and ringing: present while started */
  private reach: Reach | undefined
  private relayOnly: boolean
  private acceptingIntroductions: boolean
  private readonly threads: Threads
  private readonly states: ContactStates
  private readonly introductions: Introductions
  private running = false
  /** file sharing; present when the host gave `ports.torrents` */
  readonly torrents: TorrentService | undefined

  constructor(
    private readonly ports: ClientPorts,
    private readonly opts: OpenPeerClientOptions,
  ) {
    super()
    // One clock judges every proof, expiry and silence: the host's, when it gives one.
    this.replay = new ReplayCache(undefined, ports.now ?? Date.now)
    this.relayOnly = opts.relayOnly ?? false
    this.acceptingIntroductions = opts.acceptIntroductions ?? true
    this.contactBook = new Contacts(ports.contacts)
    this.sessions = new SessionManager(() => this.me())
    this.states = new ContactStates(this.sessions, this.contactBook, (view) =>
      this.emit('contact:state', view),
    )
    this.threads = new Threads({
      me: () => this.me(),
      outbox: ports.outbox,
      inbox: ports.inbox,
      sessionOf: (id) => this.sessions.ofContact(id)[0],
      uriOf: (id) => this.contactBook.get(id)?.uri,
      onReceived: (m) => this.emit('message:received', m),
      onState: (s) => this.emit('message:state', s),
      onError: (error) => this.report(error, 'message delivery'),
    })
    this.torrents = ports.torrents
      ? new TorrentService({
          ports: ports.torrents,
          sessions: () => this.sessions.all().filter((s) => s.state === 'open'),
          onError: (error) => this.report(error, 'file sharing'),
          webSeedsAllowed: () => !this.relayOnly,
          ...opts.torrents,
        })
      : undefined
    const torrents = this.torrents
    if (torrents) {
      for (const name of TORRENT_EVENTS) torrents.on(name, (payload) => this.emit(name, payload))
    }
    this.calls = new Calls({
      sessions: this.sessions,
      media: ports.media,
      now: this.replay.now,
      emit: (event, payload) => this.emit(event, payload as ClientEvents[typeof event]),
      // With the finder down there are no fresh TURN credentials: restart with the ones we hold.
      restartIce: (contactId) =>
        this.renegotiate(contactId, { iceRestart: true }).catch(async () => {
          await Promise.all(
            this.sessions.ofContact(contactId).map((s) => s.renegotiate({ iceRestart: true })),
          )
        }),
      ringTimeout: opts.ringTimeout,
    })
    this.introductions = new Introductions({
      sessions: this.sessions,
      contacts: this.contactBook,
      accepting: () => this.acceptingIntroductions,
      upsert: (peer, introducedBy) => this.upsert(peer, { introducedBy }),
      introduced: (contactId, by) => {
        const record = this.contactBook.get(contactId)
        if (record) this.emit('contact:introduced', { contact: this.states.view(record), by })
      },
      ring: (contactId) => this.reach?.ringer.ringSoon(contactId, 0),
      now: this.replay.now,
      me: () => this.me(),
    })
    attachSessions(this.sessions, {
      threads: this.threads,
      torrents: this.torrents,
      introductions: this.introductions,
      states: this.states,
      reach: () => this.reach,
      me: () => this.me(),
      upsert: (peer) => this.upsert(peer),
      emit: (event, payload) => this.emit(event, payload),
      now: this.replay.now,
      report: (err, during, contactId) => this.report(err, during, contactId),
    })
  }

  /** Loads a stored identity and contacts; undefined on a first run. */
  async load(): Promise<IdentityInfo | undefined> {
    const stored = await this.ports.keys.load()
    await this.contactBook.load()
    if (stored) await this.setIdentity(stored)
    return this.info
  }

  async createIdentity(name: string): Promise<IdentityInfo> {
    if (this.stored) throw new OpenPeerError('ERR_CONFLICT', 'an identity exists already')
    const stored = await identities.createIdentity(this.ports.keys, {
      name,
      domain: this.opts.domain,
      locationLabel: this.opts.locationLabel ?? 'browser',
    })
    await this.setIdentity(stored)
    return this.info as IdentityInfo
  }

  identity(): IdentityInfo | undefined {
    return this.info
  }

  /** Connects to the home finder and starts reaching contacts. */
  start(): void {
    if (this.running) return
    const stored = this.requireIdentity()
    this.running = true
    this.reach = new Reach({
      ports: this.ports,
      me: () => this.me(),
      home: stored.file.A.domain,
      finder: { origin: this.opts.origin, ...this.opts.finder },
      sessions: this.sessions,
      contacts: this.contactBook,
      states: this.states,
      replay: this.replay,
      relayOnly: this.relayOnly,
      timings: this.opts.timings,
      retryEvery: this.opts.retryEvery ?? 30_000,
      report: (err, during, contactId) => this.report(err, during, contactId),
      finderState: (e) => this.emit('finder:state', e),
    })
    this.torrents?.start().catch((err: unknown) => this.report(err, 'loading shared files'))
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.reach?.stop()
    this.reach = undefined
    this.calls.stop()
    this.sessions.closeAll()
    this.states.clear()
    await this.torrents?.stop()
  }

  finderState(): 'connecting' | 'online' | 'offline' {
    return this.reach?.pool.state() ?? 'offline'
  }

  /** Browser came back online: skip the backoff wait. */
  retryNow(): void {
    this.reach?.pool.retryNow()
    this.reach?.ringer.ringAll()
  }

  /**
   * The device's network changed (another Wi-Fi, mobile data, a wake from sleep): every open
   * session restarts ICE over its control channel while that still works, so it moves to the
   * new network instead of dying with the old; the finder socket is tested and offline
   * contacts rung. A session whose path is gone already is found again by the ringer.
   */
  networkChanged(): void {
    this.retryNow()
    for (const c of this.contactBook.list()) {
      if (!this.sessions.ofContact(c.contactId).length) continue
      this.renegotiate(c.contactId, { iceRestart: true }).catch(() => {
        // the path is gone: keep-alives end the session and the ringer finds them again
      })
    }
  }

  inviteLink(origin: string): string {
    const me = this.requireIdentity()
    return formatInvite(origin, {
      domain: me.file.A.domain,
      contactId: me.contactId,
      findSecret: me.file.B.findSecret,
    })
  }

  contacts(): ContactView[] {
    return this.contactBook.list().map((c) => this.states.view(c))
  }

  /**
   * The safety number of this contact and us (docs/safety-numbers.md): 12 groups of 5 digits
   * that both sides see alike when neither's peer file was swapped on the way. ERR_NOT_FOUND
   * for someone not in the contacts.
   */
  async safetyNumber(contactId: string): Promise<string> {
    const me = this.requireIdentity()
    if (!this.contactBook.has(contactId)) {
      throw new OpenPeerError('ERR_NOT_FOUND', 'no such contact')
    }
    return safetyNumber(me.contactId, contactId)
  }

  /**
   * "Mark as verified" (or not): remembered with the contact, shown as `verified` in its view
   * and sent as `contact:updated`. Every contact starts unverified, however we met; the mark
   * is dropped if their keys ever change. ERR_NOT_FOUND for someone not in the contacts.
   */
  async setVerified(contactId: string, on: boolean): Promise<ContactView> {
    const before = this.contactBook.get(contactId)
    const record = await this.contactBook.setVerified(contactId, on, this.replay.now())
    const view = this.states.view(record)
    if (record !== before) {
      this.emit('contact:updated', view)
      this.states.changed(contactId)
    }
    return view
  }

  /** Opens an invite link: fetches and checks the inviter's card, rings them, resolves once connected. */
  async acceptInvite(text: string, opts: { signal?: AbortSignal } = {}): Promise<ContactView> {
    return acceptInvite(
      {
        me: this.requireIdentity(),
        contacts: this.contactBook,
        sessions: this.sessions,
        states: this.states,
        pool: () => this.requireReach().pool,
        rendezvous: this.reach?.rendezvous,
        upsert: (peer, findSecret) => this.upsert(peer, { findSecret }),
        now: this.replay.now,
        onSecurityAlert: (fn) =>
          this.on('security:alert', ({ error, contact }) => fn(error, contact?.contactId)),
        alert: (err, contactId) => this.report(err, 'opening an invite', contactId),
        timeout: this.opts.inviteTimeout ?? 20_000,
      },
      text,
      opts,
    )
  }

  async sendMessage(contactId: string, body: string): Promise<OutboxItem> {
    this.requireIdentity()
    return this.threads.send(contactId, body)
  }

  markRead(contactId: string, msgIds: string[]): Promise<void> {
    return this.threads.markRead(contactId, msgIds)
  }

  /** Rotates the find secret: old invite links stop working; connected contacts get the new B. */
  async resetInvites(): Promise<void> {
    const next = await identities.rotateFindSecret(this.ports.keys, this.requireIdentity())
    await this.setIdentity(next)
    await this.reach?.pool.reregister()
    for (const s of this.sessions.all()) {
      try {
        s.notify('peer-file-update', { peer: { B: next.file.B } })
      } catch {
        // closed meanwhile: it gets the new B in its next peer-identify
      }
    }
  }

  /** Renegotiates (or restarts ICE on) every session with a contact, over the peer link. */
  async renegotiate(
    contactId: string,
    opts: { iceRestart?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const sessions = this.sessions.ofContact(contactId)
    if (!sessions.length)
      throw new OpenPeerError('ERR_SESSION_CLOSED', 'not connected to this contact')
    // A restart gathers anew: with TURN credentials that outlive it, and the current policy.
    const ice = this.reach?.ice
    if (opts.iceRestart && ice) {
      await ice.fresh(opts)
      for (const s of sessions) ice.applyTo(s.connection)
    }
    await Promise.all(sessions.map((s) => s.renegotiate(opts)))
  }

  /**
   * "Hide my IP address": connections made from now on gather relay candidates only, so
   * contacts never learn this device's addresses. An open session keeps its path until
   * `renegotiate(contactId, { iceRestart: true })`.
   */
  setRelayOnly(on: boolean): void {
    this.relayOnly = on
    if (this.reach) this.reach.ice.relayOnly = on
  }

  /**
   * Introduces two connected contacts to each other (PROTOCOL §5.6): each gets the other's
   * peer file and a notice naming us, and they connect, through our sessions if no finder
   * answers. Fails with the reason when either is offline or refuses introductions.
   */
  introduce(a: string, b: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    return this.introductions.introduce(a, b, opts)
  }

  /** "Accept introductions" (on unless the host says otherwise). */
  setAcceptIntroductions(on: boolean): void {
    this.acceptingIntroductions = on
  }

  private me(): ReturnType<typeof identities.localOf> {
    return identities.localOf(this.requireIdentity())
  }

  private requireIdentity(): StoredIdentity {
    if (!this.stored) throw new OpenPeerError('ERR_NOT_FOUND', 'no identity yet: create one first')
    return this.stored
  }

  private requireReach(): Reach {
    if (!this.reach) throw new OpenPeerError('ERR_UNAVAILABLE', 'the client is not started')
    return this.reach
  }

  private async setIdentity(stored: StoredIdentity): Promise<void> {
    this.stored = stored
    this.info = await identities.infoOf(stored)
  }

  private async upsert(
    peer: VerifiedPeerFile,
    extra: { findSecret?: string; introducedBy?: string } = {},
  ): Promise<void> {
    const { record, added, changed } = await this.contactBook.upsert(peer, extra)
    if (added) this.emit('contact:added', this.states.view(record))
    else if (changed) this.emit('contact:updated', this.states.view(record))
    if (changed) this.states.changed(record.contactId)
  }

  private report(error: unknown, during: string, contactId?: string): void {
    const e = asOpenPeerError(error, String(error))
    if (!e.security) return void this.emit('client:error', { error: e, during })
    // The person must be told who: "a check failed" alone names no one to distrust.
    const record = contactId ? this.contactBook.get(contactId) : undefined
    const contact = contactId
      ? { contactId, ...(record ? { name: displayNameOf(record) } : {}) }
      : undefined
    this.emit('security:alert', { error: e, during, contact })
  }
}

export function createOpenPeerClient(
  ports: ClientPorts,
  opts: OpenPeerClientOptions,
): OpenPeerClient {
  return new OpenPeerClient(ports, opts)
}
