import { OpenPeerError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { safetyNumber } from '../identity/safety-number.ts'
import type { ClientPorts, DeviceRecord, OutboxItem, StoredIdentity } from '../ports.ts'
import type { SessionManager } from '../session/manager.ts'
import type { TorrentService } from '../torrents/service.ts'
import type { Calls } from '../calls/calls.ts'
import { makeParts, type ClientParts } from './parts.ts'
import type { Reach } from './reach.ts'
import { renegotiate, restartIceAll, sendNewB, startClient, whenOnline } from './network.ts'
import { setVerified } from './notices.ts'
import {
  acceptInvite,
  inviteDepsOf,
  prefetchInvite,
  type InviteDeps,
  type Prefetched,
} from './invites.ts'
import { joinWithLink, linkDevice, type DeviceDeps } from './devices.ts'
import type { DeviceHandler } from '../devices/types.ts'
import type { DeviceLinker } from '../devices/linker.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { ClientEvents, ContactView, IdentityInfo, OpenPeerClientOptions } from './types.ts'

export type { OpenPeerClientOptions } from './types.ts'

/**
 * The Open Peer client (the facade the app and the super-peer use). Create it with host ports,
 * `load()` or `createIdentity()`, then `start()`; `stop()` undoes everything and may be repeated.
 */
export class OpenPeerClient extends Emitter<ClientEvents> {
  /** contacts, sessions, threads, our other devices... (parts.ts) */
  private readonly parts: ClientParts
  /** every session (bench/transfer.ts reads them through a cast) */
  private readonly sessions: SessionManager
  /** audio and video calls on the contacts' sessions (camera and microphone: `ports.media`) */
  readonly calls: Calls
  /** finders, ICE, the find exchange and ringing: present while started */
  private reach: Reach | undefined
  private relayOnly: boolean
  private acceptingIntroductions: boolean
  private running = false
  /** invite cards fetched ahead of opening (prefetchInvite) */
  private readonly prefetched = new Map<string, Prefetched>()
  /** file sharing; present when the host gave `ports.torrents` */
  readonly torrents: TorrentService | undefined
  /**
   * @internal Device linking's throwaway clients hear `device-*` messages through this
   * (docs/devices.md); an ordinary client leaves it unset and refuses them.
   */
  deviceHandler: DeviceHandler | undefined

  constructor(
    private readonly ports: ClientPorts,
    private readonly opts: OpenPeerClientOptions,
  ) {
    super()
    this.relayOnly = opts.relayOnly ?? false
    this.acceptingIntroductions = opts.acceptIntroductions ?? true
    const parts = (this.parts = makeParts(ports, opts, {
      stop: () => this.stop(),
      reach: () => this.reach,
      relayOnly: () => this.relayOnly,
      acceptingIntroductions: () => this.acceptingIntroductions,
      device: () => this.deviceHandler,
      emit: (event, payload) => this.emit(event, payload),
      renegotiate: (contactId, opts) => this.renegotiate(contactId, opts),
    }))
    this.sessions = parts.sessions
    this.torrents = parts.torrents
    this.calls = parts.calls
  }

  /** Loads a stored identity and contacts; undefined on a first run. */
  async load(): Promise<IdentityInfo | undefined> {
    const stored = await this.ports.keys.load()
    await this.parts.contactBook.load()
    if (stored) await this.parts.identity.set(stored)
    return this.parts.identity.info
  }

  async createIdentity(name: string): Promise<IdentityInfo> {
    return this.parts.identity.create({
      name,
      domain: this.opts.domain,
      locationLabel: this.opts.locationLabel ?? 'browser',
    })
  }

  identity(): IdentityInfo | undefined {
    return this.parts.identity.info
  }

  /** Connects to the home finder and starts reaching contacts. */
  start(): void {
    if (this.running) return
    const stored = this.parts.identity.require()
    this.running = true
    startClient(this.parts, {
      ports: this.ports,
      opts: this.opts,
      home: stored.file.A.domain,
      relayOnly: this.relayOnly,
      emit: (event, payload) => this.emit(event, payload),
      started: (reach) => (this.reach = reach),
    })
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.parts.own.stop()
    this.reach?.stop()
    this.reach = undefined
    this.calls.stop()
    this.sessions.closeAll()
    this.parts.states.clear()
    await this.torrents?.stop()
  }

  /** Resolves once registered at the home finder (at once when it is so already). */
  online(opts: { signal?: AbortSignal | undefined; timeout?: number } = {}): Promise<void> {
    return whenOnline(this, () => this.finderState(), opts)
  }

  /**
   * "Link a device" (docs/devices.md): a one-time device link (`link`, 10 minutes) answered by
   * a throwaway identity; the returned linker lists who opened it (`pending`, with the short
   * code) and sends our identity, contacts, files and history to the one the user approves.
   * ERR_KEYS_LOCKED for a profile made before device linking. Stop it when the user leaves.
   */
  async linkDevice(opts: {
    origin: string
    ttl?: number
    signal?: AbortSignal
  }): Promise<DeviceLinker> {
    this.parts.identity.require()
    return linkDevice(
      this.deviceDeps(),
      () => this.parts.identity.require(),
      (device) => this.parts.own.remember(device),
      opts,
    )
  }

  /**
   * Opens a device link on a device without an identity: shows `onCode` once connected, and
   * resolves when the linked device's user approved and the identity is stored here, under a
   * location of our own (then `start()`). ERR_CONFLICT, with nothing touched, when this device
   * has an identity; ERR_LINK_EXPIRED, ERR_LINK_USED, ERR_LINK_DECLINED as the link says.
   */
  async joinDevice(
    link: string,
    opts: { name: string; onCode?: (code: string) => void; signal?: AbortSignal },
  ): Promise<IdentityInfo> {
    if (this.stored)
      throw new OpenPeerError(
        'ERR_CONFLICT',
        'this device has a profile already: it was left as it is (a device link makes a new device)',
      )
    const stored = await joinWithLink(this.deviceDeps(), link, opts)
    await this.parts.contactBook.load()
    await this.parts.identity.set(stored)
    return this.parts.identity.info as IdentityInfo
  }

  /**
   * "Keep available <name>": asks every always-on device of ours that is online (a super-peer)
   * to fetch the file from here and seed it from then on, offering it to the contacts it went
   * to, so it stays available when this device sleeps. How many said yes; ERR_UNAVAILABLE when
   * none is online (docs/superpeer.md).
   */
  async keepAvailable(
    infoHash: string,
    opts: { signal?: AbortSignal; public?: boolean } = {},
  ): Promise<{ kept: number }> {
    this.parts.identity.require()
    const view = this.torrents?.get(infoHash)
    if (!view) throw new OpenPeerError('ERR_NOT_FOUND', 'no such file here')
    return this.parts.own.pin(view, opts)
  }

  /** The other devices (locations) of this identity we know of. */
  devices(): DeviceRecord[] {
    return this.parts.own.list()
  }

  /**
   * "Remove <device>": forgets one of our devices and tells it — now if it is connected, else
   * whenever it next connects — to delete its copy of the identity and leave the finder. An
   * honest device obeys; a stolen one keeps the keys until key rotation exists (docs/devices.md).
   */
  async removeDevice(locationId: string): Promise<void> {
    this.parts.identity.require()
    await this.parts.own.remove(locationId)
  }

  /** @internal the open sessions with a contact (device linking speaks over them) */
  sessionsWith(contactId: string): PeerSession[] {
    return this.sessions.ofContact(contactId)
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
    restartIceAll(this.parts.contactBook, this.sessions, (contactId) =>
      this.renegotiate(contactId, { iceRestart: true }),
    )
  }

  inviteLink(origin: string): string {
    return this.parts.identity.inviteLink(origin)
  }

  contacts(): ContactView[] {
    return this.parts.contactBook.list().map((c) => this.parts.states.view(c))
  }

  /**
   * The safety number of this contact and us (docs/safety-numbers.md): 12 groups of 5 digits
   * that both sides see alike when neither's peer file was swapped on the way. ERR_NOT_FOUND
   * for someone not in the contacts.
   */
  async safetyNumber(contactId: string): Promise<string> {
    const me = this.parts.identity.require()
    if (!this.parts.contactBook.has(contactId)) {
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
    return setVerified(this.parts.notices, contactId, on, this.parts.replay.now())
  }

  /** Opens an invite link: fetches and checks the inviter's card, rings them, resolves once connected. */
  async acceptInvite(text: string, opts: { signal?: AbortSignal } = {}): Promise<ContactView> {
    return acceptInvite(this.inviteDeps(), text, opts)
  }

  /**
   * A link was pasted, not yet opened: fetches and checks its card now, so that opening it
   * skips that finder round trip. Ignores what it cannot use (see invites.ts).
   */
  prefetchInvite(text: string): void {
    if (!this.reach || !this.stored) return
    prefetchInvite(this.inviteDeps(), text)
  }

  private inviteDeps(): InviteDeps {
    return inviteDepsOf(this.parts, {
      reach: () => this.reach,
      on: (event, handler) => this.on(event, handler),
      timeout: this.opts.inviteTimeout ?? 20_000,
      prefetched: this.prefetched,
    })
  }

  async sendMessage(contactId: string, body: string): Promise<OutboxItem> {
    this.parts.identity.require()
    return this.parts.threads.send(contactId, body)
  }

  /**
   * Read receipts for a contact's messages (none on a location without a screen); our other
   * devices stop counting them unread (`message:read`).
   */
  markRead(contactId: string, msgIds: string[]): Promise<void> {
    if (msgIds.length && this.opts.screen !== false)
      this.parts.own.marked({ dir: 'in', contactId, msgIds, state: 'read' })
    return this.parts.threads.markRead(contactId, msgIds)
  }

  /** Rotates the find secret: old invite links stop working; connected contacts get the new B. */
  async resetInvites(): Promise<void> {
    const next = await this.parts.identity.rotateFindSecret()
    await this.reach?.pool.reregister()
    sendNewB(this.sessions, next)
  }

  /** Renegotiates (or restarts ICE on) every session with a contact, over the peer link. */
  async renegotiate(
    contactId: string,
    opts: { iceRestart?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    return renegotiate(this.sessions, this.reach?.ice, contactId, opts)
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
    return this.parts.introductions.introduce(a, b, opts)
  }

  /** "Accept introductions" (on unless the host says otherwise). */
  setAcceptIntroductions(on: boolean): void {
    this.acceptingIntroductions = on
  }

  /** the identity as stored, once there is one (tests read its section A through a cast) */
  private get stored(): StoredIdentity | undefined {
    return this.parts.identity.stored
  }

  private deviceDeps(): DeviceDeps {
    return {
      ports: this.ports,
      opts: this.opts,
      makeClient: (ports, opts) => new OpenPeerClient(ports, opts),
      now: this.parts.replay.now,
    }
  }
}

export function createOpenPeerClient(
  ports: ClientPorts,
  opts: OpenPeerClientOptions,
): OpenPeerClient {
  return new OpenPeerClient(ports, opts)
}
