/**
 * A message written on a link that died unnoticed is sent again on the session that replaces
 * it (found in the NAT lab, test/nat/reconnect b: messages written during a cut stayed in the
 * outbox for good once the contact reconnected).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { MemoryPeer } from '../../src/openpeer/testing/memory-network.ts'
import type { OpenPeerClient, PeerLike } from '../../src/openpeer/index.ts'
import { createMemoryNetwork, memoryClient, startFinder, until } from './harness.ts'

describe('the outbox across a reconnection', () => {
  const cleanup: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  it('delivers what was in flight on the dead link over the new session, once', async () => {
    const { server, domain } = await startFinder()
    cleanup.push(() => server.close())
    const network = createMemoryNetwork()
    const made = new Map<string, MemoryPeer[]>()
    const client = async (name: string): Promise<OpenPeerClient> => {
      const list: MemoryPeer[] = []
      made.set(name, list)
      const c = await memoryClient(name, domain, network, {
        createPeer: (opts): PeerLike => {
          const peer = network.createPeer(opts) as MemoryPeer
          list.push(peer)
          return peer
        },
      })
      cleanup.push(() => c.stop())
      return c
    }
    const alice = await client('Alice')
    const bob = await client('Bob')
    const bobId = bob.identity()!.contactId
    const got: string[] = []
    bob.on('message:received', (m) => got.push(m.body))
    await bob.acceptInvite(alice.inviteLink('http://app.invalid'))
    while (!alice.contacts().some((c) => c.contactId === bobId && c.state === 'connected'))
      await new Promise((r) => setTimeout(r, 20))

    // Alice's side of the link goes deaf and mute without anyone noticing: what she sends is
    // lost, and Bob's end closing does not reach hers. Her session stays open.
    const alicePeer = made.get('Alice')!.at(-1)!
    alicePeer.send = () => {}
    alicePeer.destroy = () => {}
    await alice.sendMessage(bobId, 'written on the dead link')

    // Bob's keep-alive gives up on the silent link (5 s here) and he finds Alice again: her new
    // session replaces the dead one, whose request for the message fails as it closes.
    await until(alice, 'session:open', (e) => e.contactId === bobId && e.role === 'target', 15_000)
    await alice.sendMessage(bobId, 'written after')
    const deadline = Date.now() + 10_000
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(got).toEqual(['written on the dead link', 'written after'])
  }, 30_000)
})
