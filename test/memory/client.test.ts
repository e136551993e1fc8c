import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import {
  createMemoryStores,
  createOpenPeerClient,
  type MemoryNetwork,
  type SocketLike,
} from '../../src/openpeer/index.ts'
import {
  createMemoryNetwork,
  idOf,
  memoryClient,
  memoryPorts,
  startFinder,
  until,
  withoutCard,
} from './harness.ts'
import { recordingProxy } from '../recording-proxy.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup() {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const network = createMemoryNetwork()
  return { server, domain, network }
}

async function connected(domain: string, network: MemoryNetwork) {
  const alice = await memoryClient('Alice', domain, network)
  const bob = await memoryClient('Bob', domain, network)
  cleanups.push(
    () => alice.stop(),
    () => bob.stop(),
  )
  const seenByAlice = until(alice, 'contact:state', (v) => v.state === 'connected')
  const pathByBob = until(bob, 'contact:state', (v) => v.path !== undefined && v.path !== 'unknown')
  const contact = await bob.acceptInvite(alice.inviteLink('http://app.test'))
  expect(contact).toMatchObject({ state: 'connected', name: 'Alice' })
  expect(await seenByAlice).toMatchObject({ name: 'Bob', state: 'connected' })
  expect((await pathByBob).path).toBe('direct')
  return { alice, bob }
}

describe('the client over an in-memory network', () => {
  it('connects from an invite and chats both ways with delivered and read marks', async () => {
    const { domain, network } = await setup()
    const { alice, bob } = await connected(domain, network)

    const got = until(alice, 'message:received')
    const delivered = until(bob, 'message:state', (s) => s.state === 'delivered')
    const sent = await bob.sendMessage(idOf(alice), 'hello Alice')
    const m = await got
    expect(m).toMatchObject({ body: 'hello Alice', contactId: idOf(bob), msgId: sent.msgId })
    expect((await delivered).msgId).toBe(sent.msgId)

    const read = until(bob, 'message:state', (s) => s.state === 'read')
    await alice.markRead(m.contactId, [m.msgId])
    expect((await read).msgId).toBe(sent.msgId)

    const back = until(bob, 'message:received')
    await alice.sendMessage(idOf(bob), 'hi Bob')
    expect((await back).body).toBe('hi Bob')
  })

  it('keeps chatting and renegotiating over the session after the finder is gone', async () => {
    const { server, domain, network } = await setup()
    const { alice, bob } = await connected(domain, network)
    const offline = until(alice, 'finder:state', (e) => e.state !== 'online')
    await server.close()
    await offline

    const after = until(alice, 'message:received')
    await bob.sendMessage(idOf(alice), 'still here without the finder')
    expect((await after).body).toBe('still here without the finder')

    await bob.renegotiate(idOf(alice))
    await alice.renegotiate(idOf(bob), { iceRestart: true })
    const last = until(bob, 'message:received')
    await alice.sendMessage(idOf(bob), 'after renegotiation')
    expect((await last).body).toBe('after renegotiation')
    expect(alice.contacts()[0]?.state).toBe('connected')
  })

  it('moves every session to a new network: either side noticing the change restarts ICE', async () => {
    const { domain, network } = await setup()
    const { alice, bob } = await connected(domain, network)
    // Bob found Alice, so Alice (the target, who answers a find with an offer) is the offerer:
    // Bob, the answerer, has to ask her over the control channel for the restart.
    const offerer = network.peers.find((p) => p.initiator && p.connected)!
    expect(offerer.iceRestarts).toBe(0)
    for (const [who, n] of [
      [bob, 1],
      [alice, 2],
    ] as const) {
      const negotiated = new Promise((r) => offerer.once('negotiated', r))
      who.networkChanged()
      await negotiated
      expect(offerer.iceRestarts).toBe(n)
    }
    const after = until(alice, 'message:received')
    await bob.sendMessage(idOf(alice), 'on the new network')
    expect((await after).body).toBe('on the new network')
    expect(alice.contacts()[0]?.state).toBe('connected')
  })

  it('keeps a message written to an offline contact and delivers it when they come back', async () => {
    const { domain, network } = await setup()
    const stores = createMemoryStores()
    const alice = await memoryClient('Alice', domain, network, stores)
    const bob = await memoryClient('Bob', domain, network)
    cleanups.push(() => bob.stop())
    await bob.acceptInvite(alice.inviteLink('http://app.test'))

    const gone = until(bob, 'contact:state', (v) => v.state === 'offline')
    await alice.stop()
    await gone
    const sent = await bob.sendMessage(idOf(alice), 'while you were away')
    const delivered = until(
      bob,
      'message:state',
      (s) => s.msgId === sent.msgId && s.state === 'delivered',
      10_000,
    )

    // The same profile starts again (a reload): same stores, a new client.
    const again = createOpenPeerClient(memoryPorts(network, stores), {
      domain,
      locationLabel: 'memory Alice',
      finder: { minDelay: 20, maxDelay: 200 },
    })
    cleanups.push(() => again.stop())
    const got = until(again, 'message:received', (m) => m.msgId === sent.msgId, 10_000)
    await again.load()
    again.start()
    expect((await got).body).toBe('while you were away')
    await delivered
  })

  it('reports a caller abort of an invite as ERR_ABORTED, and an invite for nobody as ERR_NOT_FOUND', async () => {
    const { domain, network } = await setup()
    const alice = await memoryClient('Alice', domain, network)
    const bob = await memoryClient('Bob', domain, network)
    cleanups.push(
      () => alice.stop(),
      () => bob.stop(),
    )
    const c = new AbortController()
    const opening = bob.acceptInvite(alice.inviteLink('http://app.test'), { signal: c.signal })
    c.abort()
    await expect(opening).rejects.toMatchObject({ code: 'ERR_ABORTED' })

    // A link whose contact id was changed no longer matches the card it carries; an older link
    // without a card asks the finder, which knows nobody by that id.
    const nobody = alice.inviteLink('http://app.test').replace(idOf(alice), 'f'.repeat(64))
    await expect(bob.acceptInvite(nobody)).rejects.toMatchObject({
      code: 'ERR_INVITE',
      message: expect.stringMatching(/damaged: the card it carries is not this contact's/),
    })
    await expect(bob.acceptInvite(withoutCard(nobody))).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
    })
  })
})

describe('a finder socket that died without a close', () => {
  it('is noticed by the heartbeat and replaced, and the client never stays "online" over it', async () => {
    const { domain, network } = await setup()
    // The first socket turns into a black hole: it stays "open" but nothing crosses it.
    let first: { dead: boolean } | undefined
    const createSocket = (url: string): SocketLike => {
      const ws = new WebSocket(url)
      const state = { dead: false }
      first ??= state
      const facade: SocketLike = {
        get readyState() {
          return ws.readyState
        },
        send: (data) => void (!state.dead && ws.send(data)),
        close: (code, reason) => ws.close(code, reason),
        onopen: null,
        onclose: null,
        onerror: null,
        onmessage: null,
      }
      ws.onopen = (e) => facade.onopen?.(e)
      ws.onclose = (e) => facade.onclose?.(e)
      ws.onerror = (e) => facade.onerror?.(e)
      ws.onmessage = (e) => void (!state.dead && facade.onmessage?.({ data: e.data }))
      return facade
    }
    const alice = await memoryClient(
      'Alice',
      domain,
      network,
      { createSocket },
      {
        finder: { minDelay: 20, maxDelay: 200, heartbeat: { every: 200, timeout: 150 } },
      },
    )
    cleanups.push(() => alice.stop())
    const states: string[] = []
    alice.on('finder:state', (e) => states.push(e.state))
    first!.dead = true
    await until(alice, 'finder:state', (e) => e.state === 'offline', 2_000)
    await until(alice, 'finder:state', (e) => e.state === 'online', 2_000)
    expect(states.slice(0, 2)).toEqual(['offline', 'connecting'])
    // Still reachable: someone can open her invite on the new socket.
    const bob = await memoryClient('Bob', domain, network)
    cleanups.push(() => bob.stop())
    await expect(bob.acceptInvite(alice.inviteLink('http://app.test'))).resolves.toMatchObject({
      state: 'connected',
    })
  })
})

/** Alice and Bob at a finder whose frames are recorded. */
async function recordedPair() {
  const { server } = await startFinder()
  cleanups.push(() => server.close())
  const proxy = await recordingProxy(server.address().port)
  cleanups.push(() => proxy.close())
  const network = createMemoryNetwork()
  const alice = await memoryClient('Alice', proxy.domain, network)
  const bob = await memoryClient('Bob', proxy.domain, network)
  cleanups.push(
    () => alice.stop(),
    () => bob.stop(),
  )
  return { proxy, alice, bob }
}

describe('an invite link pasted before it is opened', () => {
  it('has its card fetched and checked ahead: opening it asks the finder for the card no more', async () => {
    const { proxy, alice, bob } = await recordedPair()
    const cardRequests = () =>
      proxy.frames.filter(
        (f) => f.dir === 'in' && (JSON.parse(f.text) as { type?: string }).type === 'peer-file-get',
      ).length
    // A link made before links carried the card.
    const link = withoutCard(alice.inviteLink('http://app.test'))
    // Half a link while it is being typed, and then the whole one.
    bob.prefetchInvite(link.slice(0, 30))
    bob.prefetchInvite(link)
    await expect.poll(cardRequests).toBe(1)
    expect(await bob.acceptInvite(link)).toMatchObject({ state: 'connected', name: 'Alice' })
    expect(cardRequests()).toBe(1)
  })

  it('carries its card: neither pasting nor opening it asks the finder for one', async () => {
    const { proxy, alice, bob } = await recordedPair()
    const types = () => proxy.frames.map((f) => (JSON.parse(f.text) as { type?: string }).type)
    const link = alice.inviteLink('http://app.test')
    bob.prefetchInvite(link)
    expect(await bob.acceptInvite(link)).toMatchObject({ state: 'connected', name: 'Alice' })
    expect(types()).toContain('peer-location-find')
    expect(types()).not.toContain('peer-file-get')
  })
})
