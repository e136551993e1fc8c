import { OpenPeerError, isOpenPeerError } from '../errors.ts'
import { verifyPeerFile, type VerifiedPeerFile } from '../identity/peer-file.ts'
import type { SessionManager } from '../session/manager.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { RequestOf } from '../wire/messages.ts'
import { displayNameOf, type Contacts } from './contacts.ts'

export interface IntroductionDeps {
  sessions: SessionManager
  contacts: Contacts
  /** false when the person refuses introductions ("Accept introductions" off) */
  accepting(): boolean
  /** adds or updates the contact, remembering who introduced them */
  upsert(peer: VerifiedPeerFile, introducedBy: string): Promise<void>
  /** tells the person (a notice naming the introducer) */
  introduced(contactId: string, by: { contactId: string; name: string }): void
  /** rings the new contact now (one side of the two rings, so they do not ring at once) */
  ring(contactId: string): void
  now(): number
  me(): { contactId: string }
}

/**
 * Introductions (PROTOCOL §5.6): a contact gives two of its contacts each other's whole peer
 * file, B included, so each may find the other, through a finder or through the introducer's
 * own sessions when no finder answers. The peer files are signed by their owners: the
 * introducer can pass them on but not make one up, and the contacts it introduces are
 * unverified until their owners compare safety numbers.
 */
export class Introductions {
  constructor(private readonly deps: IntroductionDeps) {}

  /**
   * Introduces two connected contacts to each other: asks both first (without their find
   * secrets), and only when both accept gives each the other's find secret.
   */
  async introduce(a: string, b: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (a === b) throw new OpenPeerError('ERR_BAD_MESSAGE', 'a contact cannot meet itself')
    const [sa, sb] = [this.sessionOf(a), this.sessionOf(b)]
    const [fa, fb] = [this.fileOf(a), this.fileOf(b)]
    const ask = async (session: PeerSession, other: typeof fa): Promise<void> => {
      try {
        await session.request('introduce', { peer: { A: other.A, C: other.C } }, opts)
      } catch (err) {
        if (!isOpenPeerError(err, 'ERR_FORBIDDEN')) throw err
        throw new OpenPeerError(
          'ERR_FORBIDDEN',
          `${this.nameOf(session)} does not accept introductions`,
        )
      }
    }
    await Promise.all([ask(sa, fb), ask(sb, fa)])
    await Promise.all([
      sa.request('introduce', { peer: fb }, opts),
      sb.request('introduce', { peer: fa }, opts),
    ])
  }

  /** `session`'s contact introduces someone to us: asks (no B), or gives us their card (B). */
  async receive(session: PeerSession, message: RequestOf<'introduce'>): Promise<object> {
    if (!this.deps.accepting()) {
      throw new OpenPeerError('ERR_FORBIDDEN', 'this contact does not accept introductions')
    }
    const peer = await verifyPeerFile(message.peer, undefined, this.deps.now())
    const me = this.deps.me().contactId
    if (peer.contactId === me || peer.contactId === session.remoteContactId) {
      throw new OpenPeerError('ERR_BAD_MESSAGE', 'an introduction to oneself or to the introducer')
    }
    if (!message.peer.B) return {} // only asked: we would meet them
    const by = this.deps.contacts.get(session.remoteContactId)
    await this.deps.upsert(peer, session.remoteContactId)
    this.deps.introduced(peer.contactId, {
      contactId: session.remoteContactId,
      name: by ? displayNameOf(by) : 'a contact',
    })
    // Both sides were told at once: the one whose id sorts first rings, the other waits.
    if (me < peer.contactId) this.deps.ring(peer.contactId)
    return {}
  }

  private nameOf(session: PeerSession): string {
    const record = this.deps.contacts.get(session.remoteContactId)
    return record ? displayNameOf(record) : 'That contact'
  }

  private sessionOf(contactId: string): PeerSession {
    const session = this.deps.sessions.ofContact(contactId)[0]
    if (!session) {
      const record = this.deps.contacts.get(contactId)
      const name = record ? displayNameOf(record) : 'That contact'
      throw new OpenPeerError('ERR_UNAVAILABLE', `${name} is not connected: both must be online`)
    }
    return session
  }

  private fileOf(contactId: string): {
    A: VerifiedPeerFile['file']['A']
    B: NonNullable<VerifiedPeerFile['file']['B']>
    C: NonNullable<VerifiedPeerFile['file']['C']>
  } {
    const file = this.deps.contacts.get(contactId)?.file
    if (!file?.B || !file.C) {
      throw new OpenPeerError('ERR_FORBIDDEN', 'we hold no card of theirs that we may pass on')
    }
    return { A: file.A, B: file.B, C: file.C }
  }
}
