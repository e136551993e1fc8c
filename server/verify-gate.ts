import { OpenPeerError, isOpenPeerError } from '../src/openpeer/errors.ts'
import type { Connection } from './context.ts'
import type { Limits } from './limits.ts'

type Job = () => void

/**
 * The bound on signature verification, the finder's one expensive step (ECDSA, off the main
 * thread in libuv's small pool, where honest work would otherwise queue behind a flood's).
 *
 * - At most `verifyConcurrency` verifications run at once, whoever asks.
 * - Two lanes wait for a slot. A socket that registered and never failed a check is trusted:
 *   its work (finds, replies, signals of a session being set up) goes first. Everyone else —
 *   strangers registering, sockets that sent a bad signature — waits behind, in a queue of at
 *   most `verifyQueue`; a full queue refuses at once with ERR_RATE_LIMITED.
 * - Untrusted work also spends its address's verification budget (`verifyRate`/s, burst
 *   `verifyBurst`, shared by the address's sockets); a spent budget refuses with
 *   ERR_RATE_LIMITED before any work is done.
 * - A socket whose proof fails to verify loses its trust for good: one bad signature per
 *   registration is all a flooder gets in the first lane.
 *
 * Each socket handles its frames one at a time, so the trusted lane holds at most one job per
 * socket and needs no bound of its own.
 */
export class VerifyGate {
  private running = 0
  private readonly trusted: Job[] = []
  private readonly untrusted: Job[] = []

  constructor(private readonly limits: Pick<Limits, 'verifyConcurrency' | 'verifyQueue'>) {}

  /** Runs `verify` for `conn` within the bounds above; `cost` counts its signatures. */
  async run<T>(conn: Connection, verify: () => Promise<T>, cost = 1): Promise<T> {
    const trusted = conn.trusted
    if (!trusted && conn.verifyBudget.spend(cost) > 0) {
      throw new OpenPeerError('ERR_RATE_LIMITED', 'slow down: too many signatures to check')
    }
    await this.slot(trusted)
    try {
      return await verify()
    } catch (e) {
      if (isOpenPeerError(e, 'ERR_SIGNATURE')) conn.trusted = false
      throw e
    } finally {
      this.release()
    }
  }

  /** Jobs waiting, for tests and the bench. */
  get waiting(): { trusted: number; untrusted: number } {
    return { trusted: this.trusted.length, untrusted: this.untrusted.length }
  }

  private slot(trusted: boolean): Promise<void> {
    if (this.running < this.limits.verifyConcurrency) {
      this.running += 1
      return Promise.resolve()
    }
    if (!trusted && this.untrusted.length >= this.limits.verifyQueue) {
      return Promise.reject(
        new OpenPeerError('ERR_RATE_LIMITED', 'the finder is busy checking signatures; retry'),
      )
    }
    return new Promise((resolve) => (trusted ? this.trusted : this.untrusted).push(resolve))
  }

  private release(): void {
    // The slot passes straight to the next job, trusted first; `running` stays the same.
    const next = this.trusted.shift() ?? this.untrusted.shift()
    if (next) next()
    else this.running -= 1
  }
}
