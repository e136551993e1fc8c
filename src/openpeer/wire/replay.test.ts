import { describe, expect, it } from 'vitest'
import { ReplayCache } from './replay.ts'

function replayError(f: () => void): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  return undefined
}

describe('ReplayCache', () => {
  it('accepts a fresh nonce and remembers it', () => {
    const cache = new ReplayCache(100, () => 0)
    cache.check('nonce-a', 1000)
    cache.check('nonce-b', 1000)
    expect(cache.size).toBe(2)
  })

  it('refuses the same nonce twice with ERR_REPLAY (401)', () => {
    const cache = new ReplayCache(100, () => 0)
    cache.check('nonce-a', 1000)
    const e = replayError(() => cache.check('nonce-a', 1000))
    expect(e).toMatchObject({ name: 'OpenPeerError', code: 'ERR_REPLAY', status: 401 })
    expect((e as { security: boolean }).security).toBe(true)
    // a different claimed expiry does not make it new
    expect(replayError(() => cache.check('nonce-a', 5000))).toMatchObject({ code: 'ERR_REPLAY' })
  })

  it('refuses the nonce until its expiry, and allows it again after', () => {
    let now = 0
    const cache = new ReplayCache(100, () => now)
    cache.check('n', 1000)
    now = 999
    expect(replayError(() => cache.check('n', 2000))).toMatchObject({ code: 'ERR_REPLAY' })
    now = 1000
    expect(replayError(() => cache.check('n', 2000))).toMatchObject({ code: 'ERR_REPLAY' })
    now = 1001
    cache.check('n', 2000)
    // remembered again, under the new expiry
    now = 1500
    expect(replayError(() => cache.check('n', 3000))).toMatchObject({ code: 'ERR_REPLAY' })
  })

  it('stays bounded under 200k inserts that never expire, refusing rather than forgetting', () => {
    const max = 1000
    const cache = new ReplayCache(max, () => 0)
    let refused = 0
    for (let i = 0; i < 200_000; i++) {
      try {
        cache.check(`n${i}`, 1_000_000 + i)
      } catch (e) {
        expect(e).toMatchObject({ code: 'ERR_RATE_LIMITED', status: 429 })
        refused++
      }
    }
    expect(cache.size).toBe(max)
    expect(refused).toBe(200_000 - max)
    // every accepted nonce is still remembered: none was pushed out by the flood
    expect(replayError(() => cache.check('n0', 2_000_000))).toMatchObject({ code: 'ERR_REPLAY' })
    expect(replayError(() => cache.check('n999', 2_000_000))).toMatchObject({ code: 'ERR_REPLAY' })
  })

  it('drops expired nonces first when full', () => {
    let now = 0
    const max = 100
    const cache = new ReplayCache(max, () => now)
    for (let i = 0; i < max / 2; i++) cache.check(`old${i}`, 10)
    for (let i = 0; i < max / 2; i++) cache.check(`live${i}`, 1_000_000)
    now = 11
    for (let i = 0; i < 10; i++) cache.check(`new${i}`, 1_000_000)
    expect(cache.size).toBeLessThanOrEqual(max)
    // every live nonce survived: only the expired ones made room
    for (let i = 0; i < max / 2; i++) {
      expect(replayError(() => cache.check(`live${i}`, 1_000_000))).toMatchObject({
        code: 'ERR_REPLAY',
      })
    }
  })

  it('accepts again once the remembered nonces expire', () => {
    let now = 0
    const cache = new ReplayCache(1, () => now)
    cache.check('a', 10)
    expect(replayError(() => cache.check('b', 10))).toMatchObject({ code: 'ERR_RATE_LIMITED' })
    now = 2000
    cache.check('b', 5000)
    expect(cache.size).toBe(1)
    expect(replayError(() => cache.check('b', 6000))).toMatchObject({ code: 'ERR_REPLAY' })
  })
})
