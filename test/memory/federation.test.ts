import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryStores } from '../../src/openpeer/index.ts'
import {
  createMemoryNetwork,
  idOf,
  memoryClient,
  resumedMemoryClient,
  startFinder,
  until,
} from './harness.ts'

/*
 * Federation (PROTOCOL §6): two finders of two domains — here two ports, which are two domains
 * (`host:port`). Each person registers at home with section B (findable there); to ring someone
 * of the other domain a client registers at that domain's finder without B (reachable for the
 * replies, findable by nobody) and finds them there.
 */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('two finders of two domains', () => {
  it('Bob opens the invite of a contact at another domain; later she finds him at his', async () => {
    const [a, b] = [await startFinder(), await startFinder()]
    cleanups.push(
      () => a.server.close(),
      () => b.server.close(),
    )
    expect(a.domain).not.toBe(b.domain)
    const network = createMemoryNetwork()
    const alice = await memoryClient('Alice', a.domain, network)
    const bobStores = createMemoryStores()
    const bob = await memoryClient('Bob', b.domain, network, bobStores)
    cleanups.push(() => alice.stop())

    // Bob pastes Alice's invite: its domain is hers; his client rings her there.
    const contact = await bob.acceptInvite(alice.inviteLink('http://app.test'))
    expect(contact).toMatchObject({ name: 'Alice', state: 'connected' })
    expect(alice.contacts()[0]).toMatchObject({ name: 'Bob' })
    const got = until(alice, 'message:received')
    await bob.sendMessage(idOf(alice), 'hello across domains')
    expect((await got).body).toBe('hello across domains')

    // Bob goes away; Alice's own finder dies. Bob comes back home: Alice can reach him only
    // by ringing his domain's finder, where he is registered with B.
    await bob.stop()
    await until(alice, 'contact:state', (v) => v.state === 'offline')
    await a.server.close()
    const back = await resumedMemoryClient('Bob', b.domain, network, bobStores)
    cleanups.push(() => back.stop())
    // Bob cannot ring her (her finder is gone): the session that opens is hers to him.
    const opened = await until(alice, 'session:open', (e) => e.contactId === idOf(back), 15_000)
    expect(opened.role).toBe('initiator')
    const reply = until(back, 'message:received')
    await alice.sendMessage(idOf(back), 'found you at your domain')
    expect((await reply).body).toBe('found you at your domain')
  })
})
