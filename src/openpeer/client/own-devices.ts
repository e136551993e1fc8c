import { OpenPeerError } from '../errors.ts'
import type { TorrentView } from '../torrents/types.ts'
import type { FinderPool } from '../finder/pool.ts'
import type { VerifiedPeerFile } from '../identity/peer-file.ts'
import type { ClientPorts, DeviceRecord, OutboxItem, StoredIdentity } from '../ports.ts'
import type { LocalIdentity } from '../session/identify.ts'
import type { SessionManager } from '../session/manager.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { Rendezvous } from '../session/rendezvous.ts'
import { threadIdFor } from '../threads/thread-id.ts'
import type { ReceivedMessage } from '../threads/threads.ts'
import { Mirror, type MirroredMark } from '../devices/mirror.ts'
import type { Contacts } from './contacts.ts'
import type { ClientEvents } from './types.ts'

export interface OwnDevicesDeps {
  ports: ClientPorts
  sessions: SessionManager
  contacts: Contacts
  now: () => number
  /** ms between rings of our other devices while none is connected */
  every: number
  stored: () => StoredIdentity | undefined
  /** saves a changed identity and keeps it as the client's */
  save: (next: StoredIdentity) => Promise<void>
  me: () => LocalIdentity
  reach: () => { pool: FinderPool; rendezvous: Rendezvous } | undefined
  upsert: (peer: VerifiedPeerFile, findSecret: string | undefined) => Promise<void>
  emit: <K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]) => void
  report: (error: unknown, during: string) => void
  /** this device was removed by another of ours: stop, and forget the identity */
  forget: () => Promise<void>
}

/**
 * The client's side of our other devices (docs/devices.md): which ones we know, their sync
 * (devices/mirror.ts, while started), removing one, and being removed.
 */
export class OwnDevices {
  private current: Mirror | undefined

  constructor(private readonly deps: OwnDevicesDeps) {}

  /** the sync with our other devices, while started (routing hands it device-sync) */
  get mirror(): Mirror | undefined {
    return this.current
  }

  start(): void {
    const { deps } = this
    this.current = new Mirror({
      me: deps.me,
      hasDevices: () => (deps.stored()?.devices?.length ?? 0) > 0,
      removed: (id) => deps.stored()?.removed?.includes(id) ?? false,
      sessions: deps.sessions,
      contacts: deps.contacts,
      inbox: deps.ports.inbox,
      reach: deps.reach,
      upsert: deps.upsert,
      received: (m) => deps.emit('message:received', m),
      sentElsewhere: (m) => deps.emit('message:sent', m),
      markedElsewhere: (m) => this.markedElsewhere(m),
      report: deps.report,
      now: deps.now,
      every: deps.every,
      recent: deps.ports.history?.recent?.bind(deps.ports.history),
      threadOf: (contactId) => threadIdFor(deps.me().contactId, contactId),
    })
  }

  stop(): void {
    this.current?.stop()
    this.current = undefined
  }

  /** our home finder registration came up: ring our other devices */
  registered(): void {
    this.current?.registered()
  }

  written(item: OutboxItem): void {
    this.current?.written(item)
  }

  receivedHere(m: ReceivedMessage): void {
    this.current?.receivedHere(m)
  }

  marked(mark: MirroredMark): void {
    this.current?.marked(mark)
  }

  list(): DeviceRecord[] {
    return [...(this.deps.stored()?.devices ?? [])]
  }

  /** Forgets a device and tells it to delete its copy, now or when it next connects. */
  async remove(locationId: string): Promise<void> {
    const me = this.deps.stored()
    if (!me) return
    await this.deps.save({
      ...me,
      devices: (me.devices ?? []).filter((d) => d.locationId !== locationId),
      removed: [...new Set([...(me.removed ?? []), locationId])],
    })
    const mirror = this.current
    for (const s of mirror?.sessionsWith(locationId) ?? []) mirror?.tellRemoved(s)
  }

  /** A device we linked, or one of ours we met: kept among our devices (not once removed). */
  async remember(d: { locationId: string; label: string }): Promise<void> {
    const me = this.deps.stored()
    if (!me || me.devices?.some((x) => x.locationId === d.locationId)) return
    if (me.removed?.includes(d.locationId)) return
    await this.deps.save({
      ...me,
      devices: [...(me.devices ?? []), { ...d, added: this.deps.now() }],
    })
  }

  /*
   * A device of ours connected or left: named in `device:state`; one we did not know (linked
   * by another device of ours) is remembered first, so a host listing devices() finds it.
   */
  seen(location: { id: string; label: string }, state: 'online' | 'offline'): void {
    const known = this.deps.stored()?.devices?.find((d) => d.locationId === location.id)
    const label = known?.label ?? location.label
    const emit = (): void =>
      this.deps.emit('device:state', { locationId: location.id, label, state })
    if (known || !location.label) return emit()
    this.remember({ locationId: location.id, label })
      .catch((err: unknown) => this.deps.report(err, 'remembering a device'))
      .finally(emit)
  }

  /** Another device of ours removed this one: the identity is deleted here, and we leave. */
  async removedBy(session: PeerSession): Promise<void> {
    const by = session.remoteLocation?.label || 'another device'
    await this.deps.forget()
    this.deps.emit('identity:removed', { by })
  }

  private markedElsewhere(m: MirroredMark): void {
    if (m.dir === 'in') {
      this.deps.emit('message:read', { contactId: m.contactId, msgIds: m.msgIds })
      return
    }
    for (const msgId of m.msgIds)
      this.deps.emit('message:state', { contactId: m.contactId, msgId, state: m.state })
  }

  /**
   * Asks every always-on device of ours that is online (a super-peer) to keep a file
   * (`device-pin`): how many said yes; ERR_UNAVAILABLE when none is online.
   */
  async pin(
    view: TorrentView,
    opts: { signal?: AbortSignal; public?: boolean },
  ): Promise<{ kept: number }> {
    const me = this.deps.me().contactId
    const { infoHash, magnet, name, size, mime } = view
    const body = {
      file: { infoHash, magnet, name, size, mime },
      offerTo: view.contactIds.filter((id) => id !== me),
      ...(opts.public !== undefined ? { public: opts.public } : {}),
    }
    const answers = await Promise.allSettled(
      this.deps.sessions
        .ofContact(me)
        .map((s) => s.request('device-pin', body, { signal: opts.signal })),
    )
    const kept = answers.filter((a) => a.status === 'fulfilled' && a.value.kept).length
    if (!kept) {
      throw new OpenPeerError(
        'ERR_UNAVAILABLE',
        'none of your always-on devices is online to keep it (link a super-peer: Profile → Link a device)',
      )
    }
    return { kept }
  }
}
