import type { OpenPeerError } from '../errors.ts'
import { Emitter } from '../events.ts'
import type { PeerSession } from './peer-session.ts'

export interface SessionManagerEvents {
  /** a new session, not yet identified (the contact shows "connecting") */
  added: PeerSession
  /** identified and kept: the one open session with that remote location */
  open: PeerSession
  /** a session that was open ended */
  closed: { session: PeerSession; error?: OpenPeerError | undefined }
  /** any session ended, open or not (a failed identify, a glare loser, a timeout) */
  ended: { session: PeerSession; error?: OpenPeerError | undefined }
}

/**
 * Keeps at most one open session per remote location. When both sides found each other at
 * once (glare), both keep the session whose find initiator sorts first, so both pick the same.
 */
export class SessionManager extends Emitter<SessionManagerEvents> {
  private readonly open = new Map<string, PeerSession>()
  private readonly pending = new Set<PeerSession>()

  constructor(private readonly me: () => { contactId: string; location: { id: string } }) {
    super()
  }

  add(session: PeerSession): void {
    this.pending.add(session)
    session.on('identified', () => {
      this.pending.delete(session)
      const key = keyOf(session.remoteContactId, session.remoteLocationId)
      const existing = this.open.get(key)
      if (existing && existing.state === 'open') {
        // Same initiator twice means it reconnected (say, after a reload): the old link is dead
        // even if we have not noticed yet, so the newer wins.
        const a = this.initiatorKey(existing)
        const b = this.initiatorKey(session)
        const keep = a < b ? existing : session
        const drop = keep === existing ? session : existing
        if (drop === existing) this.open.set(key, session)
        drop.close()
        if (keep === existing) return
      } else this.open.set(key, session)
      this.emit('open', session)
    })
    session.on('closed', ({ error }) => {
      this.pending.delete(session)
      const key = keyOf(session.remoteContactId, session.remoteLocationId)
      if (this.open.get(key) === session) {
        this.open.delete(key)
        this.emit('closed', { session, error })
      }
      this.emit('ended', { session, error })
    })
    this.emit('added', session)
  }

  /** Open sessions with any location of a contact, newest first. */
  ofContact(contactId: string): PeerSession[] {
    return [...this.open.values()]
      .filter((s) => s.remoteContactId === contactId && s.state === 'open')
      .reverse()
  }

  connecting(contactId: string): boolean {
    return [...this.pending].some((s) => s.remoteContactId === contactId && s.state !== 'closed')
  }

  all(): PeerSession[] {
    return [...this.open.values()]
  }

  closeAll(): void {
    for (const s of [...this.pending, ...this.open.values()]) s.close()
    this.pending.clear()
    this.open.clear()
  }

  private initiatorKey(session: PeerSession): string {
    const me = this.me()
    return session.role === 'initiator'
      ? keyOf(me.contactId, me.location.id)
      : keyOf(session.remoteContactId, session.remoteLocationId)
  }
}

function keyOf(contactId: string, locationId: string): string {
  return `${contactId}/${locationId}`
}
