import { afterEach, describe, expect, it } from 'vitest'
import {
  createOpenPeerClient,
  isOpenPeerError,
  type ClientPorts,
  type DeviceLinker,
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
function newDevice(domain: string, network: MemoryNetwork, ports: Partial<ClientPorts> = {}) {
  const p = memoryPorts(network, ports)
  const client = createOpenPeerClient(p, {
    domain,
    origin: ORIGIN,
    finder: { minDelay: 20, maxDelay: 200 },
    timings: { keepAlive: 1_000, deadAfter: 5_000 },
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
