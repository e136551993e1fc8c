import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { startFinder, until } from './harness.ts'
import { befriend, idOf, makeSharer, sha256, sha256Of } from './torrent-harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function world(...names: string[]) {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const clients = []
  for (const name of names) {
    const c = await makeSharer(name, domain)
    cleanups.push(() => c.stop())
    clients.push(c)
  }
  return clients
}

describe('file sharing between two Node clients over real WebRTC', () => {
  it('A shares, B downloads over a session datachannel: same sha256, no tracker or DHT, chat stays responsive', async () => {
    const [alice, bob] = await world('Alice', 'Bob')
    await befriend(alice!, bob!)
    const data = randomBytes(24 * 1024 * 1024)
    const info = await alice!.torrents.share(data, { name: 'random.bin' })
    expect(info).toMatchObject({ name: 'random.bin', size: data.length })
    expect(info.magnet).toContain(`xt=urn:btih:${info.infoHash}`)

    const offered = until(bob!, 'torrent:offer')
    expect(await alice!.torrents.offer(idOf(bob!), info.infoHash)).toEqual({ sent: true })
    const offer = await offered
    expect(offer).toMatchObject({ ...info, contactId: idOf(alice!) })

    const done = until(bob!, 'torrent:done', (v) => v.infoHash === info.infoHash, 30_000)
    const flowing = until(bob!, 'torrent:progress', (v) => v.downloaded > 0 && !v.done)
    await bob!.torrents.download(offer)
    await flowing
    // A chat round trip while pieces flow: the control channel is not queued behind them.
    const t0 = performance.now()
    const got = until(alice!, 'message:received')
    await bob!.sendMessage(idOf(alice!), 'still there?')
    await got
    const rtt = performance.now() - t0
    // The message came back while pieces were still flowing: it did not wait for the file.
    // (How fast is a bench's question: bench/transfer.ts; tests assert no timings.)
    const during = bob!.torrents.get(info.infoHash)!
    expect(during.done).toBe(false)

    const view = await done
    expect(view).toMatchObject({ progress: 1, state: 'seeding', eta: 0, origin: 'received' })
    expect(await sha256Of(bob!.torrents.stream(info.infoHash))).toBe(sha256(data))
    const wires = bob!.torrents.wireStats(info.infoHash)
    expect(wires).toHaveLength(1)
    expect(wires[0]).toMatchObject({ contactId: idOf(alice!), direction: 'out' })
    expect(wires[0]!.bytesIn).toBeGreaterThan(data.length)

    // Nothing but the session: no tracker, no DHT, no listening BitTorrent port.
    const engine = (await bob!.torrents.engineForTests) as unknown as Record<string, unknown>
    expect(engine.dht).toBe(false)
    expect(engine.tracker).toBe(false)
    expect(engine.lsd).toBe(false)
    expect(engine._connPool).toBeNull()
    console.log(`chat round trip during the transfer: ${rtt.toFixed(0)} ms`)
  })
})
