import { OpenPeerError, isOpenPeerError } from '../src/openpeer/errors.ts'
import type { Connection } from './context.ts'
import { TokenBucket, type Limits } from './limits.ts'

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
 * - Untrusted work of sockets never caught with a bad signature (strangers registering) goes
 *   before that of sockets that were: an honest stranger waits behind other registrations,
 *   not behind a flooder's forgeries.
 * - A socket whose proof fails to verify loses its trust for good: one bad signature per
 *   registration is all a flooder gets ahead of the line.
 */
export class VerifyGate {
  private running = 0
  private readonly trusted: Waiting[] = []
  /** untrusted jobs of sockets never caught lying, then of those that were: by address */
  private readonly fresh = new Lines()
  private readonly suspect = new Lines()
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
    if (!conn.trusted && conn.verifyBudget.spend(cost) > 0) {
      throw new OpenPeerError('ERR_RATE_LIMITED', 'slow down: too many signatures to check')
    }
    await this.slot(conn)
    try {
      return await verify()
    } catch (e) {
      if (isOpenPeerError(e, 'ERR_SIGNATURE')) {
        conn.trusted = false
        conn.suspect = true
        conn.strike()
      }
      throw e
    } finally {
      this.running -= 1
      this.pump()
    }
  }

  /** Jobs waiting, for tests and the bench. */
  get waiting(): { trusted: number; untrusted: number } {
    return { trusted: this.trusted.length, untrusted: this.fresh.count + this.suspect.count }
  }

  private slot(conn: Connection): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const job = { conn, resolve, reject }
      if (conn.trusted) this.trusted.push(job)
      else {
        const lines = conn.suspect ? this.suspect : this.fresh
        const mine = lines.of(conn.verifyBudget)
        if (
          this.fresh.count + this.suspect.count >= this.limits.verifyQueue ||
          mine >= this.limits.verifyQueuePerIp
        ) {
          reject(new OpenPeerError('ERR_RATE_LIMITED', 'the finder is busy checking signatures'))
          return
        }
        lines.push(conn.verifyBudget, job)
      }
      this.pump()
    })
  }

  /** Starts waiting jobs while there are free slots: trusted first, untrusted within the rate. */
  private pump(): void {
    while (this.running < this.limits.verifyConcurrency) {
      let job = this.trusted.shift()
      if (!job) {
        // A socket gone while it waited needs no answer and costs nothing.
        this.fresh.dropClosed()
        this.suspect.dropClosed()
        if (this.fresh.count + this.suspect.count === 0) return
        if (!this.rate.take()) return this.later()
        job = this.fresh.next() ?? this.suspect.next()!
      }
      if (job.conn.closed) {
        job.reject(new OpenPeerError('ERR_SESSION_CLOSED', 'socket closed'))
        continue
      }
      this.running += 1
      job.resolve()
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
}

interface Waiting {
  conn: Connection
  resolve: () => void
  reject: (e: OpenPeerError) => void
}

/** Waiting jobs by address; addresses take turns (round robin), each its oldest job. */
class Lines {
  private readonly byAddress = new Map<object, Waiting[]>()
  count = 0

  of(address: object): number {
    return this.byAddress.get(address)?.length ?? 0
  }

  push(address: object, job: Waiting): void {
    const line = this.byAddress.get(address)
    if (line) line.push(job)
    else this.byAddress.set(address, [job])
    this.count += 1
  }

  next(): Waiting | undefined {
    const first = this.byAddress.entries().next()
    if (first.done) return undefined
    const [address, line] = first.value
    const job = line.shift()!
    this.byAddress.delete(address)
    if (line.length) this.byAddress.set(address, line)
    this.count -= 1
    return job
  }

  /** Forgets the jobs of sockets that closed while waiting (cheap: only when some did). */
  dropClosed(): void {
    for (const [address, line] of this.byAddress) {
      if (!line.some((j) => j.conn.closed)) continue
      const open = line.filter((j) => !j.conn.closed)
      for (const j of line)
        if (j.conn.closed) j.reject(new OpenPeerError('ERR_SESSION_CLOSED', 'socket closed'))
      this.count -= line.length - open.length
      if (open.length) this.byAddress.set(address, open)
      else this.byAddress.delete(address)
    }
  }
}
