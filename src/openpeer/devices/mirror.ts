import { OpenPeerError, isOpenPeerError } from '../errors.ts'
import {
  contactIdOf,
  verifyPeerFile,
  type SectionA,
  type VerifiedPeerFile,
} from '../identity/peer-file.ts'
import type { HistoryMessage, InboxStore, OutboxItem } from '../ports.ts'
import type { LocalIdentity } from '../session/identify.ts'
import type { SessionManager } from '../session/manager.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { FinderPool } from '../finder/pool.ts'
import type { Rendezvous } from '../session/rendezvous.ts'
import type { ReceivedMessage } from '../threads/threads.ts'
import type { RequestOf } from '../wire/messages.ts'
import type { Contacts } from '../client/contacts.ts'

/** One message as our devices tell each other of it. */
export interface MirroredMessage {
  /** `in`: a contact sent it to us; `out`: we sent it (from whichever device) */
  dir: 'in' | 'out'
  contactId: string
  thread: string
  msgId: string
  body: string
  sent: number
}

/** A receipt (`out`) or a read on this device (`in`), as our devices tell each other. */
export interface MirroredMark {
  dir: 'in' | 'out'
  contactId: string
  msgIds: string[]
  state: 'delivered' | 'read'
}

export interface MirrorDeps {
  me: () => LocalIdentity
  /** do we know of other devices of ours? (only then are they rung) */
  hasDevices: () => boolean
  /** devices the user removed: told so when they connect, and never synced */
  removed: (locationId: string) => boolean
  sessions: SessionManager
  contacts: Contacts
  inbox: InboxStore
  /** the finder pool and find exchange, while started */
  reach: () => { pool: FinderPool; rendezvous: Rendezvous } | undefined
  upsert: (peer: VerifiedPeerFile, findSecret: string | undefined) => Promise<void>
  received: (m: ReceivedMessage) => void
  /** a message we sent from another device */
  sentElsewhere: (m: Omit<MirroredMessage, 'dir'>) => void
  /** a receipt for our message, or a read of theirs, that another device of ours had */
  markedElsewhere: (m: MirroredMark) => void
  report: (error: unknown, during: string) => void
  now: () => number
  /** ms between rings of our other devices while none is connected */
  every: number
  /** the host's recent history: the log a reloaded device starts from */
  recent?: ((limit: number) => Promise<HistoryMessage[]>) | undefined
  /** the thread id of a conversation with a contact */
  threadOf: (contactId: string) => Promise<string>
}

/** How many recent messages a device keeps to tell a device of ours that comes back. */
const LOG_MAX = 1_000
const BATCH = 100

/**
 * Our own other locations (docs/devices.md): rings them like a contact (the finder lets an
 * identity find its other locations), and over those sessions passes on every message we send
 * or receive, and on connect everything recent the other may have missed plus our contacts.
 * The other side de-duplicates by msgId through the inbox, so a message that reached both
 * devices directly, or comes round twice, shows once.
 *
 * The recent log starts from the host's history (HistoryPort.recent) and grows with what
 * passes: a device that stayed up, or reloaded, catches up one that comes back.
 */
export class Mirror {
  private readonly log: MirroredMessage[] = []
  /** the highest mark of each logged message, by msgId (catch-up carries them too) */
  private readonly marks = new Map<string, MirroredMark>()
  private readonly timer: ReturnType<typeof setInterval>
  private readonly offs: (() => void)[] = []
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private ringing = false
  private stopped = false
  /** settles once the host's recent history is in the log */
  private readonly loaded: Promise<void>

  constructor(private readonly deps: MirrorDeps) {
    this.loaded = this.load().catch((err: unknown) =>
      deps.report(err, 'reading recent history for our other devices'),
    )
    this.timer = setInterval(() => void this.ring(), deps.every)
    this.offs.push(
      deps.sessions.on('open', (s) => {
        if (!this.isOwn(s)) return
        if (deps.removed(s.remoteLocationId)) this.tellRemoved(s)
        else void this.catchUp(s)
      }),
      deps.sessions.on('closed', ({ session }) => {
        // They may only have reloaded: ring again soon (not in lockstep with them).
        if (!this.isOwn(session)) return
        const timer = setTimeout(
          () => {
            this.timers.delete(timer)
            void this.ring()
          },
          1_500 + Math.random() * 1_500,
        )
        this.timers.add(timer)
      }),
    )
  }

  /** A reloaded device hands on what its history holds, not just what passed since. */
  private async load(): Promise<void> {
    const recent = (await this.deps.recent?.(LOG_MAX)) ?? []
    const ID = /^[A-Za-z0-9_-]{1,64}$/
    const items: MirroredMessage[] = []
    for (const m of recent) {
      // The host's history holds more than chat messages (file cards): only these travel.
      if (!ID.test(m.msgId) || !/^[0-9a-f]{64}$/.test(m.contactId)) continue
      const thread = await this.deps.threadOf(m.contactId)
      items.push({ dir: m.dir, ...pick({ ...m, thread }) })
    }
    const known = new Set(this.log.map((m) => m.msgId))
    this.log.unshift(...items.filter((m) => !known.has(m.msgId)))
    if (this.log.length > LOG_MAX) this.log.splice(0, this.log.length - LOG_MAX)
  }

  /** Our finder registration came up: ring our other devices now. */
  registered(): void {
    void this.ring()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const off of this.offs.splice(0)) off()
  }

  isOwn(session: PeerSession): boolean {
    return session.remoteContactId === this.deps.me().contactId
  }

  /** We wrote a message here: our other devices show it as sent. */
  written(item: OutboxItem): void {
    this.record({ dir: 'out', ...pick(item) })
  }

  /** A contact's message reached this device: the others get it too (they may be unreachable to them). */
  receivedHere(m: ReceivedMessage): void {
    this.record({ dir: 'in', ...pick(m) })
  }

  /** A receipt for a message we sent, or a read here of a contact's messages. */
  marked(mark: MirroredMark): void {
    this.keepMark(mark)
    for (const s of this.own()) void this.send(s, { marks: [mark] })
  }

  /** Kept for catch-up, highest first; as bounded as the log. */
  private keepMark(mark: MirroredMark): void {
    for (const id of mark.msgIds) {
      if (this.marks.get(id)?.state === 'read') continue
      this.marks.delete(id)
      this.marks.set(id, { ...mark, msgIds: [id] })
    }
    for (const id of this.marks.keys()) {
      if (this.marks.size <= LOG_MAX) break
      this.marks.delete(id)
    }
  }

  /** What a device of ours tells us. */
  async onRequest(session: PeerSession, m: RequestOf<'device-sync'>): Promise<object> {
    if (!this.isOwn(session) || this.deps.removed(session.remoteLocationId))
      throw new OpenPeerError('ERR_FORBIDDEN', 'device-sync comes from our own devices only')
    for (const c of m.contacts) {
      if (await this.known(c.peer.A)) continue
      try {
        const peer = await verifyPeerFile(c.peer, undefined, this.deps.now())
        if (peer.contactId !== this.deps.me().contactId) await this.deps.upsert(peer, c.findSecret)
      } catch (err) {
        this.deps.report(err, 'a contact from another device')
      }
    }
    for (const item of m.messages) {
      if (!(await this.deps.inbox.markSeen(item.msgId))) continue
      this.remember(item)
      const { dir, ...rest } = item
      if (dir === 'in') this.deps.received({ ...rest, received: this.deps.now() })
      else this.deps.sentElsewhere(rest)
    }
    // After the messages: a mark for a message shown just now lands on it. Not passed on
    // again: every device of ours hears the receipt from the contact or from the one that had it.
    for (const mark of m.marks) {
      this.keepMark(mark)
      this.deps.markedElsewhere(mark)
    }
    return {}
  }

  /** "Remove <device>": it deletes its copy and leaves (an honest device; docs/devices.md). */
  tellRemoved(session: PeerSession): void {
    try {
      session.notify('device-remove', { reason: 'removed by another device of this identity' })
    } catch {
      // gone already: it is told the next time it connects
    }
    // Closed a little later, so the notify is not cut off by the close.
    setTimeout(() => session.close(), 200)
  }

  private async known(A: SectionA): Promise<boolean> {
    return this.deps.contacts.has(await contactIdOf(A))
  }

  private record(item: MirroredMessage): void {
    // Marked seen here so that it coming back from another device is not shown twice.
    void this.deps.inbox.markSeen(item.msgId).catch(() => undefined)
    this.remember(item)
    for (const s of this.own()) void this.send(s, { messages: [item] })
  }

  private remember(item: MirroredMessage): void {
    this.log.push(item)
    if (this.log.length > LOG_MAX) {
      for (const old of this.log.splice(0, this.log.length - LOG_MAX)) this.marks.delete(old.msgId)
    }
  }

  private own(): PeerSession[] {
    return this.deps.sessions
      .ofContact(this.deps.me().contactId)
      .filter((s) => !this.deps.removed(s.remoteLocationId))
  }

  /** Open sessions with one location of ours. */
  sessionsWith(locationId: string): PeerSession[] {
    return this.deps.sessions
      .ofContact(this.deps.me().contactId)
      .filter((s) => s.remoteLocationId === locationId)
  }

  /** A device of ours connected: everything recent, and our contacts, in batches. */
  private async catchUp(session: PeerSession): Promise<void> {
    await this.loaded
    const contacts = this.deps.contacts.list().map((c) => ({
      peer: c.file,
      ...(c.findSecret ? { findSecret: c.findSecret } : {}),
    }))
    for (let i = 0; i < Math.max(contacts.length, 1); i += 50) {
      if (!(await this.send(session, { contacts: contacts.slice(i, i + 50) }))) return
    }
    const log = [...this.log]
    for (let i = 0; i < log.length; i += BATCH) {
      if (!(await this.send(session, { messages: log.slice(i, i + BATCH) }))) return
    }
    const marks = [...this.marks.values()]
    for (let i = 0; i < marks.length; i += 50) {
      if (!(await this.send(session, { marks: marks.slice(i, i + 50) }))) return
    }
  }

  private async send(
    session: PeerSession,
    part: Partial<Omit<RequestOf<'device-sync'>, 'v' | 'kind' | 'type' | 'id'>>,
  ): Promise<boolean> {
    try {
      await session.request('device-sync', {
        messages: part.messages ?? [],
        contacts: part.contacts ?? [],
        marks: part.marks ?? [],
      })
      return true
    } catch (err) {
      if (!isOpenPeerError(err, 'ERR_SESSION_CLOSED')) this.deps.report(err, 'syncing a device')
      return false
    }
  }

  /** Rings our other locations through our home finder, when we know we have some. */
  private async ring(): Promise<void> {
    const reach = this.deps.reach()
    if (this.stopped || this.ringing || !reach || !this.deps.hasDevices()) return
    if (this.own().length || this.deps.sessions.connecting(this.deps.me().contactId)) return
    this.ringing = true
    try {
      const me = this.deps.me()
      const finder = await reach.pool.get(me.file.A.domain)
      await reach.rendezvous.find(finder, {
        contactId: me.contactId,
        A: me.file.A,
        findSecret: me.file.B.findSecret,
      })
    } catch {
      // None of our other devices is online (the finder says 400/404): the next round tries.
    } finally {
      this.ringing = false
    }
  }
}

function pick(m: Omit<MirroredMessage, 'dir'>): Omit<MirroredMessage, 'dir'> {
  return { contactId: m.contactId, thread: m.thread, msgId: m.msgId, body: m.body, sent: m.sent }
}
