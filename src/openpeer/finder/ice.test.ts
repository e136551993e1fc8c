import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TurnGrant } from '../wire/schemas.ts'
import { IceServers } from './ice.ts'

const STUN = [{ urls: ['stun:finder.example:3478'] }]
const HOUR = 3600_000

function grant(expires: number, n = 1): TurnGrant {
  return {
    iceServers: [
      {
        urls: ['turn:finder.example:3478'],
        username: `${expires / 1000}:s${n}`,
        credential: `c${n}`,
      },
    ],
    expires,
  }
}

describe('IceServers', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }))
  afterEach(() => vi.useRealTimers())

  it('gives STUN alone until the finder grants TURN, then both; none once expired', () => {
    const ice = new IceServers({ stun: () => STUN, renew: async () => {} })
    expect(ice.config()).toEqual({ iceServers: STUN, iceTransportPolicy: 'all' })
    const g = grant(Date.now() + HOUR)
    ice.setGrant(g)
    expect(ice.config().iceServers).toEqual([...STUN, ...g.iceServers])
    vi.setSystemTime(Date.now() + HOUR)
    expect(ice.config().iceServers).toEqual(STUN)
    ice.stop()
  })

  it('hides our addresses with relay-only ICE when asked, switchable later', () => {
    const ice = new IceServers({ stun: () => STUN, renew: async () => {}, relayOnly: true })
    expect(ice.config().iceTransportPolicy).toBe('relay')
    ice.relayOnly = false
    expect(ice.config().iceTransportPolicy).toBe('all')
  })

  it('renews ten minutes before expiry, and retries each minute while the old ones work', async () => {
    let asked = 0
    let answer = true
    const ice: IceServers = new IceServers({
      stun: () => STUN,
      renew: async () => {
        asked++
        if (answer) ice.setGrant(grant(Date.now() + HOUR, asked + 1))
      },
    })
    ice.setGrant(grant(Date.now() + HOUR))
    await vi.advanceTimersByTimeAsync(50 * 60_000 - 1)
    expect(asked).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(asked).toBe(1)
    expect(ice.expires()).toBe(Date.now() + HOUR)
    // The finder does not answer: ask again every minute, until the old ones are about to lapse.
    answer = false
    await vi.advanceTimersByTimeAsync(50 * 60_000)
    expect(asked).toBe(2)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(asked).toBe(3)
    await vi.advanceTimersByTimeAsync(20 * 60_000)
    expect(asked).toBe(11)
    ice.stop()
  })

  it('asks at most once a minute when the finder keeps handing out the same nearly spent grant', async () => {
    let asked = 0
    const spent = grant(Date.now() + 90_000)
    const ice: IceServers = new IceServers({
      stun: () => STUN,
      renew: async () => {
        asked++
        ice.setGrant(spent)
      },
    })
    ice.setGrant(spent)
    await vi.advanceTimersByTimeAsync(90_000)
    expect(asked).toBe(1)
    ice.stop()
  })

  it('asks for fresh credentials before an ICE restart unless they just arrived', async () => {
    let asked = 0
    const ice: IceServers = new IceServers({
      stun: () => STUN,
      renew: async () => {
        asked++
        ice.setGrant(grant(Date.now() + HOUR))
      },
    })
    // A finder without TURN is not asked again.
    await ice.fresh()
    expect(asked).toBe(0)
    ice.setGrant(grant(Date.now() + HOUR))
    await ice.fresh()
    expect(asked).toBe(0)
    vi.setSystemTime(Date.now() + 5 * 60_000)
    await ice.fresh()
    expect(asked).toBe(1)
    ice.stop()
  })

  it('stops renewing when stopped, and ignores grants that arrive after', async () => {
    let asked = 0
    const ice = new IceServers({ stun: () => STUN, renew: async () => void asked++ })
    ice.setGrant(grant(Date.now() + HOUR))
    ice.stop()
    ice.setGrant(grant(Date.now() + HOUR, 2))
    await vi.advanceTimersByTimeAsync(2 * HOUR)
    expect(asked).toBe(0)
  })

  it('hands the current servers and policy to a live connection', () => {
    const ice = new IceServers({ stun: () => STUN, renew: async () => {}, relayOnly: true })
    const set = vi.fn()
    const pc = { getConfiguration: () => ({ bundlePolicy: 'max-bundle' }), setConfiguration: set }
    ice.applyTo(pc as unknown as RTCPeerConnection)
    expect(set).toHaveBeenCalledWith({
      bundlePolicy: 'max-bundle',
      iceServers: STUN,
      iceTransportPolicy: 'relay',
    })
  })
})
