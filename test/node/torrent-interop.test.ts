import Peer from '@thaunknown/simple-peer'
import { randomBytes } from 'node:crypto'
import WebTorrent from 'webtorrent'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryTorrentPorts } from '../../src/openpeer/index.ts'
import { startFinder } from './harness.ts'
import { makeSharer, sha256 } from './torrent-harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface StockTorrent {
  infoHash: string
  done: boolean
  addPeer(conn: unknown): boolean
  once(event: string, fn: (...args: unknown[]) => void): void
  files: { arrayBuffer(): Promise<ArrayBuffer> }[]
}
interface StockClient {
  add(id: string, opts: object): StockTorrent
  destroy(cb?: () => void): void
}

describe('interop with a stock WebTorrent client', () => {
  it('downloads a shared file by its magnet link over a plain simple-peer connection', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await makeSharer('Alice', domain)
    cleanups.push(() => alice.stop())
    const data = randomBytes(4 * 1024 * 1024)
    const info = await alice.torrents.share(data, { name: 'interop.bin' })

    // A plain WebRTC connection between the app and a stock client, signalled by hand.
    const appSide = new Peer({ initiator: true, trickle: true, config: { iceServers: [] } })
    const stockSide = new Peer({ trickle: true, config: { iceServers: [] } })
    appSide.on('signal', (s: unknown) => stockSide.signal(s))
    stockSide.on('signal', (s: unknown) => appSide.signal(s))
    cleanups.push(
      () => appSide.destroy(),
      () => stockSide.destroy(),
    )

    const stock = new (WebTorrent as unknown as new (o: object) => StockClient)({
      tracker: false,
      dht: false,
      lsd: false,
      webSeeds: false,
      utp: false,
      natUpnp: false,
      natPmp: false,
    })
    cleanups.push(() => new Promise<void>((r) => stock.destroy(() => r())))
    // Only the magnet link: metadata comes from the app over ut_metadata.
    const torrent = stock.add(info.magnet, {
      announce: [],
      store: createMemoryTorrentPorts().store,
    })
    if (!torrent.infoHash) await new Promise((r) => torrent.once('infoHash', r))
    ;(stockSide as unknown as { id: string }).id = 'app'
    expect(torrent.addPeer(stockSide)).toBe(true)
    expect(alice.torrents.serveStockPeer(info.infoHash, appSide)).toBe(true)

    if (!torrent.done) await new Promise((r) => torrent.once('done', r))
    const got = new Uint8Array(await torrent.files[0]!.arrayBuffer())
    expect(sha256(got)).toBe(sha256(data))
  })
})
