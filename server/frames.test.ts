// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type Frame, type TestClient } from './test-client.ts'
import { startFinder, type TestFinder } from './test-server.ts'

let finder: TestFinder
const clients: TestClient[] = []

async function client(url = finder.finderUrl): Promise<TestClient> {
  const c = await connect(url)
  clients.push(c)
  return c
}

beforeAll(async () => {
  // Strikes off: these tests look at each bad frame's answer (strikes are tested on their own).
  finder = await startFinder({ limits: { ipRate: 10_000, ipBurst: 10_000, strikes: 1e9 } })
})
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await finder.server.close()
})

/** The next error result, and proof the socket still works: a request after it is answered. */
async function errorFor(c: TestClient, frame: string | Buffer | object): Promise<Frame> {
  c.sendRaw(frame)
  const error = await c.next((f) => f.kind === 'result' && f.error !== undefined)
  const alive = await c.request('peer-file-get', { contactId: '0'.repeat(64) })
  expect(alive.error?.code).toBe(404)
  return error
}

describe('malformed frames', () => {
  it('answers each with a coded error result and keeps the socket usable', async () => {
    const c = await client()
    const notJson = await errorFor(c, 'this is not json')
    expect(notJson).toMatchObject({ v: 1, kind: 'result', type: 'error', id: '' })
    expect(notJson.error).toEqual({ code: 400, reason: 'ERR_BAD_MESSAGE: frame is not JSON' })

    const unknown = await errorFor(c, { v: 1, kind: 'request', type: 'world-domination', id: 'u1' })
    expect(unknown).toMatchObject({ type: 'error', id: 'u1', error: { code: 400 } })

    const version = await errorFor(c, {
      v: 2,
      kind: 'request',
      type: 'peer-file-get',
      id: 'v2',
      contactId: 'x',
    })
    expect(version).toMatchObject({ type: 'peer-file-get', id: 'v2', error: { code: 426 } })
    expect(version.error?.reason).toMatch(/^ERR_VERSION/)

    const missing = await errorFor(c, { v: 1, kind: 'request', type: 'session-create', id: 'm1' })
    expect(missing).toMatchObject({ type: 'session-create', id: 'm1', error: { code: 400 } })
    expect(missing.error?.reason).toMatch(/^ERR_BAD_MESSAGE: session-create request: proof/)

    const extra = await errorFor(c, {
      v: 1,
      kind: 'request',
      type: 'session-delete',
      id: 'x1',
      evil: 1,
    })
    expect(extra.error?.code).toBe(400)

    const peerOnly = await errorFor(c, { v: 1, kind: 'request', type: 'peer-keep-alive', id: 'p1' })
    expect(peerOnly.error?.reason).toMatch(/not allowed on the finder channel/)

    expect((await errorFor(c, Buffer.from([0xff, 0xfe, 0x00]))).error?.code).toBe(400)
    expect((await errorFor(c, '[1,2,3]')).error?.code).toBe(400)
    expect(
      (await errorFor(c, { v: 1, kind: 'request', type: 'peer-file-get', id: 'bad id!' })).id,
    ).toBe('')
  })

  it('ignores results a client sends, even broken ones, so no side loops on errors', async () => {
    const c = await client()
    c.sendRaw({ v: 1, kind: 'result', type: 'error', id: 'r1', error: { code: 400, reason: 'x' } })
    c.sendRaw({ v: 1, kind: 'result', type: 'nonsense', id: 'r2' })
    const alive = await c.request('peer-file-get', { contactId: '0'.repeat(64) })
    expect(alive.error?.code).toBe(404)
    expect(c.frames).toHaveLength(1)
  })

  it('survives random junk', async () => {
    const c = await client()
    const junk = [
      '{}',
      'null',
      '"str"',
      '{"v":1}',
      '{"v":1,"kind":"notify","type":"peer-location-signal","id":"j","proof":null}',
      '{"v":1,"kind":"request","type":"__proto__","id":"j"}',
      '{"v":1,"kind":"request","type":"constructor","id":"j"}',
      '{"__proto__":{"v":1},"kind":"request"}',
      JSON.stringify({
        v: 1,
        kind: 'request',
        type: 'peer-location-find',
        id: 'j',
        proof: { to: 'peer://x/y' },
      }),
    ]
    for (let i = 0; i < 20; i++)
      junk.push(
        Buffer.from(Array.from({ length: 64 }, (_, j) => (i * 31 + j * 7) % 256)).toString(
          'latin1',
        ),
      )
    for (const frame of junk) c.sendRaw(frame)
    const alive = await c.request('peer-file-get', { contactId: '0'.repeat(64) })
    expect(alive.error?.code).toBe(404)
    expect(c.frames.filter((f) => f.error).length).toBe(junk.length + 1)
  })

  it('closes the socket with 1009 on a frame over 16 KiB', async () => {
    const c = await client()
    c.sendRaw('x'.repeat(16 * 1024 + 1))
    expect((await c.closed).code).toBe(1009)
  })

  it('accepts a frame of exactly 16 KiB', async () => {
    const c = await client()
    const frame = JSON.stringify({ v: 1, kind: 'request', type: 'error', id: 'big', pad: '' })
    c.sendRaw(frame.replace('"pad":""', `"pad":"${'x'.repeat(16 * 1024 - frame.length)}"`))
    expect((await c.next()).error?.code).toBe(400)
  })
})

describe('rate limits', () => {
  it('answers frames over the burst with 429 and keeps a merely eager socket open', async () => {
    const c = await client()
    const frame = JSON.stringify({
      v: 1,
      kind: 'request',
      type: 'peer-file-get',
      id: 'e',
      contactId: '0'.repeat(64),
    })
    for (let i = 0; i < 80; i++) c.sendRaw(frame)
    while (c.frames.length < 80) await c.next()
    const codes = c.frames.map((f) => f.error?.code)
    expect(codes.filter((code) => code === 404).length).toBeGreaterThanOrEqual(50)
    expect(codes.filter((code) => code === 429).length).toBeGreaterThanOrEqual(5)
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })

  it('answers a flood with 429 then closes it 1008, while another socket is still served', async () => {
    // No refill during the flood: on a loaded machine the 300 frames can take a second to
    // arrive, and a refilling bucket would then serve more than the burst.
    const strict = await startFinder({
      limits: { ipRate: 10_000, ipBurst: 10_000, socketRate: 0.001, refusalRate: 0.001 },
    })
    try {
      const flooder = await client(strict.finderUrl)
      const polite = await client(strict.finderUrl)
      const frame = JSON.stringify({
        v: 1,
        kind: 'request',
        type: 'peer-file-get',
        id: 'f',
        contactId: '0'.repeat(64),
      })
      for (let i = 0; i < 300; i++) flooder.sendRaw(frame)
      const closed = await flooder.closed
      expect(closed.code).toBe(1008)
      const codes = flooder.frames.map((f) => f.error?.code)
      // At most the burst is served; queued ones may be dropped when the socket is cut off.
      expect(codes.filter((code) => code === 404).length).toBeLessThanOrEqual(50)
      expect(codes.filter((code) => code === 429).length).toBeGreaterThan(100)
      expect(flooder.frames.find((f) => f.error?.code === 429)?.error?.reason).toMatch(
        /^ERR_RATE_LIMITED/,
      )
      const answer = await polite.request('peer-file-get', { contactId: '0'.repeat(64) })
      expect(answer.error?.code).toBe(404)
    } finally {
      await strict.server.close()
    }
  })

  it('shares one message budget between the sockets of an IP and caps their number', async () => {
    const strict = await startFinder({ limits: { ipRate: 0.001, ipBurst: 5, socketsPerIp: 2 } })
    try {
      const [a, b] = [await client(strict.finderUrl), await client(strict.finderUrl)]
      await expect(connect(strict.finderUrl)).rejects.toThrow('HTTP 429')
      const get = (c: TestClient) => c.request('peer-file-get', { contactId: '0'.repeat(64) })
      for (let i = 0; i < 5; i++) expect((await get(i % 2 ? a : b)).error?.code).toBe(404)
      expect((await get(b)).error?.code).toBe(429)
      expect((await get(a)).error?.code).toBe(429)
      // A closed socket frees its slot.
      await a.close()
      await new Promise((r) => setTimeout(r, 20))
      await client(strict.finderUrl)
    } finally {
      await strict.server.close()
    }
  })
})

describe('strikes', () => {
  it('closes a socket that sends junk 1008 and keeps its address out for a while', async () => {
    const strict = await startFinder({ limits: { strikes: 3, strikePenalty: 300 } })
    try {
      const junk = await client(strict.finderUrl)
      const honest = await client(strict.finderUrl)
      for (let i = 0; i < 3; i++) junk.sendRaw(`{"v":1,"junk":${i}}`)
      expect((await junk.closed).code).toBe(1008)
      // The address is kept out: no new socket from it until the penalty is over …
      await expect(connect(strict.finderUrl)).rejects.toThrow('HTTP 429')
      // … while its sockets that behaved are still served.
      const alive = await honest.request('peer-file-get', { contactId: '0'.repeat(64) })
      expect(alive.error?.code).toBe(404)
      await new Promise((r) => setTimeout(r, 350))
      await client(strict.finderUrl)
    } finally {
      await strict.server.close()
    }
  })

  it('does not count a frame of another protocol version: that is a client to upgrade', async () => {
    const strict = await startFinder({ limits: { strikes: 2 } })
    try {
      const c = await client(strict.finderUrl)
      for (let i = 0; i < 4; i++) {
        expect(
          (await errorFor(c, { v: 2, kind: 'request', type: 'x', id: `v${i}` })).error?.code,
        ).toBe(426)
      }
    } finally {
      await strict.server.close()
    }
  })
})

describe('heartbeat', () => {
  it('terminates a socket that does not answer pings', async () => {
    const beating = await startFinder({ limits: { heartbeatInterval: 40 } })
    try {
      const silent = await connect(beating.finderUrl, { autoPong: false })
      const lively = await connect(beating.finderUrl)
      expect((await silent.closed).code).toBe(1006)
      expect(lively.ws.readyState).toBe(lively.ws.OPEN)
      await lively.close()
    } finally {
      await beating.server.close()
    }
  })

  it('does not ping a socket that keeps talking, and cuts it off once it falls silent', async () => {
    const beating = await startFinder({ limits: { heartbeatInterval: 40 } })
    try {
      // It never answers a ping: only its own frames can keep it open.
      const talker = await connect(beating.finderUrl, { autoPong: false })
      let pings = 0
      talker.ws.on('ping', () => pings++)
      const talking = setInterval(() => void talker.request('session-keep-alive', {}), 15)
      await new Promise((r) => setTimeout(r, 400))
      clearInterval(talking)
      expect(talker.ws.readyState).toBe(talker.ws.OPEN)
      expect(pings).toBe(0)
      expect((await talker.closed).code).toBe(1006)
      expect(pings).toBe(1)
    } finally {
      await beating.server.close()
    }
  })
})
