import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { startFinder, until } from './harness.ts'
import { befriend, idOf, makeSharer, sha256, sha256Of } from './torrent-harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('a swarm of contacts', () => {
  it(
    'A seeds, B and C download at the same time: C gets pieces from B as well as from A',
    {
      timeout: 45_000,
    },
    async () => {
      const { server, domain } = await startFinder()
      cleanups.push(() => server.close())
      const [alice, bob, carol] = await Promise.all(
        ['Alice', 'Bob', 'Carol'].map((n) => makeSharer(n, domain)),
      )
      cleanups.push(
        () => alice!.stop(),
        () => bob!.stop(),
        () => carol!.stop(),
      )
      const t0 = performance.now()
      const stage = (what: string): void =>
        console.log(`${what} at ${(performance.now() - t0).toFixed(0)} ms`)
      await befriend(alice!, bob!)
      await befriend(alice!, carol!)
      await befriend(bob!, carol!)
      stage('all connected')

      const data = randomBytes(24 * 1024 * 1024)
      const info = await alice!.torrents.share(data, { name: 'swarm.bin' })
      const doneB = until(bob!, 'torrent:done', (v) => v.infoHash === info.infoHash, 20_000)
      const doneC = until(carol!, 'torrent:done', (v) => v.infoHash === info.infoHash, 20_000)
      // Carol joins while Bob is a third of the way: on loopback a seeder that is not the
      // bottleneck would otherwise serve both before the downloaders had pieces to swap.
      const third = until(bob!, 'torrent:progress', (v) => v.progress > 0.3, 10_000)
      await bob!.torrents.download(info)
      await third
      stage('Bob a third of the way')
      await carol!.torrents.download(info)
      const [b, c] = await Promise.all([doneB, doneC]).catch((err: Error) => {
        const state = (x: typeof bob) => JSON.stringify(x!.torrents.get(info.infoHash))
        throw new Error(`${err.message}; Bob ${state(bob)}; Carol ${state(carol)}`)
      })
      expect(b.done && c.done).toBe(true)
      stage('both done')

      expect(await sha256Of(bob!.torrents.stream(info.infoHash))).toBe(sha256(data))
      expect(await sha256Of(carol!.torrents.stream(info.infoHash))).toBe(sha256(data))
      const fromC = Object.fromEntries(
        carol!.torrents.wireStats(info.infoHash).map((w) => [w.contactId, w.bytesIn]),
      )
      const fromB = Object.fromEntries(
        bob!.torrents.wireStats(info.infoHash).map((w) => [w.contactId, w.bytesIn]),
      )
      console.log(
        `Carol got ${mb(fromC[idOf(alice!)])} MB from Alice, ${mb(fromC[idOf(bob!)])} MB from Bob; ` +
          `Bob got ${mb(fromB[idOf(alice!)])} MB from Alice, ${mb(fromB[idOf(carol!)])} MB from Carol`,
      )
      // More than handshakes and bitfields: whole pieces travelled between the two downloaders.
      expect(fromC[idOf(alice!)]).toBeGreaterThan(64 * 1024)
      expect(fromC[idOf(bob!)]).toBeGreaterThan(64 * 1024)
      const total = (fromC[idOf(alice!)] ?? 0) + (fromC[idOf(bob!)] ?? 0)
      expect(total).toBeGreaterThanOrEqual(data.length)
    },
  )
})

function mb(n: number | undefined): string {
  return ((n ?? 0) / 1024 / 1024).toFixed(1)
}
