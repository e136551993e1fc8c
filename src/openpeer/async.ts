import { OpenPeerError, abortError } from './errors.ts'

/*
 * The library's one toolkit for waiting: bounded waits that a caller can cancel, and the backoff
 * every retry loop uses. Written once so that a caller's abort always reads as an abort, and a
 * timeout as a timeout, wherever the wait happens.
 */

/** One signal that aborts when `ms` pass or `signal` aborts, whichever comes first. */
export function withTimeout(ms: number, signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  return signal ? AbortSignal.any([timeout, signal]) : timeout
}

export interface RaceOptions {
  /** the error for a timeout (default: ERR_TIMEOUT); a caller's plain abort stays ERR_ABORTED */
  onTimeout?: () => OpenPeerError
}

/**
 * Runs `start(resolve, reject)` and settles with it, or rejects when `signal` aborts first. The
 * cleanup `start` returns runs exactly once, however the race ends, so no listener outlives it.
 */
export function raceSignal<T>(
  signal: AbortSignal,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => (() => void) | void,
  opts: RaceOptions = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let cleanup: (() => void) | void
    let settled = false
    const finish = (): boolean => {
      if (settled) return false
      settled = true
      signal.removeEventListener('abort', onAbort)
      cleanup?.()
      return true
    }
    const onAbort = (): void => {
      if (finish()) reject(reasonOf(signal, opts))
    }
    if (signal.aborted) return reject(reasonOf(signal, opts))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      cleanup = start(
        (value) => finish() && resolve(value),
        (error) => finish() && reject(error),
      )
      // start may have settled synchronously, before its cleanup existed
      if (settled) cleanup?.()
    } catch (err) {
      if (finish()) reject(err)
    }
  })
}

function reasonOf(signal: AbortSignal, opts: RaceOptions): OpenPeerError {
  const error = abortError(signal)
  return error.code === 'ERR_TIMEOUT' && opts.onTimeout ? opts.onTimeout() : error
}

export interface BackoffOptions {
  /** first ceiling, ms */
  min?: number
  /** largest ceiling, ms */
  max?: number
  random?: () => number
}

/**
 * Exponential backoff with full jitter: many clients dropped by one finder restart must not come
 * back in one wave. Each delay is uniform in [min/2, min(max, min·2^attempt)].
 */
export class Backoff {
  private attempt = 0
  private readonly min: number
  private readonly max: number
  private readonly random: () => number

  constructor(opts: BackoffOptions = {}) {
    this.min = opts.min ?? 500
    this.max = opts.max ?? 30_000
    this.random = opts.random ?? Math.random
  }

  /** The next delay, ms; each call widens the window until `reset()`. */
  next(): number {
    const ceiling = Math.min(this.max, this.min * 2 ** this.attempt)
    this.attempt = Math.min(this.attempt + 1, 20)
    return Math.max(this.min / 2, this.random() * ceiling)
  }

  reset(): void {
    this.attempt = 0
  }
}

/**
 * One queue per key: `run` starts `work` when the key's previous work has settled, so what is
 * handed in in one order is done in that order, however long each step's awaits take.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>()

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const turn = (this.tails.get(key) ?? Promise.resolve()).then(work)
    const tail = turn.then(
      () => undefined,
      () => undefined,
    )
    this.tails.set(key, tail)
    // The map keeps only keys with work in flight.
    void tail.then(() => this.tails.get(key) === tail && this.tails.delete(key))
    return turn
  }
}

/**
 * Awaits every promise, then throws the first failure in the order given: checks that used to
 * run one after another run at once and still report what the first failing one would have (a
 * forgery as a forgery, not as whatever failed first in time). Resolves with every value.
 */
export async function allInOrder<T extends readonly unknown[]>(promises: {
  readonly [K in keyof T]: Promise<T[K]>
}): Promise<T> {
  const settled = await Promise.allSettled(promises)
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason
    return s.value
  }) as unknown as T
}
