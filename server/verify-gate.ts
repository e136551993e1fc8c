import { OpenPeerError, isOpenPeerError } from '../src/openpeer/errors.ts'
import type { Connection } from './context.ts'
import { TokenBucket, type Limits } from './limits.ts'

type Job = () => void

export type VerifyLimits = Pick<
  Limits,
  'verifyConcurrency' | 'verifyQueue' | 'verifyQueuePerIp' | 'verifyUntrustedRate'
>

/**
 * The bound on the finder's crypto (signatures above all: ECDSA, run by WebCrypto on libuv's
 * four threads, where honest work would otherwise wait behind a flood's).
 *
 * - At most `verifyConcurrency` jobs run at once, whoever asks.
 * - A socket that registered and never failed a check is trusted: its jobs (finds, replies,
 *   signals of a session being set up) go first, and nothing else bounds them — each socket
 *   handles its frames one at a time, so it never has more than one waiting.
 * - Everyone else — strangers registering, sockets caught with a bad signature — is untrusted:
 *   each job spends its address's budget (`verifyRate`/s, burst `verifyBurst`, shared by the
 *   address's sockets), waits in a line of at most `verifyQueue` jobs (`verifyQueuePerIp` per
 *   address), and all untrusted jobs together start at most `verifyUntrustedRate` a second.
 *   Addresses take turns (round robin), so an honest stranger waits for one job per busy
 *   address, not behind all a flooder queued. Whatever does not fit is refused at once with
 *   429 ERR_RATE_LIMITED, before any work.
 * - A socket whose proof fails to verify loses its trust for good: one bad signature per
 *   registration is all a flooder gets ahead of the line.
 */
export class VerifyGate {
  private running = 0
  private readonly trusted: Job[] = []
  /** untrusted jobs by address (its budget bucket names it), in the order addresses take turns */
  private readonly untrusted = new Map<object, Job[]>()
  private untrustedCount = 0
  private readonly rate: TokenBucket
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly limits: VerifyLimits,
    now: () => number = Date.now,
  ) {
    const { verifyUntrustedRate: rate } = limits
    this.rate = new TokenBucket(rate, Math.max(1, rate / 10), now)
  }

  /** Runs `verify` for `conn` within the bounds above; `cost` counts its signatures. */
  async run<T>(conn: Connection, verify: () => Promise<T>, cost = 1): Promise<T> {
    const trusted = conn.trusted
    if (!trusted && conn.verifyBudget.spend(cost) > 0) {
      throw new OpenPeerError('ERR_RATE_LIMITED', 'slow down: too many signatures to check')
    }
    await this.slot(trusted, conn.verifyBudget)
    try {
      return await verify()
    } catch (e) {
      if (isOpenPeerError(e, 'ERR_SIGNATURE')) conn.trusted = false
      throw e
    } finally {
      this.running -= 1
      this.pump()
    }
  }

  /** Jobs waiting, for tests and the bench. */
  get waiting(): { trusted: number; untrusted: number } {
    return { trusted: this.trusted.length, untrusted: this.untrustedCount }
  }

  private slot(trusted: boolean, address: object): Promise<void> {
    if (trusted) {
      const started = new Promise<void>((resolve) => this.trusted.push(resolve))
      this.pump()
      return started
    }
    const line = this.untrusted.get(address)
    if (
      this.untrustedCount >= this.limits.verifyQueue ||
      (line?.length ?? 0) >= this.limits.verifyQueuePerIp
    ) {
      return Promise.reject(
        new OpenPeerError('ERR_RATE_LIMITED', 'the finder is busy checking signatures; retry'),
      )
    }
    const started = new Promise<void>((resolve) => {
      if (line) line.push(resolve)
      else this.untrusted.set(address, [resolve])
    })
    this.untrustedCount += 1
    this.pump()
    return started
  }

  /** Starts waiting jobs while there are free slots: trusted first, untrusted within the rate. */
  private pump(): void {
    while (this.running < this.limits.verifyConcurrency) {
      let job = this.trusted.shift()
      if (!job) {
        if (this.untrustedCount === 0) return
        if (!this.rate.take()) return this.later()
        job = this.nextUntrusted()
      }
      this.running += 1
      job()
    }
  }

  private later(): void {
    if (this.timer) return
    const ms = Math.ceil(1000 / Math.max(1, this.limits.verifyUntrustedRate))
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.pump()
    }, ms)
    this.timer.unref?.()
  }

  /** The first address's oldest job; the address goes to the back of the line if it has more. */
  private nextUntrusted(): Job {
    const [address, line] = this.untrusted.entries().next().value as [object, Job[]]
    const job = line.shift()!
    this.untrusted.delete(address)
    if (line.length) this.untrusted.set(address, line)
    this.untrustedCount -= 1
    return job
  }
}
