import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { randomId } from '../../src/openpeer/identity/index.ts'
import type {
  MemoryNetwork,
  OpenPeerClient,
  OpenPeerClientOptions,
} from '../../src/openpeer/index.ts'
import { createRedisRegistry } from '../../server/redis-registry.ts'
import type { Registry } from '../../server/registry.ts'
import { spawnFinder } from '../../server/test-node.ts'
import { freePort, startRedis, type TestRedis } from '../../server/test-redis.ts'
import { createMemoryNetwork, idOf, memoryClient, startFinder, until } from './harness.ts'

/*
 * Real clients (in-memory WebRTC) on a finder cluster: two nodes sharing a real redis-server,
 * both listed by the bootstrapper (FINDER_URLS). Node 1 runs in this process; node 2 is its own
 * process, so it can be killed for real.
 */

let redis: TestRedis
const cleanups: (() => Promise<unknown> | unknown)[] = []
beforeAll(async () => {
  redis = await startRedis()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
afterAll(() => redis?.stop())

async function twoNodes(redisUrl = redis.url) {
  const prefix = `m${randomId(4)}:`
  const p1 = await freePort()
  let p2 = await freePort()
  while (p2 === p1) p2 = await freePort()
  // The cluster's domain is node 1's address: that is where clients bootstrap.
  const domain = `127.0.0.1:${p1}`
  const finders = [`ws://127.0.0.1:${p1}/finder`, `ws://127.0.0.1:${p2}/finder`]
  const registry = await createRedisRegistry({ url: redisUrl, prefix, log: () => {} })
  const n1 = await startFinder({ port: p1, domain, registry, finders })
  cleanups.push(
    () => registry.close(),
    () => n1.server.close(),
  )
  const n2 = await spawnFinder({
    PORT: String(p2),
    DOMAIN: domain,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    FINDER_URLS: finders.join(','),
  }).ready
  cleanups.push(() => n2.kill())
  return { domain, registry, n2 }
}

/** A client that starts at the first (random 0) or the last (random ~1) finder of the list. */
async function client(
  name: string,
  domain: string,
  network: MemoryNetwork,
  at: 'n1' | 'n2',
  opts: Partial<OpenPeerClientOptions> = {},
) {
  const c = await memoryClient(
    name,
    domain,
    network,
    {},
    {
      ...opts,
      finder: {
        minDelay: 20,
        maxDelay: 200,
        heartbeat: { every: 300, timeout: 1000 },
        random: () => (at === 'n1' ? 0 : 0.99),
      },
    },
  )
  cleanups.push(() => c.stop())
  return c
}

/** The node ids a contact is registered at now. */
async function nodesOf(registry: Registry, c: OpenPeerClient): Promise<string[]> {
  return (await registry.locations(idOf(c))).map((r) => r.node)
}

async function connect(from: OpenPeerClient, to: OpenPeerClient) {
  const seen = until(to, 'contact:state', (v) => v.state === 'connected', 10_000)
  expect(await from.acceptInvite(to.inviteLink('http://app.test'))).toMatchObject({
    state: 'connected',
  })
  await seen
}

async function chat(from: OpenPeerClient, to: OpenPeerClient, body: string) {
  const got = until(to, 'message:received', (m) => m.body === body, 10_000)
  await from.sendMessage(idOf(to), body)
  await got
}

describe('clients on a finder cluster', () => {
  it('connects two clients registered at two nodes, and survives the death of one', async () => {
    const { domain, registry, n2 } = await twoNodes()
    const network = createMemoryNetwork()
    const alice = await client('Alice', domain, network, 'n1')
    const bob = await client('Bob', domain, network, 'n2')
    expect(await nodesOf(registry, alice)).toEqual([registry.node])
    const [bobsNode] = await nodesOf(registry, bob)
    expect(bobsNode).not.toBe(registry.node)

    // Bob's find goes in at node 2; Alice's reply and the signals come back through Redis.
    await connect(bob, alice)
    await chat(bob, alice, 'hello across two finders')

    // Node 2 dies mid-session (SIGKILL: no close, its Redis entries left behind).
    const offline = until(bob, 'finder:state', (e) => e.state !== 'online', 5_000)
    await n2.kill()
    await offline
    // The peer session does not need the finder: chat goes on both ways.
    await chat(bob, alice, 'still here')
    await chat(alice, bob, 'me too')
    // Bob's client fails over to node 1 and registers there within seconds.
    await until(bob, 'finder:state', (e) => e.state === 'online', 5_000)
    await expect.poll(() => nodesOf(registry, bob), { timeout: 5_000 }).toEqual([registry.node])
    // Findable again: a new contact rings him through node 1.
    const carol = await client('Carol', domain, network, 'n1')
    await connect(carol, bob)
    await chat(carol, bob, 'found you on node 1')
  }, 30_000)

  it('brings registrations back after Redis restarts empty', async () => {
    const own = await startRedis()
    cleanups.push(() => own.stop())
    const { domain, registry } = await twoNodes(own.url)
    const network = createMemoryNetwork()
    const alice = await client('Alice', domain, network, 'n2')
    expect(await nodesOf(registry, alice)).toHaveLength(1)

    await own.kill()
    await own.start()
    // Redis forgot everything; Alice's next keep-alive is told to register again, and does.
    await expect.poll(() => nodesOf(registry, alice), { timeout: 8_000 }).toHaveLength(1)
    const bob = await client('Bob', domain, network, 'n1')
    await connect(bob, alice)
    await chat(bob, alice, 'found after the restart')
  }, 30_000)

  it('tunnels a session across two nodes when no ICE path exists', async () => {
    const { domain } = await twoNodes()
    const network = createMemoryNetwork()
    network.blocked = true
    const timings = { iceTimeout: 300, upgradeEvery: 300 }
    const alice = await client('Alice', domain, network, 'n1', { timings })
    const bob = await client('Bob', domain, network, 'n2', { timings })
    // Bob rings, so Bob opens the relay, at his node; Alice must join it there, not at hers.
    const tunnel = until(alice, 'contact:state', (v) => v.path === 'tunnel', 10_000)
    await connect(bob, alice)
    await tunnel
    await chat(alice, bob, 'through the relay of the other node')
  }, 30_000)
})
