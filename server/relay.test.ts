// @vitest-environment node
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { connect, type TestClient } from './test-client.ts'
import {
  findRequestBody,
  makeContact,
  sessionCreateBody,
  type TestContact,
} from './test-identity.ts'
import { startFinder, type TestFinder } from './test-server.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function finder(limits = {}): Promise<TestFinder> {
  const f = await startFinder({ limits })
  cleanups.push(() => f.server.close())
  return f
}

async function online(f: TestFinder, contact: TestContact, location: string): Promise<TestClient> {
  const c = await connect(f.finderUrl)
  cleanups.push(() => c.close())
  const result = await c.request(
    'session-create',
    await sessionCreateBody(contact, f.domain, location),
  )
  expect(result.error).toBeUndefined()
  return c
}

/** Alice rang Bob through `f`: a find context both may open a relay for. */
async function ringing(f: TestFinder) {
  const [alice, bob, eve] = await Promise.all(
    ['Alice', 'Bob', 'Eve'].map((n) => makeContact(f.domain, n)),
  )
  const [a, b, e] = [
    await online(f, alice!, 'a1'),
    await online(f, bob!, 'b1'),
    await online(f, eve!, 'e1'),
  ]
  const find = await findRequestBody(alice!, 'a1', bob!)
  expect((await a.request('peer-location-find', find)).error).toBeUndefined()
  return { a, b, e, context: find.proof.context }
}

interface RelaySocket {
  ws: WebSocket
  texts: Record<string, unknown>[]
  binary: Buffer[]
  closed: Promise<number>
  next(pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
}

async function relaySocket(f: TestFinder, token: string | undefined): Promise<RelaySocket> {
  const ws = new WebSocket(`ws://${f.domain}/relay`)
  const texts: Record<string, unknown>[] = []
  const binary: Buffer[] = []
  const waiters: (() => void)[] = []
  ws.on('message', (data, isBinary) => {
    if (isBinary) binary.push(data as Buffer)
    else texts.push(JSON.parse(String(data)) as Record<string, unknown>)
    for (const w of waiters.splice(0)) w()
  })
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  cleanups.push(() => ws.terminate())
  if (token !== undefined) ws.send(JSON.stringify({ token }))
  const next = async (pred: (m: Record<string, unknown>) => boolean) => {
    for (;;) {
      const hit = texts.find(pred)
      if (hit) return hit
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }
  return { ws, texts, binary, closed, next }
}

const tokenError = (m: Record<string, unknown>) =>
  String((m.error as { reason?: string } | undefined)?.reason ?? '')

describe('relay-open', () => {
  it('gives the two sides of a find a single-use token each, and nobody else any', async () => {
    const f = await finder()
    const { a, b, e, context } = await ringing(f)
    const mine = await a.request('relay-open', { context })
    expect(mine.error).toBeUndefined()
    expect(mine).toMatchObject({ token: expect.any(String), peerToken: expect.any(String) })
    expect((await b.request('relay-open', { context })).error).toBeUndefined()
    expect((await e.request('relay-open', { context })).error?.reason).toMatch(/^ERR_FORBIDDEN/)
    expect((await a.request('relay-open', { context: 'no-such-context' })).error?.code).toBe(404)
    const stranger = await connect(f.finderUrl)
    cleanups.push(() => stranger.close())
    expect((await stranger.request('relay-open', { context })).error?.code).toBe(403)
  })

  it('caps the relays one location may hold', async () => {
    const f = await finder({ relaysPerSocket: 2 })
    const { a, context } = await ringing(f)
    for (let i = 0; i < 2; i++)
      expect((await a.request('relay-open', { context })).error).toBeUndefined()
    expect((await a.request('relay-open', { context })).error?.reason).toMatch(/^ERR_RATE_LIMITED/)
  })
})

describe('the relay', () => {
  it('pairs the two tokens and forwards binary frames both ways, byte for byte', async () => {
    const f = await finder()
    const { a, context } = await ringing(f)
    const { token, peerToken } = (await a.request('relay-open', { context })) as unknown as {
      token: string
      peerToken: string
    }
    const [x, y] = [await relaySocket(f, token), await relaySocket(f, peerToken)]
    await Promise.all([x.next((m) => m.paired === true), y.next((m) => m.paired === true)])
    x.ws.send(Buffer.from([1, 2, 3]))
    y.ws.send(Buffer.from([9, 8]))
    await expect.poll(() => y.binary.length).toBe(1)
    await expect.poll(() => x.binary.length).toBe(1)
    expect([...y.binary[0]!]).toEqual([1, 2, 3])
    expect([...x.binary[0]!]).toEqual([9, 8])
  })

  it('refuses an unknown, a reused and an expired token with ERR_TOKEN', async () => {
    const f = await finder({ relayTokenTtl: 300 })
    const unknown = await relaySocket(f, 'A'.repeat(22))
    expect(tokenError(await unknown.next((m) => !!m.error))).toBe('ERR_TOKEN: unknown relay token')
    expect(await unknown.closed).toBe(4403)

    const { a, context } = await ringing(f)
    const first = (await a.request('relay-open', { context })) as unknown as { token: string }
    await relaySocket(f, first.token)
    const again = await relaySocket(f, first.token)
    expect(tokenError(await again.next((m) => !!m.error))).toBe(
      'ERR_TOKEN: relay token already used',
    )

    const late = (await a.request('relay-open', { context })) as unknown as { peerToken: string }
    await new Promise((r) => setTimeout(r, 400))
    const expired = await relaySocket(f, late.peerToken)
    expect(tokenError(await expired.next((m) => !!m.error))).toMatch(
      /^ERR_TOKEN: relay token (expired|already used)/,
    )
  })

  it('closes a relay that carried its byte cap with ERR_TOO_LARGE, on both sides', async () => {
    const f = await finder({ relayBytes: 1000 })
    const { a, context } = await ringing(f)
    const t = (await a.request('relay-open', { context })) as unknown as {
      token: string
      peerToken: string
    }
    const [x, y] = [await relaySocket(f, t.token), await relaySocket(f, t.peerToken)]
    await x.next((m) => m.paired === true)
    x.ws.send(Buffer.alloc(600))
    x.ws.send(Buffer.alloc(600))
    expect(tokenError(await x.next((m) => !!m.error))).toMatch(/^ERR_TOO_LARGE/)
    expect(tokenError(await y.next((m) => !!m.error))).toMatch(/^ERR_TOO_LARGE/)
    expect(y.binary).toHaveLength(1)
  })

  it('slows a sender over the rate instead of cutting it: everything still arrives', async () => {
    const f = await finder({ relayRate: 64 * 1024 })
    const { a, context } = await ringing(f)
    const t = (await a.request('relay-open', { context })) as unknown as {
      token: string
      peerToken: string
    }
    const [x, y] = [await relaySocket(f, t.token), await relaySocket(f, t.peerToken)]
    await x.next((m) => m.paired === true)
    for (let i = 0; i < 6; i++) x.ws.send(Buffer.alloc(32 * 1024, i))
    await expect.poll(() => y.binary.length, { timeout: 10_000 }).toBe(6)
    expect(y.binary.map((b) => b[0])).toEqual([0, 1, 2, 3, 4, 5])
    expect(y.texts.some((m) => m.error)).toBe(false)
  })

  it('closes a paired relay that is sent text, and one that never presents a token', async () => {
    const f = await finder({ relayHelloTimeout: 100 })
    const silent = await relaySocket(f, undefined)
    expect(tokenError(await silent.next((m) => !!m.error))).toMatch(/^ERR_TIMEOUT/)
    const { a, context } = await ringing(f)
    const t = (await a.request('relay-open', { context })) as unknown as {
      token: string
      peerToken: string
    }
    const [x, y] = [await relaySocket(f, t.token), await relaySocket(f, t.peerToken)]
    await x.next((m) => m.paired === true)
    x.ws.send('{"hello":"in clear"}')
    expect(tokenError(await y.next((m) => !!m.error))).toMatch(/^ERR_BAD_MESSAGE/)
  })
})
