import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { OpenPeerClient, SocketLike } from '../../src/openpeer/index.ts'
import { createMemoryNetwork, memoryClient, startFinder, until } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const FAST = { iceTimeout: 300, upgradeEvery: 300 }
const idOf = (c: OpenPeerClient): string => c.identity()!.contactId

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
  const ports = { createSocket: recordingSockets(relayed) }
  const alice = await memoryClient('Alice', domain, network, ports, { timings: FAST })
  const bob = await memoryClient('Bob', domain, network, ports, { timings: FAST })
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
  it('carries the session when no ICE path exists, and the relay sees only ciphertext', async () => {
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

    expect(relayed.length).toBeGreaterThan(4)
    const all = Buffer.concat(relayed).toString('latin1')
    for (const clear of [
      'a secret for Alice only',
      'and one for Bob',
      'thread-message',
      'peer-identify',
    ]) {
      expect(all).not.toContain(clear)
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
})
