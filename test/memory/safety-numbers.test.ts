import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryStores,
  createOpenPeerClient,
  type OpenPeerClient,
} from '../../src/openpeer/index.ts'
import {
  createMemoryNetwork,
  idOf,
  memoryClient,
  memoryPorts,
  startFinder,
  until,
} from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const viewOf = (c: OpenPeerClient, name: string) => c.contacts().find((v) => v.name === name)
const NUMBER = /^\d{5}( \d{5}){11}$/

/** Resolves once `client` shows `name` connected (at once if it does already). */
async function connectedTo(client: OpenPeerClient, name: string): Promise<void> {
  if (viewOf(client, name)?.state === 'connected') return
  await until(client, 'contact:state', (v) => v.name === name && v.state === 'connected', 10_000)
}

async function setup() {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const network = createMemoryNetwork()
  const make = async (name: string, stores = createMemoryStores()) => {
    const c = await memoryClient(name, domain, network, stores)
    cleanups.push(() => c.stop())
    return { client: c, stores }
  }
  return { domain, network, make }
}

describe('safety numbers', () => {
  it('both sides see the same number; the mark is one-sided, remembered, and can be taken back', async () => {
    const { domain, network, make } = await setup()
    const [{ client: alice, stores }, { client: bob }] = [await make('Alice'), await make('Bob')]
    // Met through a pasted link: unverified on both sides.
    await alice.acceptInvite(bob.inviteLink('http://app.test'))
    await connectedTo(bob, 'Alice')
    expect(viewOf(alice, 'Bob')?.verified).toBe(false)
    expect(viewOf(bob, 'Alice')?.verified).toBe(false)

    const aliceSees = await alice.safetyNumber(idOf(bob))
    expect(aliceSees).toMatch(NUMBER)
    expect(await bob.safetyNumber(idOf(alice))).toBe(aliceSees)

    const updated = until(alice, 'contact:updated', (v) => v.name === 'Bob')
    expect(await alice.setVerified(idOf(bob), true)).toMatchObject({ name: 'Bob', verified: true })
    expect(await updated).toMatchObject({ verified: true })
    expect(viewOf(alice, 'Bob')?.verified).toBe(true)
    expect(viewOf(bob, 'Alice')?.verified).toBe(false)

    // A later update of Bob's card (a new find secret) keeps the mark: his keys are the same.
    const newCard = until(alice, 'contact:updated', (v) => v.name === 'Bob', 10_000)
    await bob.resetInvites()
    await newCard
    expect(viewOf(alice, 'Bob')?.verified).toBe(true)

    // Alice's app restarts: the mark is still there.
    const again = createOpenPeerClient(memoryPorts(network, stores), { domain })
    await again.load()
    expect(viewOf(again, 'Bob')?.verified).toBe(true)

    await alice.setVerified(idOf(bob), false)
    expect(viewOf(alice, 'Bob')?.verified).toBe(false)
    const third = createOpenPeerClient(memoryPorts(network, stores), { domain })
    await third.load()
    expect(viewOf(third, 'Bob')?.verified).toBe(false)
  })

  it('someone introduced is unverified, even by a verified introducer', async () => {
    const { make } = await setup()
    const [{ client: alice }, { client: bob }, { client: carol }] = [
      await make('Alice'),
      await make('Bob'),
      await make('Carol'),
    ]
    await alice.acceptInvite(carol.inviteLink('http://app.test'))
    await bob.acceptInvite(carol.inviteLink('http://app.test'))
    await alice.setVerified(idOf(carol), true)
    const introduced = until(alice, 'contact:introduced')
    await connectedTo(carol, 'Bob')
    await connectedTo(carol, 'Alice')
    await carol.introduce(idOf(alice), idOf(bob))
    expect((await introduced).contact).toMatchObject({ name: 'Bob', verified: false })
    expect(viewOf(alice, 'Bob')?.verified).toBe(false)
    expect(viewOf(alice, 'Carol')?.verified).toBe(true)
    // The introduced pair still sees one number between them, which they can now compare.
    expect(await alice.safetyNumber(idOf(bob))).toBe(await bob.safetyNumber(idOf(alice)))
  })

  it('there is no number and no mark for someone not in the contacts', async () => {
    const { make } = await setup()
    const { client: alice } = await make('Alice')
    const stranger = 'f'.repeat(64)
    await expect(alice.safetyNumber(stranger)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    await expect(alice.setVerified(stranger, true)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
  })
})
