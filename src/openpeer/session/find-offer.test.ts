import { describe, expect, it } from 'vitest'
import { MemoryPeer } from '../testing/memory-network.ts'
import { FindOffer } from './find-offer.ts'
import { signalType } from './session-types.ts'

/** A memory peer whose signals the test hands out itself, as an offering peer makes them. */
class Offerer extends MemoryPeer {
  constructor() {
    super(
      { initiator: false, trickle: true, config: { iceServers: [] } },
      '10.0.0.1',
      () => undefined,
    )
  }
  makeOffer(sdp = 'v=0\r\na=fingerprint:sha-256 AB\r\n'): void {
    this.emit('signal', { type: 'offer', sdp })
  }
  candidate(n: number): void {
    this.emit('signal', { type: 'candidate', candidate: { candidate: `candidate:${n}` } })
  }
}
const types = (signals: unknown[]): string[] => signals.map(signalType)
const candidate = (n: number) => ({ type: 'candidate', candidate: { candidate: `candidate:${n}` } })

/** An offer made, with one candidate trickled right after it. */
async function made(sdp?: string) {
  const peer = new Offerer()
  const offer = new FindOffer(peer)
  const ready = offer.ready()
  peer.makeOffer(sdp)
  peer.candidate(1)
  await ready
  return { peer, offer }
}

describe("a find's offer", () => {
  it('the find takes the offer alone, without the addresses its SDP lists; the first location every candidate', async () => {
    const sdp = 'v=0\r\na=fingerprint:sha-256 AB\r\na=candidate:1 1 udp 1 192.0.2.1 9 typ host\r\n'
    const { peer, offer } = await made(`${sdp}a=end-of-candidates\r\n`)
    // Every location of the contact reads the find: no address of ours in it.
    expect(offer.forFind()).toEqual([{ type: 'offer', sdp: 'v=0\r\na=fingerprint:sha-256 AB\r\n' }])
    peer.candidate(2)
    const taken = offer.take()
    expect(taken?.peer).toBe(peer)
    expect(taken?.later).toEqual([candidate(1), candidate(2)])
    // Once taken it is nobody else's, and a destroy (the find context dropped) leaves it alone.
    expect(offer.take()).toBeUndefined()
    offer.destroy()
    expect(peer.destroyed).toBe(false)
  })

  it('with one location (the finder said so) sends what it gathered at once; what comes after waits for the location to take it', async () => {
    const { peer, offer } = await made()
    expect(types(offer.forFind())).toEqual(['offer'])
    expect(await offer.early(1_000)).toEqual([candidate(1)]) // what was held, together, at once
    peer.candidate(2) // not sent early: the location that takes the offer gets it
    expect(offer.take()?.later).toEqual([candidate(2)])
  })

  it('with nothing gathered yet when the find result comes, sends the first burst once, after its linger', async () => {
    const peer = new Offerer()
    const offer = new FindOffer(peer)
    const ready = offer.ready()
    peer.makeOffer()
    await ready
    offer.forFind()
    const early = offer.early(20)
    peer.candidate(1)
    await new Promise((r) => setTimeout(r, 5))
    peer.candidate(2)
    expect(await early).toEqual([candidate(1), candidate(2)])
    peer.candidate(3) // after the burst: for the location that takes the offer
    expect(offer.take()?.later).toEqual([candidate(3)])
  })

  it('sends nothing early once a location took the offer first, nor when none comes before it is dropped', async () => {
    const { peer, offer } = await made()
    offer.forFind()
    await offer.early(1_000) // candidate 1
    const late = offer.early(1_000)
    const taken = offer.take()
    expect(await late).toEqual([])
    peer.candidate(2)
    expect(taken?.later).toEqual([])

    const other = await made()
    other.offer.forFind()
    other.offer.take()
    const burst = other.offer.early(5)
    other.peer.candidate(2)
    expect(await burst).toEqual([])

    const dropped = await made()
    dropped.offer.forFind()
    await dropped.offer.early(1_000)
    const never = dropped.offer.early(1_000)
    dropped.offer.destroy()
    expect(await never).toEqual([])
  })

  it('goes when nobody took it, or when the caller gives up; a later location gets none', async () => {
    const { peer: dropped, offer: one } = await made()
    one.destroy()
    expect(dropped.destroyed).toBe(true)
    expect(one.take()).toBeUndefined()

    const controller = new AbortController()
    const abandoned = new Offerer()
    const two = new FindOffer(abandoned, controller.signal)
    const ready = two.ready()
    controller.abort()
    await expect(ready).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    expect(abandoned.destroyed).toBe(true)
    expect(two.take()).toBeUndefined()
  })

  it('fails with ERR_SESSION_CLOSED when its peer ends before the offer', async () => {
    const peer = new Offerer()
    const offer = new FindOffer(peer)
    peer.destroy()
    await expect(offer.ready()).rejects.toMatchObject({
      code: 'ERR_SESSION_CLOSED',
      message: expect.stringContaining('closed') as unknown,
    })
    expect(offer.take()).toBeUndefined()
  })
})
