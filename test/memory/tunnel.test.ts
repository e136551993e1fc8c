import { createHash, randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createMemoryTorrentPorts, type SocketLike } from '../../src/openpeer/index.ts'
import { createMemoryNetwork, idOf, memoryClient, startFinder, until } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const FAST = { iceTimeout: 300, upgradeEvery: 300 }

/** Sockets as usual, but every binary frame sent to the relay is kept: what the relay sees. */
function recordingSockets(relayed: Buffer[]) {
  return (url: string): SocketLike => {
    const ws = new WebSocket(url)
    if (url.endsWith('/relay')) {
      const send = ws.send.bind(ws)
      ws.send = ((data: unknown, ...rest: unknown[]) => {
        if (typeof data !== 'string') relayed.push(Buffer.from(data as Uint8Array))
        return (send as (...a: unknown[]) => void)(data, ...rest)
      }) as typeof ws.send
    }
    return ws as unknown as SocketLike
  }
}

async function tunnelled() {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const network = createMemoryNetwork()
  network.blocked = true
  const relayed: Buffer[] = []
  const ports = () => ({
    createSocket: recordingSockets(relayed),
    torrents: createMemoryTorrentPorts(),
  })
  const opts = { timings: FAST, torrents: { retryEvery: 500 } }
  const alice = await memoryClient('Alice', domain, network, ports(), opts)
  const bob = await memoryClient('Bob', domain, network, ports(), opts)
  cleanups.push(
    () => alice.stop(),
    () => bob.stop(),
  )
  const tunnelPath = until(bob, 'contact:state', (v) => v.path === 'tunnel')
  const contact = await bob.acceptInvite(alice.inviteLink('http://app.test'))
  expect(contact).toMatchObject({ state: 'connected', name: 'Alice' })
  await tunnelPath
  return { alice, bob, network, relayed }
}

describe('the relay tunnel', () => {
  it('carries the session and a file when no ICE path exists; the relay sees only ciphertext', async () => {
    const { alice, bob, relayed } = await tunnelled()
    expect(alice.contacts()[0]).toMatchObject({ state: 'connected', path: 'tunnel' })

    const got = until(alice, 'message:received')
    const delivered = until(bob, 'message:state', (s) => s.state === 'delivered')
    await bob.sendMessage(idOf(alice), 'a secret for Alice only')
    expect((await got).body).toBe('a secret for Alice only')
    await delivered
    const back = until(bob, 'message:received')
    await alice.sendMessage(idOf(bob), 'and one for Bob')
    expect((await back).body).toBe('and one for Bob')

    // A file over the tunnel's bulk streams, byte for byte.
    const file = randomBytes(512 * 1024)
    const info = await alice.torrents!.share(file, { name: 'tunnelled.bin' })
    const offered = until(bob, 'torrent:offer')
    await alice.torrents!.offer(idOf(bob), info.infoHash)
    const done = until(bob, 'torrent:done', (v) => v.infoHash === info.infoHash)
    await bob.torrents!.download(await offered)
    await done
    const hash = createHash('sha256')
    const stream = bob.torrents!.stream(info.infoHash) as unknown as AsyncIterable<Uint8Array>
    for await (const chunk of stream) hash.update(chunk)
    expect(hash.digest('hex')).toBe(createHash('sha256').update(file).digest('hex'))

    // What the relay carried: no chat text, no protocol words, no 64-byte run of the file.
    expect(relayed.length).toBeGreaterThan(4)
    const all = Buffer.concat(relayed)
    const words = ['a secret for Alice only', 'and one for Bob', 'thread-message', 'tunnelled.bin']
    for (const clear of [...words, 'peer-identify']) expect(all.includes(clear)).toBe(false)
    for (let at = 0; at < file.length; at += 64 * 1024) {
      expect(all.includes(file.subarray(at, at + 64))).toBe(false)
    }
  })

  it('moves onto an ICE path once one exists, losing and reordering nothing', async () => {
    const { alice, bob, network } = await tunnelled()
    const received: string[] = []
    alice.on('message:received', (m) => received.push(m.body))
    const direct = until(bob, 'contact:state', (v) => v.path === 'direct', 10_000)
    network.blocked = false
    // Bursts of messages keep going out while the session changes paths under them: those sent
    // on the new path must not overtake those still crossing the relay.
    const sent: string[] = []
    let moved = false
    void direct.then(() => (moved = true))
    for (let round = 0; !moved || round < 3; round++) {
      if (round > 200) throw new Error('never moved off the tunnel')
      const burst = Array.from({ length: 10 }, (_, i) => `message ${round}.${i}`)
      sent.push(...burst)
      await Promise.all(burst.map((body) => bob.sendMessage(idOf(alice), body)))
      await new Promise((r) => setTimeout(r, 5))
    }
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(sent.length)
    expect(received).toEqual(sent)
    expect(alice.contacts()[0]).toMatchObject({ state: 'connected', path: 'direct' })
  })

  it('says why a contact cannot be reached when neither ICE nor the relay works', async () => {
    const { server, domain } = await startFinder({ limits: { relaysPerSocket: 0 } })
    cleanups.push(() => server.close())
    const network = createMemoryNetwork()
    network.blocked = true
    const alice = await memoryClient('Alice', domain, network, {}, { timings: FAST })
    const bob = await memoryClient('Bob', domain, network, {}, { timings: FAST })
    cleanups.push(
      () => alice.stop(),
      () => bob.stop(),
    )
    const unreachable = until(bob, 'contact:state', (v) => v.state === 'offline' && !!v.problem)
    // The invite fails with the reason at once, not after its timeout…
    await expect(bob.acceptInvite(alice.inviteLink('http://app.test'))).rejects.toMatchObject({
      code: 'ERR_NO_PATH',
    })
    // …and the contact, kept, says why instead of "connecting".
    expect((await unreachable).problem).toMatchObject({ code: 'ERR_NO_PATH' })
    expect(bob.contacts()[0]).toMatchObject({
      state: 'offline',
      problem: { code: 'ERR_NO_PATH' },
    })
  })
})
