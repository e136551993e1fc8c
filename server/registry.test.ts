// @vitest-environment node
import { createClient } from '@redis/client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SectionA } from '../src/openpeer/identity/index.ts'
import { randomId } from '../src/openpeer/identity/index.ts'
import { createRedisRegistry } from './redis-registry.ts'
import { createMemoryRegistry, type Registration, type Registry, type Route } from './registry.ts'
import { startRedis, type TestRedis } from './test-redis.ts'

const A = { domain: 'x' } as unknown as SectionA
const reg = (
  session: string,
  contactId: string,
  locationId: string,
  expires = Date.now() + 60_000,
): Registration => ({
  session,
  node: 'n1',
  contactId,
  locationId,
  label: '',
  A,
  expires,
})
const route = (
  context: string,
  initiatorSession: string,
  expires = Date.now() + 60_000,
): Route => ({
  context,
  initiatorSession,
  initiatorNode: 'n1',
  initiatorLocation: 'l',
  initiatorContactId: 'c',
  targetContactId: 't',
  expires,
})
const max = { maxLocations: 2 }

let redis: TestRedis
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(() => redis?.stop())
const opened: Registry[] = []
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close()
})
/** A node of a fresh cluster (its own key prefix), or another node of the same cluster. */
async function redisNode(prefix = `t${randomId(4)}:`): Promise<Registry> {
  const r = await createRedisRegistry({ url: redis.url, prefix, log: () => {} })
  opened.push(r)
  return r
}

describe.each([
  ['memory', async () => createMemoryRegistry()],
  ['redis', () => redisNode()],
] as const)('%s registry', (_name, create) => {
  it('replaces a location held by another session and counts locations per contact', async () => {
    const r = await create()
    await r.register(reg('s1', 'c', 'l1'), max)
    await r.register(reg('s2', 'c', 'l2'), max)
    await expect(r.register(reg('s3', 'c', 'l3'), max)).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
    })
    const replaced = await r.register(reg('s3', 'c', 'l1'), max)
    expect(replaced.map((x) => x.session)).toEqual(['s1'])
    expect(await r.get('s1')).toBeUndefined()
    expect((await r.locations('c')).map((x) => x.session).sort()).toEqual(['s2', 's3'])
    // Moving s2 to a new location id does not need a free slot.
    await r.register(reg('s2', 'c', 'l9'), max)
    expect((await r.locations('c')).map((x) => x.locationId).sort()).toEqual(['l1', 'l9'])
    expect(await r.unregister('s3')).toMatchObject({ locationId: 'l1' })
    expect((await r.locations('c')).map((x) => x.locationId)).toEqual(['l9'])
  })

  it('binds a context to one initiator and caps routes per session', async () => {
    const r = await create()
    await r.addRoute(route('x', 's1'), { maxPerSession: 2 })
    await r.addRoute(route('x', 's1'), { maxPerSession: 2 })
    await expect(r.addRoute(route('x', 's2'), { maxPerSession: 2 })).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
    })
    await r.addRoute(route('y', 's1'), { maxPerSession: 2 })
    await r.addRoute(route('z', 's1'), { maxPerSession: 2 })
    expect(await r.route('x')).toBeUndefined()
    expect(await r.route('z')).toMatchObject({ initiatorSession: 's1', targetContactId: 't' })
    await r.dropRoutes('s1')
    expect(await r.route('y')).toBeUndefined()
    await r.addRoute(route('x', 's2'), { maxPerSession: 2 })
  })

  it('renews a registration by keep-alive and refuses a nonce twice', async () => {
    const r = await create()
    await r.register(reg('s1', 'c', 'l1', Date.now() + 60_000), max)
    const later = Date.now() + 120_000
    expect(await r.keepAlive('s1', later)).toBe(later)
    expect(await r.get('s1')).toMatchObject({ expires: later, A })
    expect(await r.keepAlive('nobody', later)).toBeUndefined()
    expect(await r.seenNonce('n1')).toBe(false)
    await r.checkNonce('n1', Date.now() + 60_000)
    expect(await r.seenNonce('n1')).toBe(true)
    await expect(r.checkNonce('n1', Date.now() + 60_000)).rejects.toMatchObject({
      code: 'ERR_REPLAY',
    })
  })
})

describe('redis registry: a cluster of nodes', () => {
  it('lets registrations, routes and the nonces of one node be seen by another', async () => {
    const prefix = `t${randomId(4)}:`
    const [n1, n2] = [await redisNode(prefix), await redisNode(prefix)]
    expect(n1.node).not.toBe(n2.node)
    await n1.register({ ...reg('s1', 'c', 'l1'), node: n1.node }, max)
    expect(await n2.locations('c')).toMatchObject([{ session: 's1', node: n1.node }])
    await n2.addRoute({ ...route('ctx', 's2'), initiatorNode: n2.node }, { maxPerSession: 2 })
    expect(await n1.route('ctx')).toMatchObject({ initiatorNode: n2.node })
    await n1.checkNonce('n', Date.now() + 60_000)
    expect(await n2.seenNonce('n')).toBe(true)
    await expect(n2.checkNonce('n', Date.now() + 60_000)).rejects.toMatchObject({
      code: 'ERR_REPLAY',
    })
    // A second cluster in the same Redis sees none of it.
    expect(await (await redisNode()).locations('c')).toEqual([])
  })

  it('keeps a contact findable whose registration an older node wrote (section B whole)', async () => {
    const prefix = `t${randomId(4)}:`
    const n1 = await redisNode(prefix)
    await n1.register({ ...reg('s1', 'c', 'l1'), node: n1.node, findSecret: 'fs' }, max)
    // What a node from before registrations kept only the find secret stored: B, no findSecret.
    const admin = createClient({ url: redis.url })
    admin.on('error', () => {})
    await admin.connect()
    try {
      const { findSecret, ...older } = (await n1.get('s1'))!
      const json = JSON.stringify({ ...older, B: { findSecret, contact: 'c' } })
      await admin.hSet(`${prefix}reg:s1`, 'j', json)
    } finally {
      admin.destroy()
    }
    const n2 = await redisNode(prefix)
    expect(await n2.locations('c')).toMatchObject([{ session: 's1', findSecret: 'fs' }])
    expect(await n2.get('s1')).not.toHaveProperty('B')
  })

  it('forwards a frame to the node holding the socket, and says when no node took it', async () => {
    const prefix = `t${randomId(4)}:`
    const [n1, n2] = [await redisNode(prefix), await redisNode(prefix)]
    const got = new Promise<[string, string]>((resolve) =>
      n2.onForward((session, text) => resolve([session, text])),
    )
    expect(await n1.forward(n2.node, 's2', '{"a":\n1}')).toBe(true)
    expect(await got).toEqual(['s2', '{"a":\n1}'])
    await n2.close()
    // As soon as Redis has seen n2's subscription go (it learns of the closed connection).
    await expect.poll(() => n1.forward(n2.node, 's2', 'x')).toBe(false)
  })

  it('lets Redis expire a registration that is not kept alive', async () => {
    const r = await redisNode()
    await r.register(reg('s1', 'c', 'l1', Date.now() + 150), max)
    expect(await r.locations('c')).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await r.get('s1')).toBeUndefined()
    expect(await r.locations('c')).toEqual([])
    // The expired one held no slot: the contact registers its full count again.
    await r.register(reg('s2', 'c', 'l2'), max)
    await r.register(reg('s3', 'c', 'l3'), max)
  })

  it('answers ERR_UNAVAILABLE while Redis is away and works again once it is back', async () => {
    const own = await startRedis()
    try {
      const r = await createRedisRegistry({ url: own.url, log: () => {} })
      opened.push(r)
      await r.register(reg('s1', 'c', 'l1'), max)
      await own.kill()
      await expect(r.get('s1')).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' })
      await own.start()
      // Redis came back empty; the client reconnects by itself within its backoff.
      await expect.poll(() => r.get('s1').catch((e: { code: string }) => e.code)).toBe(undefined)
      await r.register(reg('s1', 'c', 'l1'), max)
      expect(await r.get('s1')).toMatchObject({ locationId: 'l1' })
    } finally {
      await own.stop()
    }
  })

  it('answers ERR_UNAVAILABLE in time when Redis hangs with its connection open', async () => {
    const own = await startRedis()
    try {
      const r = await createRedisRegistry({ url: own.url, commandTimeout: 300, log: () => {} })
      opened.push(r)
      await r.register(reg('s1', 'c', 'l1'), max)
      own.pause()
      const started = Date.now()
      await expect(r.get('s1')).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' })
      expect(Date.now() - started).toBeLessThan(2000)
      own.resume()
      await expect.poll(() => r.get('s1').catch(() => undefined)).toMatchObject({ session: 's1' })
    } finally {
      await own.stop()
    }
  })

  it('says why when Redis refuses a write (out of memory), and answers ERR_UNAVAILABLE', async () => {
    const own = await startRedis()
    try {
      const lines: string[] = []
      const r = await createRedisRegistry({ url: own.url, log: (line) => lines.push(line) })
      opened.push(r)
      const admin = createClient({ url: own.url })
      admin.on('error', () => {})
      await admin.connect()
      try {
        await admin.sendCommand(['CONFIG', 'SET', 'maxmemory', '1'])
        await expect(r.register(reg('s1', 'c', 'l1'), max)).rejects.toMatchObject({
          code: 'ERR_UNAVAILABLE',
        })
        expect(lines.join('\n')).toMatch(/Redis answered OOM/)
        await admin.sendCommand(['CONFIG', 'SET', 'maxmemory', '0'])
        await r.register(reg('s1', 'c', 'l1'), max)
      } finally {
        admin.destroy()
      }
    } finally {
      await own.stop()
    }
  })

  it('fails to start within seconds when Redis is unreachable', async () => {
    const own = await startRedis()
    await own.kill()
    const started = Date.now()
    await expect(createRedisRegistry({ url: own.url, log: () => {} })).rejects.toMatchObject({
      code: 'ERR_UNAVAILABLE',
      message: expect.stringContaining(`cannot reach Redis at ${own.url}`),
    })
    expect(Date.now() - started).toBeLessThan(4000)
  })
})

describe('memory registry', () => {
  it('hides and sweeps expired registrations and routes', async () => {
    const r = createMemoryRegistry()
    await r.register(reg('s1', 'c', 'l1', Date.now() - 1), max)
    await r.addRoute(route('ctx', 's1', Date.now() - 1), { maxPerSession: 8 })
    expect(await r.get('s1')).toBeUndefined()
    expect(await r.keepAlive('s1', Date.now() + 1000)).toBeUndefined()
    expect(await r.locations('c')).toEqual([])
    expect(await r.route('ctx')).toBeUndefined()
    expect((await r.sweep(Date.now())).map((x) => x.session)).toEqual(['s1'])
  })

  it('keeps peer files in a bounded LRU', async () => {
    const r = createMemoryRegistry({ knownPeerFiles: 2 })
    await r.rememberPeerFile('a', A)
    await r.rememberPeerFile('b', A)
    await r.knownPeerFile('a') // a is now the most recently used
    await r.rememberPeerFile('c', A)
    expect(await r.knownPeerFile('a')).toBe(A)
    expect(await r.knownPeerFile('b')).toBeUndefined()
    expect(await r.knownPeerFile('c')).toBe(A)
  })
})
