import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryStores,
  createMemoryTorrentPorts,
  createOpenPeerClient,
  type OpenPeerClient,
  type TorrentService,
} from '../../src/openpeer/index.ts'
import { makeClient, nodePorts, startFinder, until } from './harness.ts'
import { befriend, makeSharer, sha256, sha256Of } from './torrent-harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

type Sharer = OpenPeerClient & { torrents: TorrentService }

describe('an interrupted download', () => {
  it('resumes after a restart on the same chunk store and records, fetching only what was missing', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await makeSharer('Alice', domain)
    cleanups.push(() => alice.stop())
    // Bob's profile: what a reload keeps (keys, contacts, outbox, pieces, torrent records).
    const stores = createMemoryStores()
    const torrents = createMemoryTorrentPorts()
    const bob = (await makeClient('Bob', domain, { ...stores, torrents })) as Sharer
    cleanups.push(() => bob.stop())
    await befriend(alice, bob)

    // Big enough that the stop lands mid-transfer on an idle machine too: progress events come
    // every 250 ms, and 24 MiB once finished before the stop took effect.
    const data = randomBytes(64 * 1024 * 1024)
    const info = await alice.torrents.share(data, { name: 'resume.bin' })
    const started = until(bob, 'torrent:progress', (v) => v.progress >= 0.1, 30_000)
    await bob.torrents.download(info)
    await started
    await bob.stop()

    const pieceLength = (await heldPieces(torrents, info.infoHash)).pieceLength
    const held = (await heldPieces(torrents, info.infoHash)).bytes
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThan(data.length)
    const [record] = await torrents.records.list()
    expect(record).toMatchObject({ infoHash: info.infoHash, origin: 'received', seeding: true })
    expect(record!.torrentFile).toBeInstanceOf(Uint8Array)

    const again = createOpenPeerClient(nodePorts({ ...stores, torrents }), {
      domain,
      locationLabel: 'node Bob',
      finder: { minDelay: 100, maxDelay: 1_000 },
      timings: { keepAlive: 1_000, deadAfter: 5_000 },
    }) as Sharer
    cleanups.push(() => again.stop())
    await again.load()
    const done = until(again, 'torrent:done', (v) => v.infoHash === info.infoHash, 30_000)
    const checked = until(
      again,
      'torrent:progress',
      (v) => v.infoHash === info.infoHash && v.state !== 'checking',
    )
    again.start()
    // Before any byte arrives, the stored pieces count as downloaded (re-verified by hash).
    expect((await checked).downloaded).toBe(held)
    const view = await done
    expect(view.progress).toBe(1)
    expect(await sha256Of(again.torrents.stream(info.infoHash))).toBe(sha256(data))

    const fetched = again.torrents.wireStats(info.infoHash).reduce((n, w) => n + w.bytesIn, 0)
    const missing = data.length - held
    console.log(
      `resume: held ${mb(held)} MB of ${mb(data.length)} MB (pieces of ${pieceLength / 1024} KiB); ` +
        `fetched ${mb(fetched)} MB after restart for ${mb(missing)} MB missing`,
    )
    // Pieces plus BitTorrent framing (13 bytes per 16 KiB block) and a few re-requested blocks.
    expect(fetched).toBeGreaterThanOrEqual(missing)
    expect(fetched).toBeLessThan(missing * 1.02 + 512 * 1024)
  })
})

async function heldPieces(
  torrents: ReturnType<typeof createMemoryTorrentPorts>,
  infoHash: string,
): Promise<{ bytes: number; pieceLength: number }> {
  const chunks = torrents.chunks.get(infoHash) ?? []
  const present = chunks.filter(Boolean)
  return {
    bytes: present.reduce((n, c) => n + c.length, 0),
    pieceLength: present[0]?.length ?? 0,
  }
}

function mb(n: number): string {
  return (n / 1024 / 1024).toFixed(1)
}
