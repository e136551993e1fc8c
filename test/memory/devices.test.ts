import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryStores,
  createOpenPeerClient,
  isOpenPeerError,
  type ClientPorts,
  type DeviceLinker,
  type HistoryMessage,
  type HistoryPort,
  type MemoryNetwork,
  type OpenPeerClient,
  type PendingDevice,
  type StoredIdentity,
} from '../../src/openpeer/index.ts'
import { generateIdentityKeys } from '../../src/openpeer/identity/keys.ts'
import { createPeerFile } from '../../src/openpeer/identity/peer-file.ts'
import { createMemoryNetwork, memoryClient, memoryPorts, startFinder, until } from './harness.ts'

const ORIGIN = 'http://app.test'
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup() {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  return { domain, network: createMemoryNetwork() }
}

/** A device with no identity yet: a client on its own stores, not started. */
function newDevice(
  domain: string,
  network: MemoryNetwork,
  ports: Partial<ClientPorts> = {},
  opts: { screen?: boolean } = {},
) {
  const p = memoryPorts(network, ports)
  const client = createOpenPeerClient(p, {
    domain,
    origin: ORIGIN,
    finder: { minDelay: 20, maxDelay: 200 },
    timings: { keepAlive: 1_000, deadAfter: 5_000 },
    retryEvery: 1_000,
    ...opts,
  })
  cleanups.push(() => client.stop())
  return { client, ports: p }
}

async function started(c: OpenPeerClient): Promise<OpenPeerClient> {
  c.start()
  cleanups.push(() => c.stop())
  await until(c, 'finder:state', (e) => e.state === 'online', 5_000)
  return c
}

async function link(a1: OpenPeerClient, ttl?: number): Promise<DeviceLinker> {
  const linker = await a1.linkDevice({ origin: ORIGIN, ...(ttl ? { ttl } : {}) })
  cleanups.push(() => linker.stop())
  return linker
}

const nextPending = (linker: DeviceLinker): Promise<PendingDevice> =>
  new Promise((resolve) => {
    const off = linker.on('pending', (d) => {
      off()
      resolve(d)
    })
  })

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p
  } catch (err) {
    return isOpenPeerError(err) ? err.code : String(err)
  }
  return undefined
}

describe('device linking over the in-memory network', () => {
  it('links a new device: same code on both, approval moves identity, contacts and history', async () => {
    const { domain, network } = await setup()
    const history = { exported: ['hello from A1'], imported: undefined as unknown }
    const alice = await memoryClient('Alice', domain, network, {
      history: { export: async () => history.exported, import: async () => undefined },
    })
    const bob = await memoryClient('Bob', domain, network)
    cleanups.push(
      () => alice.stop(),
      () => bob.stop(),
    )
    await bob.acceptInvite(alice.inviteLink(ORIGIN))

    const linker = await link(alice)
    expect(linker.link).toMatch(/^http:\/\/app\.test\/#\/d\//)
    const a2 = newDevice(domain, network, {
      history: {
        export: async () => [],
        import: async (data) => {
          history.imported = data
        },
      },
    })
    let shownOnA2: string | undefined
    const pending = nextPending(linker)
    const joined = a2.client.joinDevice(linker.link, {
      name: 'Laptop',
      onCode: (code) => (shownOnA2 = code),
    })
    const device = await pending
    expect(device.name).toBe('Laptop')
    expect(device.code).toMatch(/^\d{3} \d{3}$/)
    await linker.approve(device.id)
    const info = await joined
    expect(shownOnA2).toBe(device.code)

    // The same identity, another location, and what the first device held.
    expect(info.contactId).toBe(alice.identity()!.contactId)
    expect(info.locationId).not.toBe(alice.identity()!.locationId)
    expect(a2.client.contacts().map((c) => c.name)).toEqual(['Bob'])
    expect(history.imported).toEqual(['hello from A1'])
    expect(alice.devices()).toEqual([
      expect.objectContaining({ label: 'Laptop', locationId: info.locationId }),
    ])
    expect(a2.client.devices()).toEqual([
      expect.objectContaining({ locationId: alice.identity()!.locationId }),
    ])

    // A2 registers as a second location: a new contact's find reaches both devices.
    await started(a2.client)
    const carol = await memoryClient('Carol', domain, network)
    cleanups.push(() => carol.stop())
    const carolLocations = new Set<string>()
    const both = new Promise<void>((resolve) =>
      carol.on('session:open', (e) => {
        carolLocations.add(e.locationId)
        if (carolLocations.size === 2) resolve()
      }),
    )
    const onA1 = until(alice, 'session:open', (e) => e.contactId === carol.identity()!.contactId)
    const onA2 = until(
      a2.client,
      'session:open',
      (e) => e.contactId === carol.identity()!.contactId,
    )
    await carol.acceptInvite(alice.inviteLink(ORIGIN))
    await Promise.all([both, onA1, onA2])
    expect(carolLocations).toEqual(new Set([info.locationId, alice.identity()!.locationId]))
  })

  it('refuses a second use of a link with ERR_LINK_USED, and stores nothing', async () => {
    const { domain, network } = await setup()
    const alice = await memoryClient('Alice', domain, network)
    cleanups.push(() => alice.stop())
    const linker = await link(alice)
    const a2 = newDevice(domain, network)
    const pending = nextPending(linker)
    const joined = a2.client.joinDevice(linker.link, { name: 'Laptop' })
    await linker.approve((await pending).id)
    await joined

    const a3 = newDevice(domain, network)
    expect(await codeOf(a3.client.joinDevice(linker.link, { name: 'Tablet' }))).toBe(
      'ERR_LINK_USED',
    )
    expect(await a3.ports.keys.load()).toBeUndefined()
    expect(a3.client.identity()).toBeUndefined()
  })

  it('refuses an expired link with ERR_LINK_EXPIRED, and stores nothing', async () => {
    const { domain, network } = await setup()
    const alice = await memoryClient('Alice', domain, network)
    cleanups.push(() => alice.stop())
    const linker = await link(alice, 1_000)
    const ended = new Promise((resolve) => linker.on('ended', resolve))
    expect(await ended).toMatchObject({ error: { code: 'ERR_LINK_EXPIRED' } })
    const a2 = newDevice(domain, network)
    expect(await codeOf(a2.client.joinDevice(linker.link, { name: 'Laptop' }))).toBe(
      'ERR_LINK_EXPIRED',
    )
    expect(await a2.ports.keys.load()).toBeUndefined()
  })

  it('a newcomer nobody approves before the expiry gets ERR_LINK_EXPIRED, and stores nothing', async () => {
    const { domain, network } = await setup()
    const alice = await memoryClient('Alice', domain, network)
    cleanups.push(() => alice.stop())
    const linker = await link(alice, 1_500)
    const a2 = newDevice(domain, network)
    const pending = nextPending(linker)
    const joined = codeOf(a2.client.joinDevice(linker.link, { name: 'Laptop' }))
    await pending
    expect(await joined).toBe('ERR_LINK_EXPIRED')
    expect(await a2.ports.keys.load()).toBeUndefined()
  })

  it('a declined newcomer gets ERR_LINK_DECLINED and no identity; the link is spent', async () => {
    const { domain, network } = await setup()
    const alice = await memoryClient('Alice', domain, network)
    cleanups.push(() => alice.stop())
    const linker = await link(alice)
    const a2 = newDevice(domain, network)
    const pending = nextPending(linker)
    const joined = codeOf(a2.client.joinDevice(linker.link, { name: 'Stranger' }))
    linker.decline((await pending).id)
    expect(await joined).toBe('ERR_LINK_DECLINED')
    expect(await a2.ports.keys.load()).toBeUndefined()
    const a3 = newDevice(domain, network)
    expect(await codeOf(a3.client.joinDevice(linker.link, { name: 'Laptop' }))).toBe(
      'ERR_LINK_USED',
    )
  })

  it('a device with a profile of its own refuses the link (ERR_CONFLICT) and keeps its profile', async () => {
    const { domain, network } = await setup()
    const alice = await memoryClient('Alice', domain, network)
    const dave = await memoryClient('Dave', domain, network)
    cleanups.push(
      () => alice.stop(),
      () => dave.stop(),
    )
    const before = dave.identity()
    const linker = await link(alice)
    expect(await codeOf(dave.joinDevice(linker.link, { name: 'Laptop' }))).toBe('ERR_CONFLICT')
    expect(dave.identity()).toEqual(before)
    expect(linker.list()).toEqual([])
  })

  it('says a profile made before device linking cannot be moved (ERR_KEYS_LOCKED)', async () => {
    const { domain, network } = await setup()
    // A profile as every browser made it before device linking: non-extractable keys.
    const keys = await generateIdentityKeys()
    const peer = await createPeerFile(keys, { domain, name: 'Old Alice' })
    const old: StoredIdentity = {
      keys,
      file: peer.file as StoredIdentity['file'],
      contactId: peer.contactId,
      uri: peer.uri,
      locationId: 'old-location-1',
      locationLabel: 'browser',
    }
    const { client } = newDevice(domain, network, {
      keys: { load: async () => old, save: async () => undefined },
    })
    await client.load()
    await started(client)
    expect(await codeOf(client.linkDevice({ origin: ORIGIN }))).toBe('ERR_KEYS_LOCKED')
  })

  it('tells an invite link from a device link, both ways, with coded errors', async () => {
    const { domain, network } = await setup()
    const alice = await memoryClient('Alice', domain, network)
    const bob = await memoryClient('Bob', domain, network)
    cleanups.push(
      () => alice.stop(),
      () => bob.stop(),
    )
    const linker = await link(alice)
    const a2 = newDevice(domain, network)
    expect(await codeOf(a2.client.joinDevice(alice.inviteLink(ORIGIN), { name: 'X' }))).toBe(
      'ERR_DEVICE_LINK',
    )
    expect(await codeOf(bob.acceptInvite(linker.link))).toBe('ERR_INVITE')
  })
})

/** Alice on A1 with Bob as a contact, and A2 linked to A1, both online and connected. */
async function twoDevices(opts: { screen?: boolean; history?: HistoryPort } = {}) {
  const { domain, network } = await setup()
  const alice = await memoryClient(
    'Alice',
    domain,
    network,
    opts.history ? { history: opts.history } : {},
    { retryEvery: 1_000 },
  )
  const bob = await memoryClient('Bob', domain, network, {}, { retryEvery: 1_000 })
  cleanups.push(
    () => alice.stop(),
    () => bob.stop(),
  )
  await bob.acceptInvite(alice.inviteLink(ORIGIN))
  const linker = await link(alice)
  const a2Device = newDevice(
    domain,
    network,
    {},
    { ...(opts.screen === false ? { screen: false } : {}) },
  )
  const a2 = a2Device.client
  const pending = nextPending(linker)
  const joined = a2.joinDevice(linker.link, { name: 'Laptop' })
  await linker.approve((await pending).id)
  const info = await joined
  const aliceId = info.contactId
  // Bob reaches both locations (A2 rings its contacts); A1 and A2 reach each other.
  const bobLocations = new Set<string>()
  const bobSeesBoth = new Promise<void>((resolve) =>
    bob.on('session:open', (e) => {
      if (e.contactId !== aliceId) return
      bobLocations.add(e.locationId)
      if (bobLocations.has(info.locationId)) resolve()
    }),
  )
  const devicesMeet = until(alice, 'device:state', (e) => e.state === 'online')
  await started(a2)
  await Promise.all([bobSeesBoth, devicesMeet])
  return { alice, bob, a2, a2Keys: a2Device.ports.keys, aliceId, bobId: bob.identity()!.contactId }
}

describe('messages across the devices of one identity', () => {
  it('a message to the identity reaches every online device itself, and is delivered once', async () => {
    const { domain, network } = await setup()
    // Devices that do not know of each other never connect: what each gets, it got from Bob.
    const forgetful = (stores: ClientPorts['keys']): ClientPorts['keys'] => ({
      load: async () => {
        const id = await stores.load()
        return id && { ...id, devices: [] }
      },
      save: (id) => stores.save(id),
    })
    const a1Stores = createMemoryStores()
    const a1Ports = { ...a1Stores, keys: forgetful(a1Stores.keys) }
    const first = await memoryClient('Alice', domain, network, a1Ports)
    cleanups.push(() => first.stop())
    const linker = await link(first)
    const a2Stores = createMemoryStores()
    const a2Ports = { ...a2Stores, keys: forgetful(a2Stores.keys) }
    const pending = nextPending(linker)
    const joined = newDevice(domain, network, a2Ports).client.joinDevice(linker.link, {
      name: 'Laptop',
    })
    await linker.approve((await pending).id)
    const aliceId = (await joined).contactId
    await first.stop()
    const a1 = newDevice(domain, network, a1Ports).client
    const a2 = newDevice(domain, network, a2Ports).client
    await Promise.all([a1.load(), a2.load()])
    await Promise.all([started(a1), started(a2)])
    expect(a1.devices()).toEqual([])

    const bob = await memoryClient('Bob', domain, network)
    cleanups.push(() => bob.stop())
    const bobLocations = new Set<string>()
    const bobSeesBoth = new Promise<void>((resolve) =>
      bob.on('session:open', (e) => {
        bobLocations.add(e.locationId)
        if (bobLocations.size === 2) resolve()
      }),
    )
    await bob.acceptInvite(a1.inviteLink(ORIGIN))
    await bobSeesBoth

    const onA1 = until(a1, 'message:received')
    const onA2 = until(a2, 'message:received')
    const states: string[] = []
    bob.on('message:state', (s) => states.push(s.state))
    const sent = await bob.sendMessage(aliceId, 'to all of Alice')
    expect((await onA1).msgId).toBe(sent.msgId)
    expect((await onA2).msgId).toBe(sent.msgId)
    await new Promise((r) => setTimeout(r, 200))
    expect(states).toEqual(['delivered'])
  })

  it('shows each message once on a device, though it came from the contact and from our other device', async () => {
    const { alice, bob, a2, aliceId } = await twoDevices()
    const seen: string[] = []
    a2.on('message:received', (m) => seen.push(m.msgId))
    const onA1 = until(alice, 'message:received')
    const sent = await bob.sendMessage(aliceId, 'once please')
    await onA1
    await new Promise((r) => setTimeout(r, 300))
    expect(seen).toEqual([sent.msgId])
  })

  it('a message sent from one device appears on the other as sent', async () => {
    const { alice, a2, bobId } = await twoDevices()
    const onA2 = until(a2, 'message:sent')
    const item = await alice.sendMessage(bobId, 'written on A1')
    expect(await onA2).toMatchObject({ msgId: item.msgId, contactId: bobId, body: 'written on A1' })
  })

  it('receipts for a message sent from one device show on the other, and reading on one clears the other', async () => {
    const { alice, bob, a2, aliceId, bobId } = await twoDevices()
    const shown = until(a2, 'message:sent')
    const delivered = until(a2, 'message:state', (s) => s.state === 'delivered')
    const item = await alice.sendMessage(bobId, 'from A1')
    await shown
    // Only A1 heard Bob's answer: A2 learns "delivered" from A1.
    expect((await delivered).msgId).toBe(item.msgId)

    const onA1 = until(alice, 'message:received')
    const onA2 = until(a2, 'message:received')
    const sent = await bob.sendMessage(aliceId, 'read me once')
    await Promise.all([onA1, onA2])
    const readElsewhere = until(a2, 'message:read')
    await alice.markRead(bobId, [sent.msgId])
    expect(await readElsewhere).toEqual({ contactId: bobId, msgIds: [sent.msgId] })
  })

  it('a device that was away catches up on what it missed when it comes back', async () => {
    const { alice, bob, a2, aliceId, bobId } = await twoDevices()
    const away = until(alice, 'device:state', (e) => e.state === 'offline')
    await a2.stop()
    await away
    const onA1 = until(alice, 'message:received')
    const fromBob = await bob.sendMessage(aliceId, 'while A2 was away')
    await onA1
    const fromA1 = await alice.sendMessage(bobId, 'answered from A1')

    const got = until(a2, 'message:received', (m) => m.msgId === fromBob.msgId)
    const mine = until(a2, 'message:sent', (m) => m.msgId === fromA1.msgId)
    a2.start()
    expect((await got).body).toBe('while A2 was away')
    expect((await mine).body).toBe('answered from A1')
  })

  it('a device that reloaded hands on what its history holds to one that comes back', async () => {
    const kept: HistoryMessage[] = []
    const history: HistoryPort = {
      export: async () => [],
      import: async () => undefined,
      recent: async (limit) => kept.slice(-limit),
    }
    const { alice, bob, a2, aliceId } = await twoDevices({ history })
    alice.on('message:received', (m) => kept.push({ dir: 'in', ...m }))
    const away = until(alice, 'device:state', (e) => e.state === 'offline')
    await a2.stop()
    await away
    const onA1 = until(alice, 'message:received')
    const fromBob = await bob.sendMessage(aliceId, 'kept in the history')
    await onA1
    // A1 restarts: its in-memory log is gone; only the host's history knows the message.
    await alice.stop()
    alice.start()
    await until(alice, 'finder:state', (e) => e.state === 'online', 5_000)
    const got = until(a2, 'message:received', (m) => m.msgId === fromBob.msgId)
    a2.start()
    expect((await got).body).toBe('kept in the history')
  })

  it('read receipts come only from devices with a screen', async () => {
    const { alice, bob, a2, aliceId } = await twoDevices({ screen: false })
    const onA1 = until(alice, 'message:received')
    const onA2 = until(a2, 'message:received')
    const sent = await bob.sendMessage(aliceId, 'read me')
    await Promise.all([onA1, onA2])
    const reads: string[] = []
    bob.on('message:state', (s) => {
      if (s.state === 'read') reads.push(s.msgId)
    })
    await a2.markRead(aliceIdOf(bob), [sent.msgId])
    await new Promise((r) => setTimeout(r, 300))
    expect(reads).toEqual([])
    const read = until(bob, 'message:state', (s) => s.state === 'read')
    await alice.markRead(aliceIdOf(bob), [sent.msgId])
    expect((await read).msgId).toBe(sent.msgId)
  })
})

describe('removing a device', () => {
  it('a connected device told to go deletes its identity and stops', async () => {
    const { alice, a2, a2Keys } = await twoDevices()
    const a2Location = a2.identity()!.locationId
    const removed = until(a2, 'identity:removed')
    await alice.removeDevice(a2Location)
    expect((await removed).by).toBe('memory Alice')
    expect(await a2Keys.load()).toBeUndefined()
    expect(a2.identity()).toBeUndefined()
    expect(a2.finderState()).toBe('offline')
    expect(alice.devices()).toEqual([])
  })

  it('a device removed while away is told when it comes back', async () => {
    const { alice, a2, a2Keys } = await twoDevices()
    const a2Location = a2.identity()!.locationId
    const away = until(alice, 'device:state', (e) => e.state === 'offline')
    await a2.stop()
    await away
    await alice.removeDevice(a2Location)
    const removed = until(a2, 'identity:removed')
    a2.start()
    await removed
    expect(await a2Keys.load()).toBeUndefined()
  })
})

/** Whom Alice's devices answer: Bob's contact id. */
const aliceIdOf = (bob: OpenPeerClient): string => bob.identity()!.contactId
