import type { ContactRecord } from '../ports.ts'
import type { SessionManager } from '../session/manager.ts'
import type { ConnectionPath } from '../session/path.ts'
import type { PeerSession } from '../session/peer-session.ts'
import { displayNameOf, type Contacts } from './contacts.ts'
import type { OpenPeerError } from '../errors.ts'
import type { ContactProblem, ContactState, ContactView } from './types.ts'

/**
 * Derives each contact's offline / connecting / connected state and path from the sessions,
 * and reports a contact only when what a person would see of it changed.
 */
export class ContactStates {
  private readonly findingTimers = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly paths = new Map<string, ConnectionPath>()
  /** why the last attempt to reach a contact failed, until one succeeds */
  private readonly problems = new Map<string, ContactProblem>()
  private readonly last = new Map<string, string>()

  constructor(
    private readonly sessions: SessionManager,
    private readonly contacts: Contacts,
    private readonly emit: (view: ContactView) => void,
  ) {
    // A session starting or ending changes what the contact shows (connecting, offline).
    sessions.on('added', (s) => this.changed(s.remoteContactId))
    sessions.on('ended', ({ session, error }) => {
      // A session that never opened and ended with an error is a failed attempt to reach them;
      // one closed on purpose (glare, stop) carries no error and is no problem.
      if (!session.remotePeer && error) this.failed(session.remoteContactId, error)
      else this.changed(session.remoteContactId)
    })
    sessions.on('open', (s) => this.problems.delete(s.remoteContactId))
  }

  /** An attempt to reach the contact failed: they show why until one succeeds. */
  failed(contactId: string, error: OpenPeerError): void {
    this.problems.set(contactId, { code: error.code, message: error.message })
    this.changed(contactId)
  }

  state(contactId: string): ContactState {
    if (this.sessions.ofContact(contactId).length) return 'connected'
    if (this.findingTimers.has(contactId) || this.sessions.connecting(contactId))
      return 'connecting'
    return 'offline'
  }

  view(record: ContactRecord): ContactView {
    const state = this.state(record.contactId)
    return {
      contactId: record.contactId,
      uri: record.uri,
      name: displayNameOf(record),
      domain: record.file.A.domain,
      added: record.added,
      state,
      path: state === 'connected' ? (this.paths.get(record.contactId) ?? 'unknown') : undefined,
      problem: state === 'connected' ? undefined : this.problems.get(record.contactId),
      findable: !!record.findSecret,
      verified: record.verified !== undefined,
    }
  }

  /** A find is under way: "connecting" until a session opens or `ms` pass. */
  finding(contactId: string, ms: number): void {
    clearTimeout(this.findingTimers.get(contactId))
    this.findingTimers.set(
      contactId,
      setTimeout(() => this.found(contactId), ms),
    )
    this.changed(contactId)
  }

  found(contactId: string): void {
    clearTimeout(this.findingTimers.get(contactId))
    this.findingTimers.delete(contactId)
    this.changed(contactId)
  }

  async refreshPath(session: PeerSession): Promise<void> {
    this.paths.set(session.remoteContactId, await session.path())
    this.changed(session.remoteContactId)
  }

  changed(contactId: string): void {
    const record = this.contacts.get(contactId)
    if (!record) return
    const view = this.view(record)
    const key = `${view.state}|${view.path ?? ''}|${view.name}|${view.problem?.code ?? ''}|${view.verified}`
    if (this.last.get(contactId) === key) return
    this.last.set(contactId, key)
    this.emit(view)
  }

  clear(): void {
    for (const t of this.findingTimers.values()) clearTimeout(t)
    this.findingTimers.clear()
    for (const id of [...this.last.keys()]) this.changed(id)
  }
}
