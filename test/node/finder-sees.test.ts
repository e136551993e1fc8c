import { afterEach, describe, expect, it } from 'vitest'
import type { OpenPeerClient, PeerLike } from '../../src/openpeer/index.ts'
import { recordingProxy } from '../recording-proxy.ts'
import { makeClient, nodePeer, startFinder, until } from './harness.ts'

/*
 * The memory test (test/memory/finder-sees.test.ts) with real WebRTC: real SDP, real DTLS
 * fingerprints and this machine's real host candidates, none of which may reach the finder.
 */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const CHAT = 'meet me by the old mill at noon'

describe('what the finder sees, over real WebRTC', () => {
  it('no SDP, candidate, host address or chat text in any frame; only keep-alives once the session is up', async () => {
    const { server } = await startFinder()
    cleanups.push(() => server.close())
    const proxy = await recordingProxy(server.address().port)
    cleanups.push(() => proxy.close())
    // What each peer said, recorded where it is made: the truth the finder's frames are held to.
    const signals: unknown[] = []
    const createPeer = (opts: Parameters<typeof nodePeer>[0]): PeerLike => {
      const peer = nodePeer({ ...opts, config: { ...opts.config, iceServers: [] } })
      peer.on('signal', (s) => signals.push(s))
      return peer
    }
    const opts = { finder: { minDelay: 100, maxDelay: 1_000, heartbeat: { every: 200 } } }
    const make = async (name: string): Promise<OpenPeerClient> => {
      const c = await makeClient(name, proxy.domain, { createPeer }, opts)
      cleanups.push(() => c.stop())
      return c
    }
    const alice = await make('Alice')
    const bob = await make('Bob')
    const aliceSees = until(alice, 'session:open')
    await bob.acceptInvite(alice.inviteLink('http://app.test'))
    await aliceSees
    const quietFrom = proxy.frames.length
    const got = until(alice, 'message:received')
    await bob.sendMessage(alice.identity()!.contactId, CHAT)
    expect((await got).body).toBe(CHAT)
    const keepAlives = () =>
      proxy.frames.slice(quietFrom).filter((f) => f.text.includes('"session-keep-alive"'))
    while (keepAlives().length < 4) await new Promise((r) => setTimeout(r, 50))

    const own = JSON.stringify(signals)
    const addresses = [
      ...new Set([...own.matchAll(/candidate:\S+ \d+ \w+ \d+ (\S+) \d+ typ/g)].map((m) => m[1]!)),
    ]
    expect(addresses.length).toBeGreaterThan(0)
    const fingerprints = [...own.matchAll(/a=fingerprint:\S+ ([0-9A-F:]+)/g)].map((m) => m[1]!)
    expect(fingerprints.length).toBeGreaterThanOrEqual(2)
    const forbidden = ['v=0', 'a=fingerprint', 'candidate:', ...addresses, ...fingerprints, CHAT]
    const seen = proxy.frames.map((f) => f.text).join('\n')
    expect(seen).toContain('"peer-location-signal"')
    expect(forbidden.filter((s) => seen.includes(s))).toEqual([])
    // (Were ICE slow here, the session would ride the relay tunnel beside the finder: sealed
    // bytes on /relay, checked for leaks above like every frame, but not finder messages.)
    const after = proxy.frames
      .slice(quietFrom)
      .filter((f) => f.path === '/finder')
      .map((f) => {
        const m = JSON.parse(f.text) as { kind: string; type: string }
        return `${m.kind} ${m.type}`
      })
    expect(
      after.filter((t) => t !== 'request session-keep-alive' && t !== 'result session-keep-alive'),
    ).toEqual([])
  })
})
