import { afterEach, describe, expect, it } from 'vitest'
import type { MemoryNetwork, OpenPeerClient } from '../../src/openpeer/index.ts'
import { createMemoryNetwork, idOf, memoryClient, startFinder, until } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Carol, connected to Alice and to Bob, who do not know each other. */
async function triangle() {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const network = createMemoryNetwork()
  const make = async (name: string, accept = true): Promise<OpenPeerClient> => {
    const c = await memoryClient(name, domain, network, {}, { acceptIntroductions: accept })
    cleanups.push(() => c.stop())
    return c
  }
  const [alice, bob, carol] = [await make('Alice'), await make('Bob'), await make('Carol')]
  await alice.acceptInvite(carol.inviteLink('http://app.test'))
  await bob.acceptInvite(carol.inviteLink('http://app.test'))
  await connectedTo(carol, 'Bob')
  await connectedTo(carol, 'Alice')
  return { server, network, alice, bob, carol }
}

/** Resolves once `client` shows `name` connected (at once if it does already). */
async function connectedTo(client: OpenPeerClient, name: string, ms = 10_000): Promise<void> {
  const now = () => client.contacts().some((c) => c.name === name && c.state === 'connected')
  if (now()) return
  await until(client, 'contact:state', (v) => v.name === name && v.state === 'connected', ms)
}

async function chat(from: OpenPeerClient, to: OpenPeerClient, body: string): Promise<void> {
  const got = until(to, 'message:received', (m) => m.body === body)
  await from.sendMessage(idOf(to), body)
  await got
}

describe('introductions (PROTOCOL §5.6)', () => {
  it('Carol introduces Alice and Bob: each hears who introduced them, they connect and chat', async () => {
    const { alice, bob, carol } = await triangle()
    const aliceHears = until(alice, 'contact:introduced')
    const bobHears = until(bob, 'contact:introduced')
    const connected = Promise.all([
      until(alice, 'contact:state', (v) => v.name === 'Bob' && v.state === 'connected'),
      until(bob, 'contact:state', (v) => v.name === 'Alice' && v.state === 'connected'),
    ])
    await carol.introduce(idOf(alice), idOf(bob))
    expect(await aliceHears).toMatchObject({ contact: { name: 'Bob' }, by: { name: 'Carol' } })
    expect(await bobHears).toMatchObject({ contact: { name: 'Alice' }, by: { name: 'Carol' } })
    await connected
    await chat(alice, bob, 'hello Bob, Carol said you were nice')
    await chat(bob, alice, 'hi Alice')
  })

  it('with the finder dead, the introduced pair finds each other through Carol, and chats', async () => {
    const { server, alice, bob, carol } = await triangle()
    const offline = until(alice, 'finder:state', (e) => e.state !== 'online')
    await server.close()
    await offline
    const connected = Promise.all([
      until(alice, 'contact:state', (v) => v.name === 'Bob' && v.state === 'connected', 10_000),
      until(bob, 'contact:state', (v) => v.name === 'Alice' && v.state === 'connected', 10_000),
    ])
    await carol.introduce(idOf(alice), idOf(bob))
    await connected
    await chat(alice, bob, 'no finder needed')
    await chat(bob, alice, 'none at all')
  })

  it('with the finder dead, a contact whose session ended is found again through a mutual contact', async () => {
    const { server, network, alice, bob, carol } = await triangle()
    const before = network.peers.length
    await carol.introduce(idOf(alice), idOf(bob))
    await connectedTo(alice, 'Bob')
    await server.close()
    // The link between Alice and Bob breaks (their sessions with Carol live on); no finder now:
    // Alice rings Bob again through Carol.
    const gone = until(alice, 'contact:state', (v) => v.name === 'Bob' && v.state !== 'connected')
    for (const peer of network.peers.slice(before)) peer.destroy()
    await gone
    await connectedTo(alice, 'Bob')
    await chat(bob, alice, 'found through Carol')
  })

  it('refused: nobody learns a find secret, and the introducer is told who refused', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const network: MemoryNetwork = createMemoryNetwork()
    const alice = await memoryClient('Alice', domain, network)
    const bob = await memoryClient('Bob', domain, network, {}, { acceptIntroductions: false })
    const carol = await memoryClient('Carol', domain, network)
    cleanups.push(
      () => alice.stop(),
      () => bob.stop(),
      () => carol.stop(),
    )
    await alice.acceptInvite(carol.inviteLink('http://app.test'))
    await bob.acceptInvite(carol.inviteLink('http://app.test'))
    await expect(carol.introduce(idOf(alice), idOf(bob))).rejects.toMatchObject({
      code: 'ERR_FORBIDDEN',
      message: 'Bob does not accept introductions',
    })
    expect(alice.contacts().map((c) => c.name)).toEqual(['Carol'])
    expect(bob.contacts().map((c) => c.name)).toEqual(['Carol'])
  })

  it('Carol cannot introduce someone who is offline, and says so', async () => {
    const { alice, bob, carol } = await triangle()
    await bob.stop()
    await until(carol, 'contact:state', (v) => v.name === 'Bob' && v.state !== 'connected')
    await expect(carol.introduce(idOf(alice), idOf(bob))).rejects.toMatchObject({
      code: 'ERR_UNAVAILABLE',
    })
  })
})
