import { afterEach, describe, expect, it } from 'vitest'
import type { OpenPeerClient } from '../../src/openpeer/index.ts'
import { makeClient, startFinder, until } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function pair(): Promise<{
  alice: OpenPeerClient
  bob: OpenPeerClient
  close: () => Promise<void>
}> {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const alice = await makeClient('Alice', domain)
  const bob = await makeClient('Bob', domain)
  cleanups.push(
    () => alice.stop(),
    () => bob.stop(),
  )
  const link = alice.inviteLink('http://app.test')
  const seenByAlice = until(alice, 'contact:state', (v) => v.state === 'connected')
  const contact = await bob.acceptInvite(link)
  expect(contact.state).toBe('connected')
  expect(contact.name).toBe('Alice')
  expect((await seenByAlice).name).toBe('Bob')
  return { alice, bob, close: () => server.close() }
}

describe('two Node clients over real WebRTC', () => {
  it('connect from an invite, chat both ways, and keep chatting and renegotiating after the finder is gone', async () => {
    const { alice, bob, close } = await pair()
    const aliceId = alice.identity()!.contactId
    const bobId = bob.identity()!.contactId

    const got = until(alice, 'message:received')
    const delivered = until(bob, 'message:state', (s) => s.state === 'delivered')
    const sent = await bob.sendMessage(aliceId, 'hello Alice')
    expect((await got).body).toBe('hello Alice')
    expect((await delivered).msgId).toBe(sent.msgId)

    const back = until(bob, 'message:received')
    await alice.sendMessage(bobId, 'hi Bob')
    expect((await back).body).toBe('hi Bob')

    const offline = until(alice, 'finder:state', (e) => e.state !== 'online')
    await close()
    await offline
    expect(alice.finderState()).not.toBe('online')

    const after = until(alice, 'message:received')
    await bob.sendMessage(aliceId, 'still here without the finder')
    expect((await after).body).toBe('still here without the finder')

    await bob.renegotiate(aliceId)
    await alice.renegotiate(bobId, { iceRestart: true })
    const last = until(bob, 'message:received')
    await alice.sendMessage(bobId, 'after renegotiation')
    expect((await last).body).toBe('after renegotiation')
    expect(alice.contacts()[0]?.state).toBe('connected')
  })

  it('read receipts travel back to the sender', async () => {
    const { alice, bob } = await pair()
    const got = until(alice, 'message:received')
    const sent = await bob.sendMessage(alice.identity()!.contactId, 'read me')
    const m = await got
    const read = until(bob, 'message:state', (s) => s.state === 'read')
    await alice.markRead(m.contactId, [m.msgId])
    expect((await read).msgId).toBe(sent.msgId)
  })
})
