import { describe, expect, it } from 'vitest'
import { MemoryPeer } from '../testing/memory-network.ts'
import { FindOffer } from './find-offer.ts'
import { signalType } from './session-types.ts'

/** An offering memory peer whose later candidates the test hands out itself. */
class Offerer extends MemoryPeer {
  constructor() {
    super(
      { initiator: true, trickle: true, config: { iceServers: [] } },
      '10.0.0.1',
      () => undefined,
    )
  }
  candidate(n: number): void {
    this.emit('signal', { type: 'candidate', candidate: { candidate: `candidate:${n}` } })
  }
}
const offerer = () => new Offerer()
const types = (signals: unknown[]): string[] => signals.map(signalType)

describe("a find's offer", () => {
  it('is ready once the offer is made; the find takes what came by then, the first location what came after', async () => {
    const peer = offerer()
    const offer = new FindOffer(peer)
    await offer.ready()
    // The memory peer trickles one candidate with its offer; two more come after the find left.
    expect(types(offer.drain())).toEqual(['offer', 'candidate'])
    peer.candidate(2)
    peer.candidate(3)
    const taken = offer.take()
    expect(taken?.peer).toBe(peer)
    expect(taken?.later).toEqual([
      { type: 'candidate', candidate: { candidate: 'candidate:2' } },
      { type: 'candidate', candidate: { candidate: 'candidate:3' } },
    ])
    // Once taken it is nobody else's, and a destroy (the find context dropped) leaves it alone.
    expect(offer.take()).toBeUndefined()
    offer.destroy()
    expect(peer.destroyed).toBe(false)
  })

  it('goes when nobody took it, or when the caller gives up; a later location gets none', async () => {
    const dropped = offerer()
    const one = new FindOffer(dropped)
    await one.ready()
    one.destroy()
    expect(dropped.destroyed).toBe(true)
    expect(one.take()).toBeUndefined()

    const controller = new AbortController()
    const abandoned = offerer()
    const two = new FindOffer(abandoned, controller.signal)
    const ready = two.ready()
    controller.abort()
    await expect(ready).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(abandoned.destroyed).toBe(true)
    expect(two.take()).toBeUndefined()
  })

  it('fails with ERR_SESSION_CLOSED when its peer ends before the offer', async () => {
    const peer = offerer()
    const offer = new FindOffer(peer)
    peer.destroy()
    await expect(offer.ready()).rejects.toMatchObject({
      code: 'ERR_SESSION_CLOSED',
      message: expect.stringContaining('closed') as unknown,
    })
    expect(offer.take()).toBeUndefined()
  })
})
