import { isOpenPeerError } from '../errors.ts'
import type { FinderPool } from '../finder/pool.ts'
import type { ContactRecord } from '../ports.ts'
import type { Rendezvous } from '../session/rendezvous.ts'
import type { ContactStates } from './contact-states.ts'
import type { Contacts } from './contacts.ts'

export interface RingerDeps {
  contacts: Contacts
  states: ContactStates
  finders: FinderPool
  rendezvous: Rendezvous
  report(error: unknown, during: string): void
  /** ms between rounds over every offline contact */
  every: number
}

/** Failures that only mean "not reachable now": the next round tries again, quietly. */
const QUIET = new Set(['ERR_NOT_FOUND', 'ERR_FINDER_UNREACHABLE', 'ERR_TIMEOUT'])

/**
 * Rings offline contacts: whenever a finder registration comes up, every `every` ms, and soon
 * after a session with a contact closed (they may only have reloaded). A contact already
 * connecting or connected is left alone. `stop` cancels every timer it set.
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
    if (this.stopped || this.deps.finders.state() !== 'online') return
    for (const c of this.deps.contacts.list()) void this.ring(c)
  }

  /** Rings one contact again in 1.5–3 s (spread, so two sides do not ring in lockstep). */
  ringSoon(contactId: string): void {
    const contact = this.deps.contacts.get(contactId)
    if (this.stopped || !contact) return
    const timer = setTimeout(
      () => {
        this.timers.delete(timer)
        void this.ring(contact)
      },
      1_500 + Math.random() * 1_500,
    )
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
    states.finding(contact.contactId, 15_000)
    try {
      const finder = await this.deps.finders.get(contact.file.A.domain)
      await this.deps.rendezvous.find(finder, {
        contactId: contact.contactId,
        A: contact.file.A,
        findSecret: contact.findSecret,
      })
    } catch (err) {
      states.found(contact.contactId)
      // Offline contacts are the normal case; a revoked secret means they must ring us.
      if (!isOpenPeerError(err) || !QUIET.has(err.code)) {
        if (isOpenPeerError(err)) states.failed(contact.contactId, err)
        this.deps.report(err, `ringing ${contact.contactId.slice(0, 8)}`)
      }
    }
  }
}
