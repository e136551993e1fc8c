import { describe, expect, it } from 'vitest'
import { MemoryPeer } from '../testing/memory-network.ts'
import { FindOffer } from './find-offer.ts'

/** A memory peer whose signals the test hands out itself, as an offering peer would make them. */
class Offerer extends MemoryPeer {
  constructor() {
    super(
      { initiator: false, trickle: true, config: { iceServers: [] } },
      '10.0.0.1',
      () => undefined,
    )
  }
  makeOffer(sdp = 'v=0\r\na=fingerprint:sha-256 AB:CD\r\n'): void {
    this.emit('signal', { type: 'offer', sdp })
  }
  candidate(n: number): void {
    this.emit('signal', { type: 'candidate', candidate: { candidate: `candidate:${n}` } })
  }
}
const offerer = () => new Offerer()
const cand = (n: number) => ({ type: 'candidate', candidate: { candidate: `candidate:${n}` } })

describe("a find's offer", () => {
  it('is ready once the offer is made; the find takes the offer without addresses, the first location every candidate', async () => {
    const peer = offerer()
    const offer = new FindOffer(peer)
    const ready = offer.ready()
    const sdp =
      'v=0\r\na=fingerprint:sha-256 AB:CD\r\na=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n'
    peer.makeOffer(sdp)
    peer.candidate(1)
    await ready
    // Every location of the contact reads the find: no address of ours in it.
    expect(offer.forFind()).toEqual([
      { type: 'offer', sdp: 'v=0\r\na=fingerprint:sha-256 AB:CD\r\n' },
    ])
    peer.candidate(2)
    const taken = offer.take()
    expect(taken?.peer).toBe(peer)
    expect(taken?.later).toEqual([cand(1), cand(2)])
    // Once taken it is nobody else's, and a destroy (the find context dropped) leaves it alone.
    expect(offer.take()).toBeUndefined()
    offer.destroy()
    expect(peer.destroyed).toBe(false)
  })

  it('goes when nobody took it, or when the caller gives up; a later location gets none', async () => {
    const dropped = offerer()
    const one = new FindOffer(dropped)
    dropped.makeOffer()
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
