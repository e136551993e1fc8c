import { signalType } from './session-types.ts'

/** Signals per message at most: a batch is what a side produced while its last one travelled. */
export const BATCH_MAX = 16
/** …and about this many bytes of JSON, so that a sealed batch fits a finder frame (16 KiB). */
export const BATCH_BYTES = 6_000

export interface SignalBatchOptions {
  /** seals and sends one batch through the finder; settles once it is sent */
  send: (signals: unknown[]) => Promise<void>
  /** false once nothing more may go (the session connected, or closed): what is pending is dropped */
  open: () => boolean
  /** a batch could not be sent: the session is over */
  fail: (err: unknown) => void
  /**
   * ms a trickled candidate waits, when nothing is on its way, for the rest of its burst
   * (0: none). An offer or answer never waits: it goes at once, with what waited before it.
   */
  linger?: number
}

/**
 * A session's signals on their way through the finder: in order, or a candidate could reach the
 * other side before the SDP it belongs to; and batched: what comes while a message is sealed and
 * sent goes in the next one, so a burst of candidates costs a signature or two, not one each
 * (nor one finder hop each).
 */
export class SignalBatch {
  private readonly pending: unknown[] = []
  private sending = false
  private lingering: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly opts: SignalBatchOptions) {}

  push(signal: unknown): void {
    this.pending.push(signal)
    if (this.sending) return // goes with the next batch, once the one on its way is sent
    const linger = this.opts.linger ?? 0
    if (linger > 0 && signalType(signal) === 'candidate') {
      this.lingering ??= setTimeout(() => void this.flush(), linger)
      return
    }
    void this.flush()
  }

  private async flush(): Promise<void> {
    clearTimeout(this.lingering)
    this.lingering = undefined
    this.sending = true
    try {
      while (this.pending.length && this.opts.open()) {
        await this.opts.send(takeBatch(this.pending))
      }
    } catch (err) {
      this.opts.fail(err)
    } finally {
      this.sending = false
    }
  }
}

/** The next message's signals: in order, at most BATCH_MAX of them and about BATCH_BYTES. */
function takeBatch(pending: unknown[]): unknown[] {
  let n = 0
  let bytes = 0
  while (n < pending.length && n < BATCH_MAX) {
    bytes += JSON.stringify(pending[n]).length
    if (n > 0 && bytes > BATCH_BYTES) break
    n += 1
  }
  return pending.splice(0, n)
}
