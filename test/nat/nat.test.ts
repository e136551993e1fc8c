/**
 * The NAT lab with Node clients (real WebRTC: node-datachannel) behind two home routers, the
 * finder and coturn on a "public" address, started as `npm start` would (docs/networking.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFinderIn, type LabFinder } from './finder.ts'
import { createLab, labUnsupported, PUBLIC, SITES, type Lab } from './lab.ts'
import { LabPeer } from './peers.ts'

const FILE = 5 * 1024 * 1024

const why = await labUnsupported()
if (why) console.warn(`NAT lab skipped: ${why}`)

describe.skipIf(!!why)('NAT lab: Node clients behind two home routers', () => {
  let lab: Lab
  let finder: LabFinder
  // One process per home for the whole file: each scenario makes new clients in them.
  let alice: LabPeer
  let bob: LabPeer

  beforeAll(async () => {
    lab = await createLab()
    ;[finder, alice, bob] = await Promise.all([
      startFinderIn(lab),
      LabPeer.start(lab, lab.ns.h1, 'Alice'),
      LabPeer.start(lab, lab.ns.h2, 'Bob'),
    ])
  }, 90_000)
  afterAll(async () => {
    await Promise.all([alice?.stop(), bob?.stop()])
    await finder?.stop()
    await lab?.destroy()
  })

  /** Alice at home 1, Bob at home 2; Bob opens Alice's invite and both end up connected. */
  async function pair(opts: { aliceHides?: boolean } = {}) {
    const at = { domain: finder.domain, origin: finder.origin }
    await Promise.all([alice.init({ ...at, relayOnly: !!opts.aliceHides }), bob.init(at)])
    const { ms } = await bob.call('accept', { link: await alice.call('invite') })
    console.log(`connected in ${ms.toFixed(0)} ms`)
    return { alice, bob }
  }

  /** Chat both ways, then 5 MiB from Alice to Bob with equal sha256. */
  async function exchange(alice: LabPeer, bob: LabPeer): Promise<void> {
    await alice.call('send', { to: bob.contactId, body: 'hello from home 1' })
    await bob.call('waitMessage', { body: 'hello from home 1' })
    await bob.call('send', { to: alice.contactId, body: 'hello from home 2' })
    await alice.call('waitMessage', { body: 'hello from home 2' })
    const shared = await alice.call('share', { to: bob.contactId, size: FILE })
    const got = await bob.call('download', { infoHash: shared.infoHash })
    expect(got.sha256).toBe(shared.sha256)
    console.log(`5 MiB in ${got.ms.toFixed(0)} ms`)
  }

  it('1. endpoint-independent NAT at both homes: server-reflexive candidates, direct, nothing through coturn', async () => {
    await lab.setPolicy(1, { nat: 'eim' })
    await lab.setPolicy(2, { nat: 'eim' })
    const { alice, bob } = await pair()
    await exchange(alice, bob)
    const a = await alice.call('pair')
    const b = await bob.call('pair')
    expect([a.contactPath, b.contactPath]).toEqual(['direct', 'direct'])
    expect([a.pair?.path, b.pair?.path]).toEqual(['direct', 'direct'])
    // Each reaches the other at its router's public mapping, which only STUN could tell.
    expect(a.pair?.remote).toMatchObject({ address: SITES[2].wan })
    expect(b.pair?.remote).toMatchObject({ address: SITES[1].wan })
    expect([a.pair?.remote.type, b.pair?.remote.type]).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(srflx|prflx)$/)]),
    )
    // Both gathered a relay candidate (that is how ICE works), but the 5 MiB went around coturn.
    expect(await lab.turnBytes(1)).toBeLessThan(64 * 1024)
    expect(await lab.turnBytes(2)).toBeLessThan(64 * 1024)
  })

  it('2. symmetric NAT at both homes: TURN, relay', async () => {
    await lab.setPolicy(1, { nat: 'symmetric' })
    await lab.setPolicy(2, { nat: 'symmetric' })
    const { alice, bob } = await pair()
    await exchange(alice, bob)
    const a = await alice.call('pair')
    const b = await bob.call('pair')
    expect([a.contactPath, b.contactPath]).toEqual(['relay', 'relay'])
    // The relayed end is coturn's address, on one side as its own, on the other as the peer's.
    for (const { pair } of [a, b])
      expect([pair?.local, pair?.remote].find((e) => e?.type === 'relay')).toMatchObject({
        address: PUBLIC,
      })
    expect((await lab.turnBytes(1)) + (await lab.turnBytes(2))).toBeGreaterThan(FILE)
  })

  it('5. "Hide my IP address" at home 1: relay, and Bob never learns an address of Alice', async () => {
    // Both NATs would let a direct path through: only the setting forces the relay.
    await lab.setPolicy(1, { nat: 'eim' })
    await lab.setPolicy(2, { nat: 'eim' })
    const { alice, bob } = await pair({ aliceHides: true })
    await exchange(alice, bob)
    const a = await alice.call('pair')
    const b = await bob.call('pair')
    expect([a.contactPath, b.contactPath]).toEqual(['relay', 'relay'])
    expect(a.pair?.local.type).toBe('relay')
    expect(b.pair?.remote).toMatchObject({ type: 'relay', address: PUBLIC })
    const told = await bob.call('received')
    expect(told.filter((l) => l.includes('typ relay')).length).toBeGreaterThan(0)
    for (const address of [SITES[1].host, SITES[1].wan])
      expect(told.filter((l) => l.includes(address))).toEqual([])
    // The other way round Alice does learn Bob's (he did not ask to hide them).
    const toAlice = await alice.call('received')
    expect(toAlice.some((l) => l.includes(SITES[2].wan) || l.includes(SITES[2].host))).toBe(true)
  })
})
