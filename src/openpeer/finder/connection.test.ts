import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { SocketLike } from '../ports.ts'
import { FinderConnection } from './connection.ts'

/** A socket the test opens and closes by hand. */
class FakeSocket implements SocketLike {
  readyState = 0
  sent: string[] = []
  onopen: SocketLike['onopen'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  onmessage: SocketLike['onmessage'] = null
  send(data: string): void {
    this.sent.push(data)
  }
  close(): void {
    this.readyState = 3
    // As `ws` does when a socket still connecting is closed: it reports an error.
    queueMicrotask(() => {
      if (!this.onerror) throw new Error('closed before the connection was established')
      this.onerror({})
    })
  }
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }
  drop(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code, reason: '' })
  }
}

/** A connection to ws://finder.test/finder whose every socket is a FakeSocket, kept in order. */
function withFakeSockets(
  opts: Omit<ConstructorParameters<typeof FinderConnection>[0], 'url' | 'createSocket'>,
) {
  const sockets: FakeSocket[] = []
  const conn = new FinderConnection({
    url: 'ws://finder.test/finder',
    createSocket: () => {
      const s = new FakeSocket()
      sockets.push(s)
      return s
    },
    ...opts,
  })
  return { conn, sockets }
}

describe('FinderConnection', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('reconnects with exponential backoff and full jitter, and resets after a success', () => {
    const { conn, sockets } = withFakeSockets({
      minDelay: 100,
      maxDelay: 1000,
      random: () => 1, // the top of each jitter window
    })
    const states: string[] = []
    conn.on('state', (e) => states.push(e.state))
    conn.start()
    expect(sockets).toHaveLength(1)
    // Windows: 100, 200, 400, 800, then capped at 1000.
    for (const [i, wait] of [100, 200, 400, 800, 1000, 1000].entries()) {
      sockets[i]!.drop()
      vi.advanceTimersByTime(wait - 1)
      expect(sockets).toHaveLength(i + 1)
      vi.advanceTimersByTime(1)
      expect(sockets).toHaveLength(i + 2)
    }
    sockets.at(-1)!.open()
    expect(conn.online).toBe(true)
    sockets.at(-1)!.drop()
    vi.advanceTimersByTime(100)
    expect(sockets).toHaveLength(8)
    expect(states).toContain('online')
    conn.stop()
    conn.stop()
    vi.advanceTimersByTime(10_000)
    expect(sockets).toHaveLength(8)
    expect(conn.state).toBe('offline')
  })

  it("spreads over a cluster's finders and moves to another whenever its own fails", () => {
    const urls = ['ws://a.test/finder', 'ws://b.test/finder', 'ws://c.test/finder']
    const make = (random: number) => {
      const opened: string[] = []
      const sockets: FakeSocket[] = []
      const conn = new FinderConnection({
        url: 'ws://unused.test/finder',
        urls,
        createSocket: (url) => {
          opened.push(url)
          const s = new FakeSocket()
          sockets.push(s)
          return s
        },
        minDelay: 100,
        random: () => random,
      })
      conn.start()
      return { conn, opened, sockets }
    }
    // Where a client starts is random: different clients land on different nodes.
    expect(make(0).opened).toEqual(['ws://a.test/finder'])
    expect(make(0.99).opened).toEqual(['ws://c.test/finder'])

    const { conn, opened, sockets } = make(0.5)
    expect(opened).toEqual(['ws://b.test/finder'])
    sockets[0]!.open()
    sockets[0]!.drop() // node b died
    vi.advanceTimersByTime(100)
    expect(opened[1]).not.toBe('ws://b.test/finder')
    expect(conn.url).toBe(opened[1])
    expect(conn.relay.url).toBe(opened[1]!.replace('/finder', '/relay'))
    // Every node's relay: where an initiator on another node may ask this side to join it.
    expect(conn.relay.urls).toEqual(urls.map((url) => url.replace('/finder', '/relay')))
    sockets[1]!.open()
    // A socket that stopped answering is given up for another node too, at once.
    conn.restart('no answer')
    expect(opened).toHaveLength(3)
    expect(opened[2]).not.toBe(opened[1])
    conn.stop()
  })

  it('fails pending requests when the socket drops, with a coded error', async () => {
    const { conn, sockets } = withFakeSockets({})
    conn.start()
    sockets[0]!.open()
    const pending = conn.request('peer-file-get', { contactId: 'a'.repeat(64) })
    sockets[0]!.drop()
    await expect(pending).rejects.toMatchObject({ code: 'ERR_FINDER_UNREACHABLE' })
    await expect(conn.request('session-keep-alive', {})).rejects.toMatchObject({
      code: 'ERR_FINDER_UNREACHABLE',
    })
    conn.stop()
  })

  it('answers a request by id and ignores garbage frames', async () => {
    const socket = new FakeSocket()
    const conn = new FinderConnection({ url: 'ws://f/finder', createSocket: () => socket })
    conn.start()
    socket.open()
    const pending = conn.request('session-keep-alive', {})
    const id = (JSON.parse(socket.sent[0]!) as { id: string }).id
    socket.onmessage?.({ data: 'not json' })
    socket.onmessage?.({
      data: JSON.stringify({ v: 1, kind: 'result', type: 'session-keep-alive', id, expires: 5 }),
    })
    await expect(pending).resolves.toEqual({ expires: 5 })
    conn.stop()
  })

  it('a retryNow during an attempt: when that attempt fails, the next starts at once', () => {
    const { conn, sockets } = withFakeSockets({
      minDelay: 60_000,
      maxDelay: 60_000,
      random: () => 1,
    })
    conn.start()
    sockets[0]!.drop()
    // Offline, waiting out the backoff: retryNow connects at once.
    conn.retryNow()
    expect(sockets).toHaveLength(2)
    expect(conn.state).toBe('connecting')
    // The network changed again while that attempt is in flight; then the attempt fails.
    conn.retryNow()
    expect(sockets).toHaveLength(2)
    sockets[1]!.drop()
    expect(sockets).toHaveLength(3)
    sockets[2]!.open()
    expect(conn.online).toBe(true)
    // Asked once, used once: a later drop waits for the backoff again.
    sockets[2]!.drop()
    expect(sockets).toHaveLength(3)
    vi.advanceTimersByTime(60_000)
    expect(sockets).toHaveLength(4)
    conn.stop()
  })

  it('a retryNow during an attempt that succeeds is spent: a later failure waits for the backoff', () => {
    const { conn, sockets } = withFakeSockets({
      minDelay: 60_000,
      maxDelay: 60_000,
    })
    conn.start()
    conn.retryNow()
    sockets[0]!.open()
    sockets[0]!.drop()
    expect(sockets).toHaveLength(1)
    conn.stop()
  })

  it('stops while still connecting without an error escaping', async () => {
    const socket = new FakeSocket()
    const conn = new FinderConnection({
      url: 'ws://finder.test/finder',
      createSocket: () => socket,
    })
    conn.start()
    conn.stop()
    expect(conn.state).toBe('offline')
    // The error the socket reports after its close must land in a handler, not at the top level.
    await vi.runAllTimersAsync()
    await Promise.resolve()
  })
})
