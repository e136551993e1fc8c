import { describe, expect, it, vi } from 'vitest'
import { Backoff, raceSignal, withTimeout } from './async.ts'
import { OpenPeerError } from './errors.ts'

describe('raceSignal', () => {
  it('settles with the work and cleans up once', async () => {
    const cleanup = vi.fn()
    const value = await raceSignal<number>(new AbortController().signal, (resolve) => {
      setTimeout(() => resolve(7), 1)
      return cleanup
    })
    expect(value).toBe(7)
    expect(cleanup).toHaveBeenCalledTimes(1)
  })

  it('cleans up work that settled synchronously', async () => {
    const cleanup = vi.fn()
    await raceSignal<void>(new AbortController().signal, (resolve) => {
      resolve()
      return cleanup
    })
    expect(cleanup).toHaveBeenCalledTimes(1)
  })

  it("reports the caller's abort as ERR_ABORTED, not as a timeout", async () => {
    const caller = new AbortController()
    const cleanup = vi.fn()
    const raced = raceSignal<void>(withTimeout(60_000, caller.signal), () => cleanup, {
      onTimeout: () => new OpenPeerError('ERR_FINDER_UNREACHABLE', 'gone'),
    })
    caller.abort()
    await expect(raced).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(cleanup).toHaveBeenCalledTimes(1)
  })

  it('reports a timeout with the error the waiter chose', async () => {
    const raced = raceSignal<void>(withTimeout(5), () => {}, {
      onTimeout: () => new OpenPeerError('ERR_FINDER_UNREACHABLE', 'gone'),
    })
    await expect(raced).rejects.toMatchObject({ code: 'ERR_FINDER_UNREACHABLE' })
    await expect(raceSignal<void>(withTimeout(5), () => {})).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
    })
  })

  it('keeps an OpenPeerError given as the abort reason', async () => {
    const c = new AbortController()
    c.abort(new OpenPeerError('ERR_SESSION_CLOSED', 'closed'))
    await expect(raceSignal<void>(c.signal, () => {})).rejects.toMatchObject({
      code: 'ERR_SESSION_CLOSED',
    })
  })

  it('rejects with what the work throws, and does not run it twice', async () => {
    const start = vi.fn(() => {
      throw new OpenPeerError('ERR_BAD_MESSAGE', 'no')
    })
    await expect(raceSignal<void>(new AbortController().signal, start)).rejects.toMatchObject({
      code: 'ERR_BAD_MESSAGE',
    })
    expect(start).toHaveBeenCalledTimes(1)
  })
})

describe('Backoff', () => {
  it('widens the window exponentially up to max, with full jitter, until reset', () => {
    const top = new Backoff({ min: 100, max: 1_000, random: () => 1 })
    expect([1, 2, 3, 4, 5].map(() => top.next())).toEqual([100, 200, 400, 800, 1_000])
    top.reset()
    expect(top.next()).toBe(100)
  })

  it('never waits less than half the minimum', () => {
    const bottom = new Backoff({ min: 100, max: 1_000, random: () => 0 })
    expect(bottom.next()).toBe(50)
    expect(bottom.next()).toBe(50)
  })
})
