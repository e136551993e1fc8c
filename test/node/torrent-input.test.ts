import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryTorrentPorts,
  isOpenPeerError,
  type ChunkStoreFactory,
  type ClientEvents,
  type TorrentPorts,
} from '../../src/openpeer/index.ts'
import { startFinder, until } from './harness.ts'
import { befriend, idOf, makeSharer, sha256, sha256Of } from './torrent-harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function two() {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const alice = await makeSharer('Alice', domain)
  cleanups.push(() => alice.stop())
  return { alice, domain }
}

/** Torrent ports whose store refuses writes past `budget` bytes, like a full origin quota. */
function quotaPorts(budget: { bytes: number }): TorrentPorts {
  const ports = createMemoryTorrentPorts()
  const store = class extends ports.store {
    override put(index: number, chunk: Uint8Array, cb?: (err: Error | null) => void): void {
      if (chunk.length > budget.bytes) {
        const err = Object.assign(new Error('quota exceeded'), { name: 'QuotaExceededError' })
        return queueMicrotask(() => cb?.(err))
      }
      budget.bytes -= chunk.length
      super.put(index, chunk, cb)
    }
  } as ChunkStoreFactory
  return { ...ports, store }
}

describe('bad input gives a coded error and loses nothing else', () => {
  it('a 0-byte file: ERR_EMPTY_FILE, nothing seeded', async () => {
    const { alice } = await two()
    for (const empty of [new Uint8Array(0), new Blob([])]) {
      const err = await alice.torrents.share(empty, { name: 'empty.txt' }).catch((e) => e)
      expect(isOpenPeerError(err, 'ERR_EMPTY_FILE')).toBe(true)
    }
    expect(alice.torrents.list()).toEqual([])
  })

  it('a 300-character name is shortened to 255 keeping the extension, and travels in the offer', async () => {
    const { alice, domain } = await two()
    const bob = await makeSharer('Bob', domain)
    cleanups.push(() => bob.stop())
    await befriend(alice, bob)
    const name = 'n'.repeat(296) + '.txt'
    const file = new Blob([randomBytes(50_000)], { type: 'text/plain' })
    const info = await alice.torrents.share(file, { name })
    expect(info.name).toHaveLength(255)
    expect(info.name.endsWith('.txt')).toBe(true)
    expect(info.mime).toBe('text/plain')
    const offered = until(bob, 'torrent:offer')
    await alice.torrents.offer(idOf(bob), info.infoHash)
    expect((await offered).name).toBe(info.name)
    const done = until(bob, 'torrent:done')
    await bob.torrents.download(info.magnet)
    expect((await done).name).toBe(info.name)
  })

  it('the same file twice gives back the first torrent, seeded once', async () => {
    const { alice } = await two()
    const data = randomBytes(300_000)
    const first = await alice.torrents.share(data, { name: 'twice.bin' })
    const second = await alice.torrents.share(new Blob([data]), { name: 'twice.bin' })
    expect(second).toEqual(first)
    expect(alice.torrents.list()).toHaveLength(1)
    const engine = (await alice.torrents.engineForTests) as unknown as { torrents: unknown[] }
    expect(engine.torrents).toHaveLength(1)
  })

  it('storage quota exceeded: that download fails with ERR_STORAGE, others go on, a retry resumes', async () => {
    const { alice, domain } = await two()
    const budget = { bytes: 2 * 1024 * 1024 }
    const bob = await makeSharer('Bob', domain, quotaPorts(budget))
    cleanups.push(() => bob.stop())
    await befriend(alice, bob)
    const small = randomBytes(200_000)
    const big = randomBytes(6 * 1024 * 1024)
    const smallInfo = await alice.torrents.share(small, { name: 'small.bin' })
    const bigInfo = await alice.torrents.share(big, { name: 'big.bin' })

    const smallDone = until(bob, 'torrent:done', (v) => v.infoHash === smallInfo.infoHash)
    await bob.torrents.download(smallInfo)
    await smallDone
    const failed = until(bob, 'torrent:error', (e) => e.infoHash === bigInfo.infoHash)
    await bob.torrents.download(bigInfo)
    const { error, fatal } = await failed
    expect(fatal).toBe(true)
    expect(error.code).toBe('ERR_STORAGE')
    expect(error.message).toMatch(/no room/)
    expect(bob.torrents.get(bigInfo.infoHash)).toMatchObject({
      state: 'failed',
      error: 'ERR_STORAGE',
    })
    // Nothing else lost: the other file is whole and still served, the failed one is remembered.
    expect(bob.torrents.get(smallInfo.infoHash)).toMatchObject({ state: 'seeding' })
    expect(await sha256Of(bob.torrents.stream(smallInfo.infoHash))).toBe(sha256(small))

    budget.bytes = Infinity
    const bigDone = until(bob, 'torrent:done', (v) => v.infoHash === bigInfo.infoHash, 20_000)
    await bob.torrents.download(bigInfo.infoHash)
    await bigDone
    expect(await sha256Of(bob.torrents.stream(bigInfo.infoHash))).toBe(sha256(big))
    const fetched = bob.torrents.wireStats(bigInfo.infoHash).reduce((n, w) => n + w.bytesIn, 0)
    expect(fetched).toBeLessThan(big.length - 1024 * 1024)
  })

  it('a record that cannot be saved is reported (ERR_STORAGE, not fatal); the file is still shared', async () => {
    const { domain } = await two()
    const ports = createMemoryTorrentPorts()
    ports.records.put = async () => {
      throw Object.assign(new Error('quota'), { name: 'QuotaExceededError' })
    }
    const carol = await makeSharer('Carol', domain, ports)
    cleanups.push(() => carol.stop())
    const errors: ClientEvents['torrent:error'][] = []
    carol.on('torrent:error', (e) => errors.push(e))
    const info = await carol.torrents.share(randomBytes(10_000), { name: 'x.bin' })
    expect(errors.map((e) => [e.error.code, e.fatal])).toEqual([['ERR_STORAGE', false]])
    expect(carol.torrents.get(info.infoHash)).toMatchObject({ state: 'seeding' })
  })

  it('seeding off refuses and closes wires; on again, the waiting download completes', async () => {
    const { alice, domain } = await two()
    const bob = await makeSharer('Bob', domain)
    cleanups.push(() => bob.stop())
    await befriend(alice, bob)
    const data = randomBytes(1024 * 1024)
    const info = await alice.torrents.share(data, { name: 'toggle.bin' })
    await alice.torrents.setSeeding(info.infoHash, false)
    expect(alice.torrents.get(info.infoHash)).toMatchObject({ state: 'complete', seeding: false })
    await bob.torrents.download(info)
    await new Promise((r) => setTimeout(r, 1_200))
    expect(bob.torrents.get(info.infoHash)).toMatchObject({ peers: 0, downloaded: 0 })
    const done = until(bob, 'torrent:done')
    await alice.torrents.setSeeding(info.infoHash, true)
    await done
    expect(await sha256Of(bob.torrents.stream(info.infoHash))).toBe(sha256(data))
    await alice.torrents.setSeeding(info.infoHash, false)
    expect(alice.torrents.wireStats(info.infoHash)).toEqual([])
  })
})
