import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryTorrentPorts,
  type OpenPeerClient,
  type TorrentService,
} from '../../src/openpeer/index.ts'
import { createMemoryNetwork, idOf, memoryClient, startFinder, until } from './harness.ts'
import { recordingProxy, type SeenFrame } from '../recording-proxy.ts'

/*
 * What the finder learns (docs/finder.md: "It never sees SDP, ICE candidates, messages or
 * keys"), shown rather than claimed: a recording proxy in front of a real finder keeps every
 * frame crossing its sockets while two clients meet, chat and share a file.
 */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

type Sharer = OpenPeerClient & { torrents: TorrentService }

const CHAT = ['the parcel is under the blue mat', 'thanks, picked it up at seven']
const FILE_NAME = 'holiday-plans-2026-secret.txt'

/** The only frames that may cross the finder once the session is up: the keep-alive pair. */
const AFTER_SESSION = new Set(['request session-keep-alive', 'result session-keep-alive'])

const kindType = (f: SeenFrame): string => {
  const m = JSON.parse(f.text) as { kind?: string; type?: string }
  return `${m.kind} ${m.type}`
}

describe('what the finder sees', () => {
  it('while two clients meet, chat and share a file: no SDP, candidate, address, text or file name, and only keep-alives once the session is up', async () => {
    const { server } = await startFinder()
    cleanups.push(() => server.close())
    const proxy = await recordingProxy(server.address().port)
    cleanups.push(() => proxy.close())
    const network = createMemoryNetwork()
    // Keep-alives every 150 ms, so the quiet part of the session has some to show.
    const opts = { finder: { minDelay: 20, maxDelay: 200, heartbeat: { every: 150 } } }
    const make = async (name: string) => {
      const c = await memoryClient(
        name,
        proxy.domain,
        network,
        { torrents: createMemoryTorrentPorts() },
        opts,
      )
      cleanups.push(() => c.stop())
      return c as Sharer
    }
    const alice = await make('Alice')
    const bob = await make('Bob')

    const aliceSees = until(alice, 'session:open')
    await bob.acceptInvite(alice.inviteLink('http://app.test'))
    await aliceSees
    // Whatever was in flight as the session opened has landed: a keep-alive round trip later.
    const quietFrom = proxy.frames.length

    const got = until(alice, 'message:received')
    await bob.sendMessage(idOf(alice), CHAT[0]!)
    expect((await got).body).toBe(CHAT[0])
    const back = until(bob, 'message:received')
    await alice.sendMessage(idOf(bob), CHAT[1]!)
    expect((await back).body).toBe(CHAT[1])

    const data = randomBytes(64 * 1024)
    const info = await bob.torrents.share(data, { name: FILE_NAME })
    const offered = until(alice, 'torrent:offer')
    await bob.torrents.offer(idOf(alice), info.infoHash)
    const done = until(alice, 'torrent:done', (v) => v.infoHash === info.infoHash, 15_000)
    await alice.torrents.download(await offered)
    expect((await done).name).toBe(FILE_NAME)
    // Long enough for several keep-alives from each side.
    const keepAlives = () =>
      proxy.frames.slice(quietFrom).filter((f) => kindType(f) === 'request session-keep-alive')
    while (keepAlives().length < 4) await new Promise((r) => setTimeout(r, 50))

    // The recorder saw the meeting itself, so the checks below look at real traffic.
    const types = new Set(proxy.frames.map(kindType))
    for (const t of [
      'request session-create',
      'request peer-location-find',
      'notify peer-location-find',
      'notify peer-location-signal',
    ])
      expect(types).toContain(t)
    // The link carried Alice's card: the finder was not asked for it.
    expect(types).not.toContain('request peer-file-get')

    // What the peers themselves said to each other holds every forbidden thing...
    const addresses = network.peers.map((p) => p.address)
    expect(addresses.length).toBeGreaterThanOrEqual(2)
    const ownSignals = JSON.stringify(network.peers.map((p) => p.signals))
    const forbidden = ['v=0', 'a=fingerprint', 'candidate:', 'typ host', ...addresses]
    for (const s of forbidden) expect(ownSignals).toContain(s)
    // ...but none of it, nor the chat or the file name, reaches the finder in any frame.
    const secrets = [...forbidden, ...CHAT, FILE_NAME, info.infoHash]
    const leaks = proxy.frames.flatMap((f) =>
      secrets.filter((s) => f.text.includes(s)).map((s) => `${f.dir} ${kindType(f)}: ${s}`),
    )
    expect(leaks).toEqual([])
    // No IP address at all, except the finder's own (the domain session proofs name).
    const ips = new Set(
      proxy.frames.flatMap((f) => f.text.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? []),
    )
    expect([...ips]).toEqual(['127.0.0.1'])

    // Once the session is up the finder hears keep-alives and nothing else.
    const after = proxy.frames.slice(quietFrom).map(kindType)
    expect(after.filter((t) => !AFTER_SESSION.has(t))).toEqual([])
    expect(after.length).toBeGreaterThan(0)
    // No relay tunnel was needed, so nothing else passed through the finder's host.
    expect(new Set(proxy.frames.map((f) => f.path))).toEqual(new Set(['/finder']))
  })
})
