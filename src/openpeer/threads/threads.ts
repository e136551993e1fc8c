import { KeyedQueue } from '../async.ts'
import { OpenPeerError } from '../errors.ts'
import { BODY_MAX } from '../limits.ts'
import { randomId } from '../identity/encoding.ts'
import { signJson, verifyJson } from '../identity/sign.ts'
import type { InboxStore, OutboxItem, OutboxStore } from '../ports.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { IncomingNotify } from '../wire/endpoint.ts'
import type { RequestOf } from '../wire/messages.ts'
import { threadIdFor } from './thread-id.ts'

export interface ReceivedMessage {
  contactId: string
  thread: string
  msgId: string
  body: string
  sent: number
  received: number
}

export interface ThreadsDeps {
  me: () => { uri: string; contactId: string; keys: { sign: CryptoKeyPair } }
  outbox: OutboxStore
  inbox: InboxStore
  /** the open sessions with every online location of the contact (each gets each message) */
  sessionsOf: (contactId: string) => PeerSession[]
  uriOf: (contactId: string) => string | undefined
  onReceived: (message: ReceivedMessage) => void
  /** a message we wrote, saved to the outbox (our other devices are told) */
  onWritten?: (item: OutboxItem) => void
  /** false on a location without a screen (a super-peer): it never says "read" */
  screen?: boolean
  onState: (update: { contactId: string; msgId: string; state: 'delivered' | 'read' }) => void
  onError: (error: OpenPeerError) => void
}

/**
 * Signed 1:1 messages with delivered/read receipts (PROTOCOL §5.8). A message sits in the
 * persisted outbox until the receiver's delivered answer, and leaves by itself when the
 * contact's session opens again.
 */
export class Threads {
  /** each message's delivery under way, resolving to whether it was acknowledged */
  private readonly inflight = new Map<string, Promise<boolean>>()
  private readonly unsentReads = new Map<string, Set<string>>()
  /*
   * Per contact, messages keep their order at every asynchronous step: as written (saved to
   * the outbox), as sent (signed and handed to the channel) and as received (checked and shown).
   */
  private readonly writing = new KeyedQueue()
  private readonly sending = new KeyedQueue()
  private readonly receiving = new KeyedQueue()

  constructor(private readonly deps: ThreadsDeps) {}

  async send(contactId: string, body: string): Promise<OutboxItem> {
    if (!body.trim()) throw new OpenPeerError('ERR_BAD_MESSAGE', 'an empty message is not sent')
    if (body.length > BODY_MAX)
      throw new OpenPeerError('ERR_TOO_LARGE', `a message has at most ${BODY_MAX} characters`)
    if (!this.deps.uriOf(contactId)) throw new OpenPeerError('ERR_NOT_FOUND', 'no such contact')
    const msgId = randomId()
    const sent = Date.now()
    return this.writing.run(contactId, async () => {
      const thread = await threadIdFor(this.deps.me().contactId, contactId)
      const item: OutboxItem = { contactId, thread, msgId, body, sent }
      try {
        await this.deps.outbox.put(item)
      } catch (cause) {
        throw new OpenPeerError('ERR_STORAGE', 'the message could not be saved; it was not sent', {
          cause,
        })
      }
      this.deps.onWritten?.(item)
      void this.deliver(item)
      return item
    })
  }

  /** Sends everything waiting for this contact, oldest first (on session open). */
  async flush(contactId: string): Promise<void> {
    const items = (await this.deps.outbox.list())
      .filter((i) => i.contactId === contactId)
      .sort((a, b) => a.sent - b.sent)
    for (const item of items) {
      if (!(await this.deliver(item))) break
    }
    const reads = this.unsentReads.get(contactId)
    if (reads?.size) await this.markRead(contactId, [...reads])
  }

  async markRead(contactId: string, msgIds: string[]): Promise<void> {
    // Nobody read it on a location without a screen, whatever its host says.
    if (msgIds.length === 0 || this.deps.screen === false) return
    const sessions = this.deps.sessionsOf(contactId)
    const pending = this.unsentReads.get(contactId) ?? new Set<string>()
    if (!sessions.length) {
      for (const id of msgIds) pending.add(id)
      this.unsentReads.set(contactId, pending)
      return
    }
    const thread = await threadIdFor(this.deps.me().contactId, contactId)
    for (let i = 0; i < msgIds.length; i += 200) {
      const batch = msgIds.slice(i, i + 200)
      // Every location of theirs shows the mark, not just the one that sent it.
      for (const session of sessions) {
        try {
          session.notify('receipt', { thread, msgIds: batch, state: 'read' })
        } catch {
          // closed meanwhile: the others still got it
        }
      }
      for (const id of batch) pending.delete(id)
    }
  }

  /**
   * A message from an open session. Handled one at a time per contact, in arrival order: the
   * checks are asynchronous, and a quick second message must not overtake the first.
   */
  onRequest(session: PeerSession, message: RequestOf<'thread-message'>): Promise<object> {
    return this.receiving.run(session.remoteContactId, () => this.receive(session, message))
  }

  private async receive(
    session: PeerSession,
    message: RequestOf<'thread-message'>,
  ): Promise<object> {
    const { proof } = message
    const remote = session.remotePeer
    if (!remote) throw new OpenPeerError('ERR_NOT_IDENTIFIED', 'thread-message before identify')
    await verifyJson(remote.file.A.signKey, proof, 'thread message signature')
    const me = this.deps.me()
    if (proof.from !== remote.uri || proof.to !== me.uri) {
      throw new OpenPeerError('ERR_CONTACT_MISMATCH', 'thread message is from or to someone else')
    }
    if (proof.thread !== (await threadIdFor(me.contactId, remote.contactId))) {
      throw new OpenPeerError('ERR_BAD_MESSAGE', 'thread message names another thread')
    }
    let fresh: boolean
    try {
      fresh = await this.deps.inbox.markSeen(proof.msgId)
    } catch (cause) {
      // Not acknowledging makes the sender keep it: better than acknowledging what we lost.
      throw new OpenPeerError('ERR_STORAGE', 'cannot store the message', { cause })
    }
    if (fresh) {
      this.deps.onReceived({
        contactId: remote.contactId,
        thread: proof.thread,
        msgId: proof.msgId,
        body: proof.body,
        sent: proof.sent,
        received: Date.now(),
      })
    }
    return {}
  }

  onNotify(session: PeerSession, message: IncomingNotify): boolean {
    if (message.type !== 'receipt') return false
    for (const msgId of message.msgIds) {
      this.deps.onState({ contactId: session.remoteContactId, msgId, state: message.state })
    }
    return true
  }

  /**
   * Hands a message to every open location of the contact (each of their devices shows it; the
   * receivers de-duplicate by msgId), unless an attempt is under way; delivered as soon as one
   * of them has it stored. An attempt on a link that died unnoticed fails only when its session
   * closes, which is also when the session replacing it opens and flushes: the flush waits for
   * that outcome and sends the message again, in its turn, instead of leaving it in the outbox
   * until the next reconnect.
   */
  private async deliver(item: OutboxItem): Promise<boolean> {
    for (let under = this.inflight.get(item.msgId); under; under = this.inflight.get(item.msgId))
      if (await under) return true
    const attempt = this.attempt(item)
    this.inflight.set(item.msgId, attempt)
    try {
      return await attempt
    } finally {
      if (this.inflight.get(item.msgId) === attempt) this.inflight.delete(item.msgId)
    }
  }

  private async attempt(item: OutboxItem): Promise<boolean> {
    const sessions = this.deps.sessionsOf(item.contactId)
    const to = this.deps.uriOf(item.contactId)
    if (!sessions.length || !to) return false
    try {
      // Signed and handed to the channels in turn; the answers are awaited side by side.
      const { answers } = await this.sending.run(item.contactId, async () => {
        const me = this.deps.me()
        const proof = await signJson(me.keys.sign.privateKey, {
          thread: item.thread,
          msgId: item.msgId,
          from: me.uri,
          to,
          sent: item.sent,
          body: item.body,
          mime: 'text/plain' as const,
        })
        return { answers: sessions.map((s) => s.request('thread-message', { proof })) }
      })
      try {
        await Promise.any(answers)
      } catch (err) {
        throw err instanceof AggregateError ? err.errors[0] : err
      }
      await this.deps.outbox.delete(item.msgId)
      this.deps.onState({ contactId: item.contactId, msgId: item.msgId, state: 'delivered' })
      return true
    } catch (err) {
      // It stays in the outbox; the next session open sends it again.
      if (
        err instanceof OpenPeerError &&
        err.code !== 'ERR_SESSION_CLOSED' &&
        err.code !== 'ERR_TIMEOUT'
      )
        this.deps.onError(err)
      return false
    }
  }
}
