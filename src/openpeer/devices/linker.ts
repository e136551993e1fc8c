import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { randomId } from '../identity/encoding.ts'
import { formatDeviceLink } from '../identity/device-link.ts'
import { parseInvite } from '../identity/invite.ts'
import { seal } from '../identity/seal.ts'
import type { OpenPeerClient } from '../client/client.ts'
import type { PeerSession } from '../session/peer-session.ts'
import { DEVICE_PART_MAX, DEVICE_PARTS_MAX } from '../wire/messages.ts'
import type { IncomingRequest } from '../wire/endpoint.ts'
import type { DeviceBundle } from './bundle.ts'
import { deviceCode } from './code.ts'
import type { DeviceLinkEvents, PendingDevice } from './types.ts'

export interface DeviceLinkerDeps {
  /** a started throwaway client with a fresh identity, registered at our home finder */
  client: OpenPeerClient
  origin: string
  expires: number
  now: () => number
  /** the bundle to send, gathered when the user approves (keys, contacts, history) */
  bundle: (newcomer: { locationId: string }) => Promise<DeviceBundle>
  /** the newcomer was linked: remember it among our devices */
  linked: (device: { locationId: string; label: string }) => Promise<void>
}

const PENDING_MAX = 8

/** How long one part of the transfer may take to be acknowledged (the last: to be stored). */
const PART_TIMEOUT = 30_000

/**
 * The linked device's side of a device link (docs/devices.md): a throwaway identity that
 * answers the link, lists who opened it with the short code, and on approval sends the sealed
 * identity to that one newcomer. One use: after an approval or a decline every later hello is
 * ERR_LINK_USED; after `expires`, ERR_LINK_EXPIRED, and the throwaway leaves the finder.
 */
export class DeviceLinker extends Emitter<DeviceLinkEvents> {
  readonly link: string
  private readonly pending = new Map<string, PendingDevice>()
  private spent = false
  /** the user's part is over (emitted `ended`) */
  private ended = false
  /** the throwaway left the finder */
  private closed = false
  private readonly timer: ReturnType<typeof setTimeout>

  constructor(private readonly deps: DeviceLinkerDeps) {
    super()
    const invite = parseInvite(deps.client.inviteLink(deps.origin))
    this.link = formatDeviceLink(deps.origin, { ...invite, expires: deps.expires })
    deps.client.deviceHandler = {
      request: (session, m) => this.onRequest(session, m),
      notify: () => undefined,
    }
    this.timer = setTimeout(
      () => void this.close(new OpenPeerError('ERR_LINK_EXPIRED', 'the device link expired')),
      Math.max(0, deps.expires - deps.now()),
    )
  }

  get expires(): number {
    return this.deps.expires
  }

  /** Who opened the link and waits, with their codes. */
  list(): PendingDevice[] {
    return [...this.pending.values()]
  }

  /**
   * The user compared the codes and approves `id`: the identity goes over, sealed to that
   * newcomer, and the link is spent. Resolves once the new device stored it.
   */
  async approve(id: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const device = this.pending.get(id)
    const session = this.sessionOf(id)
    if (!device || !session) throw new OpenPeerError('ERR_NOT_FOUND', 'that device is not waiting')
    if (this.spent) throw new OpenPeerError('ERR_LINK_USED', 'this device link was used already')
    this.spent = true
    this.pending.delete(id)
    try {
      const box = session.remotePeer?.file.A.boxKey
      if (!box) throw new OpenPeerError('ERR_NOT_IDENTIFIED', 'the newcomer is not identified')
      // Its location id is chosen here, so this device knows it before it ever connects.
      const locationId = randomId(12)
      const sealed = JSON.stringify(
        await seal(box, await this.deps.bundle({ locationId }), 'device'),
      )
      const parts = Math.ceil(sealed.length / DEVICE_PART_MAX)
      if (parts > DEVICE_PARTS_MAX)
        throw new OpenPeerError('ERR_TOO_LARGE', 'too much history to transfer at once')
      for (let part = 0; part < parts; part++) {
        const data = sealed.slice(part * DEVICE_PART_MAX, (part + 1) * DEVICE_PART_MAX)
        await session.request(
          'device-transfer',
          { part, parts, data },
          { timeout: PART_TIMEOUT, ...(opts.signal ? { signal: opts.signal } : {}) },
        )
      }
      await this.deps.linked({ locationId, label: device.name })
      this.emit('linked', { id, name: device.name })
      this.finish()
    } catch (err) {
      const error = asOpenPeerError(err, 'the device transfer failed')
      this.finish(error)
      throw error
    }
  }

  /** The user does not know this newcomer: it is told, and the link is spent. */
  decline(id: string): void {
    const session = this.sessionOf(id)
    this.spent = true
    this.pending.delete(id)
    try {
      session?.notify('device-decline', { reason: 'the linked device declined' })
    } catch {
      // the newcomer left already: there is nobody to tell
    }
    this.finish(new OpenPeerError('ERR_LINK_DECLINED', 'declined'))
  }

  /** Ends the link now (the user closed the panel); idempotent. */
  stop(): Promise<void> {
    return this.close()
  }

  private sessionOf(id: string): PeerSession | undefined {
    return this.deps.client.sessionsWith(id)[0]
  }

  private async onRequest(session: PeerSession, m: IncomingRequest): Promise<object> {
    if (m.type !== 'device-hello')
      throw new OpenPeerError('ERR_NOT_FOUND', `${m.type} is not served by a device link`)
    if (this.deps.now() > this.deps.expires)
      throw new OpenPeerError('ERR_LINK_EXPIRED', 'this device link has expired')
    if (this.spent || this.ended)
      throw new OpenPeerError('ERR_LINK_USED', 'this device link was used already')
    // Whoever holds a leaked link could fill the list; a handful is plenty for one person.
    if (this.pending.size >= PENDING_MAX)
      throw new OpenPeerError('ERR_RATE_LIMITED', 'too many devices are waiting on this link')
    const nonce = randomId()
    const code = await deviceCode(
      this.deps.client.identity()?.contactId ?? '',
      session.remoteContactId,
      m.nonce,
      nonce,
    )
    const device = { id: session.remoteContactId, name: m.name, code }
    this.pending.set(device.id, device)
    session.on('closed', () => {
      if (this.pending.delete(device.id)) this.emit('gone', { id: device.id })
    })
    this.emit('pending', device)
    return { nonce }
  }

  /*
   * The link is over for the user (ended is emitted once), but the throwaway stays registered
   * until the link's expiry so that a second use is told ERR_LINK_USED rather than finding
   * nobody; stop() and the expiry take it off the finder.
   */
  private finish(error?: OpenPeerError): void {
    this.spent = true
    this.pending.clear()
    if (this.ended) return
    this.ended = true
    this.emit('ended', { error })
  }

  private async close(error?: OpenPeerError): Promise<void> {
    this.finish(error)
    if (this.closed) return
    this.closed = true
    clearTimeout(this.timer)
    await this.deps.client.stop()
  }
}
