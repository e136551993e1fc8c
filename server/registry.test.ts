// @vitest-environment node
import { describe, expect, it } from 'vitest'
import type { SectionA } from '../src/openpeer/identity/index.ts'
import { createMemoryRegistry, type Registration, type Route } from './registry.ts'

const A = { domain: 'x' } as unknown as SectionA
const reg = (
  session: string,
  contactId: string,
  locationId: string,
  expires = Date.now() + 60_000,
): Registration => ({
  session,
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
  initiatorLocation: 'l',
  initiatorContactId: 'c',
  targetContactId: 't',
  expires,
})
const max = { maxLocations: 2 }

describe('memory registry', () => {
  it('replaces a location held by another session and counts locations per contact', async () => {
    const r = createMemoryRegistry()
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

  it('binds a context to one initiator and caps routes per session', async () => {
    const r = createMemoryRegistry()
    await r.addRoute(route('x', 's1'), { maxPerSession: 2 })
    await r.addRoute(route('x', 's1'), { maxPerSession: 2 })
    await expect(r.addRoute(route('x', 's2'), { maxPerSession: 2 })).rejects.toMatchObject({
      code: 'ERR_CONFLICT',
    })
    await r.addRoute(route('y', 's1'), { maxPerSession: 2 })
    await r.addRoute(route('z', 's1'), { maxPerSession: 2 })
    expect(await r.route('x')).toBeUndefined()
    expect(await r.route('z')).toBeDefined()
    await r.dropRoutes('s1')
    expect(await r.route('y')).toBeUndefined()
    await r.addRoute(route('x', 's2'), { maxPerSession: 2 })
  })
})
