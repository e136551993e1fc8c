import { describe, expect, it, vi } from 'vitest'
import { OpenPeerError } from '../errors.ts'
import { Endpoint, type EndpointHandlers } from './endpoint.ts'

/** Two endpoints joined back to back; frames cross asynchronously, in order, as on a socket. */
function pair(a: EndpointHandlers = {}, b: EndpointHandlers = {}, opts: { timeout?: number } = {}) {
  const wire: { from: 'a' | 'b'; text: string }[] = []
  const left: Endpoint = new Endpoint({
    channel: 'peer',
    handlers: a,
    ...opts,
    send: (text) => {
      wire.push({ from: 'a', text })
      setTimeout(() => void right.receive(text), 0)
    },
  })
  const right: Endpoint = new Endpoint({
    channel: 'peer',
    handlers: b,
    ...opts,
    send: (text) => {
      wire.push({ from: 'b', text })
      setTimeout(() => void left.receive(text), 0)
    },
  })
  return { left, right, wire }
}

const frames = (wire: { from: string; text: string }[], from: string) =>
  wire.filter((w) => w.from === from).map((w) => JSON.parse(w.text) as Record<string, unknown>)

describe('Endpoint', () => {
  it('answers a request with the handler’s result body, stripped of the envelope', async () => {
    const { left } = pair({}, { request: async () => ({}) })
    await expect(left.request('peer-keep-alive', {})).resolves.toEqual({})
  })

  it('turns a thrown coded error into an error result the caller gets back as that code', async () => {
    const { left, wire } = pair(
      {},
      {
        request: () => {
          throw new OpenPeerError('ERR_FIND_DENIED', 'not for you')
        },
      },
    )
    await expect(left.request('peer-keep-alive', {})).rejects.toMatchObject({
      code: 'ERR_FIND_DENIED',
      message: 'ERR_FIND_DENIED: not for you',
    })
    expect(frames(wire, 'b')[0]).toMatchObject({ kind: 'result', error: { code: 403 } })
  })

  it('tells `answered` once a result is on the wire, so what follows cannot overtake it; not for errors', async () => {
    const seen: string[] = []
    let fail = false
    const ends = pair(
      {},
      {
        request: async () => {
          // A microtask queued by the handler runs before the result is sent: too early for
          // what must follow the result (the session's admission used to run there).
          queueMicrotask(() => seen.push(`microtask after ${frames(ends.wire, 'b').length} frames`))
          if (fail) throw new OpenPeerError('ERR_FIND_DENIED', 'no')
          return {}
        },
        answered: (m) => {
          seen.push(`answered ${m.type} after ${frames(ends.wire, 'b').length} frames`)
          ends.right.notify('session-close', { reason: 'follows the result' })
        },
      },
    )
    await ends.left.request('peer-keep-alive', {})
    expect(seen).toEqual(['microtask after 0 frames', 'answered peer-keep-alive after 1 frames'])
    expect(frames(ends.wire, 'b').map((f) => f.kind)).toEqual(['result', 'notify'])
    fail = true
    await expect(ends.left.request('peer-keep-alive', {})).rejects.toMatchObject({
      code: 'ERR_FIND_DENIED',
    })
    expect(seen).toHaveLength(3) // the microtask; no `answered` for an error result
  })

  it('answers an uncoded failure (a bug) as ERR_INTERNAL', async () => {
    const { left } = pair({}, { request: () => Promise.reject(new TypeError('oops')) })
    await expect(left.request('peer-keep-alive', {})).rejects.toMatchObject({
      code: 'ERR_INTERNAL',
    })
  })

  it('sends nothing back when the handler answers another way', async () => {
    const { left, wire } = pair({}, { request: () => undefined })
    await expect(left.request('peer-keep-alive', {}, { timeout: 30 })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
    })
    expect(frames(wire, 'b')).toEqual([])
  })

  it("reports the caller's abort as ERR_ABORTED and forgets the request", async () => {
    const { left } = pair({}, { request: () => new Promise<object>(() => {}) })
    const c = new AbortController()
    const asked = left.request('peer-keep-alive', {}, { signal: c.signal })
    c.abort()
    await expect(asked).rejects.toMatchObject({ code: 'ERR_ABORTED' })
  })

  it('uses the timeout error it was given', async () => {
    const left = new Endpoint({
      channel: 'finder',
      handlers: {},
      send: () => {},
      timeout: 10,
      timeoutError: () => new OpenPeerError('ERR_FINDER_UNREACHABLE', 'no answer'),
    })
    await expect(left.request('session-keep-alive', {})).rejects.toMatchObject({
      code: 'ERR_FINDER_UNREACHABLE',
    })
  })

  it('delivers notifies in order and answers a failing one with its coded error', async () => {
    const got: string[] = []
    const { left, wire } = pair(
      {},
      {
        notify: (m) => {
          if (m.type !== 'receipt') throw new OpenPeerError('ERR_BAD_MESSAGE', 'no thanks')
          got.push(m.msgIds[0] ?? '')
        },
      },
    )
    const thread = 'a'.repeat(64)
    for (const id of ['m1', 'm2', 'm3'])
      left.notify('receipt', { thread, msgIds: [id], state: 'read' })
    left.notify('session-close', { reason: 'x' })
    await vi.waitFor(() => expect(frames(wire, 'b')).toHaveLength(1))
    expect(got).toEqual(['m1', 'm2', 'm3'])
    expect(frames(wire, 'b')[0]).toMatchObject({ type: 'session-close', error: { code: 400 } })
  })

  it('answers a malformed request it can address, and tells its owner', async () => {
    const malformed = vi.fn()
    const sent: string[] = []
    const e = new Endpoint({ channel: 'peer', handlers: { malformed }, send: (t) => sent.push(t) })
    await e.receive(
      JSON.stringify({ v: 1, kind: 'request', type: 'peer-keep-alive', id: 'r1', x: 1 }),
    )
    expect(JSON.parse(sent[0] ?? '')).toMatchObject({
      type: 'peer-keep-alive',
      id: 'r1',
      error: { code: 400 },
    })
    expect(malformed).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'ERR_BAD_MESSAGE', id: 'r1' }),
    )
  })

  it('never answers a broken result, and answers unaddressable frames only when told to', async () => {
    const peer: string[] = []
    const finder: string[] = []
    const p = new Endpoint({ channel: 'peer', handlers: {}, send: (t) => peer.push(t) })
    const f = new Endpoint({
      channel: 'finder',
      handlers: {},
      answerWithoutId: true,
      send: (t) => finder.push(t),
    })
    for (const e of [p, f]) {
      await e.receive('{"v":1,"kind":"result","type":"nonsense","id":"r2"}')
      await e.receive('not json')
    }
    expect(peer).toEqual([])
    expect(finder.map((t) => JSON.parse(t))).toEqual([
      {
        v: 1,
        kind: 'result',
        type: 'error',
        id: '',
        error: expect.objectContaining({ code: 400 }),
      },
    ])
  })

  it('refuses a frame (rate limit) by its envelope without handling it', async () => {
    const request = vi.fn()
    const sent: string[] = []
    const e = new Endpoint({ channel: 'peer', handlers: { request }, send: (t) => sent.push(t) })
    e.refuse(
      JSON.stringify({ v: 1, kind: 'request', type: 'peer-keep-alive', id: 'k1' }),
      new OpenPeerError('ERR_RATE_LIMITED', 'slow down'),
    )
    e.refuse(
      JSON.stringify({ v: 1, kind: 'result', type: 'peer-keep-alive', id: 'k2' }),
      new OpenPeerError('ERR_RATE_LIMITED', 'slow down'),
    )
    expect(request).not.toHaveBeenCalled()
    expect(sent.map((t) => JSON.parse(t))).toEqual([
      expect.objectContaining({ id: 'k1', error: expect.objectContaining({ code: 429 }) }),
    ])
  })

  it('fails requests in flight on close, and refuses new ones with the same error', async () => {
    const { left } = pair({}, { request: () => new Promise<object>(() => {}) })
    const asked = left.request('peer-keep-alive', {})
    const closed = new OpenPeerError('ERR_SESSION_CLOSED', 'gone')
    left.close(closed)
    await expect(asked).rejects.toBe(closed)
    await expect(left.request('peer-keep-alive', {})).rejects.toBe(closed)
    expect(() => left.notify('session-close', { reason: 'x' })).toThrow(closed)
  })

  it('fails requests in flight but stays usable after failPending (a socket reconnecting)', async () => {
    let answer = false
    const { left } = pair({}, { request: () => (answer ? {} : new Promise<object>(() => {})) })
    const asked = left.request('peer-keep-alive', {})
    left.failPending(new OpenPeerError('ERR_FINDER_UNREACHABLE', 'closed'))
    await expect(asked).rejects.toMatchObject({ code: 'ERR_FINDER_UNREACHABLE' })
    answer = true
    await expect(left.request('peer-keep-alive', {})).resolves.toEqual({})
  })

  it('rejects at once when the transport cannot send', async () => {
    const e = new Endpoint({
      channel: 'finder',
      handlers: {},
      send: () => {
        throw new OpenPeerError('ERR_FINDER_UNREACHABLE', 'offline')
      },
    })
    await expect(e.request('session-keep-alive', {})).rejects.toMatchObject({
      code: 'ERR_FINDER_UNREACHABLE',
    })
  })
})
