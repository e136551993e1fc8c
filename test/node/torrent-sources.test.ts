import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebTorrent from 'webtorrent'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryTorrentPorts,
  isOpenPeerError,
  type OpenPeerClient,
  type TorrentService,
} from '../../src/openpeer/index.ts'
import { makeClient, startFinder, until } from './harness.ts'
import { befriend, idOf, sha256, sha256Of } from './torrent-harness.ts'

/*
 * Where a file comes from besides contacts (SUPeer): stock BitTorrent clients on a Node host's
 * BitTorrent port, for the files its owner made public; and BEP 19 web seeds, HTTP servers
 * holding the same bytes, when no contact has them.
 */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

type Sharer = OpenPeerClient & { torrents: TorrentService }

async function sharer(
  name: string,
  domain: string,
  opts: { bt?: boolean; relayOnly?: boolean } = {},
): Promise<Sharer> {
  const client = await makeClient(
    name,
    domain,
    { torrents: createMemoryTorrentPorts() },
    {
      torrents: { retryEvery: 500, ...(opts.bt ? { bt: { port: 0 } } : {}) },
      ...(opts.relayOnly ? { relayOnly: true } : {}),
    },
  )
  cleanups.push(() => client.stop())
  return client as Sharer
}

interface StockTorrent {
  done: boolean
  downloaded: number
  numPeers: number
  once(event: string, fn: (...args: unknown[]) => void): void
  files: { arrayBuffer(): Promise<ArrayBuffer> }[]
}

function stockClient(): { add(id: string, opts: object): StockTorrent } {
  // A stock client as someone would run one: no tracker or DHT needed for a magnet with x.pe.
  const stock = new (
    WebTorrent as unknown as new (o: object) => {
      add(id: string, opts: object): StockTorrent
      destroy(cb?: () => void): void
    }
  )({ tracker: false, dht: false, lsd: false, utp: false, natUpnp: false, natPmp: false })
  cleanups.push(() => new Promise<void>((r) => stock.destroy(() => r())))
  return stock
}

/** An HTTP server with range requests, as a gateway is: serves `files` by path, counts hits. */
async function webServer(files: Record<string, Uint8Array>): Promise<{
  url: (path: string) => string
  hits: string[]
}> {
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    hits.push(path)
    const body = files[path]
    if (!body) return res.writeHead(404).end()
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (!range) return res.writeHead(200, { 'content-length': body.length }).end(body)
    const start = Number(range[1])
    const end = range[2] ? Number(range[2]) : body.length - 1
    res
      .writeHead(206, {
        'content-range': `bytes ${start}-${end}/${body.length}`,
        'content-length': end - start + 1,
      })
      .end(body.subarray(start, end + 1))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())))
  const { port } = server.address() as AddressInfo
  return { url: (path) => `http://127.0.0.1:${port}${path}`, hits }
}

/** The .torrent of a file `client` shares (what a server offers beside the file, as `xs=`). */
async function torrentFileOf(client: Sharer, infoHash: string): Promise<Uint8Array> {
  const engine = (await client.torrents.engineForTests) as unknown as {
    torrents: { infoHash: string; torrentFile: Uint8Array }[]
  }
  return engine.torrents.find((t) => t.infoHash === infoHash)!.torrentFile
}

describe('the BitTorrent port (a Node host)', () => {
  it('a stock client fetches a public file by its magnet link (x.pe); a private one it cannot', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await sharer('Alice', domain, { bt: true })
    const open = randomBytes(3 * 1024 * 1024)
    const secret = randomBytes(1024 * 1024)
    const shown = await alice.torrents.share(open, { name: 'public.bin' })
    const hidden = await alice.torrents.share(secret, { name: 'private.bin' })

    // Not public yet: no link for stock clients.
    const refused = await alice.torrents.publicMagnet(shown.infoHash, '127.0.0.1').catch((e) => e)
    expect(isOpenPeerError(refused, 'ERR_FORBIDDEN')).toBe(true)
    await alice.torrents.setPublic(shown.infoHash, true)
    const magnet = await alice.torrents.publicMagnet(shown.infoHash, '127.0.0.1')
    expect(magnet).toMatch(/&x\.pe=127\.0\.0\.1:\d+/)

    const stock = stockClient()
    const store = createMemoryTorrentPorts().store
    const got = stock.add(magnet, { announce: [], store })
    // The private file's infohash with the same port: the handshake finds no torrent there.
    const port = /x\.pe=127\.0\.0\.1:(\d+)/.exec(magnet)![1]
    const guessed = stock.add(`${hidden.magnet}&x.pe=127.0.0.1:${port}`, { announce: [], store })

    if (!got.done) await new Promise((r) => got.once('done', r))
    expect(sha256(new Uint8Array(await got.files[0]!.arrayBuffer()))).toBe(sha256(open))
    // By now the guessed one had as long to connect as the public one took to finish.
    expect(guessed.downloaded).toBe(0)
    expect(guessed.numPeers).toBe(0)
    expect(guessed.done).toBe(false)
  })

  it('without a BitTorrent port, nothing can be made public', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await sharer('Alice', domain)
    const info = await alice.torrents.share(randomBytes(10_000), { name: 'a.bin' })
    const err = await alice.torrents.setPublic(info.infoHash, true).catch((e) => e)
    expect(isOpenPeerError(err, 'ERR_UNAVAILABLE')).toBe(true)
  })
})

describe('web seeds (BEP 19)', () => {
  it('with no peer online, a download completes from an HTTP web seed, its .torrent from xs', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    // Alice made the file and put it on a web server, then left for good.
    const alice = await sharer('Alice', domain)
    const data = randomBytes(3 * 1024 * 1024 + 12_345)
    const info = await alice.torrents.share(data, { name: 'paper.pdf' })
    const web = await webServer({
      '/paper.pdf': data,
      '/paper.torrent': await torrentFileOf(alice, info.infoHash),
    })
    const card = await alice.torrents.addWebSeed(info.infoHash, web.url('/paper.pdf'))
    expect(card.magnet).toContain(`ws=${encodeURIComponent(web.url('/paper.pdf'))}`)
    await alice.stop()

    const bob = await sharer('Bob', domain)
    const done = until(bob, 'torrent:done', (v) => v.infoHash === info.infoHash)
    await bob.torrents.download(
      `${card.magnet}&xs=${encodeURIComponent(web.url('/paper.torrent'))}`,
    )
    await done
    expect(await sha256Of(bob.torrents.stream(info.infoHash))).toBe(sha256(data))
    expect(web.hits).toContain('/paper.torrent')
    expect(web.hits.filter((h) => h === '/paper.pdf').length).toBeGreaterThan(0)
  })

  it('"Hide my IP address" on: the web seed is never contacted', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await sharer('Alice', domain)
    const data = randomBytes(300_000)
    const info = await alice.torrents.share(data, { name: 'a.bin' })
    const torrentFile = await torrentFileOf(alice, info.infoHash)
    // Two servers with the same bytes: one in Bob's link, one in Carol's.
    const magnetOf = async (web: Awaited<ReturnType<typeof webServer>>): Promise<string> =>
      `magnet:?xt=urn:btih:${info.infoHash}&ws=${encodeURIComponent(web.url('/a.bin'))}` +
      `&xs=${encodeURIComponent(web.url('/a.torrent'))}`
    const forBob = await webServer({ '/a.bin': data, '/a.torrent': torrentFile })
    const forCarol = await webServer({ '/a.bin': data, '/a.torrent': torrentFile })
    await alice.stop()

    const bob = await sharer('Bob', domain, { relayOnly: true })
    await bob.torrents.download(await magnetOf(forBob))
    // Carol, not hiding, shows such a link works, and gives Bob all that time to (not) use his.
    const carol = await sharer('Carol', domain)
    const carolDone = until(carol, 'torrent:done', (v) => v.infoHash === info.infoHash)
    await carol.torrents.download(await magnetOf(forCarol))
    await carolDone
    expect(forCarol.hits.length).toBeGreaterThan(0)
    expect(forBob.hits).toEqual([])
    expect(bob.torrents.get(info.infoHash)!.downloaded).toBe(0)
  })

  it('a web seed added after the card went out reaches the contact, who finishes from it when the sharer leaves', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await sharer('Alice', domain)
    const bob = await sharer('Bob', domain)
    await befriend(alice, bob)
    const data = randomBytes(48 * 1024 * 1024)
    const firstCard = until(bob, 'torrent:offer')
    const info = await alice.torrents.share(data, { name: 'film.mkv' })
    await alice.torrents.offer(idOf(bob), info.infoHash)
    const stale = await firstCard
    expect(stale.magnet).not.toContain('ws=')

    const web = await webServer({ '/film.mkv': data })
    const secondCard = until(bob, 'torrent:offer', (o) => o.magnet.includes('ws='))
    await alice.torrents.addWebSeed(info.infoHash, web.url('/film.mkv'))
    await secondCard

    // Bob clicks the card he saw first; Alice leaves as soon as his download has begun.
    const done = until(bob, 'torrent:done', (v) => v.infoHash === info.infoHash, 120_000)
    await bob.torrents.download(stale)
    while (!(bob.torrents.get(info.infoHash)!.downloaded > 0)) {
      await new Promise((r) => setTimeout(r, 2))
    }
    await alice.stop()
    const atLeave = bob.torrents.get(info.infoHash)!.downloaded
    expect(atLeave).toBeLessThan(data.length)
    await done
    expect(await sha256Of(bob.torrents.stream(info.infoHash))).toBe(sha256(data))
    expect(web.hits).toContain('/film.mkv')
  })

  it('refuses a web seed that is not an http(s) address, and keeps the card as it was', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await sharer('Alice', domain)
    const info = await alice.torrents.share(randomBytes(10_000), { name: 'a.bin' })
    for (const bad of ['file:///etc/passwd', 'not a url', 'https://user:pw@example.org/a.bin']) {
      const err = await alice.torrents.addWebSeed(info.infoHash, bad).catch((e) => e)
      expect(isOpenPeerError(err, 'ERR_WEB_SEED')).toBe(true)
    }
    expect(alice.torrents.get(info.infoHash)!.magnet).toBe(info.magnet)
    const shareErr = await alice.torrents
      .share(randomBytes(10_000), { name: 'b.bin', webSeeds: ['ftp://example.org/b.bin'] })
      .catch((e) => e)
    expect(isOpenPeerError(shareErr, 'ERR_WEB_SEED')).toBe(true)
  })
})
