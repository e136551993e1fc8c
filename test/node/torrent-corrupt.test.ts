import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryTorrentPorts,
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

/** Torrent ports whose store hands out damaged bytes for every odd piece. */
function lyingPorts(): TorrentPorts {
  const ports = createMemoryTorrentPorts()
  const Honest = ports.store
  const store = class extends Honest {
    override get(
      index: number,
      opts: { offset?: number; length?: number } | null | undefined,
      cb: (err: Error | null, value?: Uint8Array) => void,
    ): void {
      if (typeof opts === 'function') return this.get(index, null, opts)
      super.get(index, opts, (err, chunk) => {
        if (err || !chunk || index % 2 === 0) return cb(err, chunk)
        const bad = chunk.slice()
        bad[0] = (bad[0] ?? 0) ^ 0xff
        cb(null, bad)
      })
    }
  } as ChunkStoreFactory
  return { ...ports, store }
}

describe('a peer that sends corrupt pieces', () => {
  it('is dropped; the download completes from the honest seeder with the right sha256', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const [alice, bob, mallory] = await Promise.all([
      makeSharer('Alice', domain),
      makeSharer('Bob', domain),
      makeSharer('Mallory', domain, lyingPorts()),
    ])
    cleanups.push(
      () => alice.stop(),
      () => bob.stop(),
      () => mallory.stop(),
    )
    await befriend(alice, bob)
    await befriend(mallory, bob)

    // Same name, bytes and piece size: the same torrent, seeded honestly by Alice only.
    const data = randomBytes(8 * 1024 * 1024)
    const opts = { name: 'shared.bin', pieceLength: 64 * 1024 }
    const info = await alice.torrents.share(data, opts)
    expect((await mallory.torrents.share(data, opts)).infoHash).toBe(info.infoHash)

    const errors: ClientEvents['torrent:error'][] = []
    bob.on('torrent:error', (e) => errors.push(e))
    const done = until(bob, 'torrent:done', (v) => v.infoHash === info.infoHash, 30_000)
    await bob.torrents.download(info)
    await done

    expect(await sha256Of(bob.torrents.stream(info.infoHash))).toBe(sha256(data))
    expect(errors.length).toBeGreaterThan(0)
    for (const e of errors) {
      expect(e).toMatchObject({ infoHash: info.infoHash, fatal: false })
      expect(e.error.code).toBe('ERR_BAD_PIECE')
      expect(e.error.message).toContain(idOf(mallory).slice(0, 8))
    }
    const wires = bob.torrents.wireStats(info.infoHash).map((w) => w.contactId)
    expect(wires).toEqual([idOf(alice)])
    expect(bob.torrents.get(info.infoHash)).toMatchObject({ state: 'seeding', progress: 1 })
    console.log(`corrupt peer: ${errors.length} report(s): ${errors[0]?.error.message}`)
  })
})
