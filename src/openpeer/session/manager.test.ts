import { describe, expect, it } from 'vitest'
import { Emitter } from '../events.ts'
import { SessionManager } from './manager.ts'
import type { PeerSession } from './peer-session.ts'
import type { PeerSessionEvents } from './session-types.ts'

const ME = { contactId: 'b'.repeat(64), location: { id: 'me-loc' } }

/** Just what the manager reads of a session: its role, remote, state, and events. */
class FakeSession extends Emitter<PeerSessionEvents> {
  state: 'identifying' | 'open' | 'closed' = 'identifying'
  closedBy: string | undefined
  constructor(
    readonly role: 'initiator' | 'target',
    readonly remoteContactId: string,
    readonly remoteLocationId: string,
  ) {
    super()
  }
  identify(): void {
    this.state = 'open'
    this.emit('identified', {} as PeerSessionEvents['identified'])
  }
  close(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.emit('closed', {})
  }
}

function add(m: SessionManager, s: FakeSession): FakeSession {
  m.add(s as unknown as PeerSession)
  return s
}

describe('SessionManager', () => {
  it('keeps one session per remote location when both sides rang at once (glare)', () => {
    // Remote sorts before us: on both sides, the session the remote initiated must win.
    const remote = 'a'.repeat(64)
    const m = new SessionManager(() => ME)
    const opened: unknown[] = []
    m.on('open', (s) => opened.push(s))
    const ours = add(m, new FakeSession('initiator', remote, 'r-loc'))
    const theirs = add(m, new FakeSession('target', remote, 'r-loc'))
    ours.identify()
    theirs.identify()
    expect(ours.state).toBe('closed')
    expect(theirs.state).toBe('open')
    expect(m.ofContact(remote)).toEqual([theirs])

    // The same two sessions identified in the other order give the same winner.
    const m2 = new SessionManager(() => ME)
    const ours2 = add(m2, new FakeSession('initiator', remote, 'r-loc'))
    const theirs2 = add(m2, new FakeSession('target', remote, 'r-loc'))
    theirs2.identify()
    ours2.identify()
    expect(ours2.state).toBe('closed')
    expect(m2.ofContact(remote)).toEqual([theirs2])
    expect(opened).toHaveLength(2)
  })

  it('lets our session win when we sort first', () => {
    const remote = 'c'.repeat(64)
    const m = new SessionManager(() => ME)
    const theirs = add(m, new FakeSession('target', remote, 'r-loc'))
    const ours = add(m, new FakeSession('initiator', remote, 'r-loc'))
    theirs.identify()
    ours.identify()
    expect(theirs.state).toBe('closed')
    expect(m.ofContact(remote)).toEqual([ours])
  })

  it('replaces the old session when the same initiator rings again (it reloaded)', () => {
    const remote = 'a'.repeat(64)
    const m = new SessionManager(() => ME)
    const closed: unknown[] = []
    m.on('closed', (e) => closed.push(e))
    const old = add(m, new FakeSession('target', remote, 'r-loc'))
    old.identify()
    const fresh = add(m, new FakeSession('target', remote, 'r-loc'))
    fresh.identify()
    expect(old.state).toBe('closed')
    expect(m.ofContact(remote)).toEqual([fresh])
    // the replaced session's close is not reported as the contact going away
    expect(closed).toHaveLength(0)
  })

  it('reports connecting while a session is pending, and a close of the open one', () => {
    const remote = 'a'.repeat(64)
    const m = new SessionManager(() => ME)
    const closed: unknown[] = []
    m.on('closed', (e) => closed.push(e))
    const s = add(m, new FakeSession('initiator', remote, 'loc-1'))
    expect(m.connecting(remote)).toBe(true)
    s.identify()
    expect(m.connecting(remote)).toBe(false)
    s.close()
    expect(m.ofContact(remote)).toEqual([])
    expect(closed).toHaveLength(1)
  })
})
