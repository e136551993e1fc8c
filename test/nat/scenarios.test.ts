/**
 * The NAT lab (docs/networking.md): two homes behind NAT routers, the finder and coturn on a
 * public address, started as `npm start` would. Node clients (real WebRTC: node-datachannel) in
 * the homes for scenarios 1, 2 and 5; the real app in Chromium for 2 and 3. Each scenario chats
 * both ways, moves 5 MiB with equal sha256, and checks the selected candidate pair (getStats).
 * A tunnel scenario (everything blocked but the finder's port) fits `onlyTcpTo` in lab.ts.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error -- plain ESM helpers shared with the npm scripts
import { findChromium } from '../../scripts/find-chromium.mjs'
import {
  appUser,
  buildApp,
  chatLine,
  contactItem,
  downloadFile,
  inviteLink,
  launchIn,
  pagePair,
  sendChat,
  shareFile,
} from './browser.ts'
import { FINDER_PORT, startFinderIn, type LabFinder } from './finder.ts'
import { createLab, labUnsupported, PUBLIC, SITES, type Lab } from './lab.ts'
import { LabPeer } from './peers.ts'

const FILE = 5 * 1024 * 1024
const CONNECTED = { timeout: 60_000 }

const why = await labUnsupported()
if (why) console.warn(`NAT lab skipped: ${why}`)
const chromiumFound = !why && !!(await findChromium())
if (!why && !chromiumFound) console.warn('NAT lab: Chromium scenarios skipped: no Chromium found')

describe.skipIf(!!why)('NAT lab', () => {
  let lab: Lab
  let finder: LabFinder
  const peers: LabPeer[] = []
  const browsers: Browser[] = []
  const dir = mkdtempSync(join(tmpdir(), 'opnat-files-'))

  beforeAll(async () => {
    lab = await createLab()
    finder = await startFinderIn(lab)
  }, 90_000)
  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => {})
    await Promise.all(peers.map((p) => p.stop()))
    await finder?.stop()
    await lab?.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  async function nodePeer(site: 1 | 2, name: string): Promise<LabPeer> {
    const peer = await LabPeer.start(lab, site === 1 ? lab.ns.h1 : lab.ns.h2, name)
    peers.push(peer)
    return peer
  }

  describe('Node clients', () => {
    // One process per home: each scenario makes new clients (new identities) in them.
    let alice: LabPeer
    let bob: LabPeer
    beforeAll(async () => {
      ;[alice, bob] = await Promise.all([nodePeer(1, 'Alice'), nodePeer(2, 'Bob')])
    }, 60_000)

    /** Alice at home 1, Bob at home 2: Bob opens Alice's invite, chat both ways, 5 MiB A→B. */
    async function connectAndExchange(opts: { aliceHides?: boolean; fast?: boolean } = {}) {
      // The tunnel scenario waits 3 s for ICE (not 10) and looks for a path every 2 s (not 30).
      const timings = opts.fast ? { iceTimeout: 3_000, upgradeEvery: 2_000 } : undefined
      const at = { domain: finder.domain, origin: finder.origin, ...(timings ? { timings } : {}) }
      await Promise.all([alice.init({ ...at, relayOnly: !!opts.aliceHides }), bob.init(at)])
      await bob.call('accept', { link: await alice.call('invite') })
      await alice.call('send', { to: bob.contactId, body: 'hello from home 1' })
      await bob.call('waitMessage', { body: 'hello from home 1' })
      await bob.call('send', { to: alice.contactId, body: 'hello from home 2' })
      await alice.call('waitMessage', { body: 'hello from home 2' })
      const shared = await alice.call('share', { to: bob.contactId, size: FILE })
      const got = await bob.call('download', { infoHash: shared.infoHash })
      expect(got.sha256).toBe(shared.sha256)
      return { a: await alice.call('pair'), b: await bob.call('pair') }
    }

    it('1. endpoint-independent NAT at both homes: server-reflexive candidates, direct, the file around coturn', async () => {
      await lab.setPolicy(1, { nat: 'eim' })
      await lab.setPolicy(2, { nat: 'eim' })
      const { a, b } = await connectAndExchange()
      expect([a.contactPath, b.contactPath]).toEqual(['direct', 'direct'])
      expect([a.pair?.path, b.pair?.path]).toEqual(['direct', 'direct'])
      // Each reaches the other at its router's public mapping, which only STUN could tell.
      expect(a.pair?.remote).toMatchObject({ address: SITES[2].wan })
      expect(b.pair?.remote).toMatchObject({ address: SITES[1].wan })
      expect([a.pair?.remote.type, b.pair?.remote.type]).toEqual(
        expect.arrayContaining([expect.stringMatching(/^(srflx|prflx)$/)]),
      )
      // Both gathered a relay candidate (ICE gathers them all), but the 5 MiB went around coturn.
      expect(await lab.turnBytes(1)).toBeLessThan(64 * 1024)
      expect(await lab.turnBytes(2)).toBeLessThan(64 * 1024)
    })

    it('2. symmetric NAT at both homes: TURN, relay', async () => {
      await lab.setPolicy(1, { nat: 'symmetric' })
      await lab.setPolicy(2, { nat: 'symmetric' })
      const { a, b } = await connectAndExchange()
      expect([a.contactPath, b.contactPath]).toEqual(['relay', 'relay'])
      // The relayed end is coturn's address: on one side its own, on the other the peer's.
      for (const { pair } of [a, b])
        expect([pair?.local, pair?.remote].find((e) => e?.type === 'relay')).toMatchObject({
          address: PUBLIC,
        })
      expect((await lab.turnBytes(1)) + (await lab.turnBytes(2))).toBeGreaterThan(FILE)
    })

    it("4. everything but the finder's port blocked at home 1: the tunnel; unblocked, a direct path, nothing lost", async () => {
      await lab.setPolicy(1, { nat: 'eim', onlyTcpTo: { address: PUBLIC, port: FINDER_PORT } })
      await lab.setPolicy(2, { nat: 'eim' })
      const { a, b } = await connectAndExchange({ fast: true })
      expect([a.contactPath, b.contactPath]).toEqual(['tunnel', 'tunnel'])
      // No TURN either: the bytes went through the finder's relay, not coturn.
      expect((await lab.turnBytes(1)) + (await lab.turnBytes(2))).toBeLessThan(64 * 1024)

      // Home 1's router opens up: the session finds an ICE path and moves onto it while
      // messages keep going out, and every one of them arrives, once, in order.
      await lab.setPolicy(1, { nat: 'eim' })
      let moved = false
      const direct = Promise.all([
        alice.call('waitPath', { path: 'direct' }),
        bob.call('waitPath', { path: 'direct' }),
      ]).then(() => (moved = true))
      const sent: string[] = []
      for (let i = 0; !moved || i < 5; i++) {
        const body = `during the move ${i}`
        sent.push(body)
        await alice.call('send', { to: bob.contactId, body })
        await new Promise((r) => setTimeout(r, 100))
      }
      await direct
      await bob.call('waitMessage', { body: sent.at(-1)! })
      const got = (await bob.call('messages')).filter((m) => m.startsWith('during the move'))
      expect(got).toEqual(sent)
      const after = await alice.call('pair')
      expect(after.pair?.path).toBe('direct')
    })

    it('5. "Hide my IP address" at home 1: relay, and Bob never learns an address of Alice', async () => {
      // Both NATs would let a direct path through: only the setting forces the relay.
      await lab.setPolicy(1, { nat: 'eim' })
      await lab.setPolicy(2, { nat: 'eim' })
      const { a, b } = await connectAndExchange({ aliceHides: true })
      expect([a.contactPath, b.contactPath]).toEqual(['relay', 'relay'])
      expect(a.pair?.local.type).toBe('relay')
      expect(b.pair?.remote).toMatchObject({ type: 'relay', address: PUBLIC })
      const told = await bob.call('received')
      expect(told.filter((l) => l.includes('typ relay')).length).toBeGreaterThan(0)
      for (const address of [SITES[1].host, SITES[1].wan])
        expect(told.filter((l) => l.includes(address))).toEqual([])
      // The other way round Alice does learn Bob's: he did not ask to hide them.
      const toAlice = await alice.call('received')
      expect(toAlice.some((l) => l.includes(SITES[2].wan))).toBe(true)
    })
  })

  describe.skipIf(!chromiumFound)('the app in Chromium', () => {
    beforeAll(buildApp, 180_000)

    async function browserAt(site: 1 | 2): Promise<Browser> {
      const browser = await launchIn(site === 1 ? lab.ns.h1 : lab.ns.h2, finder.origin)
      browsers.push(browser)
      return browser
    }

    function randomFile(name: string): { path: string; sha256: string } {
      const bytes = randomBytes(FILE)
      writeFileSync(join(dir, name), bytes)
      return { path: join(dir, name), sha256: createHash('sha256').update(bytes).digest('hex') }
    }

    it('2. symmetric NAT at both homes: two browsers connect through TURN, chat, move 5 MiB', async () => {
      await lab.setPolicy(1, { nat: 'symmetric' })
      await lab.setPolicy(2, { nat: 'symmetric' })
      const [b1, b2] = await Promise.all([browserAt(1), browserAt(2)])
      const [alice, bob] = await Promise.all([
        appUser(b1, finder.origin, 'Alice'),
        appUser(b2, finder.origin, 'Bob'),
      ])
      await bob.goto(await inviteLink(alice))
      // The contact row names the path: the library's reading of the selected pair.
      await contactItem(bob, 'Alice', 'connected, relay').waitFor(CONNECTED)
      await contactItem(alice, 'Bob', 'connected, relay').waitFor(CONNECTED)

      await sendChat(alice, 'Bob', 'hello from home 1')
      await contactItem(bob, 'Alice').click()
      await chatLine(bob, 'hello from home 1').waitFor()
      await sendChat(bob, 'Alice', 'hello from home 2')
      await chatLine(alice, 'hello from home 2').waitFor()

      const file = randomFile('lab-symmetric.bin')
      await shareFile(alice, 'Bob', file.path, 'lab-symmetric.bin')
      expect(await downloadFile(bob, 'Alice', 'lab-symmetric.bin')).toBe(file.sha256)
      for (const page of [alice, bob]) {
        const pair = await pagePair(page)
        expect(pair?.path).toBe('relay')
        expect([pair?.local, pair?.remote].find((e) => e?.type === 'relay')).toMatchObject({
          address: PUBLIC,
        })
      }
      expect((await lab.turnBytes(1)) + (await lab.turnBytes(2))).toBeGreaterThan(FILE)
    })

    it('3. UDP blocked at home 1: the browser there relays over TURN/TCP; a Node client at home 2', async () => {
      // node-datachannel (libjuice) has no TURN over TCP, so the blocked side is the browser.
      await lab.setPolicy(1, { nat: 'eim', blockUdp: true })
      await lab.setPolicy(2, { nat: 'eim' })
      const bob = await nodePeer(2, 'Bob')
      await bob.init({ domain: finder.domain, origin: finder.origin })
      const alice = await appUser(await browserAt(1), finder.origin, 'Alice')
      const { contactId: aliceId } = await bob.call('accept', { link: await inviteLink(alice) })
      await contactItem(alice, 'Bob', 'connected, relay').waitFor(CONNECTED)

      await sendChat(alice, 'Bob', 'hello over TCP')
      await bob.call('waitMessage', { body: 'hello over TCP' })
      await bob.call('send', { to: aliceId, body: 'hello from home 2' })
      await contactItem(alice, 'Bob').click()
      await chatLine(alice, 'hello from home 2').waitFor()

      const shared = await bob.call('share', { to: aliceId, size: FILE })
      expect(await downloadFile(alice, 'Bob', `lab-${FILE}.bin`)).toBe(shared.sha256)
      expect(await pagePair(alice)).toMatchObject({
        path: 'relay',
        local: { type: 'relay', address: PUBLIC, relayProtocol: 'tcp' },
      })
      const b = await bob.call('pair')
      expect(b.contactPath).toBe('relay')
      expect(b.pair?.remote).toMatchObject({ type: 'relay', address: PUBLIC })
    })
  })
})
