// @vitest-environment node
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { randomId } from '../src/openpeer/identity/index.ts'
import { createRedisRegistry } from './redis-registry.ts'
import type { Registry } from './registry.ts'
import { connect, type Frame, type TestClient } from './test-client.ts'
import {
  findReplyBody,
  findRequestBody,
  makeContact,
  sessionCreateBody,
  signalBody,
  type TestContact,
} from './test-identity.ts'
import { spawnFinder } from './test-node.ts'
import { startRedis, type TestRedis } from './test-redis.ts'
import { startFinder, type TestFinder } from './test-server.ts'

/*
 * Finder nodes sharing one real redis-server: the registry, the replay cache and the routing of
 * finds, replies and signals between nodes (Redis pub/sub).
 */

// Every node of a cluster answers for the same domain: session proofs name it, not a node.
const DOMAIN = 'cluster.test'
let redis: TestRedis
const cleanups: (() => Promise<unknown>)[] = []

beforeAll(async () => {
  redis = await startRedis()
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
afterAll(() => redis?.stop())

/** A fresh cluster in the shared Redis: its own key prefix. */
function cluster() {
  const prefix = `c${randomId(4)}:`
  return {
    prefix,
    async node(): Promise<TestFinder & { registry: Registry }> {
      const registry = await createRedisRegistry({ url: redis.url, prefix, log: () => {} })
      const finder = await startFinder({ domain: DOMAIN, registry, distDir: '/nonexistent' })
      cleanups.push(
        () => registry.close(),
        () => finder.server.close(),
      )
      return { ...finder, registry }
    },
  }
}

async function online(
  node: { finderUrl: string },
  contact: TestContact,
  location: string,
): Promise<TestClient> {
  const c = await connect(node.finderUrl)
  cleanups.push(() => c.close())
  const result = await c.request(
    'session-create',
    await sessionCreateBody(contact, DOMAIN, location),
  )
  expect(result.error).toBeUndefined()
  return c
}

const isFind = (f: Frame) => f.type === 'peer-location-find' && f.kind === 'request'

describe('a finder cluster on Redis', () => {
  it('routes a find, its reply and the signals between two nodes', async () => {
    const c = cluster()
    const [n1, n2] = [await c.node(), await c.node()]
    const [alice, bob] = [await makeContact(DOMAIN, 'Alice'), await makeContact(DOMAIN, 'Bob')]
    const a = await online(n1, alice, 'a1')
    const b1 = await online(n2, bob, 'b1') // another node
    const b2 = await online(n1, bob, 'b2') // the same node as Alice

    const find = await findRequestBody(alice, 'a1', bob)
    const result = await a.request('peer-location-find', find)
    expect(result).toMatchObject({ locations: 2 })
    expect((result.to as string[]).sort()).toEqual(['b1', 'b2']) // one on each node
    const [f1, f2] = await Promise.all([b1.next(isFind), b2.next(isFind)])
    expect(f1.proof).toEqual(find.proof)
    expect(f2.proof).toEqual(find.proof)

    // b1's reply reaches node 2, which routes it to Alice on node 1.
    const reply = await findReplyBody(bob, 'b1', find.proof, alice.A)
    const replyId = b1.notify('peer-location-find', reply)
    const routed = await a.next((f) => f.type === 'peer-location-find' && f.kind === 'notify')
    expect(routed.proof).toEqual(reply.proof)

    const { context } = find.proof
    const toBob = await signalBody(alice, context, 'a1', 'b1', bob.A)
    a.notify('peer-location-signal', toBob)
    expect((await b1.next((f) => f.type === 'peer-location-signal')).proof).toEqual(toBob.proof)
    const toAlice = await signalBody(bob, context, 'b1', 'a1', alice.A)
    b1.notify('peer-location-signal', toAlice)
    expect((await a.next((f) => f.type === 'peer-location-signal')).proof).toEqual(toAlice.proof)
    // Successful notifies get no answer, across nodes as on one.
    await new Promise((r) => setTimeout(r, 30))
    expect(b1.frames.some((f) => f.id === replyId)).toBe(false)

    // peer-file-get works on any node for a contact registered on another.
    const file = await connect(n2.finderUrl)
    cleanups.push(() => file.close())
    expect(await file.request('peer-file-get', { contactId: alice.contactId })).toMatchObject({
      peer: { A: alice.A },
    })
  })

  it('refuses a proof replayed to another node of the cluster', async () => {
    const c = cluster()
    const [n1, n2] = [await c.node(), await c.node()]
    const alice = await makeContact(DOMAIN, 'Alice')
    const body = await sessionCreateBody(alice, DOMAIN, 'a1')
    const first = await connect(n1.finderUrl)
    const second = await connect(n2.finderUrl)
    cleanups.push(
      () => first.close(),
      () => second.close(),
    )
    expect((await first.request('session-create', body)).error).toBeUndefined()
    expect((await second.request('session-create', body)).error?.reason).toMatch(/^ERR_REPLAY/)
  })

  it('rings nobody at a killed node, and the location again once it registers elsewhere', async () => {
    const c = cluster()
    const n1 = await c.node()
    const spawned = spawnFinder({ REDIS_URL: redis.url, REDIS_PREFIX: c.prefix, DOMAIN })
    const n2 = await spawned.ready
    cleanups.push(() => n2.kill())
    const [alice, bob] = [await makeContact(DOMAIN, 'Alice'), await makeContact(DOMAIN, 'Bob')]
    const a = await online(n1, alice, 'a1')
    await online({ finderUrl: `ws://${n2.address}/finder` }, bob, 'b1')
    expect(
      await a.request('peer-location-find', await findRequestBody(alice, 'a1', bob)),
    ).toMatchObject({ locations: 1 })

    await n2.kill()
    // Its registration is still in Redis until its TTL, but no node listens for it any more.
    expect((await n1.registry.locations(bob.contactId)).map((r) => r.locationId)).toEqual(['b1'])
    // As soon as Redis has seen node 2's connections close.
    await expect
      .poll(async () => {
        const lost = await a.request('peer-location-find', await findRequestBody(alice, 'a1', bob))
        return lost.error?.reason
      })
      .toMatch(/^ERR_NOT_FOUND/)

    // Bob's client comes back through node 1 with the same location: it replaces the dead entry.
    const b1 = await online(n1, bob, 'b1')
    const back = await a.request('peer-location-find', await findRequestBody(alice, 'a1', bob))
    expect(back).toMatchObject({ locations: 1 })
    await b1.next(isFind)
  }, 20_000)

  it('forgets registrations when Redis restarts empty and takes them again after', async () => {
    const own = await startRedis()
    cleanups.push(() => own.stop())
    const node = async () => {
      const registry = await createRedisRegistry({ url: own.url, log: () => {} })
      const finder = await startFinder({ domain: DOMAIN, registry, distDir: '/nonexistent' })
      cleanups.push(
        () => registry.close(),
        () => finder.server.close(),
      )
      return finder
    }
    const [n1, n2] = [await node(), await node()]
    const [alice, bob] = [await makeContact(DOMAIN, 'Alice'), await makeContact(DOMAIN, 'Bob')]
    const a = await online(n1, alice, 'a1')
    const b = await online(n2, bob, 'b1')

    await own.kill()
    // While Redis is away the finder says so, and the sockets stay open.
    expect((await b.request('session-keep-alive', {})).error?.reason).toMatch(/^ERR_UNAVAILABLE/)
    await own.start()
    // Back, and empty: the keep-alive is told to register again (what the client then does).
    await expect
      .poll(async () => (await b.request('session-keep-alive', {})).error?.reason, {
        timeout: 5000,
      })
      .toMatch(/^ERR_FORBIDDEN: register first/)
    for (const [socket, who, location] of [
      [a, alice, 'a1'],
      [b, bob, 'b1'],
    ] as const) {
      const again = await socket.request(
        'session-create',
        await sessionCreateBody(who, DOMAIN, location),
      )
      expect(again.error).toBeUndefined()
    }
    // Pub/sub came back too: a find on node 1 reaches Bob on node 2.
    const find = await a.request('peer-location-find', await findRequestBody(alice, 'a1', bob))
    expect(find).toMatchObject({ locations: 1 })
    await b.next(isFind)
  }, 20_000)

  it('has the bootstrapper list every node of FINDER_URLS, for clients to spread over', async () => {
    const finders = ['ws://127.0.0.1:1/finder', 'wss://node2.cluster.test/finder']
    const node = await spawnFinder({ DOMAIN, FINDER_URLS: finders.join(', ') }).ready
    cleanups.push(() => node.kill())
    const res = await fetch(`${node.url}/.well-known/openpeer-services-get`)
    expect(await res.json()).toMatchObject({ domain: DOMAIN, finders })
  }, 15_000)

  it('stops with a clear error, not a hang, when Redis is unreachable at start', async () => {
    const dead = await startRedis()
    await dead.kill()
    const started = Date.now()
    const spawned = spawnFinder({ REDIS_URL: dead.url, DOMAIN })
    expect(await spawned.exited).toBe(1)
    expect(spawned.output()).toContain(`Redis: cannot reach Redis at ${dead.url}`)
    expect(Date.now() - started).toBeLessThan(10_000)
  }, 15_000)
})
