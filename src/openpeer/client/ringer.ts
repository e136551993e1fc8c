import { OpenPeerError, isOpenPeerError } from '../errors.ts'
import type { FinderPool } from '../finder/pool.ts'
import type { ContactRecord } from '../ports.ts'
import { sessionChannel } from '../session/find-channel.ts'
import type { SessionManager } from '../session/manager.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { FindTarget, Rendezvous } from '../session/rendezvous.ts'
import type { ContactStates } from './contact-states.ts'
import { displayNameOf, type Contacts } from './contacts.ts'

export interface RingerDeps {
  contacts: Contacts
  states: ContactStates
  finders: FinderPool
  /** our open sessions: mutual contacts who can pass a find on when no finder answers */
  sessions: SessionManager
  rendezvous: Rendezvous
  report(error: unknown, during: string, contactId?: string): void
  /** ms between rounds over every offline contact */
  every: number
}

/** Failures that only mean "not reachable now": the next round tries again, quietly. */
const QUIET = new Set(['ERR_NOT_FOUND', 'ERR_FINDER_UNREACHABLE', 'ERR_TIMEOUT'])

/**
 * Rings offline contacts: whenever a finder registration comes up, every `every` ms, and soon
 * after a session with a contact closed (they may only have reloaded). Through their finder;
 * when it cannot be reached, through any contact we are connected to who is connected to them
 * (the one who introduced us first). A contact already connecting or connected is left alone.
 * `stop` cancels every timer it set.
 */
export class Ringer {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly interval: ReturnType<typeof setInterval>
  private readonly off: () => void
  private stopped = false

  constructor(private readonly deps: RingerDeps) {
    this.off = deps.finders.on('registered', () => this.ringAll())
    this.interval = setInterval(() => this.ringAll(), deps.every)
  }

  ringAll(): void {
    if (this.stopped) return
    // With no finder and no session to ask, nobody can be reached: wait for either.
    if (this.deps.finders.state() !== 'online' && this.deps.sessions.all().length === 0) return
    for (const c of this.deps.contacts.list()) void this.ring(c)
  }

  /** Rings one contact again in `delay` ms (by default 1.5–3 s, so two sides do not ring in lockstep). */
  ringSoon(contactId: string, delay = 1_500 + Math.random() * 1_500): void {
    const contact = this.deps.contacts.get(contactId)
    if (this.stopped || !contact) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      void this.ring(contact)
    }, delay)
    this.timers.add(timer)
  }

  stop(): void {
    this.stopped = true
    this.off()
    clearInterval(this.interval)
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private async ring(contact: ContactRecord): Promise<void> {
    const { states } = this.deps
    if (this.stopped || !contact.findSecret || states.state(contact.contactId) !== 'offline') return
    const target = {
      contactId: contact.contactId,
      A: contact.file.A,
      findSecret: contact.findSecret,
    }
    states.finding(contact.contactId, 15_000)
    const viaFinder = async (): Promise<void> => {
      const finder = await this.deps.finders.get(contact.file.A.domain)
      await this.deps.rendezvous.find(finder, target)
    }
    try {
      // A finder that is down now is not waited for when a mutual contact can pass the find on.
      if (
        this.deps.finders.state(contact.file.A.domain) !== 'online' &&
        this.others(contact).length
      ) {
        await this.throughContacts(contact, target).catch(viaFinder)
      } else {
        await viaFinder().catch(async (err: unknown) => {
          if (!isOpenPeerError(err, 'ERR_FINDER_UNREACHABLE')) throw err
          await this.throughContacts(contact, target).catch(() => {
            throw err
          })
        })
      }
    } catch (err) {
      states.found(contact.contactId)
      // Offline contacts are the normal case; a revoked secret means they must ring us.
      if (!isOpenPeerError(err) || !QUIET.has(err.code)) {
        if (isOpenPeerError(err)) states.failed(contact.contactId, err)
        this.deps.report(err, `ringing ${contact.contactId.slice(0, 8)}`, contact.contactId)
      }
    }
  }

  /**
   * No finder answers: ask the contacts we are connected to to pass the find on (PROTOCOL §5.6),
   * the one who introduced us first. Each learns only that we seek this contact.
   */
  private async throughContacts(contact: ContactRecord, target: FindTarget): Promise<void> {
    for (const session of this.others(contact)) {
      const by = this.deps.contacts.get(session.remoteContactId)
      const via = `through ${by ? displayNameOf(by) : 'a contact'}`
      try {
        if ((await this.deps.rendezvous.find(sessionChannel(session, via), target)) > 0) return
      } catch {
        // that contact is not connected to them (or refused): ask the next
      }
    }
    throw new OpenPeerError('ERR_NOT_FOUND', 'no contact of ours is connected to them')
  }

  /** Our open sessions with others than `contact`, whoever introduced them first. */
  private others(contact: ContactRecord): PeerSession[] {
    return this.deps.sessions
      .all()
      .filter((s) => s.state === 'open' && s.remoteContactId !== contact.contactId)
      .sort((a, b) => rank(b, contact) - rank(a, contact))
  }
}

/** The contact who introduced them is the likeliest to know them. */
function rank(session: PeerSession, contact: ContactRecord): number {
  return session.remoteContactId === contact.introducedBy ? 1 : 0
}
