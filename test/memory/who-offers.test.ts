import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryStores,
  createOpenPeerClient,
  isOpenPeerError,
  type ClientEvents,
  type MemoryNetwork,
  type OpenPeerClientOptions,
  type PeerLike,
  type StoredIdentity,
} from '../../src/openpeer/index.ts'
import type { LocalIdentity } from '../../src/openpeer/session/identify.ts'
import { makeFindReply } from '../../src/openpeer/session/find-proofs.ts'
import type { MemoryPeer } from '../../src/openpeer/testing/memory-network.ts'
import {
  finderInTheMiddle,
  isFind,
  isReply,
  type Frame,
  type Tamper,
} from './finder-in-the-middle.ts'
import {
  createMemoryNetwork,
  idOf,
  memoryClient,
  memoryPorts,
  resumedMemoryClient,
  startFinder,
  until,
} from './harness.ts'
import { joinAsSecondDevice } from '../second-device.ts'

/*
 * Who makes the WebRTC offer (docs/protocol.md, "Who offers"): an invite's find carries the
 * invitee's offer and the inviter answers in its reply; a background ring carries none, so
 * nothing is made for a contact who is offline, and the found side offers. Both are seen here
 * from outside: the signals each side's peers made, the frames that crossed the finder.
 */

const ORIGIN = 'http://app.test'
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function world() {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  return { domain, network: createMemoryNetwork() }
}

/** A memory client that keeps the peers it made, its finder frames and its stores. */
async function client(
  name: string,
  domain: string,
  network: MemoryNetwork,
  opts: { tamper?: Tamper; options?: Partial<OpenPeerClientOptions> } = {},
) {
  const mitm = finderInTheMiddle(opts.tamper)
  const made: MemoryPeer[] = []
  const stores = createMemoryStores()
  const clientPorts = {
    ...stores,
    createSocket: mitm.createSocket,
    createPeer: (o: Parameters<MemoryNetwork['createPeer']>[0]): PeerLike => {
      const peer = network.createPeer(o) as MemoryPeer
      made.push(peer)
      return peer
    },
  }
  const c = await memoryClient(name, domain, network, clientPorts, opts.options)
  cleanups.push(() => c.stop())
  const signalsOf = (peers: MemoryPeer[]): string[] =>
    peers.flatMap((p) => p.signals.map((s) => s.type))
  return Object.assign(c, {
    mitm,
    made,
    clientPorts,
    stores,
    live: () => made.filter((p) => !p.destroyed).length,
    signals: (from = 0) => signalsOf(made.slice(from)),
  })
}

async function localIdentity(stores: { keys: { load(): Promise<StoredIdentity | undefined> } }) {
  const id = (await stores.keys.load())!
  const local: LocalIdentity = {
    keys: id.keys,
    file: id.file,
    contactId: id.contactId,
    uri: id.uri,
    location: { id: id.locationId, label: id.locationLabel },
  }
  return local
}

describe('who offers', () => {
  it("an invite's find carries the invitee's offer and the inviter's reply the answer: one find, one reply, no offer from the inviter", async () => {
    const { domain, network } = await world()
    const alice = await client('Alice', domain, network)
    const bob = await client('Bob', domain, network)
    await bob.acceptInvite(alice.inviteLink('http://app.test'))
    expect(bob.signals()).toContain('offer')
    expect(bob.signals()).not.toContain('answer')
    expect(alice.signals()).toContain('answer')
    expect(alice.signals()).not.toContain('offer')
    // One peer each: nothing made and dropped on the way.
    expect([alice.made.length, bob.made.length]).toEqual([1, 1])
    expect(bob.mitm.sent.filter(isFind)).toHaveLength(1)
    expect(alice.mitm.sent.filter(isReply)).toHaveLength(1)
    // The answer came in the reply: the inviter signalled at most its trickled candidate after it.
    const aliceSignals = alice.mitm.sent.filter((f) => f.type === 'peer-location-signal')
    expect(aliceSignals.length).toBeLessThanOrEqual(1)
  })

  it('the find reached one location: the invitee sends its candidates at once, and the inviter, still checking the find, applies them once it passed', async () => {
    const { domain, network } = await world()
    let release = (): void => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    // Alice's finder hands her the find only once Bob's early candidates are on their way, so
    // they reach her right behind it, while she checks it.
    const alice = await client('Alice', domain, network, {
      tamper: async (f) => (isFind(f) ? (await held, f) : f),
    })
    const bob = await client('Bob', domain, network)
    const early = (async () => {
      while (!bob.mitm.sent.some((f) => f.type === 'peer-location-signal')) {
        await new Promise((r) => setTimeout(r, 5))
      }
      release()
    })()
    await bob.acceptInvite(alice.inviteLink('http://app.test'))
    await early
    // Bob's signal went before any reply came back to him: the finder named one location.
    const result = bob.mitm.received.find(
      (f) => f.type === 'peer-location-find' && f.kind === 'result',
    )
    expect(result?.to).toEqual([alice.identity()!.locationId])
    const received = alice.mitm.received.map((f) => `${f.kind} ${f.type}`)
    const at = received.indexOf('request peer-location-find')
    expect(received[at + 1]).toBe('notify peer-location-signal')
    // Applied after the offer, never before the checks (the offer is applied at once).
    expect(alice.made[0]!.applied.map((s) => s.type)).toEqual(['offer', 'candidate'])
  })

  it('a background ring makes no peer while the contact is offline; the contact back, a ring connects them and the found side offers', async () => {
    const { domain, network } = await world()
    const options = { retryEvery: 150 }
    const alice = await client('Alice', domain, network, { options })
    const bob = await client('Bob', domain, network, { options })
    await bob.acceptInvite(alice.inviteLink('http://app.test'))
    const gone = until(alice, 'session:closed')
    await bob.stop()
    await gone
    const peers = alice.made.length
    const finds = alice.mitm.sent.filter(isFind).length
    const [found, replies] = [
      alice.mitm.received.filter(isFind),
      alice.mitm.received.filter(isReply),
    ]
    // Alice rings three times (the finder says Bob is not there) and makes nothing for it.
    while (alice.mitm.sent.filter(isFind).length < finds + 3) {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(alice.made.length).toBe(peers)

    const back = until(alice, 'session:open', (e) => e.contactId === idOf(bob))
    const bob2 = await resumedMemoryClient('Bob', domain, network, bob.clientPorts)
    cleanups.push(() => bob2.stop())
    await back
    // Both may have rung at once. Each find Alice answered she offered on; each reply to a ring
    // of hers brought an offer, which she answered.
    const fresh = alice.made.slice(peers)
    const offered = fresh.filter((p) => p.signals.some((s) => s.type === 'offer'))
    const answered = fresh.filter((p) => p.signals.some((s) => s.type === 'answer'))
    expect(fresh.length).toBeGreaterThan(0)
    expect(offered.length + answered.length).toBe(fresh.length)
    expect(offered).toHaveLength(alice.mitm.received.filter(isFind).length - found.length)
    expect(answered).toHaveLength(alice.mitm.received.filter(isReply).length - replies.length)
  })

  it('an invite given up before any reply drops its offer; a reply that comes later still connects, on a fresh offer', async () => {
    const { domain, network } = await world()
    const alice = await client('Alice', domain, network)
    const held: Frame[] = []
    const bob = await client('Bob', domain, network, {
      tamper: (f) => (isReply(f) && held.length === 0 ? (held.push(f), []) : f),
    })
    const failed = await bob
      .acceptInvite(alice.inviteLink('http://app.test'), { signal: AbortSignal.timeout(400) })
      .catch((e: unknown) => e)
    expect(isOpenPeerError(failed)).toBe(true)
    expect(held).toHaveLength(1)
    expect(bob.made.length).toBe(1)
    expect(bob.live()).toBe(0) // the peer the find's offer came from is gone

    const open = until(bob, 'session:open', (e) => e.contactId === idOf(alice))
    bob.mitm.inject(held[0]!)
    await open
    // Bob made a second peer for Alice's late answer, and offered again on it; Alice answered
    // that one on a peer of its own, dropping the one that had answered the first offer.
    expect(bob.made.length).toBe(2)
    expect(bob.made[1]!.signals.map((s) => s.type)).toContain('offer')
    expect(alice.made.length).toBe(2)
    expect(alice.made[0]!.destroyed).toBe(true)
    expect(alice.made[1]!.signals.map((s) => s.type)).toContain('answer')
    expect(alice.contacts().find((c) => c.contactId === idOf(bob))?.state).toBe('connected')
  })

  it('a find that forked: a location whose reply comes after the first session is up still gets a fresh offer and connects', async () => {
    const { domain, network } = await world()
    const alice = await client('Alice', domain, network)
    // Alice's second device, joined by her device link and online.
    const laptop = createOpenPeerClient(memoryPorts(network), {
      domain,
      origin: ORIGIN,
      finder: { minDelay: 20, maxDelay: 200 },
      timings: { keepAlive: 1_000, deadAfter: 5_000 },
    })
    cleanups.push(() => laptop.stop())
    const locationId = await joinAsSecondDevice(alice, laptop, { origin: ORIGIN, cleanups })
    // The laptop's reply is slow: held until Bob's session with the other device is up.
    const held: Frame[] = []
    const fromLaptop = (f: Frame) =>
      isReply(f) && (f.proof as { location?: string }).location === locationId
    const bob = await client('Bob', domain, network, {
      tamper: (f) => (fromLaptop(f) ? (held.push(f), []) : f),
    })
    await bob.acceptInvite(alice.inviteLink(ORIGIN), { signal: AbortSignal.timeout(5_000) })
    expect(held).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 50))
    const onLaptop = until(bob, 'session:open', (e) => e.locationId === locationId, 5_000)
    bob.mitm.inject(held[0]!)
    await onLaptop
    expect(laptop.contacts().find((c) => c.contactId === idOf(bob))?.state).toBe('connected')
  })

  it('a reply that offers to a find that offered is refused with ERR_BAD_MESSAGE and makes no session', async () => {
    const { domain, network } = await world()
    const alice = await client('Alice', domain, network)
    const aliceId = await localIdentity(alice.stores)
    // Alice's own reply swapped for one she signed too, but carrying an offer where the answer
    // belongs (an old or broken client): the finder cannot make such a reply, only Alice can.
    const bob = await client('Bob', domain, network, {
      tamper: async (f) => {
        if (!isReply(f) || !f.proof) return f
        const real = f.proof as { requestDigest: string; context: string }
        const box = (await bob.stores.keys.load())!.file.A.boxKey
        const { proof } = await makeFindReply(
          aliceId,
          { digest: real.requestDigest, context: real.context, initiatorBox: box },
          [{ type: 'offer', sdp: 'v=0\r\n' }],
          Date.now(),
        )
        return { ...f, proof: proof as Frame['proof'] }
      },
    })
    const error = until(bob, 'client:error') as Promise<ClientEvents['client:error']>
    const failed = await bob
      .acceptInvite(alice.inviteLink('http://app.test'), { signal: AbortSignal.timeout(1_000) })
      .catch((e: unknown) => e)
    const seen = await error
    expect(seen.error.code).toBe('ERR_BAD_MESSAGE')
    expect(seen.error.message).toMatch(/no answer/)
    expect(isOpenPeerError(failed)).toBe(true)
    expect(bob.contacts().every((c) => c.state !== 'connected')).toBe(true)
  })
})
